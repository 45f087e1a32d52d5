"""Session files for the reader's tests: written once per test session with pynwb (vbn_nwb.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from hashlib import blake2b
from pathlib import Path

import pandas as pd
import pytest

_HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("session_vbn_nwb", _HERE / "vbn_nwb.py")
vbn_nwb = importlib.util.module_from_spec(_spec)
sys.modules["session_vbn_nwb"] = vbn_nwb
_spec.loader.exec_module(vbn_nwb)


@pytest.fixture(scope="session")
def session_file(tmp_path_factory):
    """(path, spec) of a VBN-shaped ecephys session file with LFP files beside it."""
    folder = tmp_path_factory.mktemp("session-files")
    path = folder / "ecephys_session_1044385384.nwb"
    spec = vbn_nwb.write_session(path)
    for probe in spec.lfp_probes:
        vbn_nwb.write_lfp(folder / f"probe_{probe}_lfp.nwb", spec, probe)
    return path, spec


def _rewrite_hash(release: Path, key: str, data: bytes) -> None:
    """Put ``data`` at ``key`` (its latest version) and record its hash wherever a manifest names
    that object version (an unchanged file keeps one version id across manifests)."""
    from vbn_widgets.data.demo import LATEST, manifest_name

    (release / key).write_bytes(data)
    digest = blake2b(data).hexdigest()
    folder = release / "visual-behavior-neuropixels" / "manifests"
    latest = json.loads((folder / manifest_name(LATEST)).read_text())
    version = next(e["version_id"] for e in latest["data_files"].values() if e["url"].endswith(key))
    for manifest in folder.glob("*.json"):
        doc = json.loads(manifest.read_text())
        for entry in doc["data_files"].values():
            if entry["url"].endswith(key) and entry["version_id"] == version:
                entry["file_hash"] = digest
        manifest.write_text(json.dumps(doc, indent=4))


@pytest.fixture(scope="session")
def nwb_release(tmp_path_factory):
    """A small demo release in which one ecephys session (and the LFP files of its probes) are
    genuine NWB files; returns (release root, session id, spec)."""
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("nwb-release") / "release"
    write_demo_release(root, scale=0.02, seed=3)
    project = root / "visual-behavior-neuropixels"
    sessions = pd.read_csv(project / "project_metadata" / "ecephys_sessions.csv")
    probes = pd.read_csv(project / "project_metadata" / "probes.csv")
    sid = int(sessions["ecephys_session_id"].iloc[0])
    mine = probes[probes["ecephys_session_id"] == sid].sort_values("name")
    spec = vbn_nwb.SessionSpec(
        session_id=sid,
        behavior_session_id=int(sessions["behavior_session_id"].iloc[0]),
        probes=tuple(mine["name"]),
        probe_ids=dict(zip(mine["name"], mine["ecephys_probe_id"].astype(int), strict=True)),
        lfp_probes=tuple(mine.loc[mine["has_lfp_data"].astype(bool), "name"]),
    )
    folder = f"visual-behavior-neuropixels/behavior_ecephys_sessions/{sid}"
    scratch = tmp_path_factory.mktemp("nwb-scratch")
    vbn_nwb.write_session(scratch / "s.nwb", spec)
    _rewrite_hash(root, f"{folder}/ecephys_session_{sid}.nwb", (scratch / "s.nwb").read_bytes())
    for probe in spec.lfp_probes:
        vbn_nwb.write_lfp(scratch / f"{probe}.nwb", spec, probe)
        data = (scratch / f"{probe}.nwb").read_bytes()
        _rewrite_hash(root, f"{folder}/probe_{probe}_lfp.nwb", data)
    return root, sid, spec
