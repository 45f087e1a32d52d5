"""Plumbing shared by the widgets."""

from __future__ import annotations

import anywidget


class StrictWidget(anywidget.AnyWidget):
    """A misspelt option is an error, not a silently ignored keyword."""

    def __init__(self, **kwargs: object) -> None:
        unknown = sorted(set(kwargs) - set(self.trait_names()))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): {unknown}")
        super().__init__(**kwargs)
