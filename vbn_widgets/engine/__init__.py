"""The filter engine behind the table widgets: filters, facet summaries, sorting, pandas code.

It knows nothing of widgets; it speaks the protocol's Filter, FilterSpec, ColumnInfo and Summary
shapes (numpy arrays where the protocol has buffers).
"""

from .engine import TableEngine
from .errors import SpecError
from .filters import (
    BoolFilter,
    DateFilter,
    Filter,
    FilterSpec,
    ListFilter,
    RangeFilter,
    TextFilter,
    ValuesFilter,
)
from .kinds import ColumnInfo
from .spec import parse_filter, parse_spec

__all__ = [
    "BoolFilter",
    "ColumnInfo",
    "DateFilter",
    "Filter",
    "FilterSpec",
    "ListFilter",
    "RangeFilter",
    "SpecError",
    "TableEngine",
    "TextFilter",
    "ValuesFilter",
    "parse_filter",
    "parse_spec",
]
