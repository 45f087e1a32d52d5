"""Jupyter widgets and an AllenSDK-compatible data layer for Visual Behavior Neuropixels."""

from .data import VBNCache
from .table_explorer import TableExplorer

__version__ = "0.1.0"

ALL_WIDGETS = (TableExplorer,)

__all__ = ["ALL_WIDGETS", "TableExplorer", "VBNCache", "__version__"]
