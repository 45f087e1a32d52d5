"""A small in-memory session with AllenSDK's table names and columns, for unit tests of the
spikes package that are not about reading files (those use the demo's NWB files).

Structure: an active image block (flashes every 0.75 s, changes every 4-9 flashes, omissions,
sham changes on catch trials, two novel images), gabors, full-field flashes, a passive replay of
the active block and optotagging pulses at the end. VISp units fire more 50-150 ms after image
changes; hits have a lick and a reward.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

IMAGES = ["im000", "im031", "im035", "im045", "im054", "im073", "im075", "im106"]
NOVEL = {"im031", "im106"}
AREAS = ["VISp", "VISl", "CA1", "LGd"]


class SpikeSession:
    """Tables as attributes (AllenSDK's names); ``spike_times`` a dict unit id -> times."""

    def __init__(self, seed: int = 0, n_flashes: int = 240, units_per_area: int = 6) -> None:
        rng = np.random.default_rng(seed)
        self.ecephys_session_id = 1_000_000 + seed
        self.metadata = {"ecephys_session_id": self.ecephys_session_id}
        self.task_parameters = {"response_window_sec": [0.15, 0.75]}
        active, trials = _image_block(rng, n_flashes, start=30.0, active=True)
        t = float(active["end_time"].max()) + 10.0
        gabors = _block(rng, t, 30, "gabor_20_deg_250ms", 2, orientation=[0, 45, 90])
        t += 30 * 0.5 + 10.0
        flashes = _block(rng, t, 20, "flash_250ms", 4, color=[-1.0, 1.0])
        t += 20 * 0.5 + 10.0
        passive = active.copy()
        passive["start_time"] += t - 30.0
        passive["end_time"] += t - 30.0
        passive["active"] = False
        passive["stimulus_block"] = 5
        passive["trials_id"] = np.nan
        stim = pd.concat([active, gabors, flashes, passive], ignore_index=True)
        stim = stim.sort_values("start_time", kind="stable").reset_index(drop=True)
        stim.index.name = "stimulus_presentations_id"
        self.stimulus_presentations = stim
        self.trials = trials
        t_end = float(stim["end_time"].max()) + 10.0
        opto_times = t_end + np.arange(24) * 1.5
        self.optotagging_table = pd.DataFrame(
            {
                "start_time": opto_times,
                "condition": np.tile(["a single square pulse", "half-period of a cosine"], 12),
                "level": np.repeat([0.5, 0.9, 1.35], 8),
                "duration": 0.01,
            }
        )
        self.optotagging_table["stop_time"] = self.optotagging_table["start_time"] + 0.01
        hits = trials[trials["hit"]]
        lick_times = np.sort(
            np.concatenate(
                [hits["change_time"] + rng.uniform(0.3, 0.5, len(hits)), rng.uniform(30, 200, 15)]
            )
        )
        self.licks = pd.DataFrame({"timestamps": lick_times, "frame": np.arange(len(lick_times))})
        self.rewards = pd.DataFrame(
            {
                "timestamps": hits["change_time"].to_numpy() + 0.55,
                "volume": 0.003,
                "auto_rewarded": False,
            }
        )
        self.duration = opto_times[-1] + 5.0
        self._units, self.spike_times = _units(rng, stim, units_per_area, self.duration)

    def get_units(self) -> pd.DataFrame:
        return self._units

    @property
    def units(self) -> pd.DataFrame:
        return self._units


def _image_block(rng, n, start, active) -> tuple[pd.DataFrame, pd.DataFrame]:
    starts = start + np.arange(n) * 0.75
    names, change, sham, omitted, trial_ids = [], [], [], [], []
    trial_rows = []
    image, since, next_at, trial = IMAGES[0], 0, int(rng.integers(4, 10)), 0
    for i in range(n):
        since += 1
        is_change = is_sham = False
        if since == next_at and i > 2:
            go = rng.random() < 0.7
            if go:
                image = str(rng.choice([m for m in IMAGES if m != image]))
                is_change = True
            else:
                is_sham = True
            hit = go and rng.random() < 0.6
            trial_rows.append(
                {
                    "trials_id": trial,
                    "start_time": starts[i] - 2.0,
                    "stop_time": starts[i] + 1.0,
                    "change_time": starts[i],
                    "change_time_no_display_delay": starts[i] - 0.02,
                    "go": go,
                    "catch": not go,
                    "hit": hit,
                    "miss": go and not hit,
                    "false_alarm": False,
                    "correct_reject": not go,
                    "aborted": False,
                    "auto_rewarded": False,
                }
            )
            trial_ids.append(trial)
            trial += 1
            since, next_at = 0, int(rng.integers(4, 10))
        else:
            trial_ids.append(np.nan)
        omit = not is_change and not is_sham and since > 1 and rng.random() < 0.05
        names.append("omitted" if omit else image)
        change.append(is_change)
        sham.append(is_sham)
        omitted.append(omit)
    frame = pd.DataFrame(
        {
            "start_time": starts,
            "end_time": starts + 0.25,
            "duration": 0.25,
            "stimulus_block": 0,
            "stimulus_name": "Natural_Images_Lum_Matched_set_ophys_G_2019",
            "image_name": names,
            "is_change": change,
            "is_sham_change": sham,
            "omitted": omitted,
            "active": active,
            "is_image_novel": [m in NOVEL for m in names],
            "trials_id": trial_ids,
        }
    )
    trials = pd.DataFrame(trial_rows).set_index("trials_id")
    return frame, trials


def _block(rng, t, n, name, block, **choices) -> pd.DataFrame:
    starts = t + np.arange(n) * 0.5
    frame = pd.DataFrame(
        {
            "start_time": starts,
            "end_time": starts + 0.25,
            "duration": 0.25,
            "stimulus_block": block,
            "stimulus_name": name,
            "active": False,
        }
    )
    for column, values in choices.items():
        frame[column] = rng.choice(values, n)
    return frame


def _units(rng, stim, per_area, duration) -> tuple[pd.DataFrame, dict]:
    rows, spikes = [], {}
    changes = stim.loc[stim["is_change"].astype(bool), "start_time"].to_numpy()
    unit_id = 950_000_000
    for area in AREAS:
        for k in range(per_area):
            rate = float(rng.uniform(2, 12))
            base = np.sort(rng.uniform(0, duration, rng.poisson(rate * duration)))
            extra = []
            if area.startswith("VIS"):
                n = rng.poisson(3, len(changes))
                extra = np.repeat(changes, n) + rng.uniform(0.05, 0.15, n.sum())
            spikes[unit_id] = np.sort(np.concatenate([base, extra]))
            rows.append(
                {
                    "unit_id": unit_id,
                    "structure_acronym": area,
                    "probe_vertical_position": 3800.0 - 60 * k,
                    "firing_rate": rate,
                    "quality": "good",
                }
            )
            unit_id += 1
    return pd.DataFrame(rows).set_index("unit_id"), spikes
