"""What a TableExplorer can show: a DataFrame, or a VBN table by name from a cache."""

from __future__ import annotations

import pandas as pd

_TABLE_GETTERS = {
    "units": "get_unit_table",
    "probes": "get_probe_table",
    "channels": "get_channel_table",
    "ecephys_sessions": "get_ecephys_session_table",
    "behavior_sessions": "get_behavior_session_table",
}


def as_frame(data: object, cache: object = None) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a table name with a cache, or anything pandas accepts."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str):
        if data not in _TABLE_GETTERS:
            raise ValueError(f"unknown table {data!r}; choose from {sorted(_TABLE_GETTERS)}")
        if cache is None:
            raise ValueError(
                f"the table name {data!r} needs a cache: TableExplorer({data!r}, cache=...)"
            )
        return getattr(cache, _TABLE_GETTERS[data])()
    return pd.DataFrame(data)
