"""One definition per side, equal: QualityFilter's shapes, kinds, limits, grid and smoothing
constants in Python and in js/src/quality_filter/protocol.js; and the live trait values have
exactly the shapes their TypedDicts say."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest

from vbn_widgets.quality import binned, grid
from vbn_widgets.quality.criteria import KEEPS, MISSING_RULES
from vbn_widgets.quality_filter import QualityFilter, protocol

PROTOCOL_JS = (
    Path(__file__).parents[2] / "js" / "src" / "quality_filter" / "protocol.js"
).read_text()


def js_typedefs() -> dict[str, set[str]]:
    shapes = re.findall(r"@typedef \{\{ (.*?) \}\} (\w+) \*/", PROTOCOL_JS)
    return {name: set(re.findall(r"(\w+): ", body)) for body, name in shapes}


def js_const(name: str) -> str:
    return re.search(rf"export const {name} = (.*?);", PROTOCOL_JS, re.S).group(1)


def js_union(name: str) -> set[str]:
    body = re.search(rf"@typedef \{{([^}}]*)\}} {name} \*/", PROTOCOL_JS).group(1)
    return set(re.findall(r'"([^"]+)"', body))


def test_shapes_have_the_same_keys_on_both_sides():
    js = js_typedefs()
    for name, shape in protocol.SHAPES.items():
        js_name = name.removesuffix("JSON")  # the Shaped trait's wire name
        assert js_name in js, f"protocol.js has no typedef {js_name}"
        assert set(shape.__annotations__) == js[js_name], name


def test_kinds_and_limits_agree():
    assert tuple(re.findall(r'"([\w-]+)"', js_const("KINDS"))) == protocol.KINDS
    assert int(js_const("MAX_SETTINGS_CHARS")) == protocol.MAX_SETTINGS_CHARS
    assert int(js_const("MAX_RESTRICT_ITEMS")) == protocol.MAX_RESTRICT_ITEMS
    assert js_union("Keep") == set(KEEPS)
    assert js_union("MissingRule") == set(MISSING_RULES)


def test_grid_and_smoothing_rules_agree():
    assert float(js_const("LOG_OFFSET")) == grid.LOG_OFFSET
    mantissas = re.search(r"\[(.*?)\]", js_const("MANTISSAS")).group(1)
    assert tuple(int(m) for m in mantissas.split(",")) == grid.MANTISSAS
    assert int(js_const("TARGET_TICKS")) == grid.TARGET_TICKS
    assert float(js_const("SMOOTH_MIN_BINS")) == binned.SMOOTH_MIN_BINS
    assert int(js_const("SMOOTH_SIGMAS")) == binned.SMOOTH_SIGMAS


# ---- live values against their TypedDicts -------------------------------------------------


def conforms(value: object, kind: object, where: str) -> None:
    """Raise AssertionError naming ``where`` unless ``value`` has the static type ``kind``."""
    origin = typing.get_origin(kind)
    if kind is typing.Any:
        return
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(kind):
            try:
                conforms(value, option, where)
                return
            except AssertionError as err:
                errors.append(str(err))
        raise AssertionError(f"{where}: {value!r:.60} matches none of {kind}: {errors}")
    if kind is type(None):
        assert value is None, f"{where}: expected None, got {value!r:.60}"
    elif origin is typing.Literal:
        assert value in typing.get_args(kind), f"{where}: {value!r} not in {kind}"
    elif origin is list:
        assert isinstance(value, list), f"{where}: expected a list, got {type(value).__name__}"
        for i, item in enumerate(value):
            conforms(item, typing.get_args(kind)[0], f"{where}[{i}]")
    elif typing.is_typeddict(kind):
        assert isinstance(value, dict), f"{where}: expected a {kind.__name__} object"
        hints = typing.get_type_hints(kind)
        assert set(value) == set(hints), f"{where}: keys {sorted(value)} != {sorted(hints)}"
        for key, hint in hints.items():
            conforms(value[key], hint, f"{where}.{key}")
    elif kind is float:
        assert type(value) in (int, float), f"{where}: expected a number, got {value!r:.60}"
    else:
        assert type(value) is kind, f"{where}: expected {kind}, got {type(value).__name__}"


TRAITS = {
    "metric_info": list[protocol.MetricInfo],
    "binned": protocol.Binned,
    "spec": protocol.SettingsJSON,
    "summary": protocol.Summary,
    "choices": protocol.Choices,
}


@pytest.mark.parametrize("restricted", [False, True])
def test_synced_values_have_their_declared_shapes(units, restricted):
    qf = QualityFilter(units, export_to=None)
    if restricted:
        qf.set_restriction(areas=["VISp"], good_label_only=True)
        qf.set_criterion("snr", threshold=2.5, active=True, missing="pass")
    state = qf.get_state()
    for name, kind in TRAITS.items():
        conforms(state[name], kind, name)
    for name in ("passing_count", "total_count", "revision"):
        assert type(state[name]) is int


def test_the_shape_checker_can_fail(units):
    qf = QualityFilter(units, export_to=None)
    spec = dict(qf.get_state()["spec"], sessions=["1"])
    with pytest.raises(AssertionError, match=r"spec\.sessions"):
        conforms(spec, protocol.SettingsJSON, "spec")
    with pytest.raises(AssertionError, match="keys"):
        conforms({"kept": []}, protocol.Summary, "summary")
