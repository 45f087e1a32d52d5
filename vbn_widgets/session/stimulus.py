"""Stimulus presentations, templates and the optotagging table, as AllenSDK 2.16 reads them.

``stimulus_presentations`` follows ``Presentations.from_nwb`` + ``BehaviorSession
.stimulus_presentations``: every ``/intervals/*_presentations`` table (without ``tags`` and
``timeseries``), "N/A" as "", concatenated in name order, int columns int64, 0/1 float columns
nullable boolean, sorted by ``start_time``, index ``stimulus_presentations_id``, a few integer
columns with -99 for missing, ``stop_time`` renamed ``end_time``. AllenSDK puts the columns it
does not list in ``set`` order (random per process); here they follow in sorted order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .nwbfile import NWBFile
from .tables import column_names, float_bools_to_boolean, int_with_null, read_table

SKIP = ("tags", "timeseries", "tags_index", "timeseries_index")
INT_COLUMNS = (
    "flashes_since_change", "image_index", "movie_repeat", "movie_frame_index", "repeat",
    "stimulus_index",
)  # fmt: skip
FIRST_COLUMNS = (
    "stimulus_block", "stimulus_block_name", "image_index", "image_name", "movie_frame_index",
    "duration", "start_time", "end_time", "stop_time", "start_frame", "end_frame", "is_change",
    "is_image_novel", "omitted", "movie_repeat", "flashes_since_change", "trials_id",
)  # fmt: skip


def presentation_tables(nwb: NWBFile) -> list[str]:
    intervals = nwb.get("intervals")
    if intervals is None:
        return []
    with nwb.reading("intervals"):
        return sorted(n for n in intervals if n.endswith("_presentations"))


def _one_table(nwb: NWBFile, name: str) -> pd.DataFrame:
    path = f"intervals/{name}"
    group = nwb.require(path)
    names = [c for c in column_names(nwb, group) if c not in SKIP]
    frame = read_table(nwb, path, names, index_name=None)
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            frame[col] = frame[col].replace({"N/A": ""})
    return frame


def is_change_event(table: pd.DataFrame) -> pd.Series:
    """AllenSDK's ``is_change_event``: the first non-omitted presentation of a new image."""
    stimuli = table["image_name"][~table["omitted"].fillna(False).astype(bool)]
    prev = stimuli.shift()
    change = (stimuli.iloc[1:] != prev.iloc[1:]).reindex(table.index)
    return change.fillna(False).astype(bool).rename("is_change")


def flashes_since_change(table: pd.DataFrame) -> pd.Series:
    counts = np.zeros(len(table), dtype=np.int64)
    omitted = table["omitted"].fillna(False).astype(bool).to_numpy()
    names = table["image_name"].to_numpy()
    change = table["is_change"].fillna(False).astype(bool).to_numpy()
    for i in range(len(table)):
        if names[i] == "omitted" or omitted[i]:
            counts[i] = counts[i - 1]  # i == 0 reads the last element, as AllenSDK's iloc[-1]
        elif change[i] or i == 0:
            counts[i] = 0
        else:
            counts[i] = counts[i - 1] + 1
    return pd.Series(counts, index=table.index, name="flashes_since_change")


def read_presentations(nwb: NWBFile, *, add_is_change: bool) -> pd.DataFrame:
    frames = [_one_table(nwb, name) for name in presentation_tables(nwb)]
    if not frames:
        return pd.DataFrame(index=pd.RangeIndex(0, name="stimulus_presentations_id"))
    table = pd.concat(frames, sort=False)
    table = table.astype(dict.fromkeys(table.select_dtypes(include="int").columns, "int64"))
    table = float_bools_to_boolean(table)
    table = table.sort_values(by=["start_time"]).reset_index(drop=True)
    if add_is_change and {"image_name", "omitted"} <= set(table.columns):
        table["is_change"] = is_change_event(table)
        table["flashes_since_change"] = flashes_since_change(table)
    table = int_with_null(table, INT_COLUMNS)
    table.index = pd.RangeIndex(len(table), name="stimulus_presentations_id")
    first = [c for c in FIRST_COLUMNS if c in table.columns]
    table = table[first + sorted(c for c in table.columns if c not in first)]
    table = table.drop(columns=["image_set", "index"], errors="ignore")
    return table.rename(columns={"stop_time": "end_time"})


def read_templates(nwb: NWBFile) -> pd.DataFrame | None:
    """The image set's templates: index ``image_name``, columns ``unwarped``, ``warped``."""
    group = nwb.get("stimulus/templates")
    if group is None:
        return None
    with nwb.reading("stimulus/templates"):
        names = sorted(group)
    if not names:
        return None
    path = f"stimulus/templates/{names[0]}"
    image_names = nwb.read(nwb.require(f"{path}/control_description"))
    warped = nwb.read(nwb.require(f"{path}/data"))
    unwarped = nwb.read(nwb.require(f"{path}/unwarped"))
    frame = pd.DataFrame(
        {"unwarped": list(unwarped), "warped": list(warped)},
        index=pd.Index([str(n) for n in image_names], name="image_name"),
    )
    frame.attrs["name"] = names[0]
    return frame


def read_optotagging(nwb: NWBFile) -> pd.DataFrame:
    path = "processing/optotagging/optogenetic_stimulation"
    if nwb.get(path) is None:
        return pd.DataFrame(index=pd.Index([], name="id", dtype=np.int64))
    table = read_table(nwb, path, skip=("tags", "timeseries"))
    return table.rename(columns={"name": "stimulus_name"})
