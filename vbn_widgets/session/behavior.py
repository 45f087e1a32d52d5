"""Trials, licks, rewards, running speed, eye tracking, metadata and task parameters, as AllenSDK
2.16's ``BehaviorSession.from_nwb`` returns them."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import numpy as np
import pandas as pd

from .nwbfile import NWBFile
from .tables import int_with_null, read_table

EYE_COLUMNS = (
    "timestamps", "cr_area", "eye_area", "pupil_area", "likely_blink", "pupil_area_raw",
    "cr_area_raw", "eye_area_raw", "cr_center_x", "cr_center_y", "cr_width", "cr_height",
    "cr_phi", "eye_center_x", "eye_center_y", "eye_width", "eye_height", "eye_phi",
    "pupil_center_x", "pupil_center_y", "pupil_width", "pupil_height", "pupil_phi",
)  # fmt: skip
BLINK_MASKED = (
    "eye_area", "pupil_area", "cr_area", "eye_width", "eye_height", "eye_phi", "pupil_width",
    "pupil_height", "pupil_phi",
)  # fmt: skip


def read_trials(nwb: NWBFile) -> pd.DataFrame:
    """``/intervals/trials``: index ``trials_id``, ragged ``lick_times`` as arrays, ``change_frame``
    -99 where missing, ``stimulus_change`` renamed ``is_change``."""
    if nwb.get("intervals/trials") is None:
        return pd.DataFrame(index=pd.Index([], name="trials_id", dtype=np.int64))
    table = read_table(nwb, "intervals/trials", skip=("lick_events", "tags", "timeseries"))
    table.index = table.index.astype(np.int64).rename("trials_id")
    table = table.rename(columns={"stimulus_change": "is_change"})
    return int_with_null(table, ["change_frame"])


def _series(nwb: NWBFile, path: str, data: str = "data") -> tuple[np.ndarray, np.ndarray] | None:
    if nwb.get(path) is None:
        return None
    return nwb.read(nwb.require(f"{path}/timestamps")), nwb.read(nwb.require(f"{path}/{data}"))


def read_licks(nwb: NWBFile) -> pd.DataFrame:
    found = _series(nwb, "processing/licking/licks")
    timestamps, frame = found if found else ([], [])
    return pd.DataFrame({"timestamps": timestamps, "frame": frame})


def read_rewards(nwb: NWBFile) -> pd.DataFrame:
    if nwb.get("processing/rewards") is None:
        return pd.DataFrame({"volume": [], "timestamps": [], "auto_rewarded": []})
    times, auto = _series(nwb, "processing/rewards/autorewarded") or ([], [])
    volume = nwb.read(nwb.require("processing/rewards/volume/data"))
    return pd.DataFrame({"volume": volume, "timestamps": times, "auto_rewarded": auto})


def read_running_speed(nwb: NWBFile, *, filtered: bool = True) -> pd.DataFrame:
    name = "speed" if filtered else "speed_unfiltered"
    timestamps, speed = _series(nwb, f"processing/running/{name}") or ([], [])
    return pd.DataFrame({"timestamps": timestamps, "speed": speed})


def _zscore_outliers(frame: pd.DataFrame, threshold: float) -> np.ndarray:
    """scipy.stats.zscore(nan_policy="omit") > threshold in any column (ddof 0)."""
    out = np.zeros(len(frame), dtype=bool)
    for col in frame.columns:
        values = frame[col].to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (values - np.nanmean(values)) / np.nanstd(values)
        out |= np.abs(z) > threshold
    return out


def _dilate(mask: np.ndarray, iterations: int) -> np.ndarray:
    """scipy.ndimage.binary_dilation in 1-D with the default structure, ``iterations`` times."""
    out = mask.copy()
    for _ in range(iterations):
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        out = grown
    return out


def read_eye_tracking(
    nwb: NWBFile, *, z_threshold: float = 3.0, dilation_frames: int = 2
) -> pd.DataFrame:
    base = "acquisition/EyeTracking"
    if nwb.get(base) is None:
        return pd.DataFrame({c: [] for c in EYE_COLUMNS}, index=pd.Index([], name="frame"))

    def part(series: str, name: str) -> np.ndarray:
        return nwb.read(nwb.require(f"{base}/{series}/{name}"))

    eye, pupil, cr = "eye_tracking", "pupil_tracking", "corneal_reflection_tracking"
    eye_xy, pupil_xy, cr_xy = part(eye, "data"), part(pupil, "data"), part(cr, "data")
    data = {
        "timestamps": part(eye, "timestamps"),
        "cr_area": part(cr, "area_raw"),
        "eye_area": part(eye, "area_raw"),
        "pupil_area": part(pupil, "area_raw"),
        "likely_blink": nwb.read(nwb.require(f"{base}/likely_blink/data")),
        "pupil_area_raw": part(pupil, "area_raw"),
        "cr_area_raw": part(cr, "area_raw"),
        "eye_area_raw": part(eye, "area_raw"),
        "cr_center_x": cr_xy[:, 0], "cr_center_y": cr_xy[:, 1],
        "cr_width": part(cr, "width"), "cr_height": part(cr, "height"), "cr_phi": part(cr, "angle"),
        "eye_center_x": eye_xy[:, 0], "eye_center_y": eye_xy[:, 1],
        "eye_width": part(eye, "width"), "eye_height": part(eye, "height"),
        "eye_phi": part(eye, "angle"),
        "pupil_center_x": pupil_xy[:, 0], "pupil_center_y": pupil_xy[:, 1],
        "pupil_width": part(pupil, "width"), "pupil_height": part(pupil, "height"),
        "pupil_phi": part(pupil, "angle"),
    }  # fmt: skip
    frame = pd.DataFrame(data)
    frame.index.name = "frame"
    # AllenSDK recomputes likely blinks from the raw areas, then masks the fitted values.
    areas = frame[["eye_area_raw", "pupil_area_raw"]]
    blinks = areas.isna().any(axis=1).to_numpy() | _zscore_outliers(areas, z_threshold)
    if dilation_frames > 0:
        blinks = _dilate(blinks, dilation_frames)
    frame["likely_blink"] = blinks
    frame.loc[blinks, list(BLINK_MASKED)] = np.nan
    return frame


def _age_in_days(age: object) -> int | None:
    if not isinstance(age, str) or not age.startswith("P"):
        return None
    match = re.search(r"\d+", age)
    return int(match.group()) if match else None


def read_metadata(nwb: NWBFile) -> dict:
    """AllenSDK's ``BehaviorSession.metadata`` keys, from ``/general`` (no pynwb needed)."""
    meta = nwb.attrs("general/metadata")
    subject_attrs = nwb.attrs("general/subject")
    genotype = nwb.scalar("general/subject/genotype")
    reporter = subject_attrs.get("reporter_line")
    driver = subject_attrs.get("driver_line")
    if isinstance(driver, str):
        driver = [driver]
    raw_uuid = meta.get("behavior_session_uuid")
    start = nwb.scalar("session_start_time")
    mouse = nwb.scalar("general/subject/subject_id")
    return {
        "equipment_name": meta.get("equipment_name"),
        "sex": nwb.scalar("general/subject/sex"),
        "age_in_days": _age_in_days(nwb.scalar("general/subject/age")),
        "stimulus_frame_rate": meta.get("stimulus_frame_rate"),
        "session_type": meta.get("session_type"),
        "date_of_acquisition": dt.datetime.fromisoformat(start) if start else None,
        "reporter_line": None if reporter in (None, "None") else reporter,
        "cre_line": genotype.split(";")[0].replace("/wt", "")
        if isinstance(genotype, str) and ";" in genotype
        else None,
        "behavior_session_uuid": uuid.UUID(raw_uuid) if raw_uuid not in (None, "None") else None,
        "driver_line": sorted(driver) if driver is not None else None,
        "mouse_id": mouse,
        "project_code": meta.get("project_code"),
        "full_genotype": genotype,
        "behavior_session_id": meta.get("behavior_session_id"),
    }


def read_task_parameters(nwb: NWBFile) -> dict:
    attrs = nwb.attrs("general/task_parameters")
    found = {
        k: v for k, v in attrs.items() if k not in ("neurodata_type", "namespace", "object_id")
    }
    for key, value in found.items():
        if isinstance(value, np.ndarray):
            found[key] = value.tolist()
    return dict(sorted(found.items()))
