"""SpikeExplorer's structured traits say their shapes once per side (spike_explorer/shapes.py <->
js/src/spike_explorer/shapes.js, WireArray <-> lib/wire.js), and the values the widget really
publishes have exactly those keys, nested shapes included."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from vbn_testing.shapes import check_shape
from vbn_testing.spike_session import SpikeSession

from vbn_widgets import SpikeExplorer
from vbn_widgets.spike_explorer import shapes

JS = Path(__file__).parents[2] / "js" / "src"
TYPEDEF = re.compile(r"@typedef \{object\} (\w+)\n(.*?)\*/", re.DOTALL)


def js_typedefs() -> dict[str, set[str]]:
    """Every ``@typedef {object} Name`` of js/src/spike_explorer/ with its property names, and
    lib/wire.js's one-line ``WireArray``."""
    found: dict[str, set[str]] = {}
    for path in (JS / "spike_explorer").glob("*.js"):
        for name, body in TYPEDEF.findall(path.read_text()):
            assert name not in found, f"{name} is defined twice in js/src/spike_explorer/"
            found[name] = set(re.findall(r"@property\s+\{[^}]*\}\s+(\w+)", body))
    wire_js = (JS / "lib" / "wire.js").read_text()
    wire = re.search(r"@typedef \{\{ (.*?) \}\} WireArray \*/", wire_js)
    found["WireArray"] = set(re.findall(r"(\w+): ", wire[1]))
    return found


def shape_of(trait) -> type | None:
    """A Shaped trait's shape, or the shape of a list trait's Shaped items."""
    inner = getattr(trait, "_trait", None)
    return trait.metadata.get("shape") or getattr(inner, "metadata", {}).get("shape")


SHAPED = {
    name: shape_of(trait)
    for name, trait in SpikeExplorer.class_traits(sync=True).items()
    if shape_of(trait) is not None
}


def test_every_structured_trait_has_its_shape():
    assert {
        "event_choices": shapes.EventChoice,
        "event_info": shapes.EventInfo,
        "heatmap": shapes.Heatmap,
        "rows": shapes.RowsInfo,
        "area_psth": shapes.AreaInfo,
        "unit_detail": shapes.UnitDetail,
    } == SHAPED


@pytest.mark.parametrize("shape", list(shapes.SHAPES.values()), ids=lambda s: s.__name__)
def test_python_and_js_shapes_have_the_same_keys(shape):
    defs = js_typedefs()
    assert shape.__name__ in defs, f"no @typedef {{object}} {shape.__name__} in {JS}"
    assert set(shape.__annotations__) == defs[shape.__name__]


def test_every_js_shape_has_a_python_twin():
    assert set(js_typedefs()) - {"Model", "ControlState", "HeatData", "Series"} == set(
        shapes.SHAPES
    )


def check_published(widget: SpikeExplorer) -> None:
    for name, shape in SHAPED.items():
        value = getattr(widget, name)
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            check_shape(one, shape, name)


def test_published_values_have_their_shapes(sent, user_ns):
    session = SpikeSession(seed=3)
    widget = SpikeExplorer(session)
    try:
        check_published(widget)
        assert widget.unit_detail is None
        widget.selected_unit = int(widget.table.index[0])
        widget.select(widget.table.index[:3])
        widget.set_view(event="hit_changes", grouping=widget.event_info["groupings"][-1])
        assert widget.unit_detail is not None and widget.rows["selected"]["shape"] == [3]
        check_published(widget)
        widget.use_events(np.sort(session.trials["change_time_no_display_delay"].to_numpy()))
        check_published(widget)
        # and on the wire: the state sent to the browser has the same keys
        state = widget.get_state()
        for name, shape in SHAPED.items():
            if state[name] is not None:
                for one in state[name] if isinstance(state[name], list) else [state[name]]:
                    check_shape(one, shape, f"state.{name}")
    finally:
        widget.close()


def test_defaults_have_their_shapes():
    check_shape(shapes.EMPTY_EVENT_INFO, shapes.EventInfo, "EMPTY_EVENT_INFO")
    check_shape(shapes.EMPTY_ROWS, shapes.RowsInfo, "EMPTY_ROWS")
    check_shape(shapes.EMPTY_AREAS, shapes.AreaInfo, "EMPTY_AREAS")
