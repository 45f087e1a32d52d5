"""VBN's task events, named, as functions of a session's tables (AllenSDK's names and columns).

Each named event is an :class:`EventDef`: how its rows are chosen (``select``), what they can be
grouped by, and the pandas statements that choose the same rows from ``session`` (``code``,
used in reproducing code; a test checks the two agree on every named event). Times from the
stimulus table are its ``start_time``: AllenSDK's display-lag-corrected onset of the image on
the screen; a trial's change is therefore aligned to its change *presentation*, not to the
trials table's ``change_time_no_display_delay``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from . import selections as sel
from .errors import SpikeError

DISPLAY_LAG_NOTE = (
    "change and flash times are the stimulus table's start_time, corrected for the display lag"
)
#: Latest first lick counted after a change when the session does not say (AllenSDK's
#: response window is 0.15-0.75 s).
DEFAULT_LICK_WINDOW_S = 0.75


@dataclasses.dataclass(frozen=True)
class Events:
    """Chosen events: their times (s, in row order) and per-event labels to group by.

    ``conditions`` has one row per event (index: the source table's row labels) and one string
    column per grouping; ``code`` is pandas that leaves the same rows in ``events`` and their
    times in ``event_times``, from a ``session`` variable.
    """

    key: str
    label: str
    description: str
    times: np.ndarray
    conditions: pd.DataFrame
    code: str
    note: str = ""

    def __len__(self) -> int:
        return len(self.times)

    @property
    def groupings(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.conditions.columns)

    def groups(self, grouping: str | None) -> tuple[np.ndarray, list[str]]:
        """Group number of each event and the group labels (sorted) for ``grouping``; None:
        one group, ``"all"``."""
        if grouping in (None, "none"):
            return np.zeros(len(self), dtype=np.int64), ["all"]
        if grouping not in self.conditions.columns:
            raise SpikeError(
                f"{self.label} cannot be grouped by {grouping!r}; choose from "
                f"{['none', *self.groupings]}"
            )
        codes, labels = pd.factorize(self.conditions[grouping], sort=True)
        return codes.astype(np.int64), [str(v) for v in labels]


@dataclasses.dataclass(frozen=True)
class EventDef:
    key: str
    label: str
    table: str
    description: str
    select: Callable[[object], pd.DataFrame]
    code: str

    def __call__(self, session: object) -> Events:
        rows = self.select(session)
        times = rows.pop("time").to_numpy(dtype=np.float64)
        note = DISPLAY_LAG_NOTE if self.table == "stimulus_presentations" else ""
        code = self.code.replace("{lick_window}", repr(sel.lick_window(session)))
        code += f"\nevent_times = events[{_TIME_COLUMN[self.table]!r}].to_numpy()"
        return Events(self.key, self.label, self.description, times, rows, code, note)


_TIME_COLUMN = {
    "stimulus_presentations": "start_time",
    "optotagging_table": "start_time",
    "rewards": "timestamps",
    "licks": "timestamps",
    "first_licks": "time",
}


def _stim(key: str, label: str, description: str, rows: Callable, code: str) -> EventDef:
    def select(session: object) -> pd.DataFrame:
        stim = sel.Stim(session)
        return stim.conditions(rows(stim))

    return EventDef(key, label, "stimulus_presentations", description, select, code)


_STIM = sel.STIM_CODE + "\n"


def _flag(column: str) -> str:
    return f"flag(stim[{column!r}])"


def _trial(column: str) -> str:
    return f"flag(stim['trials_id'].map(session.trials[{column!r}]))"


_IMAGES = "stim['image_name'].notna() & ~stim['image_name'].isin(['', 'omitted'])"


NAMED: dict[str, EventDef] = {
    d.key: d
    for d in (
        _stim(
            "changes",
            "image changes",
            "every image change (is_change), active and passive blocks",
            lambda s: s.flag("is_change"),
            _STIM + f"events = stim[{_flag('is_change')}]",
        ),
        _stim(
            "hit_changes",
            "image changes: hits",
            "active-block changes whose trial (trials_id) is a hit",
            lambda s: s.flag("is_change") & s.flag("active") & s.trial_flag("hit"),
            _STIM + f"events = stim[{_flag('is_change')} & {_flag('active')} & {_trial('hit')}]",
        ),
        _stim(
            "miss_changes",
            "image changes: misses",
            "active-block changes whose trial (trials_id) is a miss",
            lambda s: s.flag("is_change") & s.flag("active") & s.trial_flag("miss"),
            _STIM + f"events = stim[{_flag('is_change')} & {_flag('active')} & {_trial('miss')}]",
        ),
        _stim(
            "sham_changes",
            "sham changes",
            "catch-trial flashes where a change could have occurred but did not (is_sham_change)",
            lambda s: s.flag("is_sham_change"),
            _STIM + f"events = stim[{_flag('is_sham_change')}]",
        ),
        _stim(
            "non_change_flashes",
            "non-change flashes",
            "image flashes that are neither changes nor omissions",
            lambda s: s.images() & ~s.flag("is_change") & ~s.flag("omitted"),
            _STIM + f"events = stim[{_IMAGES} & ~{_flag('is_change')} & ~{_flag('omitted')}]",
        ),
        _stim(
            "novel_flashes",
            "novel image flashes",
            "flashes of images the mouse had not seen in training (is_image_novel)",
            lambda s: s.images() & ~s.flag("omitted") & s.flag("is_image_novel"),
            _STIM + f"events = stim[{_IMAGES} & ~{_flag('omitted')} & {_flag('is_image_novel')}]",
        ),
        _stim(
            "familiar_flashes",
            "familiar image flashes",
            "flashes of images from training (not is_image_novel)",
            lambda s: s.images() & ~s.flag("omitted") & ~s.flag("is_image_novel"),
            _STIM + f"events = stim[{_IMAGES} & ~{_flag('omitted')} & ~{_flag('is_image_novel')}]",
        ),
        _stim(
            "omissions",
            "omissions",
            "flashes left out of the image sequence (omitted): the expected onset time",
            lambda s: s.flag("omitted"),
            _STIM + f"events = stim[{_flag('omitted')}]",
        ),
        _stim(
            "active_changes",
            "image changes: active",
            "changes during the behavior block (active)",
            lambda s: s.flag("is_change") & s.flag("active"),
            _STIM + f"events = stim[{_flag('is_change')} & {_flag('active')}]",
        ),
        _stim(
            "passive_changes",
            "image changes: passive replay",
            "changes during the passive replay of the behavior block (not active)",
            lambda s: s.flag("is_change") & ~s.flag("active"),
            _STIM + f"events = stim[{_flag('is_change')} & ~{_flag('active')}]",
        ),
        _stim(
            "full_field_flashes",
            "full-field flashes",
            "full-field flashes (stimulus_name contains 'flash'), grouped by color",
            lambda s: s.named("flash"),
            _STIM
            + "events = stim[flag(stim['stimulus_name'].astype('string').str.contains('flash'))]",
        ),
        _stim(
            "gabors",
            "gabors",
            "receptive-field gabors (stimulus_name contains 'gabor')",
            lambda s: s.named("gabor"),
            _STIM
            + "events = stim[flag(stim['stimulus_name'].astype('string').str.contains('gabor'))]",
        ),
        EventDef(
            "optotagging",
            "optotagging pulses",
            "optotagging_table",
            "light pulses of optotagging (optotagging_table), by condition and level",
            sel.optotagging,
            "events = session.optotagging_table",
        ),
        EventDef(
            "rewards",
            "rewards",
            "rewards",
            "reward deliveries (rewards.timestamps), earned or auto",
            sel.rewards,
            "events = session.rewards",
        ),
        EventDef(
            "first_licks",
            "first lick after a change",
            "first_licks",
            "per active-block change, the first lick (licks.timestamps) after it, within the "
            "response window's end",
            sel.first_licks,
            sel.FIRST_LICKS_CODE,
        ),
    )
}


def named_events(session: object, key: str) -> Events:
    """The named event ``key`` (one of :data:`NAMED`) of ``session``."""
    if key not in NAMED:
        raise SpikeError(f"unknown event {key!r}; choose from {sorted(NAMED)}")
    return NAMED[key](session)


def available(session: object) -> dict[str, int]:
    """How many events each named event has in ``session`` (0 when the table lacks it)."""
    counts = {}
    for key, definition in NAMED.items():
        try:
            counts[key] = len(definition(session))
        except (KeyError, AttributeError, SpikeError):
            counts[key] = 0
    return counts


def custom_events(
    times: object = None,
    *,
    rows: pd.DataFrame | None = None,
    column: str | None = None,
    session: object = None,
    label: str = "custom events",
    groupings: Mapping[str, object] | None = None,
) -> Events:
    """Events from any array of times, or from rows the user chose of stimulus_presentations
    (aligned to ``column``, default ``start_time``) or of trials (default: each trial's change
    or sham-change presentation in the stimulus table, which needs ``session``)."""
    if rows is not None:
        if column is None and sel.is_trials(rows):
            if session is None:
                raise SpikeError("trials rows are aligned to their change: pass session=")
            times = sel.Stim(session).trial_change_times(rows.index)
            code = sel.TRIAL_CHANGE_CODE
        else:
            column = column or "start_time"
            if column not in rows.columns:
                raise SpikeError(f"the rows have no time column {column!r}")
            times = rows[column].to_numpy(dtype=np.float64)
            code = f"event_times = events[{column!r}].to_numpy()"
        conditions = pd.DataFrame(index=rows.index)
    else:
        times = np.asarray(times, dtype=np.float64).ravel()
        conditions = pd.DataFrame(index=pd.RangeIndex(len(times)))
        code = "event_times = np.asarray(event_times, dtype=float)"
    for name, values in (groupings or {}).items():
        conditions[name] = pd.Series(np.asarray(values), index=conditions.index).astype(str)
    return Events("custom", label, "events chosen by the user", times, conditions, code)
