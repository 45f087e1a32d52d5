"""What the spike explorer exports: the counts as a variable, and numpy/pandas code that makes
the same counts from a ``cache`` (a ``VBNCache`` or AllenSDK's project cache) without
vbn_widgets.

The code opens the session, chooses the events with the pandas of :mod:`.events`, and counts
each unit's spikes around each event with ``np.histogram`` (the rule every count here follows),
one unit and one event at a time: slower than :func:`.binning.bin_counts`, and easy to read.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .binning import bin_counts
from .events import Events
from .model import ResponseModel


@dataclasses.dataclass(frozen=True)
class BinnedCounts:
    """Spike counts ``(units, events, bins)`` with what their axes mean.

    ``counts[i, j, k]``: spikes of ``unit_ids[i]`` with ``bin_edges[k] <= t - event_times[j] <
    bin_edges[k + 1]`` (the last bin closed), as ``np.histogram`` counts them.
    """

    counts: np.ndarray
    unit_ids: np.ndarray
    event_times: np.ndarray
    bin_edges: np.ndarray
    events: str
    conditions: pd.DataFrame

    def __repr__(self) -> str:
        u, e, b = self.counts.shape
        return f"BinnedCounts({u:,} units x {e:,} {self.events} x {b} bins, {self.counts.dtype})"

    def psth(self) -> np.ndarray:
        """Mean rate (Hz) per unit and bin over every event."""
        width = np.diff(self.bin_edges)
        return self.counts.mean(axis=1) / width


def counts(model: ResponseModel, unit_ids: object = None) -> BinnedCounts:
    """The counts of ``unit_ids`` (default: every unit, in display order) around the current
    events, in the current bins."""
    ids = model.units.index[model.order] if unit_ids is None else pd.Index(unit_ids)
    positions = model.trains.positions(ids)
    events = model.events
    return BinnedCounts(
        counts=bin_counts(model.trains, events.times, model.bins.edges, positions=positions),
        unit_ids=np.asarray(ids, dtype=np.int64),
        event_times=events.times.copy(),
        bin_edges=model.bins.edges,
        events=events.key,
        conditions=events.conditions.copy(),
    )


def _ids_literal(ids: object) -> str:
    return "[" + ", ".join(str(int(i)) for i in ids) + "]"  # type: ignore[union-attr]


def events_code(events: Events) -> str:
    """Statements that leave ``event_times`` (after ``session = ...``)."""
    if events.key != "custom":
        return events.code
    # A custom selection: the row labels or the times themselves, literally.
    if events.conditions.index.name in ("stimulus_presentations_id", "trials_id"):
        table = (
            "stimulus_presentations"
            if events.conditions.index.name == "stimulus_presentations_id"
            else "trials"
        )
        rows = _ids_literal(events.conditions.index)
        return f"events = session.{table}.loc[{rows}]\n{events.code}"
    times = ", ".join(repr(float(t)) for t in events.times)
    return f"event_times = np.array([{times}])"


def counts_code(session_id: int, exported: BinnedCounts, events: Events) -> str:
    """numpy/pandas code that, with a ``cache`` variable, leaves ``counts``, ``unit_ids``,
    ``event_times`` and ``bin_edges`` equal to ``exported``'s."""
    edges = exported.bin_edges
    n = len(edges) - 1
    return "\n".join(
        [
            "import numpy as np",
            "import pandas as pd",
            "",
            f"session = cache.get_ecephys_session({int(session_id)})",
            events_code(events),
            "",
            f"unit_ids = {_ids_literal(exported.unit_ids)}",
            f"bin_edges = np.linspace({float(edges[0])!r}, {float(edges[-1])!r}, {n + 1})",
            "spike_times = session.spike_times",
            "counts = np.zeros((len(unit_ids), len(event_times), len(bin_edges) - 1), "
            f"dtype=np.{exported.counts.dtype})",
            "for i, unit_id in enumerate(unit_ids):",
            "    spikes = spike_times[unit_id]",
            "    # the spikes near each window (1 ms margin); np.histogram keeps the exact ones",
            "    first = np.searchsorted(spikes, event_times + bin_edges[0] - 0.001)",
            "    last = np.searchsorted(spikes, event_times + bin_edges[-1] + 0.001)",
            "    for j, t in enumerate(event_times):",
            "        counts[i, j] = np.histogram(spikes[first[j] : last[j]] - t, bin_edges)[0]",
        ]
    )
