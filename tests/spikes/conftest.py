"""Sessions for the spikes tests: a small in-memory one (for what is not about files) and a demo
release whose two ecephys sessions are genuine NWB files (written once per test session)."""

from __future__ import annotations

import pytest
from vbn_testing.sessions import download_sessions
from vbn_testing.spike_session import SpikeSession


@pytest.fixture(scope="session")
def fake_session() -> SpikeSession:
    return SpikeSession(seed=0)


@pytest.fixture(scope="session")
def nwb_demo(genuine_release, tmp_path_factory):
    """(release root, cache folder, [session ids]) of the small demo with two genuine sessions,
    downloaded into the cache (streamed reads are the session reader's own tests)."""
    from vbn_widgets import VBNCache

    release, sessions, _ = genuine_release
    cache_dir = tmp_path_factory.mktemp("spikes-cache")
    download_sessions(VBNCache.from_mirror(release, cache_dir), sessions)
    return release, cache_dir, sessions


@pytest.fixture
def demo_cache(nwb_demo):
    from vbn_widgets import VBNCache

    release, cache_dir, _ = nwb_demo
    return VBNCache.from_mirror(release, cache_dir)
