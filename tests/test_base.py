"""``vbn_widgets._base.Shaped``: a dict trait with a TypedDict's keys, nullable on request."""

from __future__ import annotations

from typing import TypedDict

import pytest
import traitlets as t

from vbn_widgets._base import Shaped, StrictWidget


class _Labelled(TypedDict, total=False):
    label: str


class Point(_Labelled):
    x: int
    y: int


class Holder(StrictWidget):
    point = Shaped(Point, default_value={"x": 0, "y": 0}).tag(sync=True)
    maybe = Shaped(Point, default_value=None, allow_none=True).tag(sync=True, wire="Point | null")


def test_keys_are_checked_and_the_refusal_is_shown():
    holder = Holder()
    holder.point = {"x": 1, "y": 2, "label": "a"}
    with pytest.raises(t.TraitError, match=r"missing \['y'\], unknown \['z'\]"):
        holder.point = {"x": 1, "z": 2}
    assert holder.point == {"x": 1, "y": 2, "label": "a"}  # unchanged
    assert "Holder.point: a Point needs the keys ['label', 'x', 'y']" in holder.error
    with pytest.raises(t.TraitError):
        holder.point = None  # not nullable


def test_a_nullable_shape_accepts_none_however_it_is_validated():
    holder = Holder()
    assert holder.maybe is None
    holder.maybe = {"x": 1, "y": 2}
    holder.maybe = None
    assert holder.maybe is None
    trait = Holder.class_traits()["maybe"]
    assert trait.validate(holder, None) is None  # called directly, not through traitlets
    with pytest.raises(t.TraitError, match="missing"):
        trait.validate(holder, {"x": 1})
    with pytest.raises(t.TraitError):
        Holder.class_traits()["point"].validate(holder, None)


def test_the_wire_name_defaults_to_the_shape_and_can_be_overridden():
    traits = Holder.class_traits()
    assert traits["point"].metadata["wire"] == "Point"
    assert traits["maybe"].metadata["wire"] == "Point | null"
    assert traits["maybe"].metadata["shape"] is Point
