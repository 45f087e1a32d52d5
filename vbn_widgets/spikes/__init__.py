"""Spike responses around VBN's task events: the model behind ``SpikeExplorer``, no widget code.

- :mod:`.trains` -- many units' spike times as one array, with a tick table for fast look-ups;
- :mod:`.binning` -- counts per (unit, event, bin) for every unit and event at once;
- :mod:`.events` (+ :mod:`.selections`) -- VBN's named events from a session's tables;
- :mod:`.units` -- which units (ids, an Index, a widget's ``passing`` / ``selected``), area, depth;
- :mod:`.model` -- window, bins, grouping, sorting, z-scores, ranking;
- :mod:`.exports` -- counts as a variable and the numpy/pandas code that reproduces them;
- :mod:`.population` -- the same over many sessions on Dask.
"""

from .binning import Bins, bin_counts, summed_counts, unit_raster
from .errors import SpikeError
from .events import NAMED, Events, available, custom_events, named_events
from .model import ResponseModel, View
from .trains import SpikeTrains

__all__ = [
    "NAMED",
    "Bins",
    "Events",
    "ResponseModel",
    "SpikeError",
    "SpikeTrains",
    "View",
    "available",
    "bin_counts",
    "custom_events",
    "named_events",
    "summed_counts",
    "unit_raster",
]
