"""CacheBrowser with the Jupyter server's download manager (no browser, no HTTP): the real
``DownloadManager`` runs in this process and keeps its job board in the cache folder; ``Page``
plays the page's part (it turns the kernel's ``server-request`` messages into the manager calls
the REST API makes, one each). The kernel follows the server's downloads through the job board
alone: ``wait()`` works while the page's answers cannot reach a busy kernel."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from vbn_testing.messages import ask, custom, replies

from vbn_widgets.cache_browser import CacheBrowser, widget
from vbn_widgets.data import VBNCache
from vbn_widgets.data.sources import MirrorSource, Stream
from vbn_widgets.server.manager import DownloadManager


def request(browser, sent, kind: str, **fields) -> dict:
    """``ask`` for a request whose handling also sends the page a server request."""
    custom(browser, {"kind": kind, "id": f"r-{kind}", **fields})
    (reply,) = [m for m in replies(sent) if m.get("id") == f"r-{kind}"][-1:]
    return reply


class Page:
    """Does what the page does with the kernel's server requests (see cache_server.js)."""

    def __init__(self, browser, sent, manager, *, answer: bool = True) -> None:
        self.browser, self.sent, self.manager, self.answer = browser, sent, manager, answer
        self.done = 0
        self.calls: list[str] = []

    def step(self) -> None:
        requests = [m for m in replies(self.sent) if m.get("kind") == "server-request"]
        for msg in requests[self.done :]:
            self.done += 1
            cache = self.browser.cache_dir
            if msg["action"] == "enqueue":
                self.calls.append(f"POST downloads ({len(msg['plan']['files'])} files)")
                reply = self.manager.enqueue({**msg["plan"], "answer": "batch"})
                if self.answer:
                    self.tell(msg["request"], batch=reply["batch"]["id"])
            elif msg.get("all"):
                self.calls.append("POST cancel (all)")
                self.manager.cancel_many({"cache": cache})
            else:
                keys = set(msg["keys"])
                ids = set(msg["jobs"])
                if keys:
                    self.calls.append("GET downloads (active)")
                    ids |= {
                        j["id"]
                        for j in self.manager.jobs(cache, None, "queued,running")
                        if j["key"] in keys
                    }
                if ids:
                    self.calls.append(f"POST cancel ({len(ids)} jobs)")
                    self.manager.cancel_many({"cache": cache, "jobs": sorted(ids)})

    def tell(self, request: str, **fields) -> None:
        custom(self.browser, {"kind": "server-answer", "id": "a", "request": request, **fields})


@pytest.fixture
def gate(monkeypatch):
    """Holds every NWB transfer after its first chunk until set (the source is not under test)."""
    opened = threading.Event()
    gate = threading.Event()
    real_open = MirrorSource.open

    def held_open(self, entry, start=0):
        inner = real_open(self, entry, start)
        if not entry.key.endswith(".nwb"):
            return inner
        data = b"".join(inner.chunks)

        def chunks():
            for offset in range(0, len(data), 64):
                if offset:
                    opened.set()
                    gate.wait()
                yield data[offset : offset + 64]

        return Stream(chunks(), inner.start, inner.total)

    monkeypatch.setattr(MirrorSource, "open", held_open)
    gate.opened = opened
    yield gate
    gate.set()


@pytest.fixture
def server(tmp_path):
    manager = DownloadManager([tmp_path], max_workers=2)
    yield manager
    manager.shutdown()


@pytest.fixture
def browser(demo_release, tmp_path, sent):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "cache")
    widget_ = CacheBrowser(cache)
    assert ask(widget_, sent, "backend", server=True)["backend"] == "server"
    yield widget_
    widget_.close()


def test_a_server_download_is_followed_on_the_job_board_and_waited_for(browser, sent, server):
    page = Page(browser, sent, server, answer=False)  # the kernel is busy: no answer reaches it
    sid = browser._tree.catalog.ecephys[0].session_id
    files = [f.key for f in browser._tree.sessions[sid].files]
    assert browser.preview([sid])["to_download_files"] == len(files)
    assert browser.download(sessions=[sid]) == []  # nothing runs in this kernel
    assert browser.transfer["batches"][0]["state"] == "requested"
    assert browser._tree.row(f"s:{sid}")["job"]["state"] == "queued"
    page.step()
    states = browser.wait(timeout=60)
    assert states == dict.fromkeys(files, "verified")
    assert page.calls == [f"POST downloads ({len(files)} files)"]
    (batch,) = browser.transfer["batches"]
    assert batch["origin"] == "server" and batch["state"] == "done"
    assert (batch["files"], batch["files_done"]) == (len(files), len(files))
    assert batch["bytes_done"] == batch["bytes_total"] > 0
    assert browser._queue.jobs() == []  # the kernel's own queue never ran a job
    assert browser.preview_summary["to_download_files"] == 0  # the preview follows
    row = browser._tree.row(f"s:{sid}")
    assert row["state"] == {"verified": len(files), "total": len(files)}
    assert browser.cache.file_status(browser._tree.files[files[0]].ref).state.value == "verified"


def test_cancel_all_is_one_request_and_wait_returns(browser, sent, server, gate):
    page = Page(browser, sent, server)
    behavior = [f for s in browser._tree.catalog.behavior for f in s.files]
    reply = request(browser, sent, "download", rows=["g:behavior"])
    assert reply == {"kind": "download:ok", "jobs": [], "backend": "server", "id": "r-download"}
    page.step()
    assert gate.opened.wait(30)
    reply = request(browser, sent, "cancel")
    assert reply["kind"] == "cancel:ok"
    page.step()
    assert page.calls == [f"POST downloads ({len(behavior)} files)", "POST cancel (all)"]
    gate.set()
    states = browser.wait(timeout=60)
    assert set(states) == {f.key for f in behavior}
    assert set(states.values()) <= {"missing", "partial", "verified"}
    assert not server.queue().active(browser.cache_dir)
    (batch,) = browser.transfer["batches"]
    assert batch["state"] == "cancelled" and batch["files_cancelled"] > 0
    assert batch["label"] == "Behavior-only sessions"
    for f in behavior:  # nothing partial under a final name
        path = browser._tree.local_path(f.key)
        assert states[f.key] != "verified" or path.is_file()
        assert states[f.key] == "verified" or not path.exists()


def test_cancel_rows_asks_for_the_files_jobs_in_one_call(browser, sent, server, gate):
    page = Page(browser, sent, server)
    sessions = browser._tree.catalog.behavior[:3]
    browser.download(sessions=[s.session_id for s in sessions])
    page.step()
    assert gate.opened.wait(30)
    first = sessions[0]
    browser.cancel(sessions=[first.session_id])
    page.step()
    assert page.calls[1:] == ["GET downloads (active)", "POST cancel (1 jobs)"]
    gate.set()
    states = browser.wait(timeout=60)
    assert states[first.files[0].key] in ("missing", "partial")
    assert [states[s.files[0].key] for s in sessions[1:]] == ["verified", "verified"]


def test_a_request_the_server_never_gets_fails_with_a_reason(browser, sent, monkeypatch, caplog):
    monkeypatch.setattr(widget, "REQUEST_TIMEOUT", 0.3)  # no page: nobody calls the server
    sid = browser._tree.catalog.ecephys[0].session_id
    browser.download(sessions=[sid])
    with pytest.warns(UserWarning, match="must be open"), caplog.at_level(logging.WARNING):
        states = browser.wait(timeout=30)
    assert set(states.values()) == {"missing"}
    assert "must be open" in browser.error
    (batch,) = browser.transfer["batches"]
    assert batch["state"] == "failed" and "must be open" in batch["error"]
    assert browser._tree.row(f"s:{sid}")["job"] is None  # no "queued" left behind


def test_a_refused_request_shows_the_servers_message(browser, sent, server):
    page = Page(browser, sent, server, answer=False)
    browser.download(files=["units"])
    (msg,) = [m for m in replies(sent) if m.get("kind") == "server-request"]
    page.done = 1
    page.tell(msg["request"], error="manifest: x is not in /cache")
    assert browser.error == "the Jupyter server refused: manifest: x is not in /cache"
    with pytest.warns(UserWarning, match="not in /cache"):
        assert browser.wait(timeout=10) == {browser._tree.by_ref["units"].key: "missing"}
    assert browser.transfer["batches"][0]["state"] == "failed"


def test_downloads_started_elsewhere_are_shown_and_waited_for(browser, sent, server):
    """Another notebook (or this one before a kernel restart) asked the server directly."""
    sid = browser._tree.catalog.ecephys[1].session_id
    refs = [f.ref for f in browser._tree.sessions[sid].files]
    server.enqueue({"cache": browser.cache_dir, "manifest": browser.current, "files": refs})
    deadline = time.monotonic() + 60
    while not browser.transfer["batches"] and time.monotonic() < deadline:
        time.sleep(0.02)  # the board is written a moment later
    assert browser.wait(timeout=60) == {}  # nothing of this browser's own
    (batch,) = browser.transfer["batches"]
    assert batch["origin"] == "elsewhere" and batch["state"] == "done"
    assert batch["files_done"] == len(refs)
    row = browser._tree.row(f"s:{sid}")
    assert row["state"] == {"verified": len(refs), "total": len(refs)}
