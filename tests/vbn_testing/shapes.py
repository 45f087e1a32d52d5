"""Checks that a widget's published values have the keys of their TypedDict shapes."""

from __future__ import annotations

import typing


def leaves(hint: object) -> list:
    """The plain types inside a type hint (through lists, unions, Optional)."""
    args = typing.get_args(hint)
    return [leaf for a in args for leaf in leaves(a)] if args else [hint]


def check_shape(value: object, shape: type, where: str) -> None:
    """``value`` has exactly the keys of ``shape``, recursively into nested shapes."""
    assert isinstance(value, dict), where
    assert set(value) == set(shape.__annotations__), where
    hints = typing.get_type_hints(shape)
    for key, item in value.items():
        nested = [a for a in leaves(hints[key]) if typing.is_typeddict(a)]
        if not nested or not item:
            continue
        for one in item if isinstance(item, list) else [item]:
            if isinstance(one, dict):
                check_shape(one, nested[0], f"{where}.{key}")
