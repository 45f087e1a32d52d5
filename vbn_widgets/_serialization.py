"""Numbers on the wire (style guide P6): an array travels as ``{view, dtype, shape}`` with its
bytes in a binary buffer; ``js/src/lib/wire.js`` turns it back into a typed array."""

from __future__ import annotations

import numpy as np

# JS has no int64 and the canvas needs no float64.
_NARROWED = {np.dtype("float64"): np.dtype("float32"), np.dtype("int64"): np.dtype("int32")}
WIRE_DTYPES = ("float32", "float64", "int8", "int16", "int32", "uint8", "uint16", "uint32")


def array_to_wire(values: object, _widget: object = None) -> dict | None:
    """traitlets ``to_json`` hook (and message helper): ndarray -> ``{view, dtype, shape}``."""
    if values is None:
        return None
    arr = np.asarray(values)
    arr = np.ascontiguousarray(arr.astype(_NARROWED.get(arr.dtype, arr.dtype), copy=False))
    if arr.dtype.name not in WIRE_DTYPES:
        raise TypeError(f"cannot send dtype {arr.dtype} to the browser; use one of {WIRE_DTYPES}")
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return {"view": memoryview(arr).cast("B"), "dtype": arr.dtype.name, "shape": list(arr.shape)}
