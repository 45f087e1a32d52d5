"""Which files of the cache browser's tree a caller means: files by ``CatalogFile``, key, table
name or file id, and whole sessions by id, pandas Index or Series, DataFrame or widget."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

from ..data.catalog import CatalogFile, to_session_id
from .tree import GROUPS

if TYPE_CHECKING:
    from .tree import CacheTree


def session_ids(sessions: object) -> list[int]:
    """Session ids from a list of ids, a pandas Index or Series, a DataFrame (its
    ``ecephys_session_id`` column where set, else its index) or anything with ``.selected``
    (TableExplorer, SessionPicker). Missing values (NaN, None, <NA>) are skipped."""
    import pandas as pd

    if hasattr(sessions, "selected") and not isinstance(
        sessions, (pd.DataFrame, pd.Series, pd.Index)
    ):
        sessions = sessions.selected  # type: ignore[attr-defined]
    if isinstance(sessions, pd.DataFrame):
        index = pd.Series(sessions.index, index=sessions.index)
        if "ecephys_session_id" in sessions.columns:
            # behavior_sessions: the ecephys session where there is one, else the behavior id
            column = sessions["ecephys_session_id"]
            values = list(column.where(column.notna(), index))
        else:
            values = list(sessions.index)
    elif isinstance(sessions, (str, bytes)) or not hasattr(sessions, "__iter__"):
        values = [sessions]
    else:
        values = list(sessions)  # type: ignore[call-overload]
    return [to_session_id(v) for v in values if v is not None and not pd.isna(v)]


def find_file(tree: CacheTree, item: object) -> CatalogFile:
    """A file by CatalogFile, key, table name or file id (numpy integers too); KeyError if none."""
    files = tree.files
    if isinstance(item, CatalogFile):
        item = item.key
    if isinstance(item, numbers.Integral) and not isinstance(item, bool):
        item = str(int(item))
    if isinstance(item, str) and (item in files or item in tree.by_ref):
        return files[item] if item in files else tree.by_ref[item]
    raise KeyError(f"{item!r:.80} is no file of {tree.catalog.manifest_name}")


def find_files(
    tree: CacheTree, files: object = None, sessions: object = None, rows: object = None
) -> list[CatalogFile]:
    """``files`` (one or many, as ``find_file`` takes them), the files of ``sessions`` and of
    tree ``rows`` (row ids: a group stands for its sessions matching the search), each once;
    KeyError naming files or sessions the tree does not have, RowError naming a bad row."""
    out = [] if files is None else [find_file(tree, f) for f in _listed(files)]
    if sessions is not None:
        found, unknown = tree.catalog.files_for_sessions(session_ids(sessions))
        if unknown:
            raise KeyError(f"not sessions of {tree.catalog.manifest_name}: {list(unknown)[:10]}")
        out += found
    if rows is not None:
        out += [f for r in _listed(rows) for f in tree.files_of(r)]
    return list({f.key: f for f in out}.values())


def chosen_files(tree: CacheTree, files: object, sessions: object, rows: object) -> list:
    """The files a call names (``find_files``); the selection when it names none."""
    if files is None and sessions is None and rows is None:
        chosen = [f for f in tree.catalog.files() if f.key in tree.selected]
        if not chosen:
            raise ValueError("nothing selected: tick files or sessions, or name them")
        return chosen
    return find_files(tree, files, sessions, rows)


def is_one_file(files: object, sessions: object, rows: object) -> bool:
    """Whether a call names exactly one file by itself (its answer is then that file's)."""
    one = isinstance(files, (str, numbers.Integral, CatalogFile))
    return sessions is None and rows is None and one


def _listed(items: object) -> list:
    if isinstance(items, (str, numbers.Integral, CatalogFile)):
        return [items]
    return list(items)  # type: ignore[call-overload]


def describe(tree: CacheTree, files: object, sessions: object, rows: object, n: int) -> str:
    """A short name for what a call chose (``n`` files), shown with its progress."""
    if files is None and sessions is None and rows is None:
        return f"the selection ({n:,} files)"
    if rows is not None and files is None and sessions is None:
        listed = _listed(rows)
        if len(listed) == 1:
            tag, what = tree.parse(listed[0])
            if tag == "g":
                return GROUPS[what]
            return f"session {what}" if tag == "s" else tree.files[what].label
    if sessions is not None and files is None and rows is None:
        ids = session_ids(sessions)
        return f"session {ids[0]}" if len(ids) == 1 else f"{len(ids):,} sessions"
    if is_one_file(files, sessions, rows):
        return find_file(tree, files).label
    return f"{n:,} files"
