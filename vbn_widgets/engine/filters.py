"""The protocol's Filter objects as typed frozen dataclasses, and the FilterSpec holding them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from .protocol import SPEC_VERSION


@dataclass(frozen=True, kw_only=True)
class Filter:
    """Base of the six filter kinds: the column filtered and the missing-value rule."""

    column: str
    missing: str = "exclude"
    kind: ClassVar[str] = ""
    _fields: ClassVar[tuple[str, ...]] = ()

    @property
    def include_missing(self) -> bool:
        return self.missing == "include"

    def to_json(self) -> dict:
        out: dict = {"column": self.column, "kind": self.kind}
        for name in self._fields:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        out["missing"] = self.missing
        return out


@dataclass(frozen=True, kw_only=True)
class RangeFilter(Filter):
    min: int | float | None = None
    max: int | float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    kind: ClassVar[str] = "range"
    _fields: ClassVar[tuple[str, ...]] = ("min", "max", "min_inclusive", "max_inclusive")


@dataclass(frozen=True, kw_only=True)
class ValuesFilter(Filter):
    values: tuple[str | int | float | bool, ...] = ()
    kind: ClassVar[str] = "values"
    _fields: ClassVar[tuple[str, ...]] = ("values",)


@dataclass(frozen=True, kw_only=True)
class TextFilter(Filter):
    pattern: str = ""
    regex: bool = False
    case_sensitive: bool = False
    kind: ClassVar[str] = "text"
    _fields: ClassVar[tuple[str, ...]] = ("pattern", "regex", "case_sensitive")


@dataclass(frozen=True, kw_only=True)
class ListFilter(Filter):
    values: tuple[str | int | float | bool, ...] = ()
    mode: str = "any"
    kind: ClassVar[str] = "list"
    _fields: ClassVar[tuple[str, ...]] = ("values", "mode")


@dataclass(frozen=True, kw_only=True)
class DateFilter(Filter):
    start: str | None = None  # normalised ISO-8601 (UTC for tz-aware columns), inclusive
    end: str | None = None  # exclusive
    kind: ClassVar[str] = "date"
    _fields: ClassVar[tuple[str, ...]] = ("start", "end")


@dataclass(frozen=True, kw_only=True)
class BoolFilter(Filter):
    value: bool = True
    kind: ClassVar[str] = "bool"
    _fields: ClassVar[tuple[str, ...]] = ("value",)


FILTER_CLASSES: dict[str, type[Filter]] = {
    cls.kind: cls
    for cls in (RangeFilter, ValuesFilter, TextFilter, ListFilter, DateFilter, BoolFilter)
}


@dataclass(frozen=True)
class FilterSpec:
    """The active filters, at most one per column, in the order they were set."""

    filters: tuple[Filter, ...] = ()

    def to_json(self) -> dict:
        return {"version": SPEC_VERSION, "filters": [f.to_json() for f in self.filters]}

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.filters)

    def get(self, column: str) -> Filter | None:
        return next((f for f in self.filters if f.column == column), None)

    def with_filter(self, filt: Filter) -> FilterSpec:
        if self.get(filt.column) is None:
            return replace(self, filters=(*self.filters, filt))
        return replace(self, filters=tuple(filt if f.column == filt.column else f for f in self))

    def without(self, column: str) -> FilterSpec:
        return replace(self, filters=tuple(f for f in self.filters if f.column != column))

    def __iter__(self):
        return iter(self.filters)

    def __len__(self) -> int:
        return len(self.filters)
