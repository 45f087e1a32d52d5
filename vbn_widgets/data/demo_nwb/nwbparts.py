"""Pieces shared by the demo's NWB files: tables from columns, metadata, deterministic writing."""

from __future__ import annotations

import atexit
import datetime
import functools
import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .extensions import build_manager, extension_class

INSTITUTION = "Allen Institute for Brain Science"
SPECIES = "Mus musculus"


@dataclass(frozen=True)
class SessionMeta:
    """What the files' metadata say, taken from the release's tables."""

    behavior_session_id: int
    ecephys_session_id: int | None  # None for a behavior-only session
    session_type: str
    date_of_acquisition: str  # '2020-08-19 14:47:08.574000+00:00'
    equipment_name: str
    project_code: str
    mouse_id: int
    genotype: str
    sex: str
    age_in_days: int
    seed: int

    @property
    def start_time(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.date_of_acquisition)

    @property
    def create_date(self) -> datetime.datetime:
        """When the release's pipeline wrote the file: fixed, so the bytes are reproducible."""
        return datetime.datetime(2022, 8, 2, 17, 4, 11, tzinfo=datetime.timezone.utc)

    def uuid(self, what: str) -> str:
        digest = hashlib.blake2b(f"{self.seed}:{self.behavior_session_id}:{what}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))


def column(name: str, data, description: str = "", index: bool = False) -> list:
    """A VectorData (plus its VectorIndex when ``index``: ``data`` is then (values, ends))."""
    from hdmf.common import VectorData, VectorIndex

    if not index:
        return [VectorData(name=name, description=description or name, data=data)]
    values, ends = data
    target = VectorData(name=name, description=description or name, data=values)
    return [target, VectorIndex(name=f"{name}_index", data=np.asarray(ends), target=target)]


def text(values) -> list[str]:
    return [str(v) for v in values]


def time_intervals(name: str, description: str, frame: pd.DataFrame, extra: Sequence = ()):
    """A TimeIntervals table from a DataFrame with start_time and stop_time, plus ``extra``
    column objects (tags, timeseries) appended as they come."""
    from hdmf.common import ElementIdentifiers
    from pynwb.epoch import TimeIntervals

    columns = []
    for key in frame.columns:
        values = frame[key]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            data = text(values)
        else:
            data = values.to_numpy()
        columns += column(key, data, "start time" if key == "start_time" else "")
    ids = ElementIdentifiers(name="id", data=np.arange(len(frame)))
    return TimeIntervals(name=name, description=description, id=ids, columns=[*columns, *extra])


def tags_and_references(n: int, tag: str, idx: np.ndarray, count: np.ndarray, series) -> list:
    """The ``tags`` and ``timeseries`` columns (with their indexes) that AllenSDK writes."""
    from pynwb.base import TimeSeriesReference, TimeSeriesReferenceVectorData

    ends = np.arange(1, n + 1)
    refs = [TimeSeriesReference(int(i), int(c), series) for i, c in zip(idx, count, strict=True)]
    ts = TimeSeriesReferenceVectorData(name="timeseries", description="", data=refs)
    from hdmf.common import VectorIndex

    return [
        *column("tags", ([tag] * n, ends), "user-defined tags", index=True),
        ts,
        VectorIndex(name="timeseries_index", data=ends, target=ts),
    ]


def add_metadata(nwbfile, meta: SessionMeta) -> None:
    """/general/subject (BehaviorSubject), /general/metadata (BehaviorMetadata), the rig device."""
    driver = None if meta.genotype.startswith("wt") else [meta.genotype.split("/")[0]]
    reporter = "None" if driver is None else meta.genotype.split(";")[1].split("/")[0]
    subject = extension_class("BehaviorSubject")(
        description="A visual behavior subject with a LabTracks ID",
        age=f"P{meta.age_in_days}D",
        driver_line=driver,
        genotype=meta.genotype,
        subject_id=str(meta.mouse_id),
        reporter_line=reporter,
        sex=meta.sex,
        species=SPECIES,
    )
    nwbfile.subject = subject
    nwbfile.create_device(
        name=meta.equipment_name,
        description="Allen Brain Observatory - Scientifica 2P Rig",
        manufacturer="Scientifica",
    )
    nwbfile.add_lab_meta_data(
        extension_class("BehaviorMetadata")(
            name="metadata",
            behavior_session_id=meta.behavior_session_id,
            behavior_session_uuid=meta.uuid("behavior_session_uuid"),
            stimulus_frame_rate=60.0,
            session_type=meta.session_type,
            equipment_name=meta.equipment_name,
            project_code=meta.project_code,
        )
    )


def new_file(meta: SessionMeta, *, identifier: str, description: str, **more):
    from pynwb import NWBFile

    return NWBFile(
        session_description=description,
        identifier=identifier,
        session_start_time=meta.start_time,
        file_create_date=[meta.create_date],
        institution=INSTITUTION,
        **more,
    )


@functools.cache
def _spec_template() -> Path:
    """A small NWB file whose ``/specifications`` holds every namespace of our type map."""
    from pynwb import NWBHDF5IO, NWBFile

    folder = Path(tempfile.mkdtemp(prefix="vbn-widgets-nwb-specs-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    with NWBHDF5IO(str(folder / "specs.nwb"), "w", manager=build_manager()) as io:
        io.write(NWBFile(session_description="specs", identifier="specs", session_start_time=start))
    return folder / "specs.nwb"


def _cache_specs(path: Path) -> None:
    """Copy the cached namespaces into ``path`` as hdmf's ``cache_spec`` writes them: hdmf
    rebuilds the same specification JSON for every file (~3 s each); a copy takes milliseconds."""
    import h5py
    from hdmf.backends.hdf5.h5tools import SPEC_LOC_ATTR

    with h5py.File(_spec_template(), "r") as src, h5py.File(path, "r+") as dst:
        src.copy(src["specifications"], dst, name="specifications")
        dst.attrs[SPEC_LOC_ATTR] = dst["specifications"].ref


def write(nwbfile, path: Path, meta: SessionMeta) -> None:
    """Write with object ids drawn from the seed (pynwb draws random uuid4s), so the same inputs
    give the same bytes."""
    from pynwb import NWBHDF5IO

    for i, child in enumerate(nwbfile.all_children()):
        child._AbstractContainer__object_id = meta.uuid(f"{path.name}:{i}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with NWBHDF5IO(str(path), "w", manager=build_manager()) as io:
        io.write(nwbfile, cache_spec=False)
    _cache_specs(path)
