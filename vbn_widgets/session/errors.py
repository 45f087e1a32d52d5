"""Errors of the session reader; each message names the file, unit, probe or session at fault."""

from __future__ import annotations

from ..data.errors import VBNDataError


class SessionFileError(VBNDataError):
    """A file is not a readable NWB session file: not HDF5, truncated, corrupt, or not NWB."""


class StandInFileError(SessionFileError):
    """The file is one of the offline demo's small stand-ins, not an NWB file."""


class UnknownSessionError(VBNDataError, KeyError):
    """A session id that the current release does not list."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownUnitError(VBNDataError, KeyError):
    """A unit id that is not in the session."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NoLFPError(VBNDataError, LookupError):
    """The probe has no LFP file (``has_lfp_data`` is False), or is not in the session."""
