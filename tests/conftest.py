from __future__ import annotations

from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.fail(f"real release files expected at {REALDATA} (../shared/realdata)")
    return REALDATA


@pytest.fixture(scope="session")
def demo_release(tmp_path_factory) -> Path:
    """A small demo release (scale 0.02), written once per test session; treat as read-only."""
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("demo-small") / "release"
    write_demo_release(root, scale=0.02, seed=7)
    return root


@pytest.fixture(scope="session")
def genuine_release(tmp_path_factory) -> tuple[Path, list[int], int]:
    """(release, its genuine ecephys sessions, a stand-in session) of a small demo (scale 0.02)
    whose two normal ecephys sessions are genuine NWB files of 600 s; written once per test
    session, treat as read-only (download into a cache folder of your own)."""
    from vbn_widgets import VBNCache
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("demo-genuine")
    release = write_demo_release(
        root / "release", scale=0.02, seed=5, nwb_sessions=2, session_duration_s=600, lfp_s=0
    )
    genuine = [int(s) for s in release.nwb_sessions]
    every = VBNCache.from_mirror(root / "release", root / "probe-cache")
    table = every.get_ecephys_session_table(filter_abnormalities=False)
    stand_in = next(int(s) for s in table.index if s not in genuine)
    return root / "release", genuine, stand_in


@pytest.fixture(scope="session")
def full_demo_release(tmp_path_factory) -> Path:
    """The full-scale demo release (319,013 units), written once per test session; read-only."""
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("demo-full") / "release"
    write_demo_release(root, scale=1.0, seed=0)
    return root


def tree_snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under root with (size, mtime_ns): equal snapshots mean nothing was written."""
    return {
        str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def sent(monkeypatch):
    """Every kernel-to-front-end message as (msg_type, data, buffers)."""
    import comm

    messages = []

    class RecordingComm(comm.base_comm.BaseComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            messages.append((msg_type, data, buffers or []))

    monkeypatch.setattr(comm, "create_comm", RecordingComm)
    return messages


@pytest.fixture
def user_ns(monkeypatch):
    """Stands in for the notebook's namespace that export_to writes into."""
    namespace: dict = {}
    monkeypatch.setattr("vbn_widgets._variables.user_namespace", lambda: namespace)
    return namespace


E2E_DIR = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an asyncio loop running in the main
    thread for as long as the session-scoped browser lives, which breaks every later test that
    runs a loop of its own (the Jupyter server tests, debounced widget updates)."""
    items.sort(key=lambda item: E2E_DIR in item.path.parents)
