"""QualityFilter's requests from the browser: validate each field, then call the widget's public
API (so the browser path and the Python path cannot drift). Kinds and limits: ``protocol``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._messages import (
    Handler,
    Reply,
    RequestError,
    dispatch,
    need_bool,
    need_choice,
    need_list,
    need_number,
    need_str,
)
from .._variables import MAX_NAME
from ..quality.criteria import KEEPS, MISSING_RULES
from .protocol import KINDS, MAX_RESTRICT_ITEMS, MAX_SETTINGS_CHARS, ExportReply
from .widget import QualityFilter

_CRITERION_FIELDS = ("threshold", "keep", "inclusive", "active", "missing")


def handle(widget: QualityFilter, content: object, _buffers: object = None) -> None:
    """The widget's one ``on_msg`` handler."""
    handlers: dict[str, Handler] = {
        "set-criterion": lambda c: set_criterion(widget, c),
        "set-restriction": lambda c: set_restriction(widget, c),
        "apply-preset": lambda c: apply_preset(widget, c),
        "load-settings": lambda c: load_settings(widget, c),
        "settings-json": lambda _c: {"text": widget.settings_json},
        "set-export": lambda c: set_export(widget, c),
    }
    assert tuple(handlers) == KINDS
    dispatch(widget, content, handlers)


def set_criterion(widget: QualityFilter, content: Mapping[str, Any]) -> Reply:
    metric = need_str(content, "metric", 400)
    if metric not in widget.metrics:
        raise RequestError(f"'metric' must be one of the widget's metrics, got {metric!r:.80}")
    fields: dict[str, Any] = {}
    if "threshold" in content:
        fields["threshold"] = need_number(content, "threshold")
    if "keep" in content:
        fields["keep"] = need_choice(content, "keep", KEEPS)
    if "missing" in content:
        fields["missing"] = need_choice(content, "missing", MISSING_RULES)
    for key in ("inclusive", "active"):
        if key in content:
            fields[key] = need_bool(content, key)
    if not fields:
        raise RequestError(f"set-criterion needs at least one of {list(_CRITERION_FIELDS)}")
    with widget._from_browser():
        widget.set_criterion(metric, **fields)
    return {}


def _ids(content: Mapping[str, Any], key: str, kind: type) -> tuple | None:
    if content.get(key) is None:
        return None
    values = need_list(content, key, MAX_RESTRICT_ITEMS)
    for v in values:
        if type(v) is not kind or (kind is str and len(v) > 200):
            name = "integers" if kind is int else "strings"
            raise RequestError(f"{key!r} must be a list of {name} or null, got {v!r:.40}")
    return tuple(values)


def set_restriction(widget: QualityFilter, content: Mapping[str, Any]) -> Reply:
    changes: dict[str, Any] = {}
    if "sessions" in content:
        changes["sessions"] = _ids(content, "sessions", int)
    if "areas" in content:
        changes["areas"] = _ids(content, "areas", str)
    if "good_label_only" in content:
        changes["good_label_only"] = need_bool(content, "good_label_only")
    if not changes:
        raise RequestError("set-restriction needs sessions, areas or good_label_only")
    with widget._from_browser():
        widget.set_restriction(**changes)
    return {}


def apply_preset(widget: QualityFilter, content: Mapping[str, Any]) -> Reply:
    name = need_choice(content, "name", widget.presets)
    with widget._from_browser():
        widget.apply_preset(name)
    return {}


def load_settings(widget: QualityFilter, content: Mapping[str, Any]) -> Reply:
    text = need_str(content, "text", MAX_SETTINGS_CHARS)
    with widget._from_browser():
        widget.load_settings(text)
    return {}


def set_export(widget: QualityFilter, content: Mapping[str, Any]) -> Reply:
    """Export to another name; "" stops exporting. Replacing a value this widget did not
    write needs ``confirm: true`` (the first answer asks)."""
    name = need_str(content, "name", MAX_NAME + 8).strip()
    confirm = need_bool(content, "confirm") if "confirm" in content else False
    if not name:
        widget.export(None)
        return {"needs_confirm": False, "message": "not exporting"}
    if name != widget.export_to and widget.would_replace(name) and not confirm:
        reply: ExportReply = {
            "needs_confirm": True,
            "message": f"{name} already holds a value this widget did not write; replace it?",
        }
        return dict(reply)
    widget.export(name)
    return {"needs_confirm": False, "message": f"{name} = the passing unit_ids"}
