"""`vbn-widgets demo`: the main job prepares the demo release and a warm cache, once."""

from conftest import tree_snapshot

from vbn_widgets import VBNCache
from vbn_widgets.cli import main
from vbn_widgets.data import FileState
from vbn_widgets.data.demo import is_standin, read_marker
from vbn_widgets.data.demo_nwb.plan import DEFAULT_DURATION_S
from vbn_widgets.demo_job import DATA_ENV, default_data_dir, demo_nwb_options, ensure_demo_data


def test_demo_command_prepares_release_and_cache(tmp_path, capsys):
    assert main(["demo", "--data", str(tmp_path), "--scale", "0.02", "--no-lab"]) == 0
    out = capsys.readouterr().out
    assert f"VBNCache.from_mirror({str(tmp_path / 'release')!r}" in out
    cache = VBNCache.from_local_cache(tmp_path / "cache")  # offline: everything is already here
    for table in ("units", "probes", "channels", "ecephys_sessions", "behavior_sessions"):
        assert cache.file_state(table, verify=True) is FileState.VERIFIED
    assert (tmp_path / "cache" / ".vbn_widgets" / "tables").is_dir()

    # A scaled-down demo gets one short genuine session (the full one gets four 20-minute ones).
    nwb = read_marker(tmp_path / "release")["nwb"]
    (summary,) = nwb["sessions"].values()
    session = tmp_path / "release" / summary["key"]
    assert session.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n" and not is_standin(session)
    assert len(summary["lfp_probes"]) == 1 and len(nwb["behavior_sessions"]) == 1

    before = tree_snapshot(tmp_path)
    ensure_demo_data(tmp_path, scale=0.02)  # a second run finds everything and writes nothing
    assert tree_snapshot(tmp_path) == before


def test_data_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "x"
    monkeypatch.delenv(DATA_ENV)
    assert default_data_dir().parts[-2:] == ("vbn-widgets", "demo")


def test_full_demo_writes_four_sessions_of_at_least_twenty_minutes():
    options = demo_nwb_options(1.0)
    assert options.sessions == 4 and options.duration_s == DEFAULT_DURATION_S >= 1200
    assert options.lfp_probes == 2 and options.lfp_s == 30
    assert demo_nwb_options(0.02).sessions == 1


def test_demo_command_passes_nwb_options(tmp_path, capsys):
    assert main(["demo", "--data", str(tmp_path), "--scale", "0.02", "--no-lab",
                 "--nwb-sessions", "0"]) == 0  # fmt: skip
    capsys.readouterr()
    assert read_marker(tmp_path / "release")["nwb"]["sessions"] == {}
