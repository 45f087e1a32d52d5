"""``population_psth``: per-unit and per-area PSTHs over many sessions, in parallel with Dask.

One task per session: it opens its own session from the cache (a local file, or streamed by
byte ranges when the file is not local), reads the chosen units' spikes in bulk and counts them
with the same code as the single-session view (:class:`~.model.ResponseModel`), so a session's
rows equal that view's rates exactly. Dask's local scheduler runs the tasks by default; pass a
``dask.distributed.Client`` to run them on its cluster (the cache travels as a small picklable
recipe, each worker rebuilds it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .binning import Bins, summed_counts
from .errors import SpikeError
from .events import named_events
from .trains import SpikeTrains
from .units import area_order, choose, session_units, source_ids


@dataclasses.dataclass(frozen=True)
class CacheRecipe:
    """What a worker needs to rebuild a ``VBNCache``: folder, source and manifest."""

    cache_dir: str
    static: bool
    source: dict | None
    manifest: str | None

    def __call__(self) -> object:
        from ..data import VBNCache
        from ..data.spec import source_from_spec, spec_path

        if self.static or self.source is None:
            cache = VBNCache.from_local_cache(self.cache_dir, use_static_cache=self.static)
        else:
            where = spec_path(Path(self.cache_dir))
            cache = VBNCache(self.cache_dir, source=source_from_spec(self.source, where))
        if self.manifest is not None and cache.current_manifest() != self.manifest:
            cache.load_manifest(self.manifest)
        return cache


def cache_factory(cache: object) -> Callable[[], object]:
    """A picklable zero-argument callable giving ``cache`` (or an equal one) in a worker."""
    from ..data import VBNCache

    if isinstance(cache, VBNCache):
        return CacheRecipe(
            str(cache.cache_dir), cache.static, cache.source_spec(), cache.current_manifest()
        )
    if callable(cache) and not hasattr(cache, "get_ecephys_session"):
        return cache  # already a factory
    return lambda: cache  # e.g. AllenSDK's cache: must pickle to reach distributed workers


@dataclasses.dataclass(frozen=True)
class Request:
    """What every session's task computes: which units (None: all), around which named event,
    in which bins, grouped how."""

    unit_ids: np.ndarray | None
    align: str
    window: tuple[float, float]
    bin_size: float
    grouping: str

    @property
    def bins(self) -> Bins:
        return Bins(float(self.window[0]), float(self.window[1]), float(self.bin_size))


def session_psth(cache: Callable[[], object] | object, session_id: int, request: Request) -> dict:
    """One session's summed counts (the task body): units, their areas, counts per group."""
    try:
        return _session_psth(cache, int(session_id), request)
    except Exception as err:
        raise SpikeError(f"session {int(session_id)}: {err}") from err


def _session_psth(cache: object, session_id: int, request: Request) -> dict:
    opened = cache() if callable(cache) and not hasattr(cache, "get_ecephys_session") else cache
    session = opened.get_ecephys_session(session_id)  # type: ignore[attr-defined]
    try:
        wanted = None if request.unit_ids is None else pd.Index(request.unit_ids)
        units = choose(session_units(session), wanted)
        trains = SpikeTrains.from_mapping(session.spike_times, units.index)
        events = named_events(session, request.align)
        groups, labels = events.groups(request.grouping)
        edges = request.bins.edges
        sums = summed_counts(trains, events.times, edges, groups=groups, n_groups=len(labels))
    finally:
        close = getattr(session, "close", None)
        if callable(close):
            close()
    return {
        "session_id": session_id,
        "units": units,
        "sums": sums,
        "labels": labels,
        "event_counts": np.bincount(groups[groups >= 0], minlength=len(labels)),
    }


@dataclasses.dataclass(frozen=True)
class PopulationPSTH:
    """Per-unit PSTHs (Hz) of many sessions: ``rates[i, g, k]`` for unit row ``i`` of
    ``units`` (index ``(ecephys_session_id, unit_id)``, columns ``area``, ``depth``), group
    ``groups[g]`` and bin ``k`` (NaN where a session has no event of that group)."""

    units: pd.DataFrame
    rates: np.ndarray
    groups: list[str]
    bin_edges: np.ndarray
    event_counts: pd.DataFrame  # sessions x groups

    def area_means(self, group: str | None = None) -> pd.DataFrame:
        """Mean PSTH over each area's units (rows: areas in anatomical order; columns: bin
        centres), for ``group`` (default the first: ``"all"`` when ungrouped)."""
        g = 0 if group is None else self.groups.index(group)
        centers = (self.bin_edges[:-1] + self.bin_edges[1:]) / 2
        frame = pd.DataFrame(self.rates[:, g, :], columns=centers)
        frame["area"] = self.units["area"].to_numpy()
        means = frame.groupby("area").mean()
        return means.loc[area_order(means.index.to_series())]


def population_psth(
    cache: object,
    sessions: Iterable[int],
    units: object = None,
    align: str = "changes",
    *,
    window: tuple[float, float] = (-0.5, 1.0),
    bin_size: float = 0.01,
    grouping: str = "none",
    client: object = None,
) -> PopulationPSTH:
    """PSTHs of ``units`` (ids, an Index, or anything with ``.passing`` / ``.selected``;
    None: every unit) of each session in ``sessions`` around the named event ``align``.

    ``client``: a ``dask.distributed.Client`` to run on its cluster; default Dask's local
    scheduler. Errors name the session they came from.
    """
    import dask

    ids = source_ids(units)
    request = Request(
        None if ids is None else ids.to_numpy(),
        align,
        (float(window[0]), float(window[1])),
        float(bin_size),
        grouping,
    )
    bins = request.bins  # a bad window fails here, before any task
    session_ids = [int(s) for s in sessions]
    if not session_ids:
        raise SpikeError("no sessions given")
    recipe = cache_factory(cache)
    tasks = [
        dask.delayed(session_psth, pure=True)(
            recipe, sid, request, dask_key_name=f"session-psth-{sid}"
        )
        for sid in session_ids
    ]
    results = (
        dask.compute(*tasks) if client is None else client.gather(client.compute(tasks))  # type: ignore[attr-defined]
    )
    return combine(list(results), bins)


def combine(results: list[dict], bins: Bins) -> PopulationPSTH:
    labels = sorted({label for r in results for label in r["labels"]})
    frames, blocks, counts = [], [], {}
    for r in results:
        units = r["units"].assign(ecephys_session_id=r["session_id"])
        frames.append(units.reset_index().set_index(["ecephys_session_id", "unit_id"]))
        block = np.full((len(units), len(labels), bins.n), np.nan)
        per_group = dict(zip(r["labels"], r["event_counts"], strict=True))
        for g, label in enumerate(r["labels"]):
            n = max(int(per_group[label]), 1)
            block[:, labels.index(label), :] = r["sums"][:, g, :] / (n * bins.width)
        blocks.append(block)
        counts[r["session_id"]] = [int(per_group.get(label, 0)) for label in labels]
    return PopulationPSTH(
        units=pd.concat(frames) if frames else pd.DataFrame(),
        rates=np.concatenate(blocks) if blocks else np.empty((0, len(labels), bins.n)),
        groups=labels,
        bin_edges=bins.edges,
        event_counts=pd.DataFrame.from_dict(counts, orient="index", columns=labels),
    )
