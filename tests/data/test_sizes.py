"""SizeBook and the sources' sizes(): a mirror, SeaweedFS (listing and HEAD), a static mount."""

from __future__ import annotations

import json
import threading
from hashlib import blake2b

import pytest
from conftest import tree_snapshot
from vbn_testing.cut_proxy import CutProxy
from vbn_testing.publish import publish_release
from vbn_testing.seaweed import SeaweedS3
from vbn_testing.wrapped import CountingSource

from vbn_widgets import VBNCache
from vbn_widgets.data import FileEntry, MirrorSource, S3Source
from vbn_widgets.data.s3_sizes import list_prefixes
from vbn_widgets.data.sizes import SizeBook

BUCKET = "visual-behavior-neuropixels-data"
NOLIST = "vbn-nolist"  # anonymous Read but not List: sizes fall back to HEAD
V4 = "visual-behavior-neuropixels_project_manifest_v0.4.0.json"
V5 = "visual-behavior-neuropixels_project_manifest_v0.5.0.json"


def mirror_sizes(demo_release) -> dict[str, int]:
    """file_hash -> size of every file of both demo manifests, by stat of the mirror."""
    cache = VBNCache(demo_release, static=True)
    out = {}
    for name in (V4, V5):
        entries = cache._read_manifest(name).entries()
        out.update({e.file_hash: (demo_release / e.key).stat().st_size for e in entries})
        older = [
            e for e in entries if (demo_release / ".versions" / (e.version_id or "-")).is_dir()
        ]
        for e in older:
            out[e.file_hash] = MirrorSource(demo_release).path_of(e).stat().st_size
    return out


def test_mirror_sizes_are_fetched_once_and_remembered(demo_release, tmp_path):
    expected = mirror_sizes(demo_release)
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    entries = cache.manifest.entries()
    book = SizeBook(cache)
    assert book.known(entries) == {}
    sizes = book.fetch(entries)
    assert sizes == {e.file_hash: expected[e.file_hash] for e in entries}
    stored = json.loads((tmp_path / "c" / ".vbn_widgets" / "sizes.json").read_text())
    assert stored == sizes

    counting = CountingSource(MirrorSource(demo_release))
    again = SizeBook(VBNCache(tmp_path / "c", source=counting))
    assert again.known(entries) == sizes
    assert again.fetch(entries) == sizes
    assert counting.sized == []  # a new SizeBook did not ask the source


def test_only_the_unknown_are_asked_and_local_files_answer_for_themselves(demo_release, tmp_path):
    counting = CountingSource(MirrorSource(demo_release))
    cache = VBNCache(tmp_path / "c", source=counting)
    probes = cache.manifest.metadata_entry("probes")
    cache.download("probes")
    book = SizeBook(cache)
    assert book.known([probes]) == {probes.file_hash: cache.local_path("probes").stat().st_size}
    units = cache.manifest.metadata_entry("units")
    book.fetch([probes, units, units])
    assert counting.sized == [units.key]
    with pytest.warns(UserWarning, match="not the latest"):
        cache.load_manifest(V4)
    old = cache.manifest.entries()
    unchanged = [e for e in old if e.file_hash in {probes.file_hash}]
    assert unchanged and book.known(unchanged)  # the same bytes in another version: known


def test_a_cancelled_fetch_asks_nothing_and_writes_nothing(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    cancel = threading.Event()
    cancel.set()
    assert SizeBook(cache).fetch(cache.manifest.entries(), cancel=cancel) == {}
    assert not (tmp_path / "c" / ".vbn_widgets" / "sizes.json").exists()


def test_a_damaged_sizes_file_is_ignored_and_rewritten(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    path = tmp_path / "c" / ".vbn_widgets" / "sizes.json"
    path.parent.mkdir(parents=True)
    entry = cache.manifest.metadata_entry("probes")
    path.write_text(json.dumps({entry.file_hash: -5, "x": 3}))
    book = SizeBook(cache)
    assert book.known([entry]) == {}
    size = (demo_release / entry.key).stat().st_size
    assert book.fetch([entry]) == {entry.file_hash: size}
    assert json.loads(path.read_text()) == {entry.file_hash: size}


def test_static_mount_sizes_are_stat_sizes_and_nothing_is_written(demo_release):
    before = tree_snapshot(demo_release)
    cache = VBNCache(demo_release, static=True)
    entries = cache.manifest.entries()
    book = SizeBook(cache)
    expected = {e.file_hash: (demo_release / e.key).stat().st_size for e in entries}
    assert book.known(entries) == expected
    assert book.fetch(entries) == expected
    assert tree_snapshot(demo_release) == before


def test_list_prefixes_few_folders_apart_many_by_common_prefix():
    keys = ["p/a/1", "p/a/2", "p/b/1", "p/a/x/3"]
    assert list_prefixes(keys) == ["p/a/", "p/b/"]
    many = [f"p/s/{i}/f" for i in range(20)] + ["p/t/g"]
    assert list_prefixes(many) == ["p/"]
    assert list_prefixes(["top", "p/x/y"] + [f"q/{i}/f" for i in range(9)]) == [""]


# SeaweedFS


@pytest.fixture(scope="module")
def s3(demo_release, tmp_path_factory):
    actions = ("Read", f"List:{BUCKET}")
    base = tmp_path_factory.mktemp("seaweed")
    with SeaweedS3(base_dir=base, anonymous_actions=actions) as server:
        server.create_versioned_bucket(BUCKET)
        server.create_versioned_bucket(NOLIST)
        publish_release(demo_release, server.admin_client(), BUCKET)
        yield server


@pytest.mark.s3
def test_s3_sizes_come_from_version_listings(s3, demo_release, tmp_path):
    expected = mirror_sizes(demo_release)
    with CutProxy("127.0.0.1", s3.port) as proxy:
        cache = VBNCache.from_s3_cache(tmp_path / "c", endpoint_url=proxy.endpoint_url)
        with pytest.warns(UserWarning, match="not the latest"):
            cache.load_manifest(V4)
        entries = cache.manifest.entries() + cache._read_manifest(V5).entries()
        asked = len(proxy.requests)
        sizes = SizeBook(cache).fetch(entries)
        requests = proxy.requests[asked:]
    assert sizes == {e.file_hash: expected[e.file_hash] for e in entries}
    by_key: dict[str, set[str]] = {}
    for e in entries:
        by_key.setdefault(e.key, set()).add(e.file_hash)
    reprocessed = [k for k, hashes in by_key.items() if len(hashes) == 2]
    assert len(reprocessed) >= 3  # superseded versions were matched by VersionId
    assert requests, "the source was not asked"
    assert all(r.method == "GET" and "versions" in r.path for r in requests)
    assert len(requests) <= 3  # one page holds the small release's versions

    counting = CountingSource(S3Source(endpoint_url=s3.endpoint_url))
    assert SizeBook(VBNCache(tmp_path / "c", source=counting)).fetch(entries) == sizes
    assert counting.sized == []


@pytest.mark.s3
def test_s3_sizes_of_one_session_list_only_its_folder(s3, demo_release, tmp_path):
    with CutProxy("127.0.0.1", s3.port) as proxy:
        cache = VBNCache.from_s3_cache(tmp_path / "c", endpoint_url=proxy.endpoint_url)
        files = cache.manifest.data_files.values()
        folder = next(e.key for e in files if "ecephys_session_" in e.key).rsplit("/", 1)[0]
        session = [e for e in files if e.key.startswith(folder + "/")]
        asked = len(proxy.requests)
        sizes = cache.source.sizes(session)
        requests = proxy.requests[asked:]
    assert sizes == [(demo_release / e.key).stat().st_size for e in session]
    assert len(requests) == 1
    assert "prefix=" + folder.replace("/", "%2F") + "%2F" in requests[0].path


@pytest.mark.s3
def test_s3_sizes_fall_back_to_head_when_listing_is_refused(s3, tmp_path):
    admin = s3.admin_client()
    entries = []
    for i in range(12):
        key = f"visual-behavior-neuropixels/behavior_only_sessions/{i}/behavior_session_{i}.nwb"
        first = admin.put_object(Bucket=NOLIST, Key=key, Body=b"a" * (100 + i))
        admin.put_object(Bucket=NOLIST, Key=key, Body=b"b" * (500 + i))  # a newer version
        entries.append(entry(key, first["VersionId"], i))
    latest = entries[0].key
    entries.append(entry(latest, None, 99))  # no version: the latest one
    entries.append(entry(latest.replace("/0/", "/404/"), None, 98))  # not in the bucket
    with CutProxy("127.0.0.1", s3.port) as proxy:
        source = S3Source(NOLIST, endpoint_url=proxy.endpoint_url)
        sizes = source.sizes(entries)
        requests = proxy.requests
        statuses = [s for c in proxy.connections for s in c.response_statuses]
    assert sizes == [100 + i for i in range(12)] + [500, None]
    listing = [r for r in requests if "versions" in r.path]
    assert len(listing) >= 1
    assert 403 in statuses
    assert sorted(r.method for r in requests if r not in listing) == ["HEAD"] * 14


def entry(key: str, version_id: str | None, salt: int) -> FileEntry:
    url = f"https://{NOLIST}.s3.us-west-2.amazonaws.com/{key}"
    fake_hash = blake2b(f"{key}{salt}".encode()).hexdigest()
    return FileEntry(key.rsplit("/", 1)[-1], url, version_id, fake_hash, NOLIST, key)
