"""The TableExplorer wire protocol, Python side: shared constants and the JSON shapes it speaks.

Mirrored by ``js/src/table_explorer/protocol.js``; ``tests/test_contract.py`` reads both and checks
that the constants are equal and that each ``<Name>JSON`` TypedDict here has the keys of the JS
typedef ``<Name>``. Define a constant the browser also uses here, and only here.
"""

from __future__ import annotations

from typing import Literal, TypedDict, Union

#: Column kinds, and the filter kind each takes.
KINDS = ("number", "category", "text", "list", "date", "bool")
FILTER_KIND = {
    "number": "range",
    "category": "values",
    "text": "text",
    "list": "list",
    "date": "date",
    "bool": "bool",
}
#: A filter's rule for missing values.
MISSING = ("exclude", "include")
SPEC_VERSION = 1
#: Request limits (a request beyond them gets an error reply).
MAX_SORT_KEYS = 8
MAX_SELECT_ROWS = 10_000
MAX_PAGE = 500  # rows per page request; the front end asks PAGE_SIZE (<= MAX_PAGE)
MAX_SUMMARY_COLUMNS = 64

ColumnKind = Literal["number", "category", "text", "list", "date", "bool"]
MissingMode = Literal["exclude", "include"]
FacetValue = Union[str, int, float, bool]  # noqa: UP007 - a runtime alias on Python 3.10
SortDirection = Literal["asc", "desc"]


class ColumnInfoJSON(TypedDict):
    name: str
    kind: ColumnKind
    dtype: str
    index: bool


class RangeFilterJSON(TypedDict):
    column: str
    kind: Literal["range"]
    min: float | None
    max: float | None
    min_inclusive: bool
    max_inclusive: bool
    missing: MissingMode


class ValuesFilterJSON(TypedDict):
    column: str
    kind: Literal["values"]
    values: list[FacetValue]
    missing: MissingMode


class TextFilterJSON(TypedDict):
    column: str
    kind: Literal["text"]
    pattern: str
    regex: bool
    case_sensitive: bool
    missing: MissingMode


class ListFilterJSON(TypedDict):
    column: str
    kind: Literal["list"]
    values: list[str]
    mode: Literal["any", "all"]
    missing: MissingMode


class DateFilterJSON(TypedDict):
    column: str
    kind: Literal["date"]
    start: str | None
    end: str | None
    missing: MissingMode


class BoolFilterJSON(TypedDict):
    column: str
    kind: Literal["bool"]
    value: bool
    missing: MissingMode


FilterJSON = Union[  # noqa: UP007
    RangeFilterJSON,
    ValuesFilterJSON,
    TextFilterJSON,
    ListFilterJSON,
    DateFilterJSON,
    BoolFilterJSON,
]


class FilterSpecJSON(TypedDict):
    version: Literal[1]
    filters: list[FilterJSON]


#: The named shapes (JS typedef name -> TypedDict) the contract test compares.
SHAPES: dict[str, type] = {
    "ColumnInfo": ColumnInfoJSON,
    "RangeFilter": RangeFilterJSON,
    "ValuesFilter": ValuesFilterJSON,
    "TextFilter": TextFilterJSON,
    "ListFilter": ListFilterJSON,
    "DateFilter": DateFilterJSON,
    "BoolFilter": BoolFilterJSON,
    "FilterSpec": FilterSpecJSON,
}
