"""DownloadQueue against a real S3 server (SeaweedFS) serving the demo release, faults included."""

from __future__ import annotations

import json
from hashlib import blake2b

import pytest
from vbn_testing.cut_proxy import CutProxy
from vbn_testing.publish import publish_release
from vbn_testing.seaweed import SeaweedS3
from vbn_testing.wrapped import EventLog, GatedSource

from vbn_widgets import VBNCache
from vbn_widgets.data import FileState, S3Source
from vbn_widgets.data.download import RetryPolicy
from vbn_widgets.data.layout import hash_file
from vbn_widgets.data.transfers import DownloadQueue, JobState

pytestmark = pytest.mark.s3

BUCKET = "visual-behavior-neuropixels-data"
TAMPERED = "vbn-tampered"  # public; serves altered bytes under a manifest with the true hash
DENIED = "vbn-denied"  # public; its manifest points into PRIVATE
PRIVATE = "vbn-private"  # no anonymous access at all
PUBLIC = (BUCKET, TAMPERED, DENIED)
V5 = "visual-behavior-neuropixels_project_manifest_v0.5.0.json"
URL = "https://{bucket}.s3.us-west-2.amazonaws.com/{key}"
CHANNELS = "visual-behavior-neuropixels/project_metadata/channels.csv"
FAST_RETRY = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.02)


@pytest.fixture(scope="module")
def s3(demo_release, tmp_path_factory):
    actions = tuple(f"{a}:{b}" for b in PUBLIC for a in ("Read", "List"))
    with SeaweedS3(
        base_dir=tmp_path_factory.mktemp("seaweed"), anonymous_actions=actions
    ) as server:
        for bucket in (*PUBLIC, PRIVATE):
            server.create_versioned_bucket(bucket)
        publish_release(demo_release, server.admin_client(), BUCKET)
        yield server


@pytest.fixture
def queue():
    q = DownloadQueue(max_workers=2)
    yield q
    q.shutdown(cancel=True, wait=True)


def s3_cache(cache_dir, endpoint, bucket=BUCKET, **kwargs) -> VBNCache:
    source = S3Source(bucket, endpoint_url=endpoint, max_attempts=kwargs.pop("max_attempts", 5))
    return VBNCache(cache_dir, source=source, **kwargs)


def fault_manifest(
    s3, bucket: str, table: str, *, served_from: str, body: bytes, true: bytes
) -> None:
    """A v0.6.0 manifest in ``bucket`` whose ``table`` is ``body`` in ``served_from``, hashed as
    ``true``."""
    admin = s3.admin_client()
    key = CHANNELS.replace("channels", table)
    put = admin.put_object(Bucket=served_from, Key=key, Body=body)
    manifests = "visual-behavior-neuropixels/manifests/"
    raw = json.loads(admin.get_object(Bucket=BUCKET, Key=manifests + V5)["Body"].read())
    raw["manifest_version"] = "0.6.0"
    raw["metadata_files"][table] = {
        "url": URL.format(bucket=served_from, key=key),
        "version_id": put["VersionId"],
        "file_hash": blake2b(true).hexdigest(),
    }
    name = V5.replace("0.5.0", "0.6.0")
    admin.put_object(Bucket=bucket, Key=manifests + name, Body=json.dumps(raw).encode())


def test_download_through_s3_reports_monotonic_progress_to_the_size(s3, tmp_path, queue):
    cache = s3_cache(tmp_path / "c", s3.endpoint_url)
    nwb = min(i for i, e in cache.manifest.data_files.items() if "ecephys_session_" in e.key)
    log = EventLog(queue)
    jobs = queue.submit_many(cache, ["units", nwb])
    assert queue.wait(timeout=120)
    for job in jobs:
        entry = cache._entry(job.ref)
        size = cache.source.size(entry)
        events = log.of(job.id)
        done = [e.bytes_done for e in events]
        assert done == sorted(done)
        assert events[0].state is JobState.QUEUED
        assert events[-1].state is JobState.DONE
        assert events[-1].bytes_done == events[-1].bytes_total == size
        assert all(e.bytes_total in {None, size} for e in events)
        assert cache.file_state(job.ref, verify=True) is FileState.VERIFIED
        assert hash_file(cache.local_path(job.ref)) == entry.file_hash
    units = [e for e in log.of(jobs[0].id) if e.state is JobState.RUNNING and e.bytes_done]
    assert len(units) >= 2  # 2.6 MB arrives in 1 MiB chunks: progress between the states


def test_cancel_mid_file_then_a_later_download_resumes_and_verifies(s3, tmp_path, queue):
    cache = VBNCache(tmp_path / "c", source=GatedSource(S3Source(endpoint_url=s3.endpoint_url)))
    log = EventLog(queue)
    job = queue.submit(cache, "channels")
    log.wait_bytes(job.id)
    queue.cancel(job.id)
    cache.source.gate.set()
    assert queue.wait([job.id], timeout=120)
    ended = queue.get(job.id)
    assert ended.state is JobState.CANCELLED
    assert 0 < ended.bytes_done < ended.bytes_total
    final = cache.local_path("channels")
    assert not final.exists()
    assert cache.file_state("channels") is FileState.PARTIAL

    plain = s3_cache(tmp_path / "c", s3.endpoint_url)
    again = queue.submit(plain, "channels")
    assert queue.wait([again.id], timeout=120)
    resumed = log.of(again.id)
    assert resumed[-1].state is JobState.DONE
    first = next(e.bytes_done for e in resumed if e.bytes_done)
    assert first > ended.bytes_done  # the ranged GET continued the kept part
    assert plain.file_state("channels", verify=True) is FileState.VERIFIED
    assert not list(final.parent.glob(".*.part"))


def test_tampered_bytes_fail_with_hash_mismatch_and_leave_nothing(
    s3, tmp_path, queue, demo_release
):
    true = (demo_release / CHANNELS).read_bytes()
    fault_manifest(
        s3, TAMPERED, "channels", served_from=TAMPERED, body=true + b"tampered\n", true=true
    )
    cache = s3_cache(tmp_path / "c", s3.endpoint_url, bucket=TAMPERED)
    job = queue.submit(cache, "channels")
    assert queue.wait([job.id], timeout=120)
    ended = queue.get(job.id)
    assert (ended.state, ended.error_kind) == (JobState.FAILED, "hash-mismatch")
    assert "project_metadata/channels.csv: BLAKE2b mismatch" in ended.error
    final = cache.local_path("channels")
    assert not final.exists()
    assert not list(final.parent.glob(".*"))
    assert cache.file_state("channels") is FileState.MISSING


def test_a_bucket_without_anonymous_read_fails_with_access_denied(
    s3, tmp_path, queue, demo_release
):
    probes = (demo_release / CHANNELS.replace("channels", "probes")).read_bytes()
    fault_manifest(s3, DENIED, "probes", served_from=PRIVATE, body=probes, true=probes)
    cache = s3_cache(tmp_path / "c", s3.endpoint_url, bucket=DENIED)
    job = queue.submit(cache, "probes")
    assert queue.wait([job.id], timeout=120)
    ended = queue.get(job.id)
    assert (ended.state, ended.error_kind) == (JobState.FAILED, "access-denied")
    assert "project_metadata/probes.csv" in ended.error
    assert "AccessDenied" in ended.error
    assert cache.file_state("probes") is FileState.MISSING


def test_connection_cut_beyond_the_retries_fails_with_network(s3, tmp_path, queue):
    with CutProxy("127.0.0.1", s3.port) as proxy:
        cache = s3_cache(tmp_path / "c", proxy.endpoint_url, max_attempts=1, retry=FAST_RETRY)
        cache.load_manifest(V5)
        proxy.arm(200_000, cuts=100)
        job = queue.submit(cache, "units")
        assert queue.wait([job.id], timeout=120)
    ended = queue.get(job.id)
    assert (ended.state, ended.error_kind) == (JobState.FAILED, "network")
    assert "units.csv: gave up after 2 attempts" in ended.error
    assert 0 < ended.bytes_done < ended.bytes_total
    assert not cache.local_path("units").exists()
    assert cache.file_state("units") is FileState.PARTIAL


def test_server_gone_fails_with_network(s3, tmp_path, queue):
    proxy = CutProxy("127.0.0.1", s3.port).start()
    cache = s3_cache(tmp_path / "c", proxy.endpoint_url, max_attempts=1, retry=FAST_RETRY)
    cache.load_manifest(V5)
    proxy.close()  # nothing listens on the endpoint any more
    job = queue.submit(cache, "probes")
    assert queue.wait([job.id], timeout=120)
    ended = queue.get(job.id)
    assert (ended.state, ended.error_kind) == (JobState.FAILED, "network")
    assert "probes.csv" in ended.error
    assert cache.file_state("probes") is FileState.MISSING
