"""Which units, with their area and depth: from ids, an Index, or a widget's public selection.

``units`` may be unit ids (any iterable of ints), a ``pandas.Index``, a DataFrame indexed by
unit id, or any object with a ``passing`` (QualityFilter) or ``selected`` (TableExplorer)
attribute holding such ids. Ids that are not units of the session are left out (a quality
filter over the whole release lists every session's units).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..quality.regions import REGION_GROUPS
from .errors import SpikeError
from .selections import table

AREA = "structure_acronym"
DEPTH = "probe_vertical_position"
_GROUP_ORDER = ("cortex", "hippocampus", "thalamus", "midbrain")
_AREA_RANK = {
    area: (g, i)
    for g, group in enumerate(_GROUP_ORDER)
    for i, area in enumerate(REGION_GROUPS[group])
}


def source_ids(units: object) -> pd.Index | None:
    """The unit ids ``units`` stands for (None: every unit of the session)."""
    if units is None:
        return None
    for name in ("passing", "selected"):
        if not isinstance(units, (pd.Index, pd.DataFrame, np.ndarray, list, tuple)) and hasattr(
            units, name
        ):
            return source_ids(getattr(units, name))
    if isinstance(units, pd.DataFrame):
        values = units.index
    elif isinstance(units, pd.Series) and units.dtype == bool:
        values = units.index[units.to_numpy()]
    else:
        values = units
    if isinstance(values, (str, bytes)):
        raise SpikeError(f"units must be unit ids, got the string {values!r:.40}")
    try:
        ids = pd.Index(np.asarray(list(values)), name="unit_id")
    except TypeError:
        raise SpikeError(
            "units must be unit ids, an Index, or an object with .passing or .selected, "
            f"got {type(units).__name__}"
        ) from None
    if len(ids) and ids.dtype.kind not in "iu":
        raise SpikeError(f"unit ids must be integers, got dtype {ids.dtype}")
    return ids.astype(np.int64)


def session_units(session: object) -> pd.DataFrame:
    """The session's units with ``structure_acronym`` and ``probe_vertical_position``, joined
    from ``get_channels()`` through ``peak_channel_id`` when the units table lacks them (as
    AllenSDK's session units table does)."""
    getter = getattr(session, "get_units", None)
    units = getter() if callable(getter) else table(session, "units")
    missing = [c for c in (AREA, DEPTH) if c not in units.columns]
    if missing and "peak_channel_id" in units.columns:
        channels_getter = getattr(session, "get_channels", None)
        channels = channels_getter() if callable(channels_getter) else table(session, "channels")
        if "structure_acronym" not in channels.columns and "location" in channels.columns:
            channels = channels.rename(columns={"location": AREA})
        joined = channels.reindex(units["peak_channel_id"].to_numpy())
        for column in missing:
            if column in joined.columns:
                units = units.assign(**{column: joined[column].to_numpy()})
    return units


def choose(units: pd.DataFrame, wanted: pd.Index | None) -> pd.DataFrame:
    """Rows of ``units`` for ``wanted`` ids (session order), with ``area`` and ``depth``."""
    chosen = units if wanted is None else units[units.index.isin(wanted)]
    area = chosen[AREA] if AREA in chosen.columns else pd.Series("", index=chosen.index)
    depth = chosen[DEPTH] if DEPTH in chosen.columns else pd.Series(np.nan, index=chosen.index)
    return pd.DataFrame(
        {
            "area": area.astype("string").fillna("unknown").astype(str),
            "depth": pd.to_numeric(depth, errors="coerce").astype(float),
        },
        index=pd.Index(chosen.index.astype(np.int64), name="unit_id"),
    )


def area_order(areas: pd.Series) -> list[str]:
    """Areas in anatomical order: visual cortex, hippocampus, thalamus, midbrain (each in the
    VBN tutorial's order), then any other area alphabetically."""
    return sorted(set(areas), key=lambda a: (*_AREA_RANK.get(a, (len(_GROUP_ORDER), 0)), a))


def area_depth_order(units: pd.DataFrame) -> np.ndarray:
    """Positions of ``units`` sorted by area (:func:`area_order`), then from the most
    superficial (largest ``probe_vertical_position``) down, then by unit id."""
    rank = {a: i for i, a in enumerate(area_order(units["area"]))}
    area_rank = units["area"].map(rank).to_numpy()
    depth = -units["depth"].to_numpy(dtype=float)
    depth = np.where(np.isnan(depth), np.inf, depth)
    return np.lexsort((units.index.to_numpy(), depth, area_rank))
