"""Jupyter widgets and an AllenSDK-compatible data layer for Visual Behavior Neuropixels."""

from typing import TYPE_CHECKING

from .data import VBNCache
from .table_explorer import TableExplorer

if TYPE_CHECKING:
    from .quality_filter import QualityFilter

__version__ = "0.1.0"

# anywidget widgets, each with its own JS entry and CSS (QualityFilter composes ipywidgets
# and a plotly FigureWidget from Python, so it has none).
ALL_WIDGETS = (TableExplorer,)

__all__ = ["ALL_WIDGETS", "QualityFilter", "TableExplorer", "VBNCache", "__version__"]


def __getattr__(name: str) -> object:
    if name == "QualityFilter":  # imported on first use: plotly is slow to import
        from .quality_filter import QualityFilter

        return QualityFilter
    raise AttributeError(f"module 'vbn_widgets' has no attribute {name!r}")
