"""Arrays on the wire: Python's encoder and js/src/lib/wire.js agree on the dtypes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from vbn_widgets._serialization import WIRE_DTYPES, array_to_wire

WIRE_JS = Path(__file__).parents[1] / "js" / "src" / "lib" / "wire.js"


def test_python_and_js_know_the_same_dtypes():
    block = WIRE_JS.read_text().split("const TYPED = {", 1)[1].split("};", 1)[0]
    assert set(re.findall(r"(\w+):", block)) == set(WIRE_DTYPES)


@pytest.mark.parametrize(
    ("values", "dtype"),
    [(np.arange(6, dtype="f8").reshape(2, 3), "float32"), (np.arange(4), "int32"),
     (np.arange(3, dtype=">u2"), "uint16"), (np.array([1, 2], dtype="u1"), "uint8")],
)  # fmt: skip
def test_arrays_become_little_endian_buffers(values, dtype):
    wire = array_to_wire(values)
    assert wire["dtype"] == dtype and wire["shape"] == list(values.shape)
    back = np.frombuffer(wire["view"], dtype=np.dtype(dtype).newbyteorder("<"))
    np.testing.assert_array_equal(back.reshape(values.shape), values)


def test_unsupported_dtypes_are_refused():
    assert array_to_wire(None) is None
    with pytest.raises(TypeError, match="complex128"):
        array_to_wire(np.zeros(2, dtype=complex))
