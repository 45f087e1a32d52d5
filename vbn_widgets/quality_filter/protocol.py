"""QualityFilter's wire contract: the shapes of its synced traits, its message kinds, its limits.

Mirrored by ``js/src/quality_filter/protocol.js`` (same typedef names and keys, same constants);
``tests/quality_filter/test_qf_protocol.py`` compares the two files and checks live trait values
against these TypedDicts.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from ..quality.grid import AxisInfo

#: Requests the front end may send (each answered by ``<kind>:ok`` or ``error``).
KINDS: tuple[str, ...] = (
    "set-criterion",
    "set-restriction",
    "apply-preset",
    "load-settings",
    "settings-json",
    "set-export",
)
#: Longest settings JSON text accepted from the browser (characters).
MAX_SETTINGS_CHARS = 200_000
#: Most sessions or areas in one restriction request.
MAX_RESTRICT_ITEMS = 5_000
#: Rows of the per-session table sent (the sessions with most passing units).
MAX_SESSION_ROWS = 20
#: Rows of the per-area table sent.
MAX_AREA_ROWS = 200


class CriterionJSON(TypedDict):
    metric: str
    keep: Literal["above", "below"]
    threshold: float
    inclusive: bool
    active: bool
    missing: Literal["fail", "pass"]


class SettingsJSON(TypedDict):
    """``QualitySettings.to_json()``: the ``spec`` trait."""

    criteria: list[CriterionJSON]
    sessions: list[int] | None
    areas: list[str] | None
    good_label_only: bool
    preset: str


class MetricInfo(TypedDict):
    """One metric row: its column, meaning and axis (``metric_info`` trait, fixed)."""

    name: str
    description: str
    axis: AxisInfo


class WireArray(TypedDict):
    """An array on the wire (``vbn_widgets._serialization.array_to_wire``)."""

    view: bytes
    dtype: str
    shape: list[int]


class Binned(TypedDict):
    """``binned`` trait: units per metric, region group and bin inside the restriction.

    ``counts`` is int32 ``[metric, group, bin]`` (metrics in ``metric_info`` order, groups in
    ``groups`` order, bins evenly spaced over each axis in axis coordinates); ``missing`` is
    int32 ``[metric]``, the units whose metric is NaN.
    """

    groups: list[str]
    bins: int
    counts: WireArray | None
    missing: WireArray | None


class AttritionRow(TypedDict):
    criterion: str
    metric: str
    removed_alone: int
    removed_cumulative: int
    remaining: int


class AreaRow(TypedDict):
    area: str
    group: str
    passing: int
    total: int


class SessionRow(TypedDict):
    session: int
    passing: int
    total: int


class Summary(TypedDict):
    """``summary`` trait, recomputed on every change.

    ``kept``: per metric (``metric_info`` order), the units of the restriction its criterion
    keeps on its own (whether or not it is active).
    """

    kept: list[int]
    attrition: list[AttritionRow]
    areas: list[AreaRow]
    sessions: list[SessionRow]


class SessionOption(TypedDict):
    value: int
    label: str
    count: int


class AreaOption(TypedDict):
    value: str
    label: str
    count: int


class Choices(TypedDict):
    """``choices`` trait (fixed): what the restriction selects offer."""

    sessions: list[SessionOption]
    areas: list[AreaOption]
    good_label: bool


class ExportReply(TypedDict):
    """Reply to ``set-export``: ``needs_confirm`` when the name holds a value this widget did
    not write (nothing changed; ask, then send again with ``confirm: true``)."""

    needs_confirm: bool
    message: str


#: Every structured shape, by name, for the parity test.
SHAPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        CriterionJSON,
        SettingsJSON,
        AxisInfo,
        MetricInfo,
        Binned,
        AttritionRow,
        AreaRow,
        SessionRow,
        Summary,
        SessionOption,
        AreaOption,
        Choices,
        ExportReply,
    )
}
