"""Streaming a session from a real S3 server (SeaweedFS): equal to the local read, a second open
fetches nothing, and a transfer cut mid-read is retried without caching a wrong block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from vbn_testing.cut_proxy import CutProxy
from vbn_testing.publish import BUCKET, publish_release
from vbn_testing.seaweed import SeaweedS3

from vbn_widgets import BehaviorEcephysSession, VBNCache


def _key(sid: int) -> str:
    return f"visual-behavior-neuropixels/behavior_ecephys_sessions/{sid}/ecephys_session_{sid}.nwb"


@pytest.fixture(scope="module")
def s3(nwb_release, tmp_path_factory):
    root, _, _ = nwb_release
    with SeaweedS3(base_dir=tmp_path_factory.mktemp("seaweed")) as server:
        server.create_versioned_bucket(BUCKET)
        publish_release(root, server.admin_client(), BUCKET)
        yield server


def _same(reference, other) -> None:
    pd.testing.assert_frame_equal(reference.get_units(), other.get_units())
    pd.testing.assert_frame_equal(reference.stimulus_presentations, other.stimulus_presentations)
    ids = list(reference.spike_times)
    got = other.spike_times.read_many(ids)
    for uid in ids:
        np.testing.assert_array_equal(reference.spike_times[uid], got[uid])


@pytest.mark.s3
def test_stream_from_s3_and_reopen_from_blocks(s3, nwb_release, tmp_path):
    root, sid, _ = nwb_release
    reference = BehaviorEcephysSession.from_nwb_path(root / _key(sid))
    with CutProxy("127.0.0.1", s3.port) as proxy:
        cache = VBNCache.from_s3_cache(tmp_path / "c", endpoint_url=proxy.endpoint_url)
        with cache.get_ecephys_session(sid) as streamed:
            _same(reference, streamed)
            assert streamed.fetch_stats.bytes_fetched > 0
        before = len(proxy.requests)
        with cache.get_ecephys_session(sid, source="stream") as again:
            _same(reference, again)
            assert again.fetch_stats.bytes_fetched == 0
        gets = [r for r in proxy.requests[before:] if r.method == "GET"]
        assert not [r for r in gets if r.header("Range")], "the reopen fetched byte ranges"
    reference.close()


@pytest.mark.s3
def test_cut_transfers_are_retried_and_never_cached_wrong(s3, nwb_release, tmp_path):
    root, sid, _ = nwb_release
    original = (root / _key(sid)).read_bytes()
    reference = BehaviorEcephysSession.from_nwb_path(root / _key(sid))
    block = 16 << 10
    with CutProxy("127.0.0.1", s3.port) as proxy:
        cache = VBNCache.from_s3_cache(tmp_path / "c", endpoint_url=proxy.endpoint_url)
        entry = cache.manifest.data_entry(
            cache.get_ecephys_session_table(filter_abnormalities=False).loc[sid, "file_id"]
        )
        remote = cache.stream_file(entry, block_size=block)
        session = BehaviorEcephysSession.from_file_object(remote, name=entry.key)
        session.get_units()
        proxy.arm(5_000, cuts=3)  # the next three responses stop after 5,000 bytes
        _same(reference, session)
        assert remote.stats.retries >= 1
        cut = [c for c in proxy.connections if c.cut]
        assert len(cut) == 3
        session.close()
    blocks = sorted((tmp_path / "c" / ".vbn_widgets" / "blocks").rglob("*.blk"))
    assert len(blocks) > 3
    for path in blocks:
        index = int(path.name.split("-")[0])
        assert path.read_bytes() == original[index * block : (index + 1) * block], path.name
    reference.close()
