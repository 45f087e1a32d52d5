"""VBNCache's source spec (source.json), from_cache_dir, read_only, fetch_entry and delete."""

from __future__ import annotations

import json
import os
import threading

import pytest

from vbn_widgets import VBNCache
from vbn_widgets.data import FileState, MirrorSource, ReadOnlyCacheError, S3Source, VBNDataError
from vbn_widgets.data.layout import hash_file

V4 = "visual-behavior-neuropixels_project_manifest_v0.4.0.json"
V5 = "visual-behavior-neuropixels_project_manifest_v0.5.0.json"


def source_file(cache_dir):
    return cache_dir / ".vbn_widgets" / "source.json"


def test_mirror_spec_round_trips(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    spec = {"kind": "mirror", "root": str(demo_release.resolve())}
    assert cache.source_spec() == spec
    assert not cache.read_only
    cache.remember_source()
    assert json.loads(source_file(tmp_path / "c").read_text()) == spec
    again = VBNCache.from_cache_dir(tmp_path / "c")
    assert isinstance(again.source, MirrorSource)
    assert again.source.root == demo_release.resolve()
    assert again.source_spec() == spec
    again.download("probes")
    assert again.file_state("probes", verify=True) is FileState.VERIFIED


def test_s3_spec_round_trips_without_touching_the_network(tmp_path):
    cache = VBNCache.from_s3_cache(
        tmp_path / "c", endpoint_url="http://127.0.0.1:9", region="eu-west-1"
    )
    spec = {
        "kind": "s3",
        "bucket": "visual-behavior-neuropixels-data",
        "endpoint_url": "http://127.0.0.1:9",
        "region": "eu-west-1",
    }
    assert cache.source_spec() == spec
    cache.remember_source()
    again = VBNCache.from_cache_dir(tmp_path / "c")
    assert isinstance(again.source, S3Source)
    assert (again.source.bucket, again.source.endpoint_url, again.source.region) == (
        spec["bucket"],
        spec["endpoint_url"],
        spec["region"],
    )
    assert again.source_spec() == spec
    assert VBNCache.from_s3_cache(tmp_path / "d").source_spec()["endpoint_url"] is None


def test_remember_source_writes_atomically_and_only_on_change(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    cache.remember_source()
    path = source_file(tmp_path / "c")
    before = path.stat().st_mtime_ns
    os.utime(path, ns=(before - 10**9, before - 10**9))
    cache.remember_source()
    assert path.stat().st_mtime_ns == before - 10**9  # unchanged spec: not rewritten
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_static_and_local_caches_have_no_spec(demo_release, tmp_path):
    static = VBNCache(demo_release, static=True)
    assert static.source_spec() is None
    assert static.read_only
    static.remember_source()
    assert not source_file(demo_release).exists()
    local = VBNCache.from_cache_dir(tmp_path / "nothing-here")
    assert local.source is None
    assert local.read_only
    assert local.source_spec() is None
    local.remember_source()
    assert not (tmp_path / "nothing-here").exists()


@pytest.mark.parametrize(
    ("content", "field", "why"),
    [
        ({"kind": "ftp", "root": "/"}, "kind", "must be 's3' or 'mirror'"),
        ({"kind": "mirror", "root": 3}, "root", "non-empty string"),
        ({"kind": "mirror", "root": "relative/dir"}, "root", "absolute path"),
        ({"kind": "mirror", "root": "/no/such/dir"}, "root", "not an existing directory"),
        ({"kind": "mirror", "root": "/"}, "root", "no release mirror"),
        ({"kind": "mirror", "root": "/", "extra": 1}, "extra", "not a field"),
        ({"kind": "s3", "bucket": "B!", "endpoint_url": None, "region": "us-west-2"}, "bucket", ""),
        ({"kind": "s3", "bucket": "abc", "region": "us-west-2"}, "endpoint_url", ""),
        (
            {"kind": "s3", "bucket": "abc", "endpoint_url": "file:///etc", "region": "us-west-2"},
            "endpoint_url",
            "not an http",
        ),
        (
            {"kind": "s3", "bucket": "abc", "endpoint_url": None, "region": ["x"]},
            "region",
            "non-empty string",
        ),
    ],
)
def test_bad_source_file_names_the_file_and_field(tmp_path, content, field, why):
    if field == "endpoint_url" and "endpoint_url" not in content:
        content = {**content, "endpoint_url": 12}
    path = source_file(tmp_path / "c")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(content))
    with pytest.raises(VBNDataError, match=f"field '{field}'") as err:
        VBNCache.from_cache_dir(tmp_path / "c")
    assert str(path) in str(err.value)
    assert why in str(err.value)


def test_unparseable_source_file_names_line_and_column(tmp_path):
    path = source_file(tmp_path / "c")
    path.parent.mkdir(parents=True)
    path.write_text('{"kind": "mirror",\n "root": }')
    with pytest.raises(VBNDataError, match=r"source\.json: invalid JSON at line 2, column 10"):
        VBNCache.from_cache_dir(tmp_path / "c")
    path.write_text("[]")
    with pytest.raises(VBNDataError, match="expected a JSON object"):
        VBNCache.from_cache_dir(tmp_path / "c")


def test_fetch_entry_uses_the_given_manifest(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    assert cache.manifest.name == V5
    old = cache._read_manifest(V4)
    entry = old.metadata_entry("units")
    path = cache.fetch_entry(old, entry)
    assert "visual-behavior-neuropixels-0.4.0" in str(path)
    assert hash_file(path) == entry.file_hash
    assert cache.current_manifest() == V5
    assert cache.file_state("units") is FileState.MISSING  # v0.5.0's units.csv differs


def test_delete_removes_file_record_and_part(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    path = cache.download("probes")
    part = cache.layout.part_path(path, cache.manifest.metadata_entry("probes"))
    part.write_bytes(b"stale partial bytes")
    assert cache.delete("probes") is True
    assert not path.exists()
    assert not part.exists()
    assert str(path) not in cache.layout.read_downloaded()
    assert cache.file_state("probes") is FileState.MISSING
    assert cache.delete("probes") is False


def test_delete_of_a_partial_download_removes_the_part(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    entry = cache.manifest.metadata_entry("units")
    final = cache.local_path("units")
    final.parent.mkdir(parents=True)
    cache.layout.part_path(final, entry).write_bytes(b"x" * 10)
    assert cache.file_state("units") is FileState.PARTIAL
    assert cache.delete("units") is True
    assert cache.file_state("units") is FileState.MISSING


def test_delete_of_a_reused_file_removes_only_the_symlink(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    with pytest.warns(UserWarning, match="not the latest"):
        cache.load_manifest(V4)
    first = cache.download("probes")
    cache.load_manifest(V5)
    linked = cache.download("probes")  # unchanged between versions: AllenSDK-style symlink
    assert linked.is_symlink()
    assert cache.delete("probes") is True
    assert not linked.exists() and not linked.is_symlink()
    assert first.is_file()
    assert str(first) in cache.layout.read_downloaded()
    with pytest.warns(UserWarning, match="not the latest"):
        cache.load_manifest(V4)
    assert cache.file_state("probes") is FileState.VERIFIED


def test_delete_in_a_local_only_cache_works_and_static_refuses(demo_release, tmp_path):
    VBNCache.from_mirror(demo_release, tmp_path / "c").download("probes")
    local = VBNCache(tmp_path / "c")
    assert local.read_only
    assert local.delete("probes") is True
    static = VBNCache(demo_release, static=True)
    with pytest.raises(ReadOnlyCacheError, match=r"probes\.csv: the static cache .* read-only"):
        static.delete("probes")
    assert (demo_release / "visual-behavior-neuropixels/project_metadata/probes.csv").is_file()


def test_delete_refuses_while_a_download_holds_the_lock(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    path = cache.download("probes")
    with cache.layout.lock(path):
        # another thread asks, as another job of the queue would
        result = {}

        def attempt():
            try:
                cache.delete("probes", timeout=0.05)
            except VBNDataError as err:
                result["error"] = str(err)

        worker = threading.Thread(target=attempt)
        worker.start()
        worker.join()
    assert "holds probes.csv's lock" in result["error"]
    assert path.is_file()
