"""Jupyter widgets and an AllenSDK-compatible data layer for Visual Behavior Neuropixels.

Everything is imported on first use, so that the Jupyter server, which imports this package to
load its server extension, does not pay for pandas, ipywidgets or plotly.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cache_browser import CacheBrowser
    from .data import VBNCache
    from .quality_filter import QualityFilter
    from .session import BehaviorEcephysSession, BehaviorSession
    from .session_picker import SessionPicker
    from .spike_explorer import SpikeExplorer
    from .spikes.population import population_psth
    from .table_explorer import TableExplorer
    from .vbn_explorer import VBNExplorer

__version__ = "0.1.0"

_LAZY = {
    "BehaviorEcephysSession": ".session",
    "BehaviorSession": ".session",
    "CacheBrowser": ".cache_browser",
    "QualityFilter": ".quality_filter",
    "SessionPicker": ".session_picker",
    "SpikeExplorer": ".spike_explorer",
    "population_psth": ".spikes.population",
    "TableExplorer": ".table_explorer",
    "VBNCache": ".data",
    "VBNExplorer": ".vbn_explorer",
}

# anywidget widgets, each with its own JS entry and CSS. SessionPicker and VBNExplorer compose
# ipywidgets from Python, so they have none.
_ALL_WIDGETS = ("TableExplorer", "CacheBrowser", "QualityFilter", "SpikeExplorer")

__all__ = [
    "ALL_WIDGETS",
    "BehaviorEcephysSession",
    "BehaviorSession",
    "CacheBrowser",
    "QualityFilter",
    "SessionPicker",
    "SpikeExplorer",
    "TableExplorer",
    "VBNCache",
    "VBNExplorer",
    "__version__",
    "population_psth",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    if name == "ALL_WIDGETS":
        return tuple(__getattr__(widget) for widget in _ALL_WIDGETS)
    raise AttributeError(f"module 'vbn_widgets' has no attribute {name!r}")


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    """The download manager in the Jupyter server (``vbn_widgets.server``)."""
    from .server import _jupyter_server_extension_points as points

    return points()
