"""SpikeExplorer's browser requests: each field validated (the browser is untrusted), then the
widget's public API called, so the browser path and the Python path cannot drift."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._messages import RequestError, need_bool, need_choice, need_int, need_str
from .._variables import ExportTarget, check_variable_name
from ..spikes import View
from ..spikes import exports as ex
from ..spikes.colormaps import COLORMAPS
from ..spikes.events import NAMED, Events
from ..spikes.model import SCALES, SORTS, ResponseModel

if TYPE_CHECKING:
    from .widget import SpikeExplorer

EXPORTS = ("selected", "units", "counts", "code")
SELECT_OPS = ("set", "add", "clear")
_NUMBER_PAIRS = ("window", "baseline_window", "response_window")
_TEXT = 100


def _pair(value: object, key: str) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(type(v) in (int, float) and math.isfinite(v) for v in value)
    ):
        raise RequestError(f"{key!r} must be two finite numbers [start, stop]")
    return float(value[0]), float(value[1])


def _changes(widget: SpikeExplorer, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw or len(raw) > 12:
        raise RequestError("'changes' must be an object with 1 to 12 settings")
    out: dict[str, Any] = {}
    events = [c["key"] for c in widget.event_choices]
    for key, value in raw.items():
        holder = {key: value}
        if key in _NUMBER_PAIRS:
            out[key] = _pair(value, key)
        elif key == "bin_size":
            if type(value) not in (int, float) or not math.isfinite(value) or value <= 0:
                raise RequestError("'bin_size' must be a positive number of seconds")
            out[key] = float(value)
        elif key == "event":
            out[key] = need_choice(holder, key, events)
        elif key == "sort":
            out[key] = need_choice(holder, key, SORTS)
        elif key == "scale":
            out[key] = need_choice(holder, key, SCALES)
        elif key == "colormap":
            out[key] = need_choice(holder, key, tuple(COLORMAPS))
        elif key == "grouping":
            out[key] = need_str(holder, key, _TEXT)
        elif key == "condition":
            out[key] = None if value is None else need_str(holder, key, _TEXT)
        else:
            raise RequestError(f"unknown setting {str(key)[:40]!r}")
    return out


def set_view(widget: SpikeExplorer, content: Mapping) -> dict:
    changes = _changes(widget, content.get("changes"))
    colormap = changes.pop("colormap", None)
    if changes:
        widget.set_view(**changes)
    if colormap is not None:
        widget.colormap = colormap
    return {"revision": widget.revision}


def _revision(widget: SpikeExplorer, content: Mapping) -> None:
    if need_int(content, "revision", 0, 2**53) != widget.revision:
        raise RequestError("the view changed since that click; click again")


def select_unit(widget: SpikeExplorer, content: Mapping) -> dict:
    _revision(widget, content)
    order = widget.model.order
    row = need_int(content, "row", 0, max(len(order) - 1, 0))
    unit_id = int(widget.model.units.index[order[row]])
    widget.selected_unit = unit_id
    return {"unit_id": unit_id}


def select_rows(widget: SpikeExplorer, content: Mapping) -> dict:
    _revision(widget, content)
    op = need_choice(content, "op", SELECT_OPS)
    ids = widget.model.units.index[widget.model.order]
    chosen = widget.selected if op == "add" else ids[:0]
    if op != "clear":
        last = max(len(ids) - 1, 0)
        start, stop = need_int(content, "from", 0, last), need_int(content, "to", 0, last)
        low, high = min(start, stop), max(start, stop)
        chosen = chosen.union(ids[low : high + 1], sort=False)
    widget.select(chosen)
    return {"selected_count": widget.selected_count}


def export(widget: SpikeExplorer, content: Mapping, targets: ExportTarget) -> dict:
    what = need_choice(content, "what", EXPORTS)
    name = check_variable_name(need_str(content, "name", 64))
    replace = need_bool(content, "replace") if "replace" in content else False
    if targets.would_replace(name) and not replace:
        return {"needs_confirm": True, "name": name}
    value = widget.export(name, what)
    return {"needs_confirm": False, "name": name, "summary": summary(value)}


def summary(value: object) -> str:
    if isinstance(value, str):
        return f"{value.count(chr(10)) + 1} lines of code"
    if isinstance(value, ex.BinnedCounts):
        return repr(value)
    return f"{len(value):,} units"  # type: ignore[arg-type]


def export_value(widget: SpikeExplorer, what: str) -> object:
    if what == "selected":
        return widget.selected_table()
    if what == "units":
        return widget.table
    if what == "counts":
        return widget.counts()
    if what == "code":
        return widget.code()
    raise ValueError(f"what must be one of {list(EXPORTS)}, got {what!r}")


# ---- payloads describing the view ------------------------------------------------------------
def view_traits(view: View) -> dict[str, object]:
    return {
        "event": view.event,
        "window": view.window,
        "bin_size": view.bin_size,
        "grouping": view.grouping,
        "condition": view.condition,
        "sort": view.sort,
        "scale": view.scale,
        "baseline_window": view.baseline,
        "response_window": view.response,
    }


def event_choices(counts: Mapping[str, int], custom: Events | None) -> list[dict]:
    out = [
        {"key": key, "label": d.label, "count": int(counts.get(key, 0))}
        for key, d in NAMED.items()
        if counts.get(key, 0) > 0
    ]
    if custom is not None:
        out.append({"key": "custom", "label": custom.label, "count": len(custom)})
    return out


SCALE_NOTES = {
    "rate": "rate: spikes/s averaged over the events",
    "zscore": (
        "z-score per unit: (rate - baseline mean) / baseline SD over the bins in the baseline "
        "window (SD at least one spike per bin)"
    ),
}


def event_info(model: ResponseModel) -> dict:
    events, view, bins = model.events, model.view, model.bins
    return {
        "key": events.key,
        "label": events.label,
        "description": events.description,
        "note": events.note,
        "count": len(events),
        "groupings": ["none", *events.groupings],
        "groups": list(model.group_labels),
        "group_counts": [int(n) for n in model.event_counts],
        "value_label": "rate (Hz)" if view.scale == "rate" else "z-score",
        "scale_note": SCALE_NOTES[view.scale],
        "bins": {"start": bins.start, "stop": bins.stop, "width": bins.width, "n": bins.n},
        "units": len(model.units),
        "shown_events": int(np.sum(model.groups >= 0))
        if view.condition is None
        else int(model.event_counts[model.group_labels.index(view.condition)]),
    }
