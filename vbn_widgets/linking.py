"""How the VBN tables link through their session keys, and the pandas code that reproduces it.

No widget code: the session picker and the linked explorer (``session_picker.py``,
``vbn_explorer.py``) build on these pieces. Every frame built here has a twin in generated
code; the tests run that code and compare frames exactly.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

SESSION_KEY = "ecephys_session_id"
AREA_COLUMN = "structure_acronym"
ABNORMAL = "abnormal"
ABNORMAL_SOURCES = ("abnormal_histology", "abnormal_activity")
LIST_COLUMNS = ("structure_acronyms", *ABNORMAL_SOURCES)
#: The session facets a VBN user reaches for first, in this order; the other columns follow.
FIRST_COLUMNS = (
    "genotype",
    "sex",
    "experience_level",
    "image_set",
    "session_number",
    "structure_acronyms",
    "unit_count",
    "probe_count",
    "date_of_acquisition",
    "mouse_id",
    ABNORMAL,
)
RANKING_INFO = ("mouse_id", "genotype", "experience_level")
RANKING_COUNTS = ("units", "passing_units", "units_in_areas", "passing_in_areas")


class LinkError(ValueError):
    """A table cannot be linked; the message names the table, column or value."""


def _as_list(value: object, column: str, label: object) -> list:
    """AllenSDK leaves list columns as their CSV text ("['CA1', 'DG']"); NaN means none."""
    if not isinstance(value, str):
        return []
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError) as err:
        raise LinkError(
            f"sessions table, column {column!r}, session {label}: {value!r:.80} is not a list"
        ) from err
    if not isinstance(parsed, list):
        raise LinkError(f"sessions table, column {column!r}, session {label}: {value!r:.80}")
    return parsed


def _is_lists(series: pd.Series) -> bool:
    return all(isinstance(v, list | tuple) for v in series)


def prepare_sessions(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The sessions table the picker shows, and the code lines that build it from ``sessions``.

    List columns become lists (when given as text, as AllenSDK gives them), a bool column
    ``abnormal`` flags sessions with abnormal histology or activity, and the columns are ordered
    with :data:`FIRST_COLUMNS` first. ``raw`` is not modified.
    """
    if not isinstance(raw, pd.DataFrame):
        raise LinkError(f"the sessions table must be a DataFrame, got {type(raw).__name__}")
    if ABNORMAL in raw.columns:
        raise LinkError(f"the sessions table already has a column {ABNORMAL!r}")
    frame = raw.copy(deep=False)
    code: list[str] = []
    parse = [c for c in LIST_COLUMNS if c in frame.columns and not _is_lists(frame[c])]
    for column in parse:
        frame[column] = [
            _as_list(v, column, i) for i, v in zip(frame.index, frame[column], strict=True)
        ]
    if parse:
        code += [
            "import ast",
            f"for column in {parse!r}:  # AllenSDK keeps list columns as text",
            "    sessions[column] = [",
            "        ast.literal_eval(v) if isinstance(v, str) else [] for v in sessions[column]",
            "    ]",
        ]
    flags = [c for c in ABNORMAL_SOURCES if c in frame.columns]
    if flags:
        terms = [f"sessions[{c!r}].map(len).gt(0)" for c in flags]
        flagged = frame[flags[0]].map(len).gt(0)
        for column in flags[1:]:
            flagged = flagged | frame[column].map(len).gt(0)
        frame[ABNORMAL] = flagged
        code.append(f"sessions[{ABNORMAL!r}] = (\n    " + " | ".join(terms) + "\n)")
    else:
        frame[ABNORMAL] = False
        code.append(f"sessions[{ABNORMAL!r}] = False")
    first = [c for c in FIRST_COLUMNS if c in frame.columns]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    code += [
        f"first = {first!r}",
        "sessions = sessions[first + [c for c in sessions.columns if c not in first]]",
    ]
    return frame, code


def ids_literal(ids: Iterable[int]) -> str:
    return "[" + ", ".join(str(int(i)) for i in ids) + "]"


def check_ids(ids: object, what: str = "session ids") -> list[int]:
    """``ids`` as a list of Python ints (numpy ints and digit strings accepted)."""
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise LinkError(f"{what} must be a list of integers, got {ids!r:.80}")
    out = []
    for value in ids:
        number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
        if isinstance(number, bool) or not isinstance(number, int | np.integer):
            raise LinkError(f"{what}: {value!r:.40} is not an integer")
        out.append(int(number))
    return out


class KeyColumn:
    """A table's key column (e.g. ``ecephys_session_id``) factorized once, for fast masks.

    ``mask(keys)`` is one bool per row in O(rows) without hashing the column again, and
    ``counts(keys, rows)`` counts rows per key with one ``np.bincount``.
    """

    def __init__(self, table: pd.DataFrame, column: str, name: str) -> None:
        if column not in table.columns:
            raise LinkError(f"the {name} table has no column {column!r} to link by")
        codes, uniques = pd.factorize(table[column], use_na_sentinel=True)
        self.column = column
        self.codes = np.asarray(codes, dtype=np.intp)  # -1: missing key
        self.uniques = pd.Index(uniques)
        self.n = len(table)

    def mask(self, keys: Iterable[object]) -> np.ndarray:
        hits = np.append(self.uniques.isin(list(keys)), False)  # code -1 picks the False
        return hits[self.codes]

    def counts(self, keys: pd.Index, rows: np.ndarray | None = None) -> np.ndarray:
        """int64 per key in ``keys``: rows (all, or where ``rows`` is True) holding that key."""
        codes = self.codes if rows is None else self.codes[rows]
        per_code = np.bincount(codes[codes >= 0], minlength=len(self.uniques) + 1)
        where = self.uniques.get_indexer(keys)
        return np.where(where >= 0, per_code[where], 0).astype(np.int64)


def restrict_code(name: str, ids: str = "sessions.index") -> str:
    """The line keeping the rows of table ``name`` whose session is in ``ids`` (code)."""
    return f"{name} = {name}[{name}[{SESSION_KEY!r}].isin({ids})]"


def session_restriction(
    keys: KeyColumn, chosen: Sequence[int], quality: object = None
) -> tuple[np.ndarray, str]:
    """A linked table's rows in the ``chosen`` sessions (and passing ``quality``, a
    ``QualityModel``, when given), and the statements that rebind ``df`` to them."""
    mask = keys.mask(chosen)
    code = [restrict_code("df", ids_literal(chosen))]
    if quality is not None:
        mask = mask & quality.passing_mask  # type: ignore[attr-defined]
        expr = quality.query_code("df")  # type: ignore[attr-defined]
        if expr != "df":
            code.append(f"df = {expr}")
    return mask, "\n".join(code)


def ranking_frame(
    candidates: pd.DataFrame,
    unit_sessions: KeyColumn,
    passing: np.ndarray,
    in_areas: np.ndarray,
) -> pd.DataFrame:
    """Per candidate session: units, passing units, units and passing units in the areas.

    Parameters
    ----------
    candidates
        Sessions (indexed by ecephys_session_id), in the order the ranking starts from.
    unit_sessions
        The units table's session key.
    passing, in_areas
        Bool per unit: passes the quality criteria; sits in one of the chosen areas.
    """
    info = [c for c in RANKING_INFO if c in candidates.columns]
    ranking = candidates[info].copy()
    keys = ranking.index
    ranking["units"] = unit_sessions.counts(keys)
    ranking["passing_units"] = unit_sessions.counts(keys, passing)
    ranking["units_in_areas"] = unit_sessions.counts(keys, in_areas)
    ranking["passing_in_areas"] = unit_sessions.counts(keys, passing & in_areas)
    ranking["fraction_passing"] = ranking["passing_units"] / ranking["units"]
    return ranking


def ranking_code(candidates: pd.DataFrame, quality_expr: str, areas: Sequence[str]) -> list[str]:
    """Lines building :func:`ranking_frame` from ``sessions`` (the candidates) and ``units``."""
    info = [c for c in RANKING_INFO if c in candidates.columns]

    def per_session(frame: str) -> str:
        return f"{frame}[{SESSION_KEY!r}].value_counts().reindex(ranking.index, fill_value=0)"

    return [
        f"passing = {quality_expr}",
        f"areas = {list(areas)!r}",
        f"units_in_areas = units[units[{AREA_COLUMN!r}].isin(areas)]",
        f"passing_in_areas = passing[passing[{AREA_COLUMN!r}].isin(areas)]",
        f"ranking = sessions[{info!r}].copy()",
        f'ranking["units"] = {per_session("units")}',
        f'ranking["passing_units"] = {per_session("passing")}',
        f'ranking["units_in_areas"] = {per_session("units_in_areas")}',
        f'ranking["passing_in_areas"] = {per_session("passing_in_areas")}',
        'ranking["fraction_passing"] = ranking["passing_units"] / ranking["units"]',
    ]


def finish_code(
    name: str, lines: Sequence[str], *, selected: Sequence[int] | None, filter_expr: str
) -> str:
    """``lines``, then the rows with the ``selected`` labels, or ``filter_expr`` over ``name``."""
    out = list(lines)
    if selected is not None:
        out.append(f"{name} = {name}[{name}.index.isin({ids_literal(selected)})]")
    elif filter_expr != name:
        out.append(f"{name} = {filter_expr}")
    return "\n".join(out)


def table_code(
    what: str,
    getter: str,
    *,
    sessions_code: str,
    quality_expr: str | None,
    filter_expr: str,
    selected: Sequence[int] | None,
) -> str:
    """Code leaving the linked table ``what`` (loaded by ``cache.<getter>()``) in ``what``.

    ``selected`` given: the whole table's rows with those index labels. Otherwise the rows of
    the sessions ``sessions_code`` leaves in ``sessions``, passing ``quality_expr`` (an
    expression over ``what``, or None), then ``filter_expr`` (the table's filters and sort).
    """
    load = f"{what} = cache.{getter}()"
    if selected is not None:
        return finish_code(what, [load], selected=selected, filter_expr=what)
    lines = [sessions_code, load, restrict_code(what)]
    if quality_expr is not None and quality_expr != what:
        lines.append(f"{what} = {quality_expr}")
    return finish_code(what, lines, selected=None, filter_expr=filter_expr)
