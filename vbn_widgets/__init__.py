"""Jupyter widgets and an AllenSDK-compatible data layer for Visual Behavior Neuropixels."""

from .data import VBNCache

__version__ = "0.1.0"

__all__ = ["VBNCache", "__version__"]
