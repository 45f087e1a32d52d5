"""What QualityFilter publishes, built from the model (no widget code): metric rows, restriction
choices, the per-change summary, and settings completed to one criterion per metric."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._serialization import array_to_wire
from ..quality import PRESETS, Criterion, QualityError, QualityModel, QualitySettings
from ..quality.descriptions import describe_metric
from ..quality.grid import Axis
from ..quality.model import AREA_COLUMN, LABEL_COLUMN, SESSION_COLUMN
from ..quality.regions import region_group
from .protocol import (
    MAX_AREA_ROWS,
    MAX_SESSION_ROWS,
    AreaOption,
    Choices,
    MetricInfo,
    SessionOption,
    Summary,
)

PROBE_COLUMN = "ecephys_probe_id"

# What the traits hold before the first publish (every key of their shape).
EMPTY_BINNED = {"groups": [], "bins": 0, "counts": None, "missing": None}
EMPTY_SPEC = QualitySettings().to_json()
EMPTY_SUMMARY = {"kept": [], "attrition": [], "areas": [], "sessions": []}
EMPTY_CHOICES = {"sessions": [], "areas": [], "good_label": False}


def metric_info(model: QualityModel, axes: Sequence[Axis]) -> list[MetricInfo]:
    return [
        {"name": m, "description": describe_metric(m), "axis": axis.to_json()}
        for m, axis in zip(model.metrics, axes, strict=True)
    ]


def nearest_grid_value(axis: Axis, value: float) -> float:
    """The grid value closest to ``value`` on the axis (by axis position)."""
    values = np.array(axis.values())
    return float(values[np.argmin(np.abs(axis.position(values) - axis.position(value)))])


def complete_settings(
    model: QualityModel, axes: Sequence[Axis], settings: QualitySettings
) -> QualitySettings:
    """``settings`` with exactly one criterion per metric of this widget: inactive ones appended
    at the round value nearest the median; criteria on other metrics are dropped from presets
    (the preset then becomes "custom") and an error otherwise."""
    if not isinstance(settings, QualitySettings):
        raise QualityError(f"settings must be QualitySettings, got {type(settings).__name__}")
    preset = settings.preset
    kept = []
    for c in settings.criteria:
        if c.metric in model.metrics:
            kept.append(c)
        elif settings.preset not in PRESETS:
            raise QualityError(f"criterion on {c.metric!r}, not one of {list(model.metrics)}")
        elif c.active:
            preset = "custom"
    for m, axis in zip(model.metrics, axes, strict=True):
        if settings.criterion(m) is None:
            v = model.values(m)
            median = float(np.median(v[np.isfinite(v)])) if np.isfinite(v).any() else axis.lo
            kept.append(Criterion(m, "above", nearest_grid_value(axis, median), active=False))
    return dataclasses.replace(settings, criteria=tuple(kept), preset=preset)


def choices(model: QualityModel) -> Choices:
    """Sessions (labelled with their probe count where the table has probes) and areas (with
    their region group), each with its unit count; whether the good-label rule applies."""
    units = model.units
    sessions: list[SessionOption] = []
    if SESSION_COLUMN in units.columns:
        codes, ids = model.codes(SESSION_COLUMN)
        counts = np.bincount(codes, minlength=len(ids))
        probes = None
        if PROBE_COLUMN in units.columns:
            probe_codes, probe_ids = model.codes(PROBE_COLUMN)
            pairs = np.unique(codes.astype(np.int64) * (len(probe_ids) + 1) + probe_codes)
            probes = np.bincount(pairs // (len(probe_ids) + 1), minlength=len(ids))
        for k, sid in enumerate(ids):
            if pd.isna(sid):
                continue
            label = str(int(sid))
            if probes is not None:
                n = int(probes[k])
                label += f" · {n} probe{'s' if n != 1 else ''}"
            sessions.append({"value": int(sid), "label": label, "count": int(counts[k])})
    areas: list[AreaOption] = []
    if AREA_COLUMN in units.columns:
        codes, names = model.codes(AREA_COLUMN)
        counts = np.bincount(codes, minlength=len(names))
        for area, n in zip(names, counts, strict=True):
            if isinstance(area, str):
                label = f"{area} · {region_group(area)}"
                areas.append({"value": area, "label": label, "count": int(n)})
    return {"sessions": sessions, "areas": areas, "good_label": LABEL_COLUMN in units.columns}


def summary(model: QualityModel) -> Summary:
    """Counts after a change: per-metric units kept alone, attrition, per area, per session."""
    restriction = model.restriction_mask()
    kept = [
        int(np.count_nonzero(restriction & model.criterion_mask(c)))
        for c in (model.settings.criterion(m) for m in model.metrics)
        if c is not None
    ]
    attrition = [
        {
            "criterion": str(r.criterion),
            "metric": str(r.metric),
            "removed_alone": int(r.removed_alone),
            "removed_cumulative": int(r.removed_cumulative),
            "remaining": int(r.remaining),
        }
        for r in model.attrition().itertuples(index=False)
    ]
    areas = []
    if AREA_COLUMN in model.units.columns:
        per_area = model.per_area().head(MAX_AREA_ROWS)
        areas = [
            {"area": str(a), "group": str(g), "passing": int(p), "total": int(t)}
            for a, p, t, g in zip(
                per_area.index,
                per_area["passing"],
                per_area["total"],
                per_area["region_group"],
                strict=True,
            )
            if not (isinstance(a, float) and np.isnan(a))
        ]
    sessions = []
    if SESSION_COLUMN in model.units.columns:
        per_session = model.per_session().sort_values("passing", ascending=False, kind="stable")
        sessions = [
            {"session": int(s), "passing": int(p), "total": int(t)}
            for s, p, t in zip(
                per_session.index[:MAX_SESSION_ROWS],
                per_session["passing"][:MAX_SESSION_ROWS],
                per_session["total"][:MAX_SESSION_ROWS],
                strict=True,
            )
        ]
    return {"kept": kept, "attrition": attrition, "areas": areas, "sessions": sessions}


def _frozen_wire(values: np.ndarray) -> dict | None:
    """``array_to_wire`` with the bytes copied out: an immutable snapshot, equal by value."""
    wire = array_to_wire(values)
    return None if wire is None else {**wire, "view": wire["view"].tobytes()}


def binned_to_json(value: dict, _widget: object = None) -> dict:
    """traitlets ``to_json`` of the ``binned`` trait: its two arrays as binary buffers."""
    return {
        **value,
        "counts": _frozen_wire(value.get("counts")),
        "missing": _frozen_wire(value.get("missing")),
    }
