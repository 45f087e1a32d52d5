"""The engine's one exception, and safe display of untrusted values in its messages."""

from __future__ import annotations

import reprlib

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlevel = 2
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 4


class SpecError(ValueError):
    """A filter, spec, sort key or table the engine cannot accept; the message says why."""


def show(value: object) -> str:
    """A short, safe repr of untrusted input (depth- and length-limited)."""
    try:
        return _repr.repr(value)
    except Exception:  # a hostile __repr__: name the type only
        return f"<{type(value).__name__}>"
