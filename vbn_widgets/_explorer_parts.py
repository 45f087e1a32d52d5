"""Parts of the linked explorer: its registry of tabs, and the export bar.

:data:`TABS` is the one list the explorer derives everything from: the tabs and their titles,
the tables linked to the chosen sessions (and the quality thresholds), the tabs made only when
first shown (Responses), the ``export_prefix`` variables, the export bar's choices,
:meth:`VBNExplorer.frame` and :meth:`VBNExplorer.code`.
Each entry reads the explorer through its public attributes only.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ipywidgets as ipw
import pandas as pd

from ._errors import showing_errors
from ._variables import ExportTarget, check_variable_name
from .linking import finish_code, ranking_code, table_code

if TYPE_CHECKING:
    from .table_explorer import TableExplorer
    from .vbn_explorer import VBNExplorer


def table_rows(explorer: TableExplorer, selected: bool) -> pd.DataFrame:
    """The filtered rows in grid order, or the selected rows in table order."""
    if selected:
        return explorer.frame[explorer.frame.index.isin(explorer.selected)]
    return explorer.filtered


def _sessions_frame(vx: VBNExplorer, selected: bool) -> pd.DataFrame:
    return vx.picker.frame("selected" if selected else "chosen")


def _sessions_code(vx: VBNExplorer, selected: bool) -> str:
    return vx.picker.code(rows="selected" if selected else "chosen")


def _ranking_code(vx: VBNExplorer, selected: bool) -> str:
    picker, ranking = vx.picker, vx.ranking
    lines = [picker.code(rows="filtered"), "units = cache.get_unit_table()"]
    lines += ranking_code(picker.filtered, vx.quality.model.query_code("units"), vx.areas)
    keep = [int(i) for i in ranking.selected] if selected else None
    filter_expr = ranking.to_code("ranking", restriction=False)
    return finish_code("ranking", lines, selected=keep, filter_expr=filter_expr)


@dataclass(frozen=True)
class Tab:
    """One tab of the linked explorer.

    ``key`` names it in ``frame()`` / ``export()`` / ``code()`` and the export bar; ``variable``
    is what ``export_prefix`` + it holds; ``getter`` (a cache method) makes it a table linked to
    the chosen sessions through ``ecephys_session_id``, ``by_quality`` restricts it to units
    passing the quality thresholds too. ``widget``, ``frame`` (None: nothing to export as a
    frame) and ``code`` read the explorer. A ``lazy`` tab's widget is made when the tab is
    first shown (or used), not while the explorer builds.
    """

    key: str
    title: str
    variable: str
    widget: Callable[[VBNExplorer], ipw.Widget]
    frame: Callable[[VBNExplorer, bool], pd.DataFrame] | None = None
    code: Callable[[VBNExplorer, bool], str] | None = None
    getter: str | None = None
    by_quality: bool = False
    lazy: bool = False


def _linked(key: str, title: str, getter: str, *, by_quality: bool = False) -> Tab:
    def code(vx: VBNExplorer, selected: bool) -> str:
        explorer = vx.tables[key]
        return table_code(
            key,
            getter,
            sessions_code=vx.picker.code(),
            quality_expr=vx.quality.model.query_code(key) if by_quality else None,
            filter_expr=explorer.to_code(key, restriction=False),
            selected=[int(i) for i in explorer.selected] if selected else None,
        )

    return Tab(
        key,
        title,
        key,
        widget=lambda vx: vx.tables[key],
        frame=lambda vx, selected: table_rows(vx.tables[key], selected),
        code=code,
        getter=getter,
        by_quality=by_quality,
    )


TABS: tuple[Tab, ...] = (
    Tab("sessions", "Sessions", "sessions", lambda vx: vx.picker, _sessions_frame, _sessions_code),
    Tab("quality", "Quality", "good_units", lambda vx: vx.quality),
    Tab(
        "ranking",
        "Ranking",
        "ranking",
        lambda vx: vx.ranking_page,
        lambda vx, selected: table_rows(vx.ranking, selected),
        _ranking_code,
    ),
    _linked("probes", "Probes", "get_probe_table"),
    _linked("channels", "Channels", "get_channel_table"),
    _linked("units", "Units", "get_unit_table", by_quality=True),
    # its SpikeExplorer exports itself; `<prefix>responses` holds its selected units
    Tab("responses", "Responses", "responses", lambda vx: vx.responses, lazy=True),
)
EXPORTABLE = tuple(t.key for t in TABS if t.frame is not None)


class ExportBar(ipw.VBox):
    """Choose a table and a variable name; "export" writes it, "show code" shows its pandas code.

    A name that holds something this bar did not write is only replaced after the user confirms
    ("replace"). Errors are shown in ``owner``'s ``error`` (``vbn_widgets._errors``).

    Parameters
    ----------
    whats
        The tables offered (the first is chosen at first).
    export
        ``export(name, what, selected)``: writes the frame (through ``target``), returns its rows.
    code
        ``code(what, selected)``: the pandas code of that frame.
    owner
        The widget whose ``error`` shows this bar's errors.
    target
        What the owner has written, to tell a user's variable from its own.
    """

    def __init__(
        self,
        whats: Sequence[str],
        export: Callable[[str, str, bool], int],
        code: Callable[[str, bool], str],
        *,
        owner: object,
        target: ExportTarget,
    ) -> None:
        self._export, self._code_of, self._owner, self._target = export, code, owner, target
        self._name_follows, self._naming = True, False
        self.what = ipw.Dropdown(options=list(whats), layout={"width": "120px"})
        self.name = ipw.Text(value=self.default_name(whats[0]), placeholder="variable")
        self.name.layout.width = "160px"
        self.only_selected = ipw.Checkbox(description="selected rows only", indent=False)
        self.export_button = ipw.Button(description="export", icon="download")
        self.code_button = ipw.Button(description="show code", icon="code")
        self.replace_button = ipw.Button(description="replace", button_style="warning")
        self.cancel_button = ipw.Button(description="cancel")
        self.confirm = ipw.HBox([self.replace_button, self.cancel_button]).add_class(
            "vbn-vx-confirm"
        )
        self.confirm.layout.display = "none"
        self.status = ipw.HTML("").add_class("vbn-vx-status")
        self.code = ipw.HTML("").add_class("vbn-vx-code")
        self.export_button.add_class("vbn-vx-export").on_click(self._guard(self._export_clicked))
        self.code_button.add_class("vbn-vx-show-code").on_click(self._guard(self._code_clicked))
        self.replace_button.add_class("vbn-vx-replace").on_click(self._guard(self._replace))
        self.cancel_button.on_click(self._guard(self._unconfirm))
        self.what.observe(self._guard(self._what_changed), names=["value"])
        self.name.observe(self._guard(self._name_changed), names=["value"])
        controls = [self.what, self.name, self.only_selected, self.export_button, self.code_button]
        super().__init__([ipw.HBox(controls), self.confirm, self.status, self.code])

    @staticmethod
    def default_name(what: str) -> str:
        """A default that no notebook is likely to hold already (not ``units`` itself)."""
        return f"{what}_selected"

    def _guard(self, fn: Callable[[], None]) -> Callable[..., None]:
        def run(*_args: object) -> None:
            with showing_errors(self._owner):
                fn()

        return run

    def show(self, text: str) -> None:
        """The status line ("" clears it)."""
        self.status.value = html.escape(text)

    def _what_changed(self) -> None:
        if self._name_follows:  # until the user types a name of their own
            self._naming = True
            try:
                self.name.value = self.default_name(self.what.value)
            finally:
                self._naming = False
        self._unconfirm()

    def _name_changed(self) -> None:
        if not self._naming:
            self._name_follows = False
        self._unconfirm()

    def _export_clicked(self) -> None:
        name = check_variable_name(self.name.value.strip())
        if self._target.would_replace(name):
            self.show(f"{name} already holds a value this explorer did not write: replace it?")
            self.confirm.layout.display = None
            return
        self._write(name)

    def _replace(self) -> None:
        self._write(check_variable_name(self.name.value.strip()))

    def _unconfirm(self) -> None:
        if self.confirm.layout.display != "none":
            self.confirm.layout.display = "none"
            self.show("")

    def _write(self, name: str) -> None:
        self.confirm.layout.display = "none"
        what = self.what.value
        rows = self._export(name, what, self.only_selected.value)
        self.show(f"{name} = {what} ({rows:,} rows)")

    def _code_clicked(self) -> None:
        code = self._code_of(self.what.value, self.only_selected.value)
        self.code.value = f"<pre>{html.escape(code)}</pre>"
