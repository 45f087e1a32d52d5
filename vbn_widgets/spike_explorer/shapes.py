"""The shapes of SpikeExplorer's structured traits, as TypedDicts.

Mirrored one for one by the ``@typedef {object}`` blocks of ``js/src/spike_explorer/shapes.js``
(``WireArray`` by ``js/src/lib/wire.js``); ``tests/test_spike_explorer_contract.py`` compares the
keys and checks the values the widget really publishes. A dict trait is a
``vbn_widgets._base.Shaped`` of its shape; a list or nullable one names it in ``wire``.

The ``EMPTY_*`` values are the traits' defaults before the first publish (the widget publishes
in its constructor, so a view never draws them); they hold no ``memoryview`` so that traitlets
can copy them.
"""

from __future__ import annotations

from typing import TypedDict


class WireArray(TypedDict):
    """An array on the wire (``vbn_widgets._serialization.array_to_wire``)."""

    view: memoryview | bytes
    dtype: str
    shape: list[int]


class EventChoice(TypedDict):
    """One entry of ``event_choices``: a named event (or "custom") with its count here."""

    key: str
    label: str
    count: int


class BinsInfo(TypedDict):
    start: float
    stop: float
    width: float
    n: int


class EventInfo(TypedDict):
    """``event_info``: the shown event, its groupings and groups, and the bins."""

    key: str
    label: str
    description: str
    note: str
    count: int
    groupings: list[str]
    groups: list[str]
    group_counts: list[int]
    value_label: str
    scale_note: str
    bins: BinsInfo
    units: int
    shown_events: int


class Heatmap(TypedDict):
    """``heatmap``: uint8 units x bins in display order, zlib-deflated."""

    shape: list[int]
    deflated: memoryview | bytes


class AreaRun(TypedDict):
    """Consecutive heatmap rows ``[start, stop)`` of one area."""

    area: str
    start: int
    stop: int


class RowsInfo(TypedDict):
    """``rows``: per heatmap row its unit id and area; the area runs; the selected rows."""

    unit_ids: WireArray | list[int]
    areas: list[str]
    area_index: WireArray
    runs: list[AreaRun]
    selected: WireArray


class AreaInfo(TypedDict):
    """``area_psth``: the mean per area (float32 areas x bins) and its unit counts."""

    areas: list[str]
    counts: list[int]
    values: WireArray


class UnitDetail(TypedDict):
    """``unit_detail``: one unit's raster (spike times and rows) and PSTH per group."""

    unit_id: int
    area: str
    depth: float | None
    times: WireArray
    rows: WireArray
    groups: list[str]
    group_rows: list[int]
    mean: WireArray
    sem: WireArray


SHAPES: dict[str, type] = {
    s.__name__: s
    for s in (
        WireArray,
        EventChoice,
        BinsInfo,
        EventInfo,
        Heatmap,
        AreaRun,
        RowsInfo,
        AreaInfo,
        UnitDetail,
    )
}


def _empty_wire(dtype: str) -> WireArray:
    return {"view": b"", "dtype": dtype, "shape": [0]}


EMPTY_EVENT_INFO: EventInfo = {
    "key": "",
    "label": "",
    "description": "",
    "note": "",
    "count": 0,
    "groupings": ["none"],
    "groups": [],
    "group_counts": [],
    "value_label": "",
    "scale_note": "",
    "bins": {"start": 0.0, "stop": 0.0, "width": 0.0, "n": 0},
    "units": 0,
    "shown_events": 0,
}
EMPTY_ROWS: RowsInfo = {
    "unit_ids": [],
    "areas": [],
    "area_index": _empty_wire("uint8"),
    "runs": [],
    "selected": _empty_wire("uint32"),
}
EMPTY_AREAS: AreaInfo = {"areas": [], "counts": [], "values": _empty_wire("float32")}
