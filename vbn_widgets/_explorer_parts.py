"""Parts of the linked explorer: the export controls, and a quality filter that reports changes."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence

import ipywidgets as ipw
import pandas as pd

log = logging.getLogger(__name__)


class ExportBar(ipw.VBox):
    """Choose a table and a variable name; "export" writes it, "show code" shows its pandas code.

    Parameters
    ----------
    whats
        The tables offered (the first is chosen at first).
    export
        ``export(name, what, selected)``: writes the frame and returns its row count.
    code
        ``code(what, selected)``: the pandas code of that frame.
    """

    def __init__(
        self,
        whats: Sequence[str],
        export: Callable[[str, str, bool], int],
        code: Callable[[str, bool], str],
    ) -> None:
        self._export, self._code_of = export, code
        self.what = ipw.Dropdown(options=list(whats), layout={"width": "120px"})
        self.name = ipw.Text(value=whats[0], placeholder="variable", layout={"width": "140px"})
        self.only_selected = ipw.Checkbox(description="selected rows only", indent=False)
        self.export_button = ipw.Button(description="export", icon="download")
        self.code_button = ipw.Button(description="show code", icon="code")
        self.status = ipw.HTML("").add_class("vbn-vx-status")
        self.code = ipw.HTML("").add_class("vbn-vx-code")
        self.export_button.add_class("vbn-vx-export").on_click(self._guard(self._export_clicked))
        self.code_button.add_class("vbn-vx-show-code").on_click(self._guard(self._code_clicked))
        controls = [self.what, self.name, self.only_selected, self.export_button, self.code_button]
        super().__init__([ipw.HBox(controls), self.status, self.code])

    def _guard(self, fn: Callable[[], None]) -> Callable[[object], None]:
        def run(_button: object) -> None:
            try:
                fn()
            except Exception as exc:  # a button's error is shown, not swallowed
                log.debug("export failed", exc_info=True)
                self.show(f"{type(exc).__name__}: {exc}", error=True)

        return run

    def show(self, text: str, *, error: bool = False) -> None:
        """A status line (an error in the theme's error colour); "" clears it."""
        style = ' style="color: var(--jp-error-color1, #d32f2f)"' if error else ""
        self.status.value = f"<span{style}>{html.escape(text)}</span>" if text else ""

    def _export_clicked(self) -> None:
        name, what = self.name.value.strip(), self.what.value
        rows = self._export(name, what, self.only_selected.value)
        self.show(f"{name} = {what} ({rows:,} rows)")

    def _code_clicked(self) -> None:
        self.code.value = (
            f"<pre>{html.escape(self._code_of(self.what.value, self.only_selected.value))}</pre>"
        )


_LINKED_QF: type | None = None


def linked_quality_filter(units: pd.DataFrame, export_to: str | None, on_change) -> ipw.VBox:
    """A QualityFilter calling ``on_change()`` whenever its passing units may have changed."""
    global _LINKED_QF  # noqa: PLW0603 - the subclass is made once, on first use
    if _LINKED_QF is None:
        from .quality_filter import QualityFilter

        class LinkedQualityFilter(QualityFilter):
            def _refresh(self) -> None:
                super()._refresh()
                callback = getattr(self, "_vbn_on_change", None)
                if callback is not None:
                    callback()

        _LINKED_QF = LinkedQualityFilter
    widget = _LINKED_QF(units, export_to=export_to, debounce_s=0)
    widget._vbn_on_change = on_change
    return widget
