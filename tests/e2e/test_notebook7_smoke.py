"""The widgets in Jupyter Notebook 7 (not only JupyterLab): a TableExplorer and a SessionPicker
render, a click reaches the kernel and comes back, a later cell reads it; light and dark."""

from __future__ import annotations

import pytest
from e2e.lab import (
    assert_no_error_outputs,
    open_notebook,
    read_kernel_value,
    run_all,
    screenshot,
    set_theme,
    start_server,
    stop_lab_process,
    wait_until,
    write_notebook,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """This module's server: Jupyter Notebook 7 (the `page` fixture uses it)."""
    base = tmp_path_factory.mktemp("notebook7")
    server = start_server("notebook", home=base / "home", root=base / "root")
    try:
        yield server
    finally:
        stop_lab_process(server.process)


def cells(release) -> list[str]:
    return [
        "from vbn_widgets import SessionPicker, TableExplorer, VBNCache\n"
        f"cache = VBNCache.from_local_cache({str(release)!r}, use_static_cache=True)",
        "te = TableExplorer(cache.get_probe_table(), export_to='shown_probes')\nte",
        "picker = SessionPicker(cache, export_to='picked')\npicker",
    ]


def test_widgets_work_in_notebook_7(lab, page, demo_release):
    write_notebook(lab.root, "nb7.ipynb", cells(demo_release))
    nb = open_notebook(page, lab, "nb7.ipynb")
    assert page.locator("#jp-main-statusbar").count() == 0  # really Notebook 7, not Lab
    run_all(nb)
    table = nb.cell(1).locator(".vbn-table-explorer")
    table.locator('.vbn-te-row[data-row="0"] .vbn-te-cell').first.wait_for(state="visible")
    status = table.locator(".vbn-te-status")
    table.locator('.vbn-te-row[data-row="2"]').click()
    wait_until(lambda: "1 selected" in status.inner_text(), "the kernel's echo of the click")

    picker = nb.cell(2).locator(".vbn-session-picker")
    picker.locator('.vbn-te-row[data-row="0"]').click()
    summary = picker.locator(".vbn-sp-summary")
    wait_until(lambda: "1 sessions chosen (selected)" in summary.inner_text(), "picker echo")
    assert read_kernel_value(nb, "(te.selected_count, len(picked))") == "(1, 1)"
    assert_no_error_outputs(nb)
    screenshot(page, "notebook7-light")
    set_theme(page, dark=True)
    screenshot(page, "notebook7-dark")
