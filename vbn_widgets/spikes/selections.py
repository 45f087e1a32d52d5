"""Rows of a session's tables behind each named event, and the labels they can be grouped by.

Only AllenSDK's table and column names are used: ``stimulus_presentations`` (``start_time``,
``is_change``, ``is_sham_change``, ``omitted``, ``active``, ``is_image_novel``, ``image_name``,
``stimulus_name``, ``trials_id``, ``orientation``, ``position_x``/``_y``, ``color``),
``trials`` (``hit``, ``miss``, ``false_alarm``, ``correct_reject``, ``aborted``,
``auto_rewarded``), ``optotagging_table`` (``start_time``, ``condition``, ``level``),
``rewards`` and ``licks`` (``timestamps``), ``task_parameters`` (``response_window_sec``).
A flag is true when it reads "True" or 1 (bool, nullable boolean, float 0/1/NaN or text
alike) and False when missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import SpikeError

OUTCOMES = ("hit", "miss", "false_alarm", "correct_reject", "aborted", "auto_rewarded")


TRUE_TEXT = ("true", "1", "1.0")


def as_flag(values: pd.Series) -> pd.Series:
    """True where a flag column is true, whatever its storage: bool, nullable boolean, float
    0/1/NaN or the text "True"/"False" (missing counts as False)."""
    return values.astype(str).str.lower().isin(TRUE_TEXT)


def table(session: object, name: str) -> pd.DataFrame:
    frame = getattr(session, name, None)
    if callable(frame):
        frame = frame()
    if not isinstance(frame, pd.DataFrame):
        raise SpikeError(f"the session has no {name} table")
    return frame


def is_trials(rows: pd.DataFrame) -> bool:
    return rows.index.name == "trials_id" or "change_time_no_display_delay" in rows.columns


def lick_window(session: object) -> float:
    """End of the response window (s after a change): ``task_parameters`` or 0.75 s."""
    params = getattr(session, "task_parameters", None)
    try:
        return float(params["response_window_sec"][1])  # type: ignore[index]
    except (TypeError, KeyError, IndexError, ValueError):
        return 0.75


class Stim:
    """A session's stimulus table with the masks the named events are made of."""

    def __init__(self, session: object) -> None:
        self.session = session
        self.frame = table(session, "stimulus_presentations")
        if "start_time" not in self.frame.columns:
            raise SpikeError("stimulus_presentations has no start_time column")

    def column(self, name: str) -> pd.Series:
        if name not in self.frame.columns:
            raise SpikeError(f"stimulus_presentations has no column {name!r}")
        return self.frame[name]

    def flag(self, column: str) -> pd.Series:
        return as_flag(self.column(column))

    def trial_flag(self, column: str) -> pd.Series:
        trials = table(self.session, "trials")
        if column not in trials.columns:
            raise SpikeError(f"trials has no column {column!r}")
        return as_flag(self.column("trials_id").map(trials[column]))

    def images(self) -> pd.Series:
        names = self.column("image_name")
        return names.notna() & ~names.isin(["", "omitted"])

    def named(self, text: str) -> pd.Series:
        return as_flag(self.column("stimulus_name").astype("string").str.contains(text))

    def outcome(self, rows: pd.DataFrame) -> pd.Series:
        """The trial outcome of each row ("passive" outside the behavior block)."""
        out = pd.Series("other", index=rows.index, dtype=object)
        if "trials_id" in rows.columns:
            trials = table(self.session, "trials")
            for name in OUTCOMES[::-1]:  # the first listed outcome wins
                if name in trials.columns:
                    hit = as_flag(rows["trials_id"].map(trials[name]))
                    out[hit.to_numpy()] = name.replace("_", " ")
        if "active" in rows.columns:
            out[~as_flag(rows["active"]).to_numpy()] = "passive"
        return out

    def conditions(self, mask: pd.Series) -> pd.DataFrame:
        """The chosen rows' ``time`` and every grouping that varies among them."""
        rows = self.frame[mask.to_numpy()]
        out = pd.DataFrame({"time": rows["start_time"].astype(float)}, index=rows.index)
        candidates: dict[str, pd.Series] = {}
        if "active" in rows.columns:
            active = as_flag(rows["active"])
            candidates["block"] = active.map({True: "active", False: "passive"})
        if "is_change" in rows.columns or "is_sham_change" in rows.columns:
            candidates["outcome"] = self.outcome(rows)
        if "image_name" in rows.columns:
            candidates["image"] = rows["image_name"]
        if "is_image_novel" in rows.columns:
            novel = as_flag(rows["is_image_novel"])
            candidates["novelty"] = novel.map({True: "novel", False: "familiar"})
        for column in ("orientation", "color"):
            if column in rows.columns:
                candidates[column] = rows[column]
        if {"position_x", "position_y"} <= set(rows.columns):
            candidates["position"] = (
                rows["position_x"].astype(str) + ", " + rows["position_y"].astype(str)
            )
        for name, values in candidates.items():
            text = values.astype("string").fillna("n/a")
            if text.nunique() > 1:
                out[name] = text.astype(str)
        return out

    def change_rows(self) -> pd.DataFrame:
        return self.frame[(self.flag("is_change") & self.flag("active")).to_numpy()]

    def trial_change_times(self, trial_ids: pd.Index) -> np.ndarray:
        """Start time of each trial's change or sham-change presentation (active block)."""
        chosen = (self.flag("is_change") | self.flag("is_sham_change")) & self.flag("active")
        rows = self.frame[chosen.to_numpy()]
        if "trials_id" not in rows.columns:
            raise SpikeError("stimulus_presentations has no trials_id to align trials with")
        first = rows.groupby("trials_id")["start_time"].first()
        missing = pd.Index(trial_ids).difference(first.index)
        if len(missing):
            raise SpikeError(f"trials without a change or sham change: {missing[:5].tolist()}")
        return first.loc[trial_ids].to_numpy(dtype=np.float64)


STIM_CODE = """stim = session.stimulus_presentations


def flag(values):
    return values.astype(str).str.lower().isin(["true", "1", "1.0"])

"""

TRIAL_CHANGE_CODE = (
    STIM_CODE
    + """
is_change = flag(stim["is_change"]) | flag(stim["is_sham_change"])
onsets = stim[is_change & flag(stim["active"])]
event_times = onsets.groupby("trials_id")["start_time"].first().loc[events.index].to_numpy()"""
)


def optotagging(session: object) -> pd.DataFrame:
    opto = table(session, "optotagging_table")
    out = pd.DataFrame({"time": opto["start_time"].astype(float)}, index=opto.index)
    for column in ("condition", "level"):
        if column in opto.columns:
            out[column] = opto[column].astype(str)
    if {"condition", "level"} <= set(out.columns):
        out["condition_level"] = out["condition"] + " @ " + out["level"]
    return out


def rewards(session: object) -> pd.DataFrame:
    frame = table(session, "rewards")
    out = pd.DataFrame({"time": frame["timestamps"].astype(float)}, index=frame.index)
    if "auto_rewarded" in frame.columns:
        out["reward"] = as_flag(frame["auto_rewarded"]).map({True: "auto", False: "earned"})
    return out


def first_licks(session: object) -> pd.DataFrame:
    stim = Stim(session)
    changes = stim.change_rows()
    licks = np.sort(table(session, "licks")["timestamps"].to_numpy(dtype=np.float64))
    licks = np.append(licks, np.inf)
    onset = changes["start_time"].to_numpy(dtype=np.float64)
    first = licks[np.searchsorted(licks, onset, side="right")]
    keep = first - onset <= lick_window(session)
    rows = changes[keep]
    out = pd.DataFrame({"time": first[keep]}, index=rows.index)
    outcome = stim.outcome(rows)
    if outcome.nunique() > 1:
        out["outcome"] = outcome.astype(str)
    return out


FIRST_LICKS_CODE = (
    STIM_CODE
    + """
changes = stim[flag(stim["is_change"]) & flag(stim["active"])]
licks = np.append(np.sort(session.licks["timestamps"].to_numpy()), np.inf)
onset = changes["start_time"].to_numpy()
first_lick = licks[np.searchsorted(licks, onset, side="right")]
keep = first_lick - onset <= {lick_window}
events = changes[keep].assign(time=first_lick[keep])"""
)


def session_id_of(session: object) -> int:
    """The session's ecephys_session_id (attribute or ``metadata``)."""
    for getter in (
        lambda: session.ecephys_session_id,  # type: ignore[attr-defined]
        lambda: session.metadata["ecephys_session_id"],  # type: ignore[attr-defined]
    ):
        try:
            return int(getter())
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
    raise SpikeError("cannot tell the session's ecephys_session_id: pass session_id=")
