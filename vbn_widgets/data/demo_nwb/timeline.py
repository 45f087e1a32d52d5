"""A whole demo session's timeline: every stimulus block, the task, running, eye and optotagging.

:func:`build_timeline` sizes the blocks so the session lasts about ``duration_s`` (the real
sessions last ~9,600 s; shorter ones keep every block, each shortened by the same factor, with a
floor so even a 3-minute test session has trials, omissions, Gabors, flashes and light pulses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import signals
from .stimuli import (
    FRAME_RATE,
    FULL,
    Behavior,
    Task,
    active_block,
    flash_block,
    gabor_block,
    replay,
    spontaneous,
)

SPONT_SHORT = 10.0
OPTO_GAP, TAIL = 20.0, 10.0
_FULL_SPAN = (
    FULL["lead"]
    + 0.75 * FULL["flashes"] * 2
    + 0.25 * FULL["gabors"]
    + FULL["spont"]
    + 2.0 * FULL["ff"]
    + 3.25 * FULL["opto"]
)
MIN_DURATION_S = 150.0


@dataclass(frozen=True)
class Timeline:
    duration: float
    frame_times: np.ndarray  # stimulus frames, 60 Hz, s
    presentations: pd.DataFrame  # every block, sorted by start_time
    behavior: Behavior  # trials, licks, rewards of block 0
    running: pd.DataFrame
    eye: pd.DataFrame | None  # None for behavior-only sessions
    optotagging: pd.DataFrame | None  # None for behavior-only sessions
    task: Task

    def events(self) -> dict[str, np.ndarray]:
        """Onset times (s) of the event classes the synthetic units respond to."""
        p = self.presentations
        images = p[p["stimulus_name"].str.startswith("Natural_Images")]
        shown = images[~images["omitted"].astype(bool)]
        novel = shown["is_image_novel"].astype(bool)
        change = shown["is_change"].astype(bool)
        out = {
            "change_familiar": shown.loc[change & ~novel, "start_time"],
            "change_novel": shown.loc[change & novel, "start_time"],
            "repeat_familiar": shown.loc[~change & ~novel, "start_time"],
            "repeat_novel": shown.loc[~change & novel, "start_time"],
            "omission": images.loc[images["omitted"].astype(bool), "start_time"],
            "flash": p.loc[p["stimulus_name"] == "flash_250ms", "start_time"],
            "gabor": p.loc[p["stimulus_name"] == "gabor_20_deg_250ms", "start_time"],
        }
        if self.optotagging is not None:
            opto = self.optotagging
            out["opto_pulse"] = opto.loc[opto["stimulus_name"] == "pulse", "start_time"]
            out["opto_cosine"] = opto.loc[opto["stimulus_name"] == "raised_cosine", "start_time"]
        return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def _sizes(duration_s: float) -> dict[str, float]:
    fixed = SPONT_SHORT + OPTO_GAP + TAIL
    f = max(duration_s - fixed, 0.0) / _FULL_SPAN
    return {
        "lead": max(5.0, round(FULL["lead"] * f, 2)),
        "flashes": max(48, round(FULL["flashes"] * f)),
        "gabors": max(27, round(FULL["gabors"] * f)),
        "spont": max(5.0, round(FULL["spont"] * f, 2)),
        "ff": max(5, round(FULL["ff"] * f)),
        "opto": max(12, round(FULL["opto"] * f)),
    }


def _frames(start: float, stop: float, frame_times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.searchsorted(frame_times, start - 1e-9), np.searchsorted(frame_times, stop - 1e-9)


def build_timeline(task: Task, duration_s: float, rng: np.random.Generator) -> Timeline:
    """The session's stimulus blocks, task and signals, about ``duration_s`` long."""
    size = _sizes(duration_s)
    lead = size["lead"]
    if task.active_only:  # a training day: the task alone fills the session
        size["flashes"] = max(48, round((duration_s - lead - 1.0) / 0.75))
    active_len = 0.75 * size["flashes"]
    if task.active_only:
        stim_end = lead + active_len + 1.0
    else:
        replay_shift = (
            np.ceil(
                (
                    active_len
                    + SPONT_SHORT
                    + 0.25 * size["gabors"]
                    + size["spont"]
                    + 2.0 * size["ff"]
                    + 3.0
                )
                * FRAME_RATE
            )
            / FRAME_RATE
        )
        stim_end = lead + replay_shift + active_len + 1.0
    frame_times = np.arange(int(np.ceil(stim_end * FRAME_RATE)) + 1) / FRAME_RATE
    behavior = active_block(task, lead, int(size["flashes"]), frame_times, rng)
    blocks = [behavior.presentations]
    if not task.active_only:
        t = lead + active_len
        blocks.append(spontaneous(t, SPONT_SHORT, 1))
        t += SPONT_SHORT
        blocks.append(gabor_block(t, int(size["gabors"]), 2, rng))
        t += 0.25 * size["gabors"]
        blocks.append(spontaneous(t, size["spont"], 3))
        t += size["spont"]
        blocks.append(flash_block(t + 1.0, int(size["ff"]), 4, rng))
        blocks.append(replay(behavior.presentations, replay_shift, 5))
    presentations = pd.concat(blocks, ignore_index=True)
    missing = ~presentations["stimulus_name"].str.startswith("Natural_Images")
    start_f, end_f = _frames(
        presentations.loc[missing, "start_time"].to_numpy(),
        presentations.loc[missing, "stop_time"].to_numpy(),
        frame_times,
    )
    presentations.loc[missing, "start_frame"] = start_f
    presentations.loc[missing, "end_frame"] = end_f
    for column in ("start_frame", "end_frame"):
        presentations[column] = presentations[column].astype(np.int64)
    presentations = presentations.sort_values("start_time", kind="stable", ignore_index=True)

    run = signals.running(frame_times, rng)
    if task.active_only:
        return Timeline(
            float(frame_times[-1] + 1.0),
            frame_times,
            presentations,
            behavior,
            run,
            None,
            None,
            task,
        )
    opto = signals.optotagging(stim_end + OPTO_GAP, int(size["opto"]), rng)
    duration = float(opto["stop_time"].iloc[-1] + TAIL)
    eye = signals.eye_tracking(0.35, duration - 1.0, run, rng)
    return Timeline(duration, frame_times, presentations, behavior, run, eye, opto, task)
