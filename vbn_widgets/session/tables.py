"""NWB DynamicTable / TimeIntervals groups -> pandas, by path, reading only the columns asked for.

A column is a dataset in the table's group; a ragged column ``x`` has ``x_index`` holding each
row's cumulative end offset into ``x``. Strings are decoded to ``str``; object-reference columns
(``timeseries``, ``electrodes``, ``group``) are never read. The nullable-boolean rule is
AllenSDK's: a float column whose non-NaN values are all 0/1 becomes pandas ``boolean``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import h5py
import numpy as np
import pandas as pd

from .nwbfile import NWBFile, text


def column_names(nwb: NWBFile, group: h5py.Group) -> list[str]:
    """The table's columns in their stored order (the ``colnames`` attribute)."""
    with nwb.reading(f"the columns of {group.name}"):
        names = text(group.attrs.get("colnames", np.array([], dtype=object)))
    if isinstance(names, str):
        names = [names]
    return [str(n) for n in names]


def is_reference(dataset: h5py.Dataset) -> bool:
    dtype = dataset.dtype
    if h5py.check_ref_dtype(dtype) is not None:
        return True
    return dtype.names is not None and any(
        h5py.check_ref_dtype(dtype.fields[f][0]) is not None for f in dtype.names
    )


def ragged_offsets(nwb: NWBFile, group: h5py.Group, name: str) -> np.ndarray | None:
    """``[0, end_0, end_1, ...]`` for a ragged column, or None if ``name`` is not ragged."""
    index = group.get(f"{name}_index")
    if index is None:
        return None
    ends = nwb.read(index).astype(np.int64, copy=False)
    return np.concatenate([[0], ends])


def split_ragged(values: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    return [values[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


def read_column(nwb: NWBFile, group: h5py.Group, name: str) -> np.ndarray | list | None:
    """One column's values per row (ragged columns as a list of arrays); None for references."""
    dataset = group.get(name)
    if dataset is None:
        raise KeyError(f"{group.name}/{name}")
    if not isinstance(dataset, h5py.Dataset) or is_reference(dataset):
        return None
    values = nwb.read(dataset)
    offsets = ragged_offsets(nwb, group, name)
    if offsets is None:
        return list(values) if values.ndim > 1 else values
    return split_ragged(values, offsets)


def read_table(
    nwb: NWBFile,
    path: str,
    columns: Iterable[str] | None = None,
    *,
    skip: Sequence[str] = (),
    index_name: str | None = "id",
) -> pd.DataFrame:
    """The table at ``path`` with ``columns`` (default: all stored ones, minus ``skip`` and
    reference columns), indexed by its ``id`` dataset."""
    group = nwb.require(path)
    names = list(columns) if columns is not None else column_names(nwb, group)
    data: dict[str, object] = {}
    with nwb.reading(path):
        ids = nwb.read(group["id"]) if "id" in group else None
        for name in names:
            if name in skip:
                continue
            values = read_column(nwb, group, name)
            if values is not None:
                data[name] = values
    index = pd.Index(ids, name=index_name) if ids is not None and index_name else None
    frame = pd.DataFrame(data, index=index)
    n = len(ids) if ids is not None else None
    if n is not None and len(frame) != n:
        raise KeyError(f"{path}: columns and ids differ in length")
    return frame


def float_bools_to_boolean(frame: pd.DataFrame) -> pd.DataFrame:
    """AllenSDK's rule: float columns whose non-NaN values are a subset of {0, 1} (and whose name
    does not end in ``_index``) become nullable ``boolean``."""
    cast = {}
    for name in frame.select_dtypes(include="float").columns:
        if str(name).endswith("_index"):
            continue
        values = frame[name].to_numpy()
        present = values[~np.isnan(values)]
        if np.isin(present, (0.0, 1.0)).all():
            cast[name] = "boolean"
    return frame.astype(cast) if cast else frame


def int_with_null(frame: pd.DataFrame, columns: Iterable[str], null: int = -99) -> pd.DataFrame:
    """AllenSDK's ``enforce_df_int_typing``: NaN -> ``null``, then int64."""
    for name in columns:
        if name in frame.columns:
            frame[name] = frame[name].fillna(null).astype(np.int64)
    return frame
