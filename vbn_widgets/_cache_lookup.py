"""Which files of the cache browser's tree a caller means: files by ``CatalogFile``, key, table
name or file id, and whole sessions by id, pandas Index or Series, DataFrame or widget."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

from .data.catalog import CatalogFile, to_session_id

if TYPE_CHECKING:
    from ._cache_rows import CacheTree


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


def find_files(tree: CacheTree, files: object = None, sessions: object = None) -> list[CatalogFile]:
    """``files`` (one or many, as ``find_file`` takes them) and the files of ``sessions``, each
    once; KeyError naming files or sessions the tree does not have."""
    out = [] if files is None else [find_file(tree, f) for f in _listed(files)]
    if sessions is not None:
        found, unknown = tree.catalog.files_for_sessions(session_ids(sessions))
        if unknown:
            raise KeyError(f"not sessions of {tree.catalog.manifest_name}: {list(unknown)[:10]}")
        out += found
    return list({f.key: f for f in out}.values())


def _listed(items: object) -> list:
    if isinstance(items, (str, numbers.Integral, CatalogFile)):
        return [items]
    return list(items)  # type: ignore[call-overload]
