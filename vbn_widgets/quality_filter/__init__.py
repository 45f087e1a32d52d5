"""``QualityFilter``: unit-quality thresholds with densities, live counts and write-back.

``widget`` holds the widget and its whole public API; ``messages`` validates the browser's
requests and calls that API; ``state`` builds what is published from the model
(``vbn_widgets.quality``); ``protocol`` is the wire contract; ``report`` draws the plotly figure.
"""

from .widget import QualityFilter

__all__ = ["QualityFilter"]
