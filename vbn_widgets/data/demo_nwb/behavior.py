"""The behavior parts of a session file, as AllenSDK's ``BehaviorSession.to_nwb`` lays them out.

``/processing/stimulus/timestamps``, ``/acquisition/v_in`` and ``v_sig``, ``/processing/running``
(``dx``, ``speed``, ``speed_unfiltered``), ``/processing/licking/licks``, ``/processing/rewards``
(``volume``, ``autorewarded``), ``/stimulus/templates/<image set>`` (StimulusTemplate), one
``/intervals/<stimulus>_presentations`` table per stimulus, ``/general/task_parameters``
(BehaviorTaskParameters), ``/intervals/trials`` and ``/acquisition/EyeTracking``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .extensions import extension_class
from .nwbparts import column, tags_and_references, text, time_intervals
from .stimuli import DISPLAY_DELAY, FLASH_ON, RESPONSE_WINDOW, template_name
from .timeline import Timeline

PRESENTATION_ORDER = (
    "stimulus_block",
    "image_name",
    "duration",
    "start_time",
    "stop_time",
    "start_frame",
    "end_frame",
    "is_change",
    "is_image_novel",
    "omitted",
    "flashes_since_change",
    "trials_id",
)
TRIAL_COLUMNS = (
    "start_time",
    "stop_time",
    "initial_image_name",
    "change_image_name",
    "is_change",
    "change_time_no_display_delay",
    "go",
    "catch",
    "lick_times",
    "response_time",
    "reward_time",
    "reward_volume",
    "hit",
    "false_alarm",
    "miss",
    "correct_reject",
    "aborted",
    "auto_rewarded",
    "change_frame",
    "trial_length",
)
TEMPLATE_SHAPE = (300, 480)  # a quarter of the monitor's 1200 x 1920 in each direction


def _series(name: str, data, timestamps, unit: str, **more):
    from pynwb import TimeSeries

    return TimeSeries(name=name, data=data, timestamps=timestamps, unit=unit, **more)


def _module(nwbfile, name: str, description: str):
    if name in nwbfile.processing:
        return nwbfile.processing[name]
    return nwbfile.create_processing_module(name=name, description=description)


def _templates(image_set: str, images: tuple[str, ...], rng: np.random.Generator):
    """Eight smooth grey-level 'natural' images: warped uint8 and unwarped float32 (NaN-masked)."""
    h, w = TEMPLATE_SHAPE
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.rfftfreq(w), indexing="ij")
    falloff = 1.0 / np.maximum(np.hypot(fy, fx), 1.0 / max(h, w))
    noise = rng.standard_normal((len(images), h, w // 2 + 1)) * falloff
    pictures = np.fft.irfft2(noise * np.exp(2j * np.pi * rng.random(noise.shape)), s=(h, w))
    pictures -= pictures.mean(axis=(1, 2), keepdims=True)
    pictures /= pictures.std(axis=(1, 2), keepdims=True)
    warped = np.clip(127 + 40 * pictures, 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    visible = ((yy - h / 2) / (0.62 * h)) ** 2 + ((xx - w / 2) / (0.55 * w)) ** 2 < 1
    unwarped = np.where(visible, warped, np.nan).astype(np.float32)
    return extension_class("StimulusTemplate")(
        name=template_name(image_set),
        data=warped,
        unwarped=unwarped,
        control=np.arange(len(images), dtype=np.uint8),
        control_description=list(images),
        unit="NA",
        format="raw",
        timestamps=np.full(len(images), np.nan),
    )


def _as_written(values: pd.Series) -> pd.Series:
    """A presentations column as AllenSDK's writer stores it: (nullable) booleans as float 0/1/NaN,
    text with gaps filled by "N/A", numbers as they are."""
    present = values.dropna()
    if values.dtype == bool or (len(present) and present.map(type).isin([bool, np.bool_]).all()):
        return values.astype(np.float64)
    if values.dtype == object and len(present) and present.map(type).isin([str]).all():
        return values.fillna("N/A").astype(str)
    if values.dtype == object:
        return values.astype(np.float64)
    return values


def _presentation_tables(timeline: Timeline, stimulus_ts) -> list:
    """One TimeIntervals per stimulus name, each keeping only its non-empty columns."""
    table = timeline.presentations
    ts = stimulus_ts.timestamps
    out = []
    for name in sorted(table["stimulus_name"].unique()):
        part = table[table["stimulus_name"] == name].dropna(axis=1, how="all")
        first = [c for c in PRESENTATION_ORDER if c in part.columns]
        part = part[first + [c for c in part.columns if c not in first]]
        part = part.apply(_as_written)
        idx = np.searchsorted(ts, part["start_time"].to_numpy(), side="left")
        count = np.searchsorted(ts, part["stop_time"].to_numpy(), side="left") - idx
        description = (
            f"Presentation times and stimuli details for '{name}' stimuli. \n"
            "Note: image_name references control_description in stimulus/templates"
        )
        extra = tags_and_references(len(part), "stimulus_time_interval", idx, count, stimulus_ts)
        out.append(time_intervals(f"{name}_presentations", description, part, extra))
    return out


def _trials(timeline: Timeline):
    trials = timeline.behavior.trials[list(TRIAL_COLUMNS)]
    lick_lists = trials["lick_times"].tolist()
    columns = []
    for key in TRIAL_COLUMNS[2:]:
        if key == "lick_times":
            values = np.concatenate([*lick_lists, np.zeros(0)]).astype(np.float64)
            ends = np.cumsum([len(x) for x in lick_lists])
            columns += column(key, (values, ends), f"NOT IMPLEMENTED: {key}", index=True)
        elif trials[key].dtype == object:
            columns += column(key, text(trials[key]), f"NOT IMPLEMENTED: {key}")
        else:
            columns += column(key, trials[key].to_numpy(), f"NOT IMPLEMENTED: {key}")
    frame = trials[["start_time", "stop_time"]]
    return time_intervals("trials", "experimental trials", frame, columns)


def _task_parameters(timeline: Timeline, session_type: str):
    behavior_frames = int((timeline.presentations["stimulus_block"] == 0).sum() * 45)
    return extension_class("BehaviorTaskParameters")(
        name="task_parameters",
        blank_duration_sec=np.array(["0.5", "0.5"]),
        stimulus_duration_sec=FLASH_ON,
        omitted_flash_fraction=0.05,
        response_window_sec=np.array([str(x) for x in RESPONSE_WINDOW]),
        reward_volume=timeline.task.reward_ml,
        auto_reward_volume=0.005,
        session_type=session_type,
        stimulus="images",
        stimulus_distribution="geometric",
        task="change detection",
        n_stimulus_frames=behavior_frames,
        stimulus_name=template_name(timeline.task.image_set),
    )


def _eye_tracking(eye: pd.DataFrame):
    from pynwb import TimeSeries

    series = extension_class("EllipseSeries")
    parts = {}
    timestamps = eye["timestamps"].to_numpy()
    for name, prefix in (
        ("eye_tracking", "eye"),
        ("pupil_tracking", "pupil"),
        ("corneal_reflection_tracking", "cr"),
    ):
        parts[name] = series(
            name=name,
            reference_frame="nose",
            data=eye[[f"{prefix}_center_x", f"{prefix}_center_y"]].to_numpy(),
            area=eye[f"{prefix}_area"].to_numpy(),
            area_raw=eye[f"{prefix}_area_raw"].to_numpy(),
            width=eye[f"{prefix}_width"].to_numpy(),
            height=eye[f"{prefix}_height"].to_numpy(),
            angle=eye[f"{prefix}_phi"].to_numpy(),
            timestamps=timestamps if name == "eye_tracking" else parts["eye_tracking"],
        )
    blink = TimeSeries(
        name="likely_blink",
        data=eye["likely_blink"].to_numpy(),
        unit="N/A",
        timestamps=parts["eye_tracking"],
        description="blinks",
    )
    return extension_class("EllipseEyeTracking")(**parts, likely_blink=blink)


def add_behavior(nwbfile, timeline: Timeline, session_type: str, rng: np.random.Generator) -> None:
    frames = timeline.frame_times + DISPLAY_DELAY
    stimulus_ts = _series("timestamps", frames, frames, "s")
    _module(nwbfile, "stimulus", "Stimulus Times processing").add(stimulus_ts)

    run = timeline.running
    t = run["timestamps"].to_numpy()
    running = _module(nwbfile, "running", "Running speed processing module")
    running.add(
        _series(
            "dx",
            run["dx"].to_numpy(),
            t,
            "cm",
            description="Running wheel angular change, computed during data collection",
        )
    )
    nwbfile.add_acquisition(
        _series(
            "v_sig",
            run["v_sig"].to_numpy(),
            t,
            "V",
            description="Voltage signal from the running wheel encoder",
        )
    )
    nwbfile.add_acquisition(
        _series(
            "v_in",
            run["v_in"].to_numpy(),
            t,
            "V",
            description="The theoretical maximum voltage of the encoder",
        )
    )
    running.add(_series("speed_unfiltered", run["speed_unfiltered"].to_numpy(), t, "cm/s"))
    running.add(_series("speed", run["speed"].to_numpy(), t, "cm/s"))

    licks = timeline.behavior.licks
    if len(licks):
        lick_frames = np.searchsorted(timeline.frame_times, licks)
        _module(nwbfile, "licking", "Licking behavior processing module").add(
            _series(
                "licks",
                lick_frames,
                licks,
                "N/A",
                description="Timestamps and stimulus presentation frame indices for lick events",
            )
        )
    rewards = timeline.behavior.rewards
    if len(rewards):
        volume = _series(
            "volume", rewards["volume"].to_numpy(), rewards["timestamps"].to_numpy(), "mL"
        )
        auto = _series("autorewarded", rewards["auto_rewarded"].to_numpy(), volume, "mL")
        module = _module(nwbfile, "rewards", "Licking behavior processing module")
        module.add(volume)
        module.add(auto)

    nwbfile.add_stimulus_template(_templates(timeline.task.image_set, timeline.task.images, rng))
    for table in _presentation_tables(timeline, stimulus_ts):
        nwbfile.add_time_intervals(table)
    nwbfile.add_lab_meta_data(_task_parameters(timeline, session_type))
    nwbfile.trials = _trials(timeline)
    if timeline.eye is not None:
        nwbfile.add_acquisition(_eye_tracking(timeline.eye))
