"""CacheBrowser's Python side on the demo release: tree, sizes, selection, totals, preview,
manifest versions, search, and validation of every front-end message (no browser)."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from vbn_testing.messages import ask, custom, replies

from vbn_widgets.cache_browser import CacheBrowser
from vbn_widgets.data import VBNCache
from vbn_widgets.data.errors import ReadOnlyCacheError

XSS = "<img src=x onerror=alert(1)>"


def wait_for(predicate, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def cache(demo_release, tmp_path):
    return VBNCache.from_mirror(demo_release, tmp_path / "cache")


@pytest.fixture
def browser(cache, sent):
    widget = CacheBrowser(cache, title="demo")
    yield widget
    widget.close()


def all_rows(widget, sent):
    return ask(widget, sent, "rows", offset=0, limit=200)["rows"]


def expand(widget, sent, row_id):
    assert ask(widget, sent, "toggle", row=row_id)["kind"] == "toggle:ok"


def mirror_size(release, key):
    return (release / key).stat().st_size


def test_tree_groups_metadata_sessions_and_files(browser, sent, cache):
    rows = all_rows(browser, sent)
    assert [r["id"] for r in rows[:1]] == ["g:metadata"]
    metadata = [r for r in rows if r["level"] == 1]
    assert sorted(r["label"] for r in metadata) == sorted(
        f"{t}.csv" for t in ("units", "probes", "channels", "ecephys_sessions", "behavior_sessions")
    )
    groups = [r for r in rows if r["kind"] == "group"]
    assert [g["id"] for g in groups] == ["g:metadata", "g:ecephys", "g:behavior"]
    assert [g["expanded"] for g in groups] == [True, False, False]
    assert browser.row_count == len(rows) == 8

    sessions = cache.get_ecephys_session_table(filter_abnormalities=False)
    data = cache.manifest.data_files.values()
    nwb = [e for e in data if e.key.endswith(".nwb") and "/ecephys_session_" in e.key]
    behavior_only = [e for e in data if "behavior_only_sessions/" in e.key]
    expand(browser, sent, "g:ecephys")
    rows = all_rows(browser, sent)
    session_rows = [r for r in rows if r["kind"] == "session"]
    assert len(session_rows) == len(nwb) == len(sessions)
    first = session_rows[0]
    sid = int(first["label"])
    assert first["meta"]["mouse_id"] == str(sessions.loc[sid, "mouse_id"])
    assert first["meta"]["genotype"] == sessions.loc[sid, "genotype"]
    assert first["meta"]["experience_level"] == sessions.loc[sid, "experience_level"]
    assert first["meta"]["date"] == str(sessions.loc[sid, "date_of_acquisition"])[:10]
    assert first["state"] == {"verified": 0, "total": first["state"]["total"]}

    expand(browser, sent, f"s:{sid}")
    rows = all_rows(browser, sent)
    files = [r for r in rows if r["level"] == 2]
    assert files[0]["label"] == f"ecephys_session_{sid}.nwb"
    lfp = [r["label"] for r in files[1:]]
    assert lfp == sorted(lfp) and all(label.endswith(" LFP") for label in lfp)
    assert len(files) == first["state"]["total"]
    assert {r["state"] for r in files} == {"missing"}
    assert all(r["id"].startswith("f:") and r["kind"] == "file" for r in files)

    expand(browser, sent, "g:behavior")
    behavior = [r for r in all_rows(browser, sent) if r["id"].startswith("s:")]
    assert len(behavior) == len(session_rows) + len(behavior_only)
    # the catalog loaded the two session tables: they are on disk and verified
    on_disk = {r["label"]: r["state"] for r in all_rows(browser, sent) if r["level"] == 1}
    assert on_disk["ecephys_sessions.csv"] == "verified"


def test_sizes_fetched_once_and_shown(browser, sent, demo_release):
    wait_for(lambda: browser.totals["sizes_pending"] == 0, "sizes to be fetched")
    rows = {r["label"]: r for r in all_rows(browser, sent)}
    units = rows["units.csv"]
    assert units["size"] == mirror_size(demo_release, units["id"][2:])
    group = rows[next(k for k in rows if k.startswith("Metadata tables"))]
    assert group["size"] == sum(r["size"] for r in rows.values() if r["level"] == 1)
    total = sum(
        p.stat().st_size
        for p in (demo_release / "visual-behavior-neuropixels").rglob("*")
        if p.is_file() and "manifests" not in p.parts
    )
    assert browser.totals["bytes_known"] == total


def test_selection_and_totals(browser, sent, cache):
    wait_for(lambda: browser.totals["sizes_pending"] == 0, "sizes")
    expand(browser, sent, "g:ecephys")
    session = next(r for r in all_rows(browser, sent) if r["kind"] == "session")
    reply = ask(browser, sent, "select", rows=[session["id"]], on=True)
    assert reply["kind"] == "select:ok"
    totals = browser.totals
    assert totals["selected_files"] == session["state"]["total"]
    assert totals["selected_bytes"] == session["size"]
    assert totals["to_download_files"] == session["state"]["total"]
    assert totals["to_download_bytes"] == session["size"]
    rows = {r["id"]: r for r in all_rows(browser, sent)}
    assert rows[session["id"]]["selected"] == "all"
    assert rows["g:ecephys"]["selected"] == "some"
    assert rows["g:metadata"]["selected"] == "none"
    # metadata already on disk counts as selected but not as still to download
    ask(browser, sent, "select", rows=["g:metadata"], on=True)
    assert browser.totals["selected_files"] == session["state"]["total"] + 5
    verified = sum(r["state"] == "verified" for r in rows.values() if r["level"] == 1)
    assert browser.totals["to_download_files"] == session["state"]["total"] + 5 - verified
    assert {f.key for f in browser.selected_files} >= {session["id"]} - {session["id"]}
    ask(browser, sent, "select", rows=[session["id"]], on=False)
    assert browser.totals["selected_files"] == 5
    assert ask(browser, sent, "clear-selection")["kind"] == "clear-selection:ok"
    assert browser.totals["selected_files"] == 0
    # the Python API says the same
    sid = int(session["label"])
    browser.select(sessions=[sid])
    assert [f.session_id for f in browser.selected_files] == [sid] * session["state"]["total"]
    browser.select(files=["units"], on=True)
    assert any(f.ref == "units" for f in browser.selected_files)
    with pytest.raises(KeyError, match="999"):
        browser.select(sessions=[999])
    assert browser.error.startswith("not sessions of") and "999" in browser.error


def test_preview_takes_ids_index_frames_and_widgets(browser, cache):
    wait_for(lambda: browser.totals["sizes_pending"] == 0, "sizes")
    sessions = cache.get_ecephys_session_table(filter_abnormalities=False)
    two = sessions.index[:2].tolist()
    summary = browser.preview([*two, 999, str(two[0])])
    assert summary["sessions"] == 2 and summary["unknown"] == [999]
    assert browser.preview_summary == summary
    selected = browser.selected_files
    assert {f.session_id for f in selected} == set(two)
    assert summary["files"] == len(selected)
    assert summary["bytes"] == sum(browser._tree.sizes[f.key] for f in selected)
    assert summary["to_download_files"] == summary["files"]
    assert summary["bytes_unknown"] == 0
    assert browser.preview(pd.Index(two))["files"] == summary["files"]
    assert browser.preview(sessions.iloc[:2])["files"] == summary["files"]

    class Picker:  # anything with .selected, like TableExplorer or SessionPicker
        selected = pd.Index(two, name="ecephys_session_id")

    assert browser.preview(Picker())["files"] == summary["files"]
    behavior = cache.get_behavior_session_table()
    only = behavior[behavior["ecephys_session_id"].isna()].iloc[:3]
    mixed = pd.concat([only, behavior[behavior["ecephys_session_id"].notna()].iloc[:1]])
    result = browser.preview(mixed)
    assert result["sessions"] == 4 and result["unknown"] == []
    with pytest.raises(ValueError, match="'abc' is not a session id"):
        browser.preview(["abc"])
    assert browser.preview_summary == result  # unchanged by the refused call


BAD_MESSAGES = [
    ({"kind": "rows", "offset": 0, "limit": 201}, "'limit'"),
    ({"kind": "rows", "offset": "0", "limit": 5}, "'offset'"),
    ({"kind": "rows", "offset": -1, "limit": 5}, "'offset'"),
    ({"kind": "toggle", "row": "f:no/such.nwb"}, "no row"),
    ({"kind": "toggle", "row": 12}, "'row'"),
    ({"kind": "toggle", "row": "s:1"}, "no row"),
    ({"kind": "select", "rows": "g:ecephys", "on": True}, "'rows'"),
    ({"kind": "select", "rows": ["g:ecephys", "s:12"], "on": True}, "s:12"),
    ({"kind": "select", "rows": ["g:ecephys"], "on": "yes"}, "'on'"),
    ({"kind": "select", "rows": ["g:ecephys"] * 5001, "on": True}, "'rows'"),
    ({"kind": "download", "rows": ["x" * 500]}, "row id"),
    ({"kind": "cancel", "job": "1234"}, "'job'"),
    ({"kind": "cancel", "job": "0" * 32}, "no download job"),
    ({"kind": "cancel", "rows": ["g:nope"]}, "no row"),
    ({"kind": "verify", "rows": ["g:nope"]}, "no row"),
    ({"kind": "verify"}, "nothing selected"),
    ({"kind": "delete", "rows": "f:x"}, "'rows'"),
    ({"kind": "delete", "rows": [None]}, "row id"),
    ({"kind": "set-manifest", "name": "v9.json"}, "v9.json"),
    ({"kind": "compare", "a": "x", "b": 3}, "'b'"),
    ({"kind": "search", "text": "x" * 201}, "'text'"),
    ({"kind": "backend", "server": 1}, "'server'"),
    ({"kind": "server-answer", "request": "r", "batch": "nope"}, "'batch'"),
    ({"kind": "server-answer", "request": 5, "batch": "a" * 32}, "'request'"),
    ({"kind": "server-answer", "request": "r", "error": 7}, "'error'"),
    ({"kind": "frobnicate"}, "unknown message kind"),
]


@pytest.mark.parametrize(("message", "named"), BAD_MESSAGES, ids=lambda v: str(v)[:40])
def test_bad_messages_are_refused_without_state_change(browser, sent, message, named):
    before = (browser.revision, dict(browser.totals), browser.row_count, browser.current)
    selected = set(browser._tree.selected)
    fields = dict(message)
    reply = ask(browser, sent, fields.pop("kind"), **fields)
    assert reply["kind"] == "error"
    assert named in reply["message"]
    assert browser.error == reply["message"]
    assert (browser.revision, browser.totals, browser.row_count, browser.current) == before
    assert browser._tree.selected == selected
    # the next good request clears the error
    assert ask(browser, sent, "rows", offset=0, limit=1)["kind"] == "rows:ok"
    assert browser.error == ""


def test_messages_without_id_or_object_get_an_error(browser, sent):
    custom(browser, {"kind": "rows", "offset": 0, "limit": 1})
    custom(browser, ["rows"])
    first, second = replies(sent)[-2:]
    assert first == {"kind": "error", "id": None, "message": first["message"]}
    assert "'id'" in first["message"]
    assert "JSON object" in second["message"]


def test_rows_reply_is_text_and_small(browser, sent):
    wait_for(lambda: browser.totals["sizes_pending"] == 0, "sizes")  # then nothing changes
    expand(browser, sent, "g:behavior")
    reply = ask(browser, sent, "rows", offset=0, limit=50)
    assert len(reply["rows"]) == 50 and reply["total"] == browser.row_count
    size = len(json.dumps(reply))
    print(f"\nrows reply for 50 rows: {size:,} bytes")
    assert size < 50 * 600
    assert reply["revision"] == browser.revision


def test_search_filters_sessions_and_keeps_groups(browser, sent, cache):
    sessions = cache.get_ecephys_session_table(filter_abnormalities=False)
    mouse = str(sessions["mouse_id"].iloc[0])
    ask(browser, sent, "search", text=f"  {mouse} ")
    rows = all_rows(browser, sent)
    assert [r["id"] for r in rows if r["kind"] == "group"] == [
        "g:metadata",
        "g:ecephys",
        "g:behavior",
    ]
    assert sum(r["level"] == 1 and r["kind"] == "file" for r in rows) == 5  # metadata stays
    shown = {
        r["meta"]["mouse_id"] for r in rows if r["kind"] == "session" and r["meta"]["mouse_id"]
    }
    assert shown == {mouse}
    matches = int((sessions["mouse_id"].astype(str) == mouse).sum())
    ecephys = next(r for r in rows if r["id"] == "g:ecephys")
    assert f"{matches} of {len(sessions)} match" in ecephys["label"]
    # a group checkbox under a search selects the matching sessions only
    ask(browser, sent, "select", rows=["g:ecephys"], on=True)
    assert {f.session_id for f in browser.selected_files} == set(
        sessions.index[sessions["mouse_id"].astype(str) == mouse]
    )
    genotype = sessions["genotype"].iloc[0].split("/")[0].upper()
    ask(browser, sent, "search", text=genotype)
    assert any(r["kind"] == "session" for r in all_rows(browser, sent))
    ask(browser, sent, "search", text="")
    assert len(all_rows(browser, sent)) > len(rows)


def test_versions_switch_and_compare(browser, sent, cache):
    names = [v["name"] for v in browser.versions]
    assert [v["version"] for v in browser.versions] == ["0.4.0", "0.5.0"]
    assert [v["latest"] for v in browser.versions] == [False, True]
    assert [v["current"] for v in browser.versions] == [False, True]
    assert browser.current == names[1] == cache.manifest.name
    reply = ask(browser, sent, "set-manifest", name=names[0])
    assert reply["kind"] == "set-manifest:ok"
    assert browser.current == names[0] == cache.manifest.name
    assert [v["current"] for v in browser.versions] == [True, False]
    assert browser._tree.catalog.manifest_name == names[0]
    reply = ask(browser, sent, "compare", a=names[0], b=names[1])
    assert reply["kind"] == "compare:ok"
    diff = cache.compare_manifests(names[0], names[1])
    comparison = browser.comparison
    assert (comparison["a"], comparison["b"]) == (names[0], names[1])
    assert comparison["changed"] == list(diff.changed)[:200]
    assert comparison["counts"] == {
        "changed": len(diff.changed),
        "added": len(diff.added),
        "removed": len(diff.removed),
        "renamed": len(diff.renamed),
        "unchanged": diff.unchanged,
    }
    assert comparison["counts"]["changed"] > 0
    browser.set_manifest(names[1])
    assert browser.current == names[1]
    with pytest.raises(ValueError, match="nope"):
        browser.set_manifest("nope")
    assert browser.error == "'nope' is not a manifest of this cache"


def test_static_cache_is_read_only_and_not_hashed_on_display(demo_release, sent, monkeypatch):
    import vbn_widgets.data.files as files_module

    hashed = []
    real_hash = files_module.hash_file
    monkeypatch.setattr(files_module, "hash_file", lambda p: hashed.append(p) or real_hash(p))
    static = VBNCache.from_local_cache(demo_release, use_static_cache=True)
    browser = CacheBrowser(static)
    try:
        assert hashed == []  # a static mount is never hashed just to be shown
        assert browser.backend == "read-only"
        assert browser.source["kind"] == "static" and browser.source["read_only"] is True
        rows = all_rows(browser, sent)
        units = next(r for r in rows if r["label"] == "units.csv")
        assert units["state"] == "unchecked"  # present on the mount, not hashed yet
        assert (
            units["size"]
            == units["bytes_on_disk"]
            == (demo_release / units["id"][2:]).stat().st_size
        )
        assert browser.totals["files_on_disk"] == browser.totals["files"]
        assert browser.totals["to_download_files"] == 0
        before = (browser.revision, dict(browser.totals))
        for kind, fields in (
            ("download", {"rows": [units["id"]]}),
            ("delete", {"rows": [units["id"]]}),
        ):
            reply = ask(browser, sent, kind, **fields)
            assert reply["kind"] == "error" and "read-only" in reply["message"]
        assert (browser.revision, browser.totals) == before
        with pytest.raises(ReadOnlyCacheError, match="read-only"):
            browser.download(files=["units"])
        assert ask(browser, sent, "backend", server=True)["backend"] == "read-only"
        assert browser.verify("units").value == "verified"
        assert len(hashed) == 1
        browser.refresh()
        assert browser._tree.row(units["id"])["state"] == "verified"  # remembered
    finally:
        browser.close()
