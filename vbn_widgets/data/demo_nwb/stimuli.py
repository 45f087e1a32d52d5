"""The stimulus timeline of a demo session: blocks, presentations, trials, licks and rewards.

Block order is VBN's: 0 change-detection task on natural images (active), 1 spontaneous (10 s),
2 Gabor patches (9 x 9 positions x 3 orientations), 3 spontaneous, 4 full-field flashes, 5 passive
replay of block 0, then optotagging. ``shortening`` scales every block's length (1.0 = the real
~9,600 s session); block 5 always replays block 0 exactly.

Times follow VBN's conventions: stimulus frames at 60 Hz, each presentation's ``start_time`` is its
frame time plus the 20 ms display delay, ``change_time_no_display_delay`` is the frame time itself,
and the response window is [0.15, 0.75] s after the change. Hits have their first lick inside the
window and a reward at that lick; misses have no lick before the trial ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FRAME_RATE = 60.0
DISPLAY_DELAY = 0.02
FLASH_PERIOD, FLASH_ON = 0.75, 0.25
RESPONSE_WINDOW = (0.15, 0.75)
OMITTED_FRACTION = 0.05
NO_CHANGE_FRAME = -99
IMAGE_SETS = {
    "G": ("im012_r", "im036_r", "im044_r", "im047_r", "im078_r", "im083_r", "im111_r", "im115_r"),
    "H": ("im005_r", "im024_r", "im034_r", "im083_r", "im087_r", "im104_r", "im111_r", "im114_r"),
}
FULL = {"lead": 26.0, "flashes": 4800, "gabors": 3645, "spont": 290.0, "ff": 150, "opto": 300}


def image_stimulus_name(image_set: str) -> str:
    return f"Natural_Images_Lum_Matched_set_ophys_{image_set}_2019"


def template_name(image_set: str) -> str:
    return f"{image_stimulus_name(image_set)}.05.26"


@dataclass(frozen=True)
class Task:
    """What the timeline depends on: the image set, which images are novel, the mouse's skill."""

    image_set: str
    familiar_set: str  # the set the mouse was trained on
    reward_ml: float
    active_only: bool = False  # a behavior-only session: block 0 alone

    @property
    def images(self) -> tuple[str, ...]:
        return IMAGE_SETS[self.image_set]

    @property
    def novel_images(self) -> frozenset[str]:
        return frozenset(IMAGE_SETS[self.image_set]) - frozenset(IMAGE_SETS[self.familiar_set])


@dataclass(frozen=True)
class Behavior:
    presentations: pd.DataFrame  # block 0 only, VBN columns
    trials: pd.DataFrame
    licks: np.ndarray  # times, s
    rewards: pd.DataFrame  # timestamps, volume, auto_rewarded


def _trial_plan(n_flashes: int, rng: np.random.Generator) -> list[tuple]:
    """(kind, first flash, change or abort flash, next trial's first flash) per trial."""
    plan, k = [], 0
    while k + 12 < n_flashes:
        kind = rng.choice(["go", "catch", "aborted"], p=[0.64, 0.12, 0.24])
        change = k + 4 + min(int(rng.geometric(0.3)) - 1, 7)
        if kind == "aborted":
            lick_flash = int(rng.integers(k + 1, change))
            plan.append((kind, k, lick_flash, lick_flash + 2))
            k = lick_flash + 2
        else:
            plan.append((str(kind), k, change, change + 4))
            k = change + 4
    return plan


def _outcome(
    kind: str,
    change_time: float,
    rng: np.random.Generator,
    *,
    auto: bool,
    p_hit: float,
    reward_ml: float,
) -> tuple[dict, list[float], tuple | None]:
    """A go or catch trial's flags, licks and reward (time, volume, auto) given its change time."""
    if kind == "go":
        responded = auto or rng.random() < p_hit
        flags = {"hit": responded and not auto, "miss": not responded, "auto_rewarded": auto}
    else:
        responded = rng.random() < 0.15
        flags = {"false_alarm": responded, "correct_reject": not responded}
    if not responded:
        return flags, [], None
    first_lick = change_time + rng.uniform(0.3, 0.65)
    licks = [first_lick, *(first_lick + np.cumsum(rng.uniform(0.12, 0.18, rng.integers(3, 9))))]
    flags["response_time"] = first_lick
    if kind != "go":
        return flags, licks, None
    reward = (change_time, 0.005, True) if auto else (first_lick, reward_ml, False)
    flags["reward_time"], flags["reward_volume"] = reward[0], reward[1]
    return flags, licks, reward


def _new_trial(kind: str, image: str) -> dict:
    row = dict.fromkeys(("hit", "false_alarm", "miss", "correct_reject", "aborted"), False)
    row |= {"go": kind == "go", "catch": kind == "catch", "auto_rewarded": False}
    row |= {"initial_image_name": image, "response_time": np.nan, "reward_time": np.nan}
    row |= {"reward_volume": 0.0, "change_time_no_display_delay": np.nan}
    return row | {"change_frame": NO_CHANGE_FRAME, "is_change": kind == "go"}


@dataclass
class _Flashes:
    """Per-flash state of block 0 while its trials are laid out."""

    n: int

    def __post_init__(self) -> None:
        self.image = np.empty(self.n, dtype=object)
        self.is_change = np.zeros(self.n, bool)
        self.is_sham = np.zeros(self.n, bool)
        self.rewarded = np.zeros(self.n, bool)
        self.protected = np.zeros(self.n, bool)  # may not be omitted
        self.trial = np.full(self.n, -99, dtype=np.int64)


def _run_trials(task: Task, onsets: np.ndarray, frames: np.ndarray, rng: np.random.Generator):
    """Lay the trials over the flashes: images, changes, licks, rewards, one row per trial."""
    n = len(onsets)
    f = _Flashes(n)
    images = list(task.images)
    current = str(rng.choice(images))
    rows, licks, rewards, go_seen = [], [], [], 0
    p_hit = 0.62 if task.novel_images else 0.72
    for t, (kind, first, key, nxt) in enumerate(_trial_plan(n, rng)):
        end = min(nxt, n)
        f.trial[first:end] = t
        f.image[first:end] = current
        row = _new_trial(kind, current)
        if kind == "aborted":
            row["aborted"] = True
            first_lick = onsets[key] + rng.uniform(0.2, 0.7)
            trial_licks = [
                first_lick,
                *(first_lick + np.cumsum(rng.uniform(0.12, 0.18, rng.integers(1, 4)))),
            ]
            f.protected[key : key + 2] = True
        else:
            row["change_time_no_display_delay"] = onsets[key]
            row["change_frame"] = int(frames[key])
            f.protected[key - 1 : key + 1] = True
            if kind == "go":
                current = str(rng.choice([i for i in images if i != current]))
                f.is_change[key] = True
                f.image[key:end] = current
                go_seen += 1
            else:
                f.is_sham[key] = True
            flags, trial_licks, reward = _outcome(
                kind, onsets[key], rng, auto=kind == "go" and go_seen <= 3, p_hit=p_hit,
                reward_ml=task.reward_ml,
            )  # fmt: skip
            row |= flags
            if reward is not None:
                rewards.append(reward)
                f.rewarded[key] = True
        row["change_image_name"] = current
        licks.extend(trial_licks)
        row["lick_times"] = np.asarray(trial_licks, dtype=np.float64)
        row["start_time"] = onsets[first]
        row["stop_time"] = onsets[end] if end < n else onsets[-1] + FLASH_PERIOD
        rows.append(row)
    f.image[f.trial < 0] = current
    return f, rows, licks, rewards


def active_block(
    task: Task, start: float, n_flashes: int, frame_times: np.ndarray, rng: np.random.Generator
) -> Behavior:
    """Block 0: image flashes, changes, omissions, trials, licks and rewards from ``start``."""
    onsets = start + FLASH_PERIOD * np.arange(n_flashes)
    frames = np.searchsorted(frame_times, onsets - 1e-9)
    onsets = frame_times[frames]
    f, rows, licks, rewards = _run_trials(task, onsets, frames, rng)
    # Omissions: 5% of flashes that are neither a change, the flash before one, nor near a lick.
    candidates = ~f.protected & ~f.is_change & (np.arange(n_flashes) > 0)
    omitted = candidates & (rng.random(n_flashes) < OMITTED_FRACTION)
    omitted[1:] &= ~omitted[:-1]
    since = np.zeros(n_flashes, dtype=np.int64)
    count = 0
    for i in range(n_flashes):
        count = 0 if f.is_change[i] else count + 1
        since[i] = count
    presentations = pd.DataFrame(
        {
            "start_time": onsets + DISPLAY_DELAY,
            "stop_time": onsets + DISPLAY_DELAY + FLASH_ON,
            "stimulus_block": 0,
            "stimulus_name": image_stimulus_name(task.image_set),
            "image_name": np.where(omitted, "omitted", f.image),
            "duration": FLASH_ON,
            "start_frame": frames,
            "end_frame": frames + int(FLASH_ON * FRAME_RATE),
            "is_change": f.is_change,
            "is_image_novel": pd.Series(f.image).isin(task.novel_images).to_numpy() & ~omitted,
            "omitted": omitted,
            "flashes_since_change": since,
            "trials_id": f.trial,
            "is_sham_change": f.is_sham,
            "active": True,
            "rewarded": f.rewarded,
        }
    )
    trials = pd.DataFrame(rows)
    trials["trial_length"] = trials["stop_time"] - trials["start_time"]
    reward_frame = pd.DataFrame(rewards, columns=["timestamps", "volume", "auto_rewarded"])
    lick_times = np.sort(np.asarray(licks, dtype=np.float64))
    return Behavior(presentations, trials, lick_times, reward_frame)


def gabor_block(start: float, n: int, block: int, rng: np.random.Generator) -> pd.DataFrame:
    grid = np.arange(-40.0, 41.0, 10.0)
    design = np.array(np.meshgrid(grid, grid, [0.0, 45.0, 90.0], indexing="ij")).reshape(3, -1).T
    order = np.concatenate([rng.permutation(len(design)) for _ in range(-(-n // len(design)))])
    x, y, ori = design[order[:n]].T
    starts = start + FLASH_ON * np.arange(n)
    return pd.DataFrame(
        {
            "start_time": starts,
            "stop_time": starts + FLASH_ON,
            "stimulus_block": block,
            "stimulus_name": "gabor_20_deg_250ms",
            "duration": FLASH_ON,
            "position_x": x,
            "position_y": y,
            "orientation": ori,
            "spatial_frequency": 0.08,
            "temporal_frequency": 4.0,
            "contrast": 0.8,
            "stimulus_index": 0,
            "active": False,
        }
    )


def flash_block(start: float, n: int, block: int, rng: np.random.Generator) -> pd.DataFrame:
    starts = start + 2.0 * np.arange(n)
    return pd.DataFrame(
        {
            "start_time": starts,
            "stop_time": starts + FLASH_ON,
            "stimulus_block": block,
            "stimulus_name": "flash_250ms",
            "duration": FLASH_ON,
            "color": rng.choice([-1.0, 1.0], n),
            "stimulus_index": 1,
            "active": False,
        }
    )


def spontaneous(start: float, length: float, block: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "start_time": [start],
            "stop_time": [start + length],
            "stimulus_block": block,
            "stimulus_name": "spontaneous",
            "duration": [length],
            "active": False,
        }
    )


def replay(active: pd.DataFrame, shift: float, block: int) -> pd.DataFrame:
    """Block 5: the same flashes ``shift`` seconds later, passive: no trials, nothing rewarded."""
    frames = round(shift * FRAME_RATE)
    return active.assign(
        start_time=active["start_time"] + shift,
        stop_time=active["stop_time"] + shift,
        start_frame=active["start_frame"] + frames,
        end_frame=active["end_frame"] + frames,
        stimulus_block=block,
        trials_id=-99,
        active=False,
        rewarded=False,
    )
