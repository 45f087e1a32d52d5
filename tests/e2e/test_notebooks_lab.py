"""The notebooks in real JupyterLab and Chromium, on a small demo: the quickstart runs all its
cells, every widget shows, no cell shows an error, and sessions clicked in the session picker
reach `sessions` in a later cell. Screenshots of 01-04 after run-all go to ci-artifacts."""

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
    start_lab,
    stop_lab_process,
    wait_until,
)

from vbn_widgets.demo_job import DATA_ENV, copy_notebooks, ensure_demo_data, packaged_notebooks

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return ensure_demo_data(tmp_path_factory.mktemp("notebooks-demo"), scale=0.02)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, demo):
    """This module's own server (it overrides conftest's `lab` for the `page` fixture): the
    notebooks in its root, `VBN_WIDGETS_DATA` pointing at the small demo, as `vbn-widgets demo`
    starts it."""
    base = tmp_path_factory.mktemp("notebooks-lab")
    copy_notebooks(packaged_notebooks(), base / "root")
    server = start_lab(
        home=base / "home",
        root=base / "root",
        env={DATA_ENV: str(demo.root)},
        extra_args=(f"--VBNWidgets.cache_roots={demo.root}",),
    )
    try:
        yield server
    finally:
        stop_lab_process(server.process)


def cell_index(nb, text: str) -> int:
    """The index of the first cell whose source contains `text`."""
    return next(i for i, st in enumerate(nb.cell_states()) if text in st["source"])


def test_quickstart_widgets_and_session_selection(lab, page, demo):
    normal = demo.cache().get_ecephys_session_table().index.tolist()
    nb = open_notebook(page, lab, "01_quickstart.ipynb")
    run_all(nb)
    units = nb.locator(".vbn-table-explorer").first
    units.locator('.vbn-te-row[data-row="0"]').wait_for(state="visible")
    count = nb.locator(".vbn-quality-filter .vbn-qf-count")
    wait_until(lambda: "units pass" in count.inner_text(), "the quality filter's count")
    picker = nb.locator(".vbn-session-picker")
    picker.locator(".vbn-sp-abnormal input").wait_for(state="visible")
    first, second = (picker.locator(f'.vbn-te-row[data-row="{i}"]') for i in (0, 1))
    first.wait_for(state="visible")
    assert_no_error_outputs(nb)

    first.click()
    second.click(modifiers=["Control"])
    summary = picker.locator(".vbn-sp-summary")  # written by the kernel: the click arrived
    wait_until(lambda: "2 sessions chosen (selected)" in summary.inner_text(), "the echo")
    picker.scroll_into_view_if_needed()
    screenshot(page, "notebook-01_quickstart")

    uses = cell_index(nb, 'print(f"{len(sessions)} sessions selected')
    run_cell(nb, uses)
    assert f"2 sessions selected: {normal[:2]}" in cell_output_text(nb, uses)
    assert read_kernel_value(nb, "sessions") == repr(normal[:2])
    assert read_kernel_value(nb, "picker.chosen_ids") == repr(normal[:2])
    assert_no_error_outputs(nb)


@pytest.mark.parametrize(
    ("name", "root"),
    [
        ("02_quality_metrics.ipynb", ".vbn-quality-filter"),
        ("03_cache_and_downloads.ipynb", ".vbn-cache-browser"),
        ("04_sessions_and_linking.ipynb", ".vbn-explorer"),
    ],
)
def test_notebook_runs_and_is_pictured(lab, page, name, root):
    nb = open_notebook(page, lab, name)
    run_all(nb)
    widget = nb.locator(root).first
    widget.wait_for(state="visible")
    if name.startswith("04"):
        widget.locator('.vbn-session-picker .vbn-te-row[data-row="0"]').wait_for()
        widget.get_by_text("Ranking", exact=True).click()
        ranking = widget.locator('.vbn-vx-ranking .vbn-te-row[data-row="0"]')
        ranking.wait_for(state="visible")
    assert_no_error_outputs(nb)
    widget.scroll_into_view_if_needed()
    screenshot(page, f"notebook-{name.removesuffix('.ipynb')}")
