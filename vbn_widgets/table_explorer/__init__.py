"""``TableExplorer``: any VBN table (or DataFrame) in a virtualized grid with column filters.

``widget.py`` holds the widget (its state and whole public API), ``requests.py`` validates the
browser's requests, ``vbn_widgets.engine`` does the filtering, sorting and code.
"""

from .widget import TableExplorer, as_frame

__all__ = ["TableExplorer", "as_frame"]
