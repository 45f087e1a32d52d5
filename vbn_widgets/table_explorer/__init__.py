"""``TableExplorer``: any VBN table (or DataFrame) in a virtualized grid with column filters.

``widget.py`` holds the widget (its state and whole public API), ``requests.py`` validates the
browser's requests, ``tables.py`` finds the table to show, ``vbn_widgets.engine`` does the
filtering, sorting and code.
"""

from .tables import as_frame
from .widget import TableExplorer

__all__ = ["TableExplorer", "as_frame"]
