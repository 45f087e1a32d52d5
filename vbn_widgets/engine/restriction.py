"""The rows a restriction lets take part, as a bool mask over the table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import SpecError, show


def restriction_mask(index: pd.Index, rows: object) -> np.ndarray:
    """One bool per row of a table with ``index``: is the row in ``rows``?

    ``rows`` is a bool mask (one value per row) or index labels (a pandas Index, Series, numpy
    array, list or tuple); labels that are not in the table match nothing.
    """
    n = len(index)
    if isinstance(rows, np.ndarray) and rows.dtype == bool:
        if rows.shape != (n,):
            raise SpecError(f"restrict: a mask needs {n} values, got shape {rows.shape}")
        return rows.copy()
    if isinstance(rows, pd.Series | np.ndarray | list | tuple):
        rows = pd.Index(rows)
    if not isinstance(rows, pd.Index):
        raise SpecError(f"restrict: expected index labels or a bool mask, got {show(rows)}")
    if index.is_unique:
        positions = index.get_indexer(rows)
        mask = np.zeros(n, dtype=bool)
        mask[positions[positions >= 0]] = True
        return mask
    return np.asarray(index.isin(rows), dtype=bool)
