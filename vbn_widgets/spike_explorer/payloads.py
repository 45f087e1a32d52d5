"""Model state -> the values of SpikeExplorer's synced traits (numbers as binary buffers)."""

from __future__ import annotations

import zlib

import numpy as np

from .._serialization import array_to_wire
from ..spikes import ResponseModel


def wire_tree(value: object, _widget: object = None) -> object:
    """traitlets ``to_json``: every ndarray inside dicts and lists -> ``{view, dtype, shape}``."""
    if isinstance(value, np.ndarray):
        return array_to_wire(value)
    if isinstance(value, dict):
        return {k: wire_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire_tree(v) for v in value]
    return value


def heatmap_payload(values: np.ndarray) -> dict:
    """The uint8 heatmap, zlib-deflated (1.4-2.5x smaller; the browser inflates it with its own
    ``DecompressionStream``): ``{shape, deflated}``."""
    data = np.ascontiguousarray(values, dtype=np.uint8)
    return {"shape": list(data.shape), "deflated": memoryview(zlib.compress(data.tobytes(), 1))}


def _ids(ids: np.ndarray) -> object:
    """Unit ids as uint32 when they fit (VBN's do), else as a JSON list (exact in JS)."""
    if len(ids) == 0 or (ids.min() >= 0 and ids.max() < 2**32):
        return ids.astype(np.uint32)
    return [int(i) for i in ids]


def rows_payload(model: ResponseModel, selected: np.ndarray) -> dict:
    """Per heatmap row (display order): unit id and area (index into ``areas``); the rows that
    are selected; the runs of rows of one area."""
    order = model.order
    units = model.units.iloc[order]
    areas, codes = np.unique(units["area"].to_numpy(dtype=str), return_inverse=True)
    return {
        "unit_ids": _ids(units.index.to_numpy()),
        "areas": [str(a) for a in areas],
        "area_index": codes.astype(np.uint8 if len(areas) <= 256 else np.uint16),
        "runs": model.area_runs(),
        "selected": np.flatnonzero(selected).astype(np.uint32),
    }


def area_payload(model: ResponseModel) -> dict:
    areas, means, counts = model.area_means()
    return {
        "areas": areas,
        "counts": [int(c) for c in counts],
        "values": means.astype(np.float32),
    }


def detail_payload(detail: dict) -> dict:
    return {
        **detail,
        "times": detail["times"].astype(np.float32),
        "rows": detail["rows"].astype(np.int32),
        "group_rows": [int(n) for n in detail["group_rows"]],
        "mean": detail["mean"].astype(np.float32),
        "sem": detail["sem"].astype(np.float32),
    }
