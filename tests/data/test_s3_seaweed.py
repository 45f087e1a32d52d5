"""The data layer against a real S3 server (SeaweedFS on loopback) serving the demo release."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from vbn_testing.cut_proxy import CutProxy
from vbn_testing.publish import publish_release
from vbn_testing.seaweed import SeaweedS3
from vbn_testing.workers import download_once_s3, run_in_pool

from vbn_widgets import VBNCache
from vbn_widgets.data import FileState, HashMismatchError, ManifestError, S3Source, TableError
from vbn_widgets.data.layout import hash_file
from vbn_widgets.data.sources import TransientSourceError

pytestmark = pytest.mark.s3

BUCKET = "visual-behavior-neuropixels-data"
FAULTS = "vbn-faults"
V4 = "visual-behavior-neuropixels_project_manifest_v0.4.0.json"
V5 = "visual-behavior-neuropixels_project_manifest_v0.5.0.json"
URL = "https://{bucket}.s3.us-west-2.amazonaws.com/{key}"


@pytest.fixture(scope="module")
def s3(demo_release, tmp_path_factory):
    with SeaweedS3(base_dir=tmp_path_factory.mktemp("seaweed")) as server:
        server.create_versioned_bucket(BUCKET)
        server.create_versioned_bucket(FAULTS)
        publish_release(demo_release, server.admin_client(), BUCKET)
        yield server


def put_manifest(s3, bucket: str, version: str, body: bytes) -> str:
    name = f"visual-behavior-neuropixels_project_manifest_v{version}.json"
    key = f"visual-behavior-neuropixels/manifests/{name}"
    s3.admin_client().put_object(Bucket=bucket, Key=key, Body=body)
    return name


def published_manifest(s3, name: str = V5) -> dict:
    key = f"visual-behavior-neuropixels/manifests/{name}"
    return json.loads(s3.anonymous_client().get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_anonymous_listing_and_versioned_gets(s3, tmp_path):
    source = S3Source(endpoint_url=s3.endpoint_url)
    assert source.list_manifest_names() == [V4, V5]
    cache = VBNCache.from_s3_cache(tmp_path / "c", endpoint_url=s3.endpoint_url)
    assert cache.latest_manifest_file() == V5
    assert "quality" in cache.get_unit_table().columns
    with pytest.warns(UserWarning, match="not the latest"):
        cache.load_manifest(V4)
    # v0.4.0's units.csv is a superseded object version: fetched by its VersionId
    units_v4 = cache.get_unit_table()
    assert "quality" not in units_v4.columns
    entry = cache.manifest.metadata_entry("units")
    assert hash_file(cache.metadata_path("units")["local_path"]) == entry.file_hash
    assert cache.file_state("units", verify=True) is FileState.VERIFIED


def test_download_with_progress(s3, tmp_path):
    cache = VBNCache.from_s3_cache(tmp_path / "c", endpoint_url=s3.endpoint_url)
    sessions = cache.get_ecephys_session_table(filter_abnormalities=False)
    file_id = int(sessions["file_id"].iloc[0])
    seen = []
    path = cache.download_data(file_id, progress=seen.append)
    done = [p.bytes_done for p in seen]
    assert done == sorted(done)
    assert done[-1] == seen[-1].bytes_total == path.stat().st_size
    assert cache.file_state(file_id, verify=True) is FileState.VERIFIED


def test_cut_connection_resumes_with_a_ranged_get(s3, tmp_path):
    with CutProxy("127.0.0.1", s3.port, cut_after_bytes=10**12) as proxy:
        cache = VBNCache.from_s3_cache(tmp_path / "c", endpoint_url=proxy.endpoint_url)
        entry = cache.manifest.metadata_entry("units")
        size = S3Source(endpoint_url=s3.endpoint_url).size(entry)
        cut_at = size // 3
        proxy.arm(cut_at, cuts=1)
        seen = []
        path = cache.download("units", progress=lambda p: seen.append(p.bytes_done))
        heads = proxy.requests
    ranged = [h for h in heads if h.method == "GET" and h.header("Range")]
    assert ranged, "the resumed request carried no Range header"
    resumed_from = int(ranged[-1].header("Range").removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_from < size
    assert resumed_from <= cut_at  # not more than the proxy let through (headers included)
    assert hash_file(path) == entry.file_hash
    assert seen[-1] == size
    assert cache.file_state("units", verify=True) is FileState.VERIFIED
    assert not list(path.parent.glob(".*.part"))


def test_connection_lost_for_good_keeps_the_partial_and_names_the_file(s3, tmp_path):
    from vbn_widgets.data.download import RetryPolicy
    from vbn_widgets.data.errors import DownloadError

    with CutProxy("127.0.0.1", s3.port, cut_after_bytes=10**12) as proxy:
        cache = VBNCache(
            tmp_path / "c",
            source=S3Source(endpoint_url=proxy.endpoint_url, max_attempts=1),
            retry=RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.02),
        )
        cache.load_manifest(V5)
        proxy.arm(200_000, cuts=100)
        with pytest.raises(DownloadError, match=r"units\.csv: gave up after 2 attempts") as err:
            cache.download("units")
    assert isinstance(err.value.__cause__, TransientSourceError)
    final = cache.metadata_path("units")["local_path"]
    assert not final.exists()
    assert cache.file_state("units") is FileState.PARTIAL
    proxy_free = VBNCache.from_s3_cache(tmp_path / "c", endpoint_url=s3.endpoint_url)
    proxy_free.download("units")
    assert proxy_free.file_state("units", verify=True) is FileState.VERIFIED


def test_hash_mismatch_is_rejected_and_named(s3, tmp_path):
    raw = published_manifest(s3)
    raw["manifest_version"] = "0.6.0"
    raw["metadata_files"]["channels"]["file_hash"] = "0" * 128
    name = put_manifest(s3, FAULTS, "0.6.0", json.dumps(raw, indent=4).encode())
    cache = VBNCache.from_s3_cache(tmp_path / "c", bucket=FAULTS, endpoint_url=s3.endpoint_url)
    cache.load_manifest(name)
    with pytest.raises(HashMismatchError, match=r"project_metadata/channels\.csv: BLAKE2b"):
        cache.get_channel_table()
    final = cache.metadata_path("channels")["local_path"]
    assert not final.exists()
    assert not list(final.parent.glob(".*"))
    assert cache.file_state("channels") is FileState.MISSING


def test_malformed_manifest_names_it_and_leaves_the_cache_alone(s3, tmp_path):
    good = json.dumps(published_manifest(s3), indent=4).splitlines()
    good[3] = good[3] + " oops"
    name = put_manifest(s3, FAULTS, "0.7.0", "\n".join(good).encode())
    cache_dir = tmp_path / "c"
    cache = VBNCache.from_s3_cache(cache_dir, bucket=FAULTS, endpoint_url=s3.endpoint_url)
    with pytest.raises(ManifestError, match=rf"{name}: invalid JSON at line 4"):
        cache.load_manifest(name)
    assert not cache_dir.exists() or not any(cache_dir.iterdir())
    assert cache.current_manifest() is None


def test_malformed_csv_names_file_and_line_and_builds_nothing(s3, tmp_path, demo_release):
    from hashlib import blake2b

    key = "visual-behavior-neuropixels/project_metadata/probes.csv"
    lines = (demo_release / key).read_text().splitlines()
    lines[3] = lines[3] + ",surplus"
    body = ("\n".join(lines) + "\n").encode()
    put = s3.admin_client().put_object(Bucket=FAULTS, Key=key, Body=body)
    raw = published_manifest(s3)
    raw["manifest_version"] = "0.8.0"
    raw["metadata_files"]["probes"] = {
        "url": URL.format(bucket=FAULTS, key=key),
        "version_id": put["VersionId"],
        "file_hash": blake2b(body).hexdigest(),
    }
    name = put_manifest(s3, FAULTS, "0.8.0", json.dumps(raw, indent=4).encode())
    cache = VBNCache.from_s3_cache(tmp_path / "c", bucket=FAULTS, endpoint_url=s3.endpoint_url)
    cache.load_manifest(name)
    with pytest.raises(TableError, match=r"probes\.csv: line 4 has \d+ fields"):
        cache.get_probe_table()
    assert not (tmp_path / "c" / ".vbn_widgets" / "tables").exists()
    cache.get_unit_table()  # the rest of the release still loads
    sidecars = sorted(p.name for p in (tmp_path / "c" / ".vbn_widgets" / "tables").iterdir())
    assert [s.split("-")[0] for s in sidecars] == ["units"]


def test_two_processes_fetching_one_file_end_with_one_verified_copy(s3, tmp_path):
    cache_dir = tmp_path / "c"
    start_at = time.time() + 3.0
    args = (s3.endpoint_url, str(cache_dir), "units", start_at)
    results = run_in_pool(download_once_s3, [args, args])
    assert len({r["path"] for r in results}) == 1
    path = Path(results[0]["path"])
    cache = VBNCache.from_s3_cache(cache_dir, endpoint_url=s3.endpoint_url)
    assert hash_file(path) == cache.manifest.metadata_entry("units").file_hash
    assert sorted(r["bytes_reported"] > 0 for r in results) == [False, True]
    assert not list(path.parent.glob(".*.part"))
