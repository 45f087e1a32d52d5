"""Rows of a table as text for the grid: one UTF-8 buffer per page (see the TableExplorer docs).

Cells are separated by U+001F and rows by U+001E; a missing value is U+0015 alone. Those three
characters inside a value become U+FFFD, so a value can never break the framing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

CELL, ROW, MISSING = "\x1f", "\x1e", "\x15"
_SCRUB = str.maketrans({CELL: "\ufffd", ROW: "\ufffd", MISSING: "\ufffd"})


def format_value(value: object) -> str:
    if value is None or value is pd.NaT or value is pd.NA:
        return MISSING
    if isinstance(value, (float, np.floating)):
        return MISSING if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(str(v) for v in value).translate(_SCRUB) if len(value) else MISSING
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).translate(_SCRUB)


def encode_cells(index: pd.Index, columns: Sequence[pd.Series]) -> bytes:
    """The page's cells, index first, row-major, as UTF-8."""
    formatted = [[format_value(v) for v in index], *([format_value(v) for v in c] for c in columns)]
    rows = (CELL.join(cells) for cells in zip(*formatted, strict=True))
    return ROW.join(rows).encode("utf-8")
