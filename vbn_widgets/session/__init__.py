"""Session data with AllenSDK's names, read lazily from NWB files by path (h5py), from a local
file, a read-only mount, or streamed by byte ranges from the bucket. No widgets here."""

from .errors import (
    NoLFPError,
    SessionFileError,
    StandInFileError,
    UnknownSessionError,
    UnknownUnitError,
)
from .lfp import LFP
from .session import BehaviorEcephysSession, BehaviorSession
from .units import RaggedColumn

__all__ = [
    "LFP",
    "BehaviorEcephysSession",
    "BehaviorSession",
    "NoLFPError",
    "RaggedColumn",
    "SessionFileError",
    "StandInFileError",
    "UnknownSessionError",
    "UnknownUnitError",
]
