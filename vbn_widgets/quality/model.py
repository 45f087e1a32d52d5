"""QualityModel: which units pass a set of quality criteria, fast enough for a live widget."""

from __future__ import annotations

import keyword
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import allensdk, densities
from .criteria import DEFAULT_METRICS, PRESETS, Criterion, QualityError, QualitySettings
from .regions import GROUP_ORDER, region_group

SESSION_COLUMN = "ecephys_session_id"
AREA_COLUMN = "structure_acronym"
LABEL_COLUMN = "quality"
_CACHE_SIZE = 64  # per-criterion masks kept (about n_units bytes each)


def _q(text: str) -> str:
    """A Python string literal for ``text`` (repr, preferring double quotes)."""
    r = repr(text)
    if r.startswith("'") and '"' not in text:
        return '"' + r[1:-1] + '"'
    return r


class QualityModel:
    """Quality criteria over a units table (indexed by unit_id).

    Assigning ``settings`` (or calling :meth:`update`) validates them against the table and
    recomputes the passing mask; per-criterion masks, restriction masks and group codes are cached.
    """

    def __init__(
        self,
        units: pd.DataFrame,
        metrics: Sequence[str] = DEFAULT_METRICS,
        settings: QualitySettings | None = None,
    ) -> None:
        if not isinstance(units, pd.DataFrame):
            raise QualityError(f"units must be a pandas DataFrame, got {type(units).__name__}")
        self.units = units
        if isinstance(metrics, str):
            raise QualityError(f"metrics must be a sequence of column names, got {metrics!r}")
        self.metrics: tuple[str, ...] = tuple(metrics)
        for metric in self.metrics:
            self._check_metric(metric)
        self._values: dict[str, np.ndarray] = {}
        self._masks: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._restrictions: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._factor: dict[str, tuple[np.ndarray, pd.Index]] = {}
        self._totals: dict[tuple, np.ndarray] = {}
        self._settings: QualitySettings = QualitySettings()
        if settings is None:  # the tutorial preset when the table has its columns
            try:
                self.settings = PRESETS["Allen tutorial"]
            except QualityError:
                self.settings = QualitySettings()
        else:
            self.settings = settings

    # ---- validation and cached columns -------------------------------------------------
    def _check_metric(self, metric: object) -> None:
        if not isinstance(metric, str) or metric not in self.units.columns:
            raise QualityError(f"unknown metric {metric!r}: not a column of the units table")
        dtype = self.units[metric].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise QualityError(f"metric {metric!r} is not a numeric column (dtype {dtype})")

    def _check_column(self, column: str, field: str) -> None:
        if column not in self.units.columns:
            raise QualityError(f"{field} needs a {column!r} column, which the units table lacks")

    def values(self, metric: str) -> np.ndarray:
        """The metric as a float64 array (NaN for missing), cached."""
        out = self._values.get(metric)
        if out is None:
            self._check_metric(metric)
            out = self.units[metric].to_numpy(dtype=np.float64, na_value=np.nan)
            self._values[metric] = out
        return out

    def _codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        cached = self._factor.get(column)
        if cached is None:
            self._check_column(column, "grouping")
            codes, uniques = pd.factorize(self.units[column], sort=True, use_na_sentinel=False)
            cached = (np.asarray(codes, dtype=np.intp), pd.Index(uniques, name=column))
            self._factor[column] = cached
        return cached

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """(code per unit, sorted distinct values) of a grouping column; cached, read-only."""
        codes, uniques = self._codes(column)
        codes.flags.writeable = False
        return codes, uniques

    @staticmethod
    def _remember(cache: OrderedDict, key: tuple, value: np.ndarray) -> np.ndarray:
        value.flags.writeable = False  # shared between settings; never mutated
        cache[key] = value
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
        return value

    def criterion_mask(self, c: Criterion) -> np.ndarray:
        """Bool per unit: passes ``c`` on its own (ignores ``c.active`` and the restriction)."""
        key = (c.metric, c.keep, c.threshold, c.inclusive, c.missing)
        mask = self._masks.get(key)
        if mask is not None:
            self._masks.move_to_end(key)
            return mask
        v = self.values(c.metric)
        t = c.threshold
        if c.keep == "above":
            mask = v >= t if c.inclusive else v > t
        else:
            mask = v <= t if c.inclusive else v < t
        if c.missing == "pass":
            mask |= np.isnan(v)
        return self._remember(self._masks, key, mask)

    def _restriction_key(self, s: QualitySettings) -> tuple:
        return (s.sessions, s.areas, s.good_label_only)

    def restriction_mask(self, settings: QualitySettings | None = None) -> np.ndarray:
        """Bool per unit: inside the sessions / areas / good-label restriction."""
        s = self._settings if settings is None else settings
        key = self._restriction_key(s)
        mask = self._restrictions.get(key)
        if mask is not None:
            return mask
        mask = np.ones(len(self.units), dtype=bool)
        if s.sessions is not None:
            mask &= self.units[SESSION_COLUMN].isin(list(s.sessions)).to_numpy(dtype=bool)
        if s.areas is not None:
            mask &= self.units[AREA_COLUMN].isin(list(s.areas)).to_numpy(dtype=bool)
        if s.good_label_only:
            good = self.units[LABEL_COLUMN] == "good"
            mask &= good.to_numpy(dtype=bool, na_value=False)
        return self._remember(self._restrictions, key, mask)

    # ---- settings -------------------------------------------------------------------------
    @property
    def settings(self) -> QualitySettings:
        return self._settings

    @settings.setter
    def settings(self, settings: QualitySettings) -> None:
        if not isinstance(settings, QualitySettings):
            raise QualityError(f"settings must be QualitySettings, got {type(settings).__name__}")
        for c in settings.criteria:
            self._check_metric(c.metric)
        if settings.sessions is not None:
            self._check_column(SESSION_COLUMN, "sessions")
        if settings.areas is not None:
            self._check_column(AREA_COLUMN, "areas")
        if settings.good_label_only:
            self._check_column(LABEL_COLUMN, "good_label_only")
        restriction = self.restriction_mask(settings)
        mask = restriction.copy()
        for c in settings.active_criteria:
            mask &= self.criterion_mask(c)
        mask.flags.writeable = False
        self._settings = settings
        self._restriction = restriction
        self._mask = mask
        self._passing: pd.Index | None = None

    def update(self, settings: QualitySettings) -> None:
        """Same as assigning ``settings``."""
        self.settings = settings

    # ---- results ---------------------------------------------------------------------------
    @property
    def passing_mask(self) -> np.ndarray:
        """Bool per unit (read-only): in the restriction and passing every active criterion."""
        return self._mask

    @property
    def passing(self) -> pd.Index:
        """unit_id of the passing units, in table order."""
        if self._passing is None:
            self._passing = self.units.index[self._mask]
        return self._passing

    @property
    def n_passing(self) -> int:
        return int(np.count_nonzero(self._mask))

    @property
    def n_total(self) -> int:
        """Units inside the restriction (all units when there is none)."""
        return int(np.count_nonzero(self._restriction))

    def attrition(self) -> pd.DataFrame:
        """One row per active criterion, in order: criterion, removed_alone,
        removed_cumulative, remaining (plus metric)."""
        remaining = self._restriction
        rows = []
        for c in self._settings.active_criteria:
            passes = self.criterion_mask(c)
            alone = int(np.count_nonzero(self._restriction & ~passes))
            after = remaining & passes
            n_before = int(np.count_nonzero(remaining))
            n_after = int(np.count_nonzero(after))
            rows.append((c.describe(), alone, n_before - n_after, n_after, c.metric))
            remaining = after
        return pd.DataFrame(
            rows,
            columns=["criterion", "removed_alone", "removed_cumulative", "remaining", "metric"],
        ).astype({"removed_alone": np.int64, "removed_cumulative": np.int64, "remaining": np.int64})

    def _grouped(self, column: str) -> pd.DataFrame:
        codes, uniques = self._codes(column)
        key = (column, self._restriction_key(self._settings))
        total = self._totals.get(key)
        if total is None:
            total = np.bincount(codes[self._restriction], minlength=len(uniques))
            if len(self._totals) > 4 * _CACHE_SIZE:
                self._totals.clear()
            self._totals[key] = total
        passing = np.bincount(codes[self._mask], minlength=len(uniques))
        keep = total > 0
        return pd.DataFrame(
            {"passing": passing[keep].astype(np.int64), "total": total[keep].astype(np.int64)},
            index=uniques[keep],
        )

    def per_area(self) -> pd.DataFrame:
        """Index structure_acronym: passing, total, region_group; sorted by passing (desc)."""
        df = self._grouped(AREA_COLUMN)
        df["region_group"] = [region_group(a) for a in df.index]
        order = np.lexsort((-df["total"].to_numpy(), -df["passing"].to_numpy()))
        return df.iloc[order]

    def per_session(self) -> pd.DataFrame:
        """Index ecephys_session_id: passing, total (sessions in the restriction, ascending)."""
        return self._grouped(SESSION_COLUMN)

    # ---- export ----------------------------------------------------------------------------
    def _column_expr(self, name: str, metric: str) -> str:
        col = f"{name}[{_q(metric)}]"
        if self.units[metric].dtype != np.float64:
            col += '.astype("float64")'
        return col

    def query_code(self, name: str = "units") -> str:
        """A pandas expression over ``name`` giving exactly ``units[passing_mask]``."""
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise QualityError(f"query_code name must be a Python identifier, got {name!r}")
        s = self._settings
        parts = []
        for c in s.active_criteria:
            col = self._column_expr(name, c.metric)
            part = f"{col} {c.operator} {c.threshold!r}"
            if c.missing == "pass":
                part = f"({part}) | {col}.isna()"
            parts.append(part)
        if s.sessions is not None:
            ids = "[" + ", ".join(repr(int(i)) for i in s.sessions) + "]"
            parts.append(f"{name}[{_q(SESSION_COLUMN)}].isin({ids})")
        if s.areas is not None:
            areas = "[" + ", ".join(_q(a) for a in s.areas) + "]"
            parts.append(f"{name}[{_q(AREA_COLUMN)}].isin({areas})")
        if s.good_label_only:
            parts.append(f'{name}[{_q(LABEL_COLUMN)}] == "good"')
        if not parts:
            return name
        if len(parts) == 1:
            return f"{name}[{parts[0]}]"
        return f"{name}[" + " & ".join(f"({p})" for p in parts) + "]"

    def to_allensdk_kwargs(self) -> tuple[dict | None, str]:
        """(kwargs for AllenSDK ``session.get_units(...)``, explanation); kwargs is None, with
        the reason, when the settings are not expressible that way."""
        return allensdk.to_allensdk_kwargs(self._settings, self.units)

    # ---- plotting helpers ------------------------------------------------------------------
    def densities(self, metric: str, points: int = 128) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per region group present: (x, density) over all units in the restriction; x is
        log10(v + 1e-5) for LOG_METRICS. Groups with < 2 finite values are omitted."""
        if isinstance(points, bool) or not isinstance(points, int | np.integer) or points < 2:
            raise QualityError(f"points must be an integer >= 2, got {points!r}")
        values = self.axis_value(metric, self.values(metric))
        codes, uniques = self._codes(AREA_COLUMN)
        group_index = {g: i for i, g in enumerate(GROUP_ORDER)}
        unique_groups = np.array(
            [group_index[region_group(a)] for a in uniques], dtype=np.intp
        ).reshape(-1)
        groups = unique_groups[codes]
        r = self._restriction
        return densities.grouped_densities(values[r], groups[r], GROUP_ORDER, int(points))

    def group_codes(self) -> np.ndarray:
        """Per unit: the index of its region group in ``GROUP_ORDER`` (read-only, cached);
        "other" for every unit when the table has no structure_acronym column."""
        cached = self._factor.get("<groups>")
        if cached is None:
            if AREA_COLUMN in self.units.columns:
                codes, uniques = self._codes(AREA_COLUMN)
                lookup = [GROUP_ORDER.index(region_group(a)) for a in uniques]
                groups = np.array(lookup, dtype=np.int8).reshape(-1)[codes]
            else:
                groups = np.full(len(self.units), GROUP_ORDER.index("other"), dtype=np.int8)
            groups.flags.writeable = False
            cached = (groups, pd.Index(GROUP_ORDER))
            self._factor["<groups>"] = cached
        return cached[0]

    @staticmethod
    def axis_value(metric: str, v):
        """Threshold / data value -> plot-axis value (log10(v + 1e-5) for LOG_METRICS)."""
        return densities.axis_value(metric, v)

    @staticmethod
    def data_value(metric: str, x):
        """Plot-axis value -> data value."""
        return densities.data_value(metric, x)
