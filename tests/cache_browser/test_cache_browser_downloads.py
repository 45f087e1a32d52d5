"""CacheBrowser downloads in this kernel (no browser): through the message path into a real
cache, with the progress the kernel sends to the front end recorded; cancel; hash mismatch;
verify and delete; shutdown; and the same flow against SeaweedFS (a real S3 server). Downloads
through the Jupyter server are in test_cache_browser_server.py."""

from __future__ import annotations

import threading
import time

import pytest
from vbn_testing.messages import ask
from vbn_testing.publish import publish_release
from vbn_testing.seaweed import SeaweedS3
from vbn_testing.tamper import copy_release, replace_file
from vbn_testing.workers import SlowMirror

from vbn_widgets.cache_browser import CacheBrowser
from vbn_widgets.cache_browser.lookup import find_file
from vbn_widgets.data import VBNCache
from vbn_widgets.data.download import RetryPolicy
from vbn_widgets.data.sources import MirrorSource, Stream, TransientSourceError

BUCKET = "visual-behavior-neuropixels-data"


def updates(sent, trait):
    """Every value of a trait the kernel sent to the front end, in order."""
    return [
        d["state"][trait]
        for kind, d, _ in sent
        if kind == "comm_msg" and d.get("method") == "update" and trait in d.get("state", {})
    ]


def wait_for(predicate, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class GatedMirror(MirrorSource):
    """Sends the first chunk of an NWB file, then holds the rest until ``gate`` is set (the
    metadata tables flow freely: the catalog reads the session tables)."""

    def __init__(self, root, chunk=4096):
        super().__init__(root)
        self.gate = threading.Event()
        self.started = threading.Event()
        self.chunk = chunk

    def open(self, entry, start=0):
        inner = super().open(entry, start)
        data = b"".join(inner.chunks)

        def held():
            for offset in range(0, len(data), self.chunk):
                if offset and entry.key.endswith(".nwb"):
                    self.started.set()
                    self.gate.wait()
                yield data[offset : offset + self.chunk]

        return Stream(held(), inner.start, inner.total)


def first_session(browser, sent):
    ask(browser, sent, "toggle", row="g:ecephys")
    rows = ask(browser, sent, "rows", offset=0, limit=200)["rows"]
    return next(r for r in rows if r["kind"] == "session")


def session_files(browser, session_id):
    return list(browser._tree.sessions[session_id].files)


def key_of(browser, ref):
    return find_file(browser._tree, ref).key


def task_done(browser):
    wait_for(lambda: browser.task is not None and not browser.task["active"], "the task to end")
    return browser.task


def test_download_through_messages_runs_in_background(demo_release, tmp_path, sent):
    cache = VBNCache(tmp_path / "cache", source=SlowMirror(demo_release, delay=0.03, chunk=4096))
    browser = CacheBrowser(cache, max_workers=2)
    try:
        wait_for(lambda: browser.totals["sizes_pending"] == 0, "sizes")
        session = first_session(browser, sent)
        sid = int(session["label"])
        files = session_files(browser, sid)
        assert ask(browser, sent, "select", rows=[session["id"]], on=True)["kind"] == "select:ok"
        sent.clear()
        reply = ask(browser, sent, "download")
        assert reply["kind"] == "download:ok" and len(reply["jobs"]) == len(files)
        # the request returned while the files are still on their way: the kernel is free
        assert browser.transfer["active"] is True
        assert {j["state"] for j in browser.jobs} <= {"queued", "running"}
        assert ask(browser, sent, "rows", offset=0, limit=5)["kind"] == "rows:ok"
        states = browser.wait(timeout=120)
        assert states == {f.key: "verified" for f in files}

        for f in files:
            assert cache.file_status(f.ref).state.value == "verified"
            assert browser._tree.local[f.key][0] == "verified"
        rows = {r["id"]: r for r in ask(browser, sent, "rows", offset=0, limit=200)["rows"]}
        assert rows[session["id"]]["state"] == {"verified": len(files), "total": len(files)}
        assert rows[session["id"]]["job"]["state"] == "done"
        assert browser.totals["to_download_files"] == 0
        assert browser.preview_summary is None
        assert browser.preview([sid])["to_download_files"] == 0  # nothing left of it
        size = sum(browser._tree.sizes[f.key] for f in files)
        (batch,) = browser.transfer["batches"]
        assert browser.transfer["active"] is False
        assert batch == {
            **batch,
            "label": f"the selection ({len(files)} files)",
            "origin": "kernel",
            "state": "done",
            "files": len(files),
            "files_done": len(files),
            "files_failed": 0,
            "files_cancelled": 0,
            "files_active": 0,
            "bytes_done": size,
            "bytes_total": size,
            "rate": None,
            "eta_s": None,
            "error": None,
        }
        assert sorted(reply["jobs"]) == sorted(j["id"] for j in browser.jobs)
        assert {j["state"] for j in browser.jobs} == {"done"}
        # what the front end was sent: the ticker pushed progress as it came, never backwards
        batches = [t["batches"][0] for t in updates(sent, "transfer") if t["batches"]]
        done = [b["bytes_done"] for b in batches]
        assert len(batches) >= 3
        assert done == sorted(done) and done[-1] == size
        assert {b["bytes_total"] for b in batches} == {size}  # the sizes were known beforehand
        assert any(b["state"] == "running" and 0 < b["bytes_done"] < size for b in batches)
        assert any(b["rate"] for b in batches if b["state"] == "running")
        revisions = updates(sent, "revision")
        assert revisions == sorted(revisions)
    finally:
        browser.close()


def test_trait_writes_from_every_thread_hold_the_lock(demo_release, tmp_path, sent):
    cache = VBNCache(tmp_path / "cache", source=SlowMirror(demo_release, delay=0.005, chunk=2048))
    browser = CacheBrowser(cache, max_workers=2)
    unlocked = []
    writers = set()
    original = browser.set_trait

    def checked(name, value):
        writers.add(threading.current_thread().name)
        if not browser._lock._is_owned():
            unlocked.append((threading.current_thread().name, name))
        return original(name, value)

    browser.set_trait = checked
    try:
        ask(browser, sent, "toggle", row="g:ecephys")
        ask(browser, sent, "select", rows=["g:ecephys"], on=True)
        assert ask(browser, sent, "download")["kind"] == "download:ok"
        while browser.transfer["active"]:  # the kernel keeps answering while files arrive
            for kind, fields in (("rows", {"offset": 0, "limit": 50}), ("search", {"text": ""})):
                assert ask(browser, sent, kind, **fields)["kind"] == f"{kind}:ok"
        browser.wait(timeout=120)
        units = key_of(browser, "ecephys_sessions")
        assert ask(browser, sent, "verify", rows=[f"f:{units}"])["kind"] == "verify:ok"
        assert task_done(browser)["results"] == {"verified": 1}
    finally:
        browser.close()
    assert unlocked == []
    assert "vbn-cache-browser" in writers  # the ticker thread did publish
    assert threading.main_thread().name in writers


def test_cancel_mid_file_leaves_nothing_then_download_completes(demo_release, tmp_path, sent):
    source = GatedMirror(demo_release)
    cache = VBNCache(tmp_path / "cache", source=source)
    browser = CacheBrowser(cache)
    try:
        session = first_session(browser, sent)
        nwb = session_files(browser, int(session["label"]))[0]
        final = cache.local_path(nwb.ref)
        (job,) = browser.download(files=[nwb])
        assert source.started.wait(30)
        reply = ask(browser, sent, "cancel", job=job.id)
        assert reply["kind"] == "cancel:ok"
        source.gate.set()
        assert browser.wait(timeout=60)[nwb.key] in ("partial", "missing")
        assert browser._book.jobs[job.id]["state"] == "cancelled"
        assert not final.exists()
        assert browser._tree.local[nwb.key][0] in ("partial", "missing")
        assert browser.transfer["active"] is False
        assert browser.transfer["batches"][0]["state"] == "cancelled"
        (again,) = browser.download(files=[nwb.key])
        assert browser.wait(timeout=60) == {nwb.key: "verified"}
        assert browser._book.jobs[again.id]["state"] == "done"
        assert browser.verify(nwb.ref).value == "verified"
        ask(browser, sent, "toggle", row=session["id"])
        rows = ask(browser, sent, "rows", offset=0, limit=200)["rows"]
        row = next(r for r in rows if r["id"] == f"f:{nwb.key}")
        assert row["state"] == "verified" and row["job"]["id"] == again.id
    finally:
        source.gate.set()
        browser.close()


def test_cancel_all_through_messages(demo_release, tmp_path, sent):
    source = GatedMirror(demo_release)
    browser = CacheBrowser(VBNCache(tmp_path / "cache", source=source), max_workers=1)
    try:
        session = first_session(browser, sent)
        jobs = browser.download(sessions=[int(session["label"])])
        assert source.started.wait(30)
        reply = ask(browser, sent, "cancel")
        assert reply == {"kind": "cancel:ok", "cancelled": len(jobs), "id": "r-cancel"}
        source.gate.set()
        assert set(browser.wait(timeout=60).values()) <= {"partial", "missing"}
        assert {browser._book.jobs[j.id]["state"] for j in jobs} == {"cancelled"}
        (batch,) = browser.transfer["batches"]
        assert not browser.transfer["active"] and batch["state"] == "cancelled"
        assert batch["files_cancelled"] == len(jobs) and batch["files_done"] == 0
    finally:
        source.gate.set()
        browser.close()


def test_hash_mismatch_marks_the_file_corrupt(demo_release, tmp_path, sent):
    release = copy_release(demo_release, tmp_path / "release")
    probe = VBNCache.from_mirror(release, tmp_path / "probe")
    entry = next(e for e in probe.manifest.data_files.values() if e.key.endswith("_lfp.nwb"))
    replace_file(release, entry.key, b"not the bytes the manifest hashed", fix_manifests=False)
    cache = VBNCache.from_mirror(release, tmp_path / "cache")
    browser = CacheBrowser(cache)
    try:
        reply = ask(browser, sent, "download", rows=[f"f:{entry.key}"])
        assert reply["kind"] == "download:ok"
        assert browser.wait(timeout=60) == {entry.key: "corrupt"}
        row = browser._tree.row(f"f:{entry.key}")
        assert row["state"] == "corrupt"
        assert row["job"]["state"] == "failed"
        assert row["job"]["error_kind"] == "hash-mismatch"
        assert "BLAKE2b" in row["job"]["error"] and entry.key in row["job"]["error"]
        assert not cache.local_path(int(entry.name)).exists()
        assert browser.transfer["batches"][0]["files_failed"] == 1
        assert browser.transfer["batches"][0]["state"] == "failed"
        session = browser._tree.row(f"s:{browser._tree.files[entry.key].session_id}")
        assert (
            session["job"]["state"] == "failed" and "1 of 1 files failed" in session["job"]["error"]
        )
    finally:
        browser.close()


class CutMirror(MirrorSource):
    """The connection drops after the first chunk of every NWB file."""

    def open(self, entry, start=0):
        inner = super().open(entry, start)
        if not entry.key.endswith(".nwb"):
            return inner
        data = b"".join(inner.chunks)

        def cut():
            yield data[:1024]
            raise TransientSourceError(f"{entry.key}: connection reset by peer")

        return Stream(cut(), inner.start, inner.total)


def test_network_failure_shows_against_the_file(demo_release, tmp_path, sent):
    cache = VBNCache(
        tmp_path / "cache", source=CutMirror(demo_release), retry=RetryPolicy(2, 0.01, 0.02)
    )
    browser = CacheBrowser(cache)
    try:
        session = first_session(browser, sent)
        nwb = session_files(browser, int(session["label"]))[0]
        ask(browser, sent, "download", rows=[f"f:{nwb.key}"])
        assert browser.wait(timeout=60) == {nwb.key: "partial"}
        row = browser._tree.row(f"f:{nwb.key}")
        assert row["job"]["state"] == "failed" and row["job"]["error_kind"] == "network"
        assert nwb.key in row["job"]["error"] and "gave up after 2 attempts" in row["job"]["error"]
        assert row["state"] == "partial"  # the bytes so far stay for a resume
        assert not cache.local_path(nwb.ref).exists()
        failed = [j for j in browser.jobs if j["state"] == "failed"]
        assert [j["key"] for j in failed] == [nwb.key]
    finally:
        browser.close()


def test_verify_and_delete(demo_release, tmp_path, sent):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "cache")
    browser = CacheBrowser(cache)
    try:
        path = cache.download("probes")
        browser.refresh()
        key = key_of(browser, "probes")
        assert browser._tree.local[key][0] == "verified"
        assert ask(browser, sent, "verify", rows=[f"f:{key}"])["kind"] == "verify:ok"
        assert task_done(browser)["results"] == {"verified": 1}  # "still verified" is shown
        path.write_bytes(b"changed behind our back")
        assert ask(browser, sent, "verify", rows=[f"f:{key}"])["kind"] == "verify:ok"
        wait_for(lambda: browser._tree.local[key][0] == "corrupt", "the re-hash off the kernel")
        assert task_done(browser)["results"] == {"corrupt": 1}
        assert browser.verify("probes").value == "corrupt"
        reply = ask(browser, sent, "delete", rows=[f"f:{key}"])
        assert reply == {"kind": "delete:ok", "id": "r-delete"}
        assert task_done(browser)["results"] == {"deleted": 1}
        assert not path.exists()
        assert browser._tree.local[key] == ("missing", 0)
        assert browser.delete("probes") is False
    finally:
        browser.close()


def test_delete_refused_while_downloading(demo_release, tmp_path, sent):
    source = GatedMirror(demo_release)
    browser = CacheBrowser(VBNCache(tmp_path / "cache", source=source))
    try:
        session = first_session(browser, sent)
        nwb = session_files(browser, int(session["label"]))[0]
        browser.download(files=[nwb])
        assert source.started.wait(30)
        reply = ask(browser, sent, "delete", rows=[f"f:{nwb.key}"])
        assert reply["kind"] == "error" and "cancel it first" in reply["message"]
        assert nwb.key in reply["message"]
        with pytest.raises(ValueError, match="cancel it first"):
            browser.delete(sessions=[int(session["label"])])
        assert browser.task is None  # nothing started
    finally:
        source.gate.set()
        browser.close()


def test_close_stops_the_ticker_and_cancels_running_jobs(demo_release, tmp_path, sent):
    source = GatedMirror(demo_release)
    cache = VBNCache(tmp_path / "cache", source=source)
    browser = CacheBrowser(cache)
    session = first_session(browser, sent)
    nwb = session_files(browser, int(session["label"]))[0]
    (job,) = browser.download(files=[nwb])
    assert source.started.wait(30)
    ticker = browser._ticker
    closer = threading.Thread(target=browser.close)
    closer.start()
    time.sleep(0.05)
    source.gate.set()  # let the worker see its cancel
    closer.join(60)
    assert not closer.is_alive()
    assert not ticker.alive
    assert browser._queue.get(job.id).state.value == "cancelled"
    assert not cache.local_path(nwb.ref).exists()
    browser.close()  # twice is fine


@pytest.mark.s3
def test_download_from_seaweedfs_records_progress(demo_release, tmp_path, sent):
    with SeaweedS3(base_dir=tmp_path / "seaweed") as s3:
        s3.create_versioned_bucket(BUCKET)
        publish_release(demo_release, s3.admin_client(), BUCKET)
        cache = VBNCache.from_s3_cache(tmp_path / "cache", endpoint_url=s3.endpoint_url)
        browser = CacheBrowser(cache)
        try:
            assert browser.source["kind"] == "s3"
            wait_for(lambda: browser.totals["sizes_pending"] == 0, "sizes from S3")
            session = first_session(browser, sent)
            files = session_files(browser, int(session["label"]))
            sent.clear()
            reply = ask(browser, sent, "download", rows=[session["id"]])
            assert len(reply["jobs"]) == len(files)
            assert set(browser.wait(timeout=120).values()) == {"verified"}
            size = sum((demo_release / f.key).stat().st_size for f in files)
            batches = [t["batches"][0] for t in updates(sent, "transfer") if t["batches"]]
            done = [b["bytes_done"] for b in batches]
            assert done == sorted(done) and done[-1] == size == batches[-1]["bytes_total"]
            # per file: the jobs the front end saw only ever grew, up to the file's size
            for f in files:
                seen = [
                    j["bytes_done"]
                    for jobs in updates(sent, "jobs")
                    for j in jobs
                    if j["key"] == f.key
                ]
                assert seen == sorted(seen) and seen[-1] == (demo_release / f.key).stat().st_size
                assert cache.file_status(f.ref).state.value == "verified"
        finally:
            browser.close()
