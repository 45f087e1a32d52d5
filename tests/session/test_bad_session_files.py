"""Bad files get a clear error naming the file: truncated, corrupt, not HDF5, not NWB, stand-in."""

from __future__ import annotations

import h5py
import pytest

from vbn_widgets import BehaviorEcephysSession, BehaviorSession
from vbn_widgets.data.demo import STANDIN_HEADER
from vbn_widgets.session import SessionFileError, StandInFileError


def test_truncated_file_names_the_file(session_file, tmp_path):
    path, _ = session_file
    cut = tmp_path / "ecephys_session_cut.nwb"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SessionFileError, match=r"ecephys_session_cut\.nwb is truncated or corrupt"):
        BehaviorEcephysSession.from_nwb_path(cut)


def test_corrupt_bytes_inside_name_the_file(session_file, tmp_path):
    path, _ = session_file
    data = bytearray(path.read_bytes())
    with h5py.File(path, "r") as f:  # the object header of one units column
        header = h5py.h5o.get_info(f["units/peak_channel_id"].id).addr
    data[header : header + 64] = b"\xff" * 64
    bad = tmp_path / "ecephys_session_bad.nwb"
    bad.write_bytes(bytes(data))
    session = BehaviorEcephysSession.from_nwb_path(bad)  # the superblock is fine
    with pytest.raises(SessionFileError, match=r"ecephys_session_bad\.nwb: cannot read .*corrupt"):
        session.get_units()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"hello, this is not HDF5" * 100, "is not an HDF5 file"),
        (STANDIN_HEADER + b'{"key": "x"}\n' + b"\0" * 100, "demo stand-in, not an NWB file"),
    ],
)
def test_not_nwb(tmp_path, content, message):
    path = tmp_path / "ecephys_session_1.nwb"
    path.write_bytes(content)
    with pytest.raises(SessionFileError, match=message) as info:
        BehaviorEcephysSession.from_nwb_path(path)
    assert str(path) in str(info.value)
    if b"STAND-IN" in content:
        assert isinstance(info.value, StandInFileError)


def test_hdf5_but_not_nwb(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["x"] = [1, 2, 3]
    with pytest.raises(SessionFileError, match=r"plain\.h5 is an HDF5 file but not an NWB file"):
        BehaviorSession.from_nwb_path(path)


def test_missing_file(tmp_path):
    with pytest.raises(SessionFileError, match="does not exist"):
        BehaviorSession.from_nwb_path(tmp_path / "nope.nwb")


def test_behavior_file_is_not_an_ecephys_session(tmp_path):
    import datetime as dt

    from pynwb import NWBHDF5IO, NWBFile

    path = tmp_path / "behavior_session_5.nwb"
    nwb = NWBFile(
        session_description="s", identifier="5", session_start_time=dt.datetime.now(dt.timezone.utc)
    )
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    with pytest.raises(SessionFileError, match=r"behavior_session_5\.nwb has no /units"):
        BehaviorEcephysSession.from_nwb_path(path)
    with BehaviorSession.from_nwb_path(path) as behavior:
        assert behavior.trials.empty and behavior.licks.empty
