"""``SpikeExplorer``: the widget (``widget.py``: traits, publishing, Python API), its request
handlers (``requests.py``: validate, then call the widget's public API) and its payloads
(``payloads.py``: model -> synced values). The model is ``vbn_widgets.spikes``."""

from .widget import SpikeExplorer

__all__ = ["SpikeExplorer"]
