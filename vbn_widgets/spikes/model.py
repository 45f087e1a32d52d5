"""``ResponseModel``: responses of many units around chosen events, with no widget code.

State (:class:`View`): which events, the window and bin size, how events are grouped and which
group the population view shows, how units are sorted, raw rate or z-score, the baseline and
response windows. From it: per-unit PSTHs (every group at once), the heatmap in display order,
per-area means, one unit's raster and PSTH with its spread across events, the ranking by
response size or latency, and exports (see ``exports.py``).

Definitions shown in the widget:

- rate: spikes per second, averaged over the events (PSTH);
- z-score: per unit, ``(rate - mean) / sd`` over the bins whose centre lies in the baseline
  window, sd floored at one spike per bin across the events (so silent baselines stay finite);
- response: mean over the response window of rate (or z) minus its baseline mean;
- latency: first bin in the response window reaching half the unit's peak response there (NaN
  when the response never rises above baseline).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from .binning import Bins, bin_index, summed_counts, unit_raster
from .errors import SpikeError
from .events import Events
from .trains import SpikeTrains
from .units import area_depth_order, area_order

SORTS = ("area", "response", "latency")
SCALES = ("rate", "zscore")
#: Most spikes one view may bin (estimated from the mean rate): bounds a request's time.
MAX_WORK_SPIKES = 300_000_000


@dataclasses.dataclass(frozen=True)
class View:
    event: str = "changes"
    window: tuple[float, float] = (-0.5, 1.0)
    bin_size: float = 0.01
    grouping: str = "none"
    condition: str | None = None
    sort: str = "area"
    scale: str = "rate"
    baseline: tuple[float, float] = (-0.5, 0.0)
    response: tuple[float, float] = (0.03, 0.25)

    def check(self) -> Bins:
        bins = Bins(float(self.window[0]), float(self.window[1]), float(self.bin_size))
        if self.sort not in SORTS:
            raise SpikeError(f"sort must be one of {list(SORTS)}, got {self.sort!r}")
        if self.scale not in SCALES:
            raise SpikeError(f"scale must be one of {list(SCALES)}, got {self.scale!r}")
        for name in ("baseline", "response"):
            lo, hi = (float(v) for v in getattr(self, name))
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise SpikeError(f"the {name} window must be increasing, got [{lo}, {hi}]")
            inside = (bins.centers >= lo) & (bins.centers < hi)
            if not inside.any():
                raise SpikeError(
                    f"the {name} window [{lo}, {hi}] s holds no bin centre of the window "
                    f"[{bins.start}, {bins.stop}] s"
                )
        return bins


class ResponseModel:
    """Responses of ``units`` (a frame indexed by unit id with ``area`` and ``depth``) whose
    spikes are ``trains`` (same units), around events that ``events_for(key)`` returns."""

    def __init__(
        self,
        units: pd.DataFrame,
        trains: SpikeTrains,
        events_for: Callable[[str], Events],
        view: View | None = None,
    ) -> None:
        if not np.array_equal(units.index.to_numpy(), trains.unit_ids):
            raise SpikeError("the units table and the spike trains list different units")
        self.units = units
        self.trains = trains
        self._events_for = events_for
        self._events_cache: dict[str, Events] = {}
        self.view = View()
        self.selected = pd.Index([], dtype=np.int64, name="unit_id")
        self.apply(view or View())

    # ---- state ----------------------------------------------------------------------------
    def events_named(self, key: str) -> Events:
        if key not in self._events_cache:
            self._events_cache[key] = self._events_for(key)
        return self._events_cache[key]

    def apply(self, view: View) -> None:
        """Make ``view`` current; on any error nothing changes."""
        bins = view.check()
        events = self.events_named(view.event)
        self._check_work(events, bins)
        groups, labels = events.groups(view.grouping)
        if view.condition is not None and view.condition not in labels:
            raise SpikeError(f"no group {view.condition!r} in {view.grouping}: {labels[:10]}")
        old = self.view
        recount = not hasattr(self, "sums") or (
            view.event,
            view.window,
            view.bin_size,
            view.grouping,
        ) != (old.event, old.window, old.bin_size, old.grouping)
        sums = (
            summed_counts(
                self.trains, events.times, bins.edges, groups=groups, n_groups=len(labels)
            )
            if recount
            else self.sums
        )
        self.view, self.bins, self.events = view, bins, events
        self.groups, self.group_labels, self.sums = groups, labels, sums
        self._derive()

    def _check_work(self, events: Events, bins: Bins) -> None:
        if self.trains.n_spikes == 0 or len(events) == 0:
            return
        lowest, highest = self.trains.t_range
        span = max(highest - lowest, 1.0)
        covered = min(1.0, len(events) * (bins.stop - bins.start) / span)
        estimate = len(events) * (bins.stop - bins.start) / span * self.trains.n_spikes
        if covered and estimate > MAX_WORK_SPIKES:
            raise SpikeError(
                f"{len(events):,} events x {bins.stop - bins.start:g} s windows would bin about "
                f"{estimate:,.0f} spikes; choose fewer events, a shorter window or fewer units"
            )

    def update(self, **changes: object) -> None:
        """Change some fields of the view (``event=``, ``window=``, ``sort=`` ...)."""
        fields = {f.name for f in dataclasses.fields(View)}
        unknown = sorted(set(changes) - fields)
        if unknown:
            raise SpikeError(f"unknown view setting(s) {unknown}; known: {sorted(fields)}")
        if "grouping" in changes and "condition" not in changes:
            changes["condition"] = None
        for key in ("window", "baseline", "response"):
            if key in changes:
                value = changes[key]
                if not isinstance(value, (tuple, list)) or len(value) != 2:
                    raise SpikeError(f"{key} must be two numbers [start, stop], got {value!r:.60}")
                changes[key] = (float(value[0]), float(value[1]))  # type: ignore[index]
        self.apply(dataclasses.replace(self.view, **changes))  # type: ignore[arg-type]

    # ---- derived ------------------------------------------------------------------------------
    @property
    def event_counts(self) -> np.ndarray:
        """Events per group."""
        return np.bincount(self.groups[self.groups >= 0], minlength=len(self.group_labels))

    def rates(self, condition: str | None = None) -> np.ndarray:
        """PSTH in Hz, ``(units, bins)``: over the events of ``condition`` (default: the view's;
        None there: every event)."""
        condition = self.view.condition if condition is None else condition
        if condition is None:
            counts, n = self.sums.sum(axis=1), int(self.event_counts.sum())
        else:
            g = self.group_labels.index(condition)
            counts, n = self.sums[:, g], int(self.event_counts[g])
        return counts / (max(n, 1) * self.view.bin_size)

    def _derive(self) -> None:
        view, centers = self.view, self.bins.centers
        rates = self.rates()
        n_events = max(int(self._shown_events()), 1)
        in_base = (centers >= view.baseline[0]) & (centers < view.baseline[1])
        mean = rates[:, in_base].mean(axis=1)
        sd = np.maximum(rates[:, in_base].std(axis=1), 1.0 / (n_events * view.bin_size))
        self.baseline_mean, self.baseline_sd = mean, sd
        self.values = (rates - mean[:, None]) / sd[:, None] if view.scale == "zscore" else rates
        in_resp = (centers >= view.response[0]) & (centers < view.response[1])
        above = self.values[:, in_resp] - (0.0 if view.scale == "zscore" else mean[:, None])
        self.response = above.mean(axis=1)
        peak = above.max(axis=1)
        reached = above >= (peak / 2)[:, None]
        first = np.argmax(reached, axis=1)
        self.latency = np.where(peak > 0, centers[in_resp][first], np.nan)
        self.order = self._order()

    def _shown_events(self) -> int:
        if self.view.condition is None:
            return int(self.event_counts.sum())
        return int(self.event_counts[self.group_labels.index(self.view.condition)])

    def _order(self) -> np.ndarray:
        ids = self.units.index.to_numpy()
        if self.view.sort == "response":
            return np.lexsort((ids, -self.response))
        if self.view.sort == "latency":
            latency = np.where(np.isnan(self.latency), np.inf, self.latency)
            return np.lexsort((ids, -self.response, latency))
        return area_depth_order(self.units)

    # ---- what the views show ---------------------------------------------------------------------
    def table(self) -> pd.DataFrame:
        """Units in display order with area, depth, baseline, response and latency."""
        frame = self.units.assign(
            baseline_rate=self.baseline_mean,
            response=self.response,
            latency_s=self.latency,
        )
        return frame.iloc[self.order]

    def color_range(self) -> tuple[float, float]:
        values = self.values
        if self.view.scale == "zscore":
            top = float(np.percentile(np.abs(values), 99)) if values.size else 1.0
            top = max(top, 1.0)
            return -top, top
        top = float(np.percentile(values, 99)) if values.size else 1.0
        return 0.0, top if top > 0 else max(float(values.max(initial=0.0)), 1.0)

    def heatmap(self) -> tuple[np.ndarray, tuple[float, float]]:
        """The heatmap in display order quantized to 0-255 over its colour range, with it."""
        low, high = self.color_range()
        scaled = (self.values[self.order] - low) * (255.0 / (high - low))
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8), (low, high)

    def area_means(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Areas in order, the mean over their units of rate or z ``(areas, bins)``, and how
        many units each has."""
        areas = area_order(self.units["area"])
        codes = pd.Categorical(self.units["area"], categories=areas).codes
        counts = np.bincount(codes, minlength=len(areas))
        sums = np.zeros((len(areas), self.values.shape[1]))
        np.add.at(sums, codes, self.values)
        return areas, sums / np.maximum(counts, 1)[:, None], counts

    def area_runs(self) -> list[dict]:
        """Consecutive rows of one area in display order: ``{area, start, stop}``."""
        areas = self.units["area"].to_numpy()[self.order]
        if len(areas) == 0:
            return []
        change = np.flatnonzero(areas[1:] != areas[:-1]) + 1
        starts = np.concatenate([[0], change])
        stops = np.concatenate([change, [len(areas)]])
        return [
            {"area": str(areas[a]), "start": int(a), "stop": int(b)}
            for a, b in zip(starts, stops, strict=True)
        ]

    def unit_detail(self, unit_id: int) -> dict:
        """One unit's raster grouped by condition and its PSTH per group with the standard
        error across events (Hz)."""
        position = int(self.trains.positions([unit_id])[0])
        edges = self.bins.edges
        delta, event = unit_raster(self.trains, position, self.events.times, edges)
        keep = self.groups >= 0
        # Rows: events grouped by condition, in time order within a group.
        order = np.lexsort((self.events.times, self.groups))
        order = order[keep[order]]
        row_of_event = np.full(len(self.events), -1)
        row_of_event[order] = np.arange(len(order))
        n_bins = len(edges) - 1
        per_event = np.zeros((len(self.events), n_bins))
        np.add.at(per_event, (event, bin_index(delta, edges)), 1)
        per_event /= self.view.bin_size
        rows = row_of_event[event]
        delta, rows = delta[rows >= 0], rows[rows >= 0]
        means, sems = [], []
        for g in range(len(self.group_labels)):
            chosen = per_event[self.groups == g]
            means.append(chosen.mean(axis=0) if len(chosen) else np.zeros(n_bins))
            spread = chosen.std(axis=0, ddof=1) / np.sqrt(len(chosen)) if len(chosen) > 1 else 0
            sems.append(np.zeros(n_bins) + spread)
        group_rows = np.bincount(self.groups[order], minlength=len(self.group_labels))
        row = self.units.loc[unit_id]
        return {
            "unit_id": int(unit_id),
            "area": str(row["area"]),
            "depth": None if np.isnan(row["depth"]) else float(row["depth"]),
            "times": delta,
            "rows": rows,
            "groups": list(self.group_labels),
            "group_rows": group_rows,
            "mean": np.array(means),
            "sem": np.array(sems),
        }
