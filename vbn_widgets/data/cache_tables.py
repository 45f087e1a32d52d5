"""The five metadata tables of a ``VBNCache``, with AllenSDK's method names."""

from __future__ import annotations

import pandas as pd

from .layout import CacheLayout
from .tables import load_table

_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


class TableAccess:
    """Mixed into ``VBNCache``: typed tables of the current manifest, loaded once each."""

    def _table(self, table: str) -> pd.DataFrame:
        manifest = self.manifest
        key = (manifest.name, table)
        with self._lock:
            if key not in self._tables:
                entry = manifest.metadata_entry(table)
                path = self.download(table) if not self.static else self.local_path(table)
                sidecars = (
                    self.layout.sidecar_dir() if isinstance(self.layout, CacheLayout) else None
                )
                self._tables[key] = load_table(path, table, sidecars, csv_hash=entry.file_hash)
            # Copy-on-write (pandas >= 3) makes a shallow copy as safe as a deep one.
            return self._tables[key].copy(deep=not _COPY_ON_WRITE)

    def get_ecephys_session_table(self, filter_abnormalities: bool = True) -> pd.DataFrame:
        """Ecephys sessions; by default without sessions flagged for abnormal histology/activity."""
        sessions = self._table("ecephys_sessions")
        if filter_abnormalities:
            flagged = [c for c in ("abnormal_histology", "abnormal_activity") if c in sessions]
            normal = pd.Series(True, index=sessions.index)
            for col in flagged:
                normal &= sessions[col].map(len) == 0
            sessions = sessions[normal]
        return sessions

    def get_behavior_session_table(self) -> pd.DataFrame:
        return self._table("behavior_sessions")

    def get_unit_table(self) -> pd.DataFrame:
        return self._table("units")

    def get_probe_table(self) -> pd.DataFrame:
        return self._table("probes")

    def get_channel_table(self) -> pd.DataFrame:
        return self._table("channels")
