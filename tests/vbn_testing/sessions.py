"""Helpers for tests that read genuine demo sessions (see the ``genuine_release`` fixture)."""

from __future__ import annotations


def download_sessions(cache, ids) -> None:
    """Download these ecephys sessions' NWB files into ``cache`` (verified)."""
    table = cache.get_ecephys_session_table(filter_abnormalities=False)
    for sid in ids:
        cache.download(int(table.loc[sid, "file_id"]))
