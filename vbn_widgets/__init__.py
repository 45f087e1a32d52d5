"""Jupyter widgets and an AllenSDK-compatible data layer for Visual Behavior Neuropixels."""

from importlib import import_module
from typing import TYPE_CHECKING

from .data import VBNCache
from .table_explorer import TableExplorer

if TYPE_CHECKING:
    from .cache_browser import CacheBrowser
    from .quality_filter import QualityFilter
    from .session_picker import SessionPicker
    from .vbn_explorer import VBNExplorer

__version__ = "0.1.0"

# anywidget widgets, each with its own JS entry and CSS. QualityFilter, SessionPicker and
# VBNExplorer compose ipywidgets (and plotly) from Python, so they have none.
ALL_WIDGETS = (TableExplorer,)

# Imported on first use: plotly (and the widgets composed with it) is slow to import.
_LAZY = {
    "CacheBrowser": ".cache_browser",
    "QualityFilter": ".quality_filter",
    "SessionPicker": ".session_picker",
    "VBNExplorer": ".vbn_explorer",
}

__all__ = [
    "ALL_WIDGETS",
    "CacheBrowser",
    "QualityFilter",
    "SessionPicker",
    "TableExplorer",
    "VBNCache",
    "VBNExplorer",
    "__version__",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'vbn_widgets' has no attribute {name!r}")
