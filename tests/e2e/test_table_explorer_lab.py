"""TableExplorer in real JupyterLab and Chromium on the full-scale demo units table."""

from __future__ import annotations

import pytest
from e2e.lab import (
    assert_no_error_outputs,
    cell_output_text,
    open_notebook,
    read_kernel_value,
    run_all,
    run_cell,
    screenshot,
    set_theme,
    wait_until,
    write_notebook,
)

from vbn_widgets import VBNCache

pytestmark = [pytest.mark.e2e, pytest.mark.full_scale]

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def expected_units(full_demo_release, tmp_path_factory):
    cache = VBNCache.from_mirror(full_demo_release, tmp_path_factory.mktemp("cache"))
    units = cache.get_unit_table()
    units.loc[units.index[0], "structure_acronym"] = XSS
    return units, cache.cache_dir


def notebook_cells(release, cache_dir):
    return [
        "from vbn_widgets import TableExplorer, VBNCache\n"
        f"cache = VBNCache.from_mirror({str(release)!r}, {str(cache_dir)!r})\n"
        "units = cache.get_unit_table()\n"
        f"units.loc[units.index[0], 'structure_acronym'] = {XSS!r}",
        "te = TableExplorer(units, export_to='picked_units')\nte",
        "print('FILTERED', len(picked_units), te.filtered_count)\n"
        "print('SELECTED', len(te.selected), bool(te.selected.isin(picked_units.index).all()))",
    ]


def status_text(nb) -> str:
    return nb.locator(".vbn-te-status").inner_text()


def test_filter_select_export_scroll_and_themes(lab, page, full_demo_release, expected_units):
    units, cache_dir = expected_units
    write_notebook(lab.root, "explorer.ipynb", notebook_cells(full_demo_release, cache_dir))
    nb = open_notebook(page, lab, "explorer.ipynb")
    run_all(nb)
    root = nb.locator(".vbn-table-explorer")
    root.wait_for(state="visible")
    nb.locator('.vbn-te-row[data-row="0"]').wait_for(state="visible")
    total = len(units)
    assert f"{total:,} of {total:,} rows" in status_text(nb)

    # a cell holding HTML shows as text and creates no element
    column = 1 + units.columns.get_loc("structure_acronym")
    first_row = nb.locator('.vbn-te-row[data-row="0"] .vbn-te-cell')
    wait_until(lambda: first_row.nth(column).inner_text() == XSS, "the HTML cell shown as text")
    assert root.locator("img").count() == 0
    screenshot(root, "table-explorer-light")

    # numeric range through the header's filter panel
    root.locator('.vbn-te-header-cell[data-column="snr"] .vbn-te-filter-button').click()
    panel = root.locator('.vbn-te-panel[data-column="snr"]')
    panel.locator('input[data-role="min"]').fill("2")
    panel.locator('input[data-role="min"]').press("Enter")
    by_snr = units[units["snr"] >= 2]
    wait_until(lambda: f"{len(by_snr):,} of {total:,}" in status_text(nb), "the snr filter count")
    low, high = (panel.locator(f".vbn-te-hist-{end}") for end in ("min", "max"))
    wait_until(lambda: low.inner_text() and high.inner_text(), "the histogram's axis labels")
    assert float(low.inner_text()) <= units["snr"].min() + 1e-3
    assert float(high.inner_text()) >= units["snr"].max() - 1e-3
    screenshot(panel, "table-explorer-histogram-panel")
    panel.locator('[data-role="close"]').click()

    # categorical multi-select with live counts
    root.locator(
        '.vbn-te-header-cell[data-column="structure_acronym"] .vbn-te-filter-button'
    ).click()
    panel = root.locator('.vbn-te-panel[data-column="structure_acronym"]')
    panel.locator('input[data-role="search"]').fill("VISp")
    values = panel.locator(".vbn-te-value")
    wait_until(lambda: values.count() == 2, "the search to narrow the values to VISp, VISpm")
    values.filter(has=page.get_by_text("VISp", exact=True)).locator("input").check()
    expected = by_snr[by_snr["structure_acronym"] == "VISp"]
    wait_until(lambda: f"{len(expected):,} of {total:,}" in status_text(nb), "the two-filter count")
    screenshot(panel, "table-explorer-facet-panel")
    panel.locator('[data-role="close"]').click()

    # select rows 0..4 with click and shift-click; the kernel echoes the count into the DOM
    nb.locator('.vbn-te-row[data-row="0"]').click()
    nb.locator('.vbn-te-row[data-row="4"]').click(modifiers=["Shift"])
    wait_until(lambda: "5 selected" in status_text(nb), "5 rows selected")

    run_cell(nb, 2)
    out = cell_output_text(nb, 2)
    assert f"FILTERED {len(expected)} {len(expected)}" in out
    assert "SELECTED 5 True" in out

    # scroll to the bottom of all rows: the DOM keeps only a window of rows
    root.locator(".vbn-te-clear-filters").click()
    wait_until(lambda: f"{total:,} of {total:,}" in status_text(nb), "filters cleared")
    body = root.locator(".vbn-te-body")
    body.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = nb.locator(f'.vbn-te-row[data-row="{total - 1}"]')
    last.wait_for(state="attached")
    wait_until(lambda: last.inner_text().strip() != "", "the last row's cells")
    rows_in_dom = root.locator(".vbn-te-row").count()
    assert 0 < rows_in_dom <= 200
    screenshot(root, "table-explorer-bottom")
    read_kernel_value(nb, "te.set_filter('snr', min=2)")  # a filter change: back to the top
    wait_until(lambda: f"{len(by_snr):,} of {total:,}" in status_text(nb), "the new filter")
    wait_until(lambda: body.evaluate("el => el.scrollTop") == 0, "the grid back at its top")
    read_kernel_value(nb, "te.clear_filters()")

    set_theme(page, dark=True)
    body.evaluate("el => { el.scrollTop = 0; el.scrollLeft = 0; }")
    first = nb.locator('.vbn-te-row[data-row="0"] .vbn-te-cell').first
    wait_until(lambda: first.inner_text().strip() == str(units.index[0]), "row 0 in the dark theme")
    screenshot(root, "table-explorer-dark")
    assert_no_error_outputs(nb)
