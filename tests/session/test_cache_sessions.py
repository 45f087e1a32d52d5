"""cache.get_ecephys_session from wherever the file is: streamed from a mirror (block cache on
disk), downloaded, local, static; bad ids and stand-ins named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets import BehaviorEcephysSession, VBNCache
from vbn_widgets.data import ReadOnlyCacheError
from vbn_widgets.session import NoLFPError, StandInFileError, UnknownSessionError


def _key(sid: int) -> str:
    return f"visual-behavior-neuropixels/behavior_ecephys_sessions/{sid}/ecephys_session_{sid}.nwb"


def assert_same_session(a, b, n_units: int = 10) -> None:
    pd.testing.assert_frame_equal(a.get_units(), b.get_units())
    pd.testing.assert_frame_equal(a.stimulus_presentations, b.stimulus_presentations)
    pd.testing.assert_frame_equal(
        a.trials.drop(columns="lick_times"), b.trials.drop(columns="lick_times")
    )
    ids = list(a.spike_times)[:n_units]
    got = b.spike_times.read_many(ids)
    for uid in ids:
        np.testing.assert_array_equal(a.spike_times[uid], got[uid])


def test_stream_from_mirror_then_reopen_from_the_block_cache(nwb_release, tmp_path):
    root, sid, _spec = nwb_release
    reference = BehaviorEcephysSession.from_nwb_path(root / _key(sid))
    cache = VBNCache.from_mirror(root, tmp_path / "cache")
    streamed = cache.get_ecephys_session(sid)  # not downloaded: "auto" streams
    assert streamed.fetch_stats is not None
    assert streamed.fetch_stats.bytes_fetched < (root / _key(sid)).stat().st_size
    assert_same_session(reference, streamed, n_units=len(reference.spike_times))
    first = streamed.fetch_stats.bytes_fetched
    assert first > 0
    assert not cache.local_path(cache.get_ecephys_session_table().loc[sid, "file_id"]).exists()
    blocks = list((tmp_path / "cache" / ".vbn_widgets" / "blocks").rglob("*.blk"))
    assert blocks
    again = cache.get_ecephys_session(sid, source="stream")
    assert_same_session(reference, again, n_units=len(reference.spike_times))
    assert again.fetch_stats.bytes_fetched == 0
    assert again.fetch_stats.blocks_from_disk > 0
    # A block damaged on disk is noticed (CRC in its name) and fetched again.
    blocks[0].write_bytes(b"\0" * blocks[0].stat().st_size)
    third = cache.get_ecephys_session(sid, source="stream")
    assert_same_session(reference, third, n_units=len(reference.spike_times))
    assert 0 < third.fetch_stats.bytes_fetched <= 2 * (1 << 20)
    for s in (reference, streamed, again, third):
        s.close()


def test_local_download_and_static(nwb_release, tmp_path):
    root, sid, _ = nwb_release
    cache = VBNCache.from_mirror(root, tmp_path / "cache")
    with pytest.raises(
        ReadOnlyCacheError, match=f"ecephys_session_{sid}.nwb has no verified local"
    ):
        cache.get_ecephys_session(sid, source="local")
    with cache.get_ecephys_session(sid, source="download") as downloaded:
        assert downloaded.fetch_stats is None
        assert downloaded.nwb_name.startswith(str(tmp_path / "cache"))
        n_units = len(downloaded.get_units())
    with cache.get_ecephys_session(sid) as local:  # verified copy now: opened in place
        assert local.fetch_stats is None and len(local.get_units()) == n_units
    static = VBNCache.from_local_cache(root, use_static_cache=True)
    with static.get_ecephys_session(sid) as mounted:
        assert mounted.nwb_name == str(root / _key(sid))
        assert len(mounted.get_units()) == n_units
    with pytest.raises(ValueError, match="source must be one of"):
        cache.get_ecephys_session(sid, source="ftp")


def test_bad_ids_and_stand_ins_are_named(nwb_release, tmp_path):
    root, _sid, _ = nwb_release
    cache = VBNCache.from_mirror(root, tmp_path / "cache")
    with pytest.raises(UnknownSessionError, match=r"ecephys session 123 is not in .*v0\.5\.0"):
        cache.get_ecephys_session(123)
    with pytest.raises(UnknownSessionError, match="'abc' is not a session id"):
        cache.get_ecephys_session("abc")
    other = int(cache.get_ecephys_session_table(filter_abnormalities=False).index[1])
    with pytest.raises(
        StandInFileError, match=rf"ecephys_session_{other}\.nwb is a vbn-widgets demo"
    ):
        cache.get_ecephys_session(other)
    with pytest.raises(UnknownSessionError, match="behavior session 5 is not in"):
        cache.get_behavior_session(5)


def test_lfp_through_the_cache(nwb_release, tmp_path):
    root, sid, spec = nwb_release
    cache = VBNCache.from_mirror(root, tmp_path / "cache")
    with cache.get_ecephys_session(sid) as session:
        probes = session.probes
        assert probes["has_lfp_data"].tolist() == [p in spec.lfp_probes for p in spec.probes]
        missing = [p for p in spec.probes if p not in spec.lfp_probes]
        assert spec.lfp_probes and missing  # the fixture has both kinds
        lfp = session.get_lfp(spec.probe_ids[spec.lfp_probes[0]])
        assert lfp.data[:3].shape == (3, spec.channels_per_probe // 4)
        with pytest.raises(NoLFPError, match="has no LFP data"):
            session.get_lfp(spec.probe_ids[missing[0]])


@pytest.fixture(scope="module")
def genuine_demo(tmp_path_factory):
    """The demo release as notebooks and CI get it: one short genuine session (vbn_widgets'
    own NWB writer) and a genuine behavior-only session of the same mouse."""
    from vbn_widgets.data.demo import write_demo_release
    from vbn_widgets.demo_job import demo_nwb_options

    root = tmp_path_factory.mktemp("genuine-demo") / "release"
    return write_demo_release(root, scale=0.02, seed=0, nwb=demo_nwb_options(0.02))


def test_genuine_demo_sessions_through_the_cache(genuine_demo, tmp_path):
    cache = VBNCache.from_mirror(genuine_demo.root, tmp_path / "cache")
    (sid,) = genuine_demo.nwb_sessions
    with cache.get_ecephys_session(sid) as session:
        assert session.ecephys_session_id == sid
        units = session.get_units()
        table = cache.get_unit_table()
        assert set(units.index) <= set(table.index[table["ecephys_session_id"] == sid])
        assert len(session.spike_times.read_many(units.index[:20])) == min(20, len(units))
        assert session.metadata["behavior_session_id"] == int(
            cache.get_ecephys_session_table(filter_abnormalities=False).loc[
                sid, "behavior_session_id"
            ]
        )
    (bid,) = genuine_demo.nwb_behavior_sessions[:1]
    with cache.get_behavior_session(bid) as behavior:
        assert behavior.behavior_session_id == bid
        assert len(behavior.trials) > 0
        assert behavior.stimulus_presentations["is_change"].dtype == bool
    ephys_bid = int(
        cache.get_ecephys_session_table(filter_abnormalities=False).loc[sid, "behavior_session_id"]
    )
    with (
        cache.get_behavior_session(ephys_bid) as behavior,
        cache.get_ecephys_session(sid) as ecephys,
    ):
        pd.testing.assert_frame_equal(
            behavior.trials.drop(columns="lick_times"), ecephys.trials.drop(columns="lick_times")
        )
