"""The linked explorer's "Ranking" tab: the picker's filtered sessions ranked by their units that
pass quality, overall and in the chosen areas.

The areas box is linked to the explorer's public ``areas`` trait; the numbers come from a
callable the explorer gives (its masks stay its own). Selecting sessions here is heard by the
explorer through the table's ``selected`` trait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as ipw
import pandas as pd
import traitlets as t

from .table_explorer import TableExplorer

if TYPE_CHECKING:
    from .vbn_explorer import VBNExplorer


class RankingTab(ipw.VBox):
    """The areas box over the ranking ``TableExplorer`` (``table``); ``update()`` puts new
    numbers in the same table, so its filters, sort and selection stay."""

    def __init__(
        self,
        explorer: VBNExplorer,
        frame: Callable[[], pd.DataFrame],
        *,
        export_to: str | None = None,
    ) -> None:
        self._vx, self._frame = explorer, frame
        self.areas = ipw.TagsInput(
            value=list(explorer.areas),
            allowed_tags=list(explorer.area_choices),
            allow_duplicates=False,
        ).add_class("vbn-vx-areas")
        self._areas_link: t.link | None = t.link((explorer, "areas"), (self.areas, "value"))
        self._candidates = self._candidates_now()
        self.table = TableExplorer(frame(), title=self._title(), export_to=export_to)
        self.table.sort_by(("passing_in_areas", False))
        self.select_chosen()
        rank_by = ipw.HBox([ipw.Label("rank sessions by passing units in"), self.areas])
        super().__init__([rank_by, self.table])
        self.add_class("vbn-vx-ranking")

    def _candidates_now(self) -> tuple[int, ...]:
        return tuple(int(i) for i in self._vx.picker.explorer.filtered_index)

    def _title(self) -> str:
        areas = ", ".join(self._vx.areas)
        return f"sessions ranked by passing units in {areas}" if areas else "choose areas"

    def update(self) -> None:
        """New numbers (quality, areas or candidates changed) in the same table."""
        self._candidates = self._candidates_now()
        self.table.replace_data(self._frame())
        self.table.title = self._title()
        self.select_chosen()

    def candidates_changed(self) -> None:
        """The picker's filters or selection changed: new rows, or only a new selection."""
        if self._candidates_now() != self._candidates:
            self.update()
        else:
            self.select_chosen()

    def select_chosen(self) -> None:
        """Select the picker's selected sessions here."""
        index = self.table.frame.index
        self.table.select(index[index.isin(self._vx.picker.selected_ids)])

    def close(self) -> None:
        if self._areas_link is not None:  # close runs again from __del__
            self._areas_link.unlink()
            self._areas_link = None
        for part in (self.areas, self.table):
            part.close()
        super().close()
