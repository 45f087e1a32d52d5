"""Continuous behavior signals of a demo session: running wheel, eye tracking, optotagging.

Running speed is a smoothed random process with running bouts (cm/s, 60 Hz on the stimulus
frames). Pupil area follows running (larger while the mouse runs) and blinks show up as short
bursts of outlying areas. Optotagging is VBN's protocol: 10 ms square pulses and 1 s raised
cosines at three light levels, in random order, after the last stimulus block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EYE_RATE = 60.0
WHEEL_RADIUS_CM = 6.5
OPTO_CONDITIONS = {
    "pulse": ("a single square pulse", 0.01),
    "raised_cosine": ("half-period of a cosine wave", 1.0),
}
OPTO_LEVELS = (0.8, 1.2, 1.6)


def _smooth(noise: np.ndarray, width: int) -> np.ndarray:
    kernel = np.exp(-0.5 * (np.arange(-3 * width, 3 * width + 1) / width) ** 2)
    return np.convolve(noise, kernel / kernel.sum(), mode="same")


def running(frame_times: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """timestamps, speed (filtered), speed_unfiltered, dx (cm per frame), v_sig, v_in (V)."""
    n = len(frame_times)
    drive = _smooth(rng.standard_normal(n), 240) * 18.0  # slow bouts of ~ten seconds
    speed_true = 32.0 / (1.0 + np.exp(-(drive - 0.3) * 3.0)) + _smooth(rng.standard_normal(n), 6)
    unfiltered = speed_true + rng.normal(0, 2.5, n)
    speed = _smooth(unfiltered, 3)
    dt = np.diff(frame_times, prepend=frame_times[0] - 1 / 60)
    dx = unfiltered * dt
    angle = np.cumsum(dx) / WHEEL_RADIUS_CM  # radians turned
    v_in = np.full(n, 4.95) + rng.normal(0, 0.003, n)
    v_sig = np.mod(angle / (2 * np.pi), 1.0) * v_in
    return pd.DataFrame(
        {
            "timestamps": frame_times,
            "speed": speed,
            "speed_unfiltered": unfiltered,
            "dx": dx,
            "v_sig": v_sig,
            "v_in": v_in,
        }
    )


def eye_tracking(
    start: float, stop: float, speed: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """AllenSDK's eye tracking columns on the eye camera's own 60 Hz clock."""
    times = start + np.arange(int((stop - start) * EYE_RATE)) / EYE_RATE
    n = len(times)
    run = np.interp(times, speed["timestamps"], speed["speed"])
    out: dict[str, np.ndarray] = {"timestamps": times}
    steps = rng.standard_normal((n, 2)) * (rng.random((n, 1)) < 0.01) * 6.0  # saccades
    gaze = np.cumsum(steps, axis=0)
    gaze -= np.stack([_smooth(gaze[:, i], 600) for i in range(2)], axis=1)  # back to the centre
    radius = {"eye": 110.0, "pupil": 24.0, "cr": 6.0}
    centre = {"eye": (330.0, 250.0), "pupil": (335.0, 245.0), "cr": (328.0, 238.0)}
    pupil_gain = 1.0 + 0.012 * run + 0.06 * _smooth(rng.standard_normal(n), 90)
    for part in ("cr", "eye", "pupil"):
        scale = pupil_gain if part == "pupil" else 1.0
        width = radius[part] * scale * np.exp(rng.normal(0, 0.02, n))
        height = width * (0.92 + rng.normal(0, 0.01, n))
        moves = gaze if part != "eye" else gaze * 0.1
        out[f"{part}_center_x"] = centre[part][0] + moves[:, 0] + rng.normal(0, 0.4, n)
        out[f"{part}_center_y"] = centre[part][1] + moves[:, 1] + rng.normal(0, 0.4, n)
        out[f"{part}_width"] = width
        out[f"{part}_height"] = height
        out[f"{part}_phi"] = rng.normal(0.0, 0.05, n)
        out[f"{part}_area_raw"] = np.pi * width * height
    blink_starts = np.flatnonzero(rng.random(n) < 1 / (EYE_RATE * 8))
    blink = np.zeros(n, bool)
    for s in blink_starts:
        blink[s : s + int(rng.integers(5, 12))] = True
    out["eye_area_raw"][blink] *= 0.2  # the lid closes
    out["pupil_area_raw"][blink] *= 0.05
    out["likely_blink"] = blink
    for part in ("cr", "eye", "pupil"):
        out[f"{part}_area"] = np.where(blink, np.nan, out[f"{part}_area_raw"])
    return pd.DataFrame(out)


def optotagging(start: float, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """n stimuli (a multiple of 6 rounds up) at 2.0-2.5 s intervals from ``start``."""
    per = -(-n // (len(OPTO_CONDITIONS) * len(OPTO_LEVELS)))
    names = np.repeat(list(OPTO_CONDITIONS), len(OPTO_LEVELS) * per)
    levels = np.tile(np.repeat(OPTO_LEVELS, per), len(OPTO_CONDITIONS))
    order = rng.permutation(len(names))
    names, levels = names[order], levels[order]
    durations = np.array([OPTO_CONDITIONS[s][1] for s in names])
    gaps = rng.uniform(2.0, 2.5, len(names))
    starts = start + np.concatenate([[0.0], np.cumsum(durations + gaps)[:-1]])
    return pd.DataFrame(
        {
            "start_time": starts,
            "condition": [OPTO_CONDITIONS[s][0] for s in names],
            "level": levels,
            "stop_time": starts + durations,
            "stimulus_name": names,
            "duration": durations,
        }
    )
