"""The widgets in Voila: the notebook's outputs alone, run by Voila's own kernel. A TableExplorer
filters and selects, a SessionPicker hears a click; no traceback; light and dark."""

from __future__ import annotations

import pytest
from e2e.lab import (
    open_voila,
    screenshot,
    start_server,
    stop_lab_process,
    voila_errors,
    wait_until,
    write_notebook,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """This module's server: Voila (the `page` fixture uses it)."""
    base = tmp_path_factory.mktemp("voila")
    server = start_server("voila", home=base / "home", root=base / "root")
    try:
        yield server
    finally:
        stop_lab_process(server.process)


def cells(release) -> list[str]:
    return [
        "from vbn_widgets import SessionPicker, TableExplorer, VBNCache\n"
        f"cache = VBNCache.from_local_cache({str(release)!r}, use_static_cache=True)",
        "TableExplorer(cache.get_probe_table(), title='probes')",
        "SessionPicker(cache, export_to='picked')",
    ]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_widgets_work_in_voila(lab, page, demo_release, theme):
    name = f"voila-{theme}.ipynb"
    write_notebook(lab.root, name, cells(demo_release))
    body = open_voila(page, lab, name, theme=theme)
    light = "false" if theme == "dark" else "true"
    page.locator(f'body[data-jp-theme-light="{light}"]').wait_for(state="attached")
    table = body.locator(".vbn-table-explorer").first
    table.locator('.vbn-te-row[data-row="0"] .vbn-te-cell').first.wait_for(state="visible")
    status = table.locator(".vbn-te-status")
    wait_until(lambda: "18 of 18 rows" in status.inner_text(), "the probes' row count")

    table.locator('.vbn-te-header-cell[data-column="name"] .vbn-te-filter-button').click()
    panel = table.locator('.vbn-te-panel[data-column="name"]')
    panel.locator(".vbn-te-value", has_text="probeA").locator("input").check()
    wait_until(lambda: "3 of 18 rows" in status.inner_text(), "the kernel to filter")
    panel.locator('[data-role="close"]').click()
    table.locator('.vbn-te-row[data-row="1"]').click()
    wait_until(lambda: "1 selected" in status.inner_text(), "the kernel's echo of the click")

    picker = body.locator(".vbn-session-picker")
    picker.locator('.vbn-te-row[data-row="1"]').click()
    summary = picker.locator(".vbn-sp-summary")
    wait_until(lambda: "1 sessions chosen (selected)" in summary.inner_text(), "picker echo")
    assert voila_errors(page) == []
    screenshot(page, f"voila-{theme}")
