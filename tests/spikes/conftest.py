"""Sessions for the spikes tests: a small in-memory one (for what is not about files) and a demo
release whose two ecephys sessions are genuine NWB files (written once per test session)."""

from __future__ import annotations

import pytest
from vbn_testing.spike_session import SpikeSession


@pytest.fixture(scope="session")
def fake_session() -> SpikeSession:
    return SpikeSession(seed=0)


@pytest.fixture(scope="session")
def nwb_demo(tmp_path_factory):
    """(release root, cache folder, [session ids]) of a small demo with two genuine sessions,
    downloaded into the cache (streamed reads are the session reader's own tests)."""
    from vbn_widgets import VBNCache
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("spikes-demo")
    release = write_demo_release(
        root / "release", scale=0.02, seed=5, nwb_sessions=2, session_duration_s=600, lfp_s=0
    )
    sessions = list(release.nwb_sessions)
    cache = VBNCache.from_mirror(root / "release", root / "cache")
    table = cache.get_ecephys_session_table(filter_abnormalities=False)
    for sid in sessions:
        cache.download(int(table.loc[sid, "file_id"]))
    return root / "release", root / "cache", sessions


@pytest.fixture
def demo_cache(nwb_demo):
    from vbn_widgets import VBNCache

    release, cache_dir, _ = nwb_demo
    return VBNCache.from_mirror(release, cache_dir)
