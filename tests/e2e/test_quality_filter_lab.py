"""QualityFilter in real JupyterLab and Chromium: keyboard on a slider, count, write-back."""

from __future__ import annotations

import re

import pytest
from e2e.lab import (
    assert_no_error_outputs,
    cell_output_text,
    open_notebook,
    run_all,
    run_cell,
    screenshot,
    wait_until,
    write_notebook,
)

pytestmark = pytest.mark.e2e

COUNT = re.compile(r"([\d,]+) of ([\d,]+) units pass")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("qf-lab") / "release"
    write_demo_release(root, scale=0.05, seed=7)
    return root


def notebook_cells(release) -> list[str]:
    return [
        "from vbn_widgets import VBNCache\n"
        "from vbn_widgets.quality_filter import QualityFilter\n"
        f"units = VBNCache.from_local_cache({str(release)!r}, use_static_cache=True)"
        ".get_unit_table()",
        "qf = QualityFilter(units, export_to='good_units', debounce_s=0.1)\nqf",
        "print('PASS', len(good_units), len(qf.passing), bool(good_units.equals(qf.passing)))",
    ]


def shown_count(nb) -> int:
    match = COUNT.search(nb.locator(".vbn-qf-count").inner_text())
    assert match, nb.locator(".vbn-qf-count").inner_text()
    return int(match.group(1).replace(",", ""))


def settled_count(nb, seconds: float = 0.6) -> int:
    """The count once it has not changed for `seconds` (the kernel answered every key press)."""
    state = {"value": None, "since": 0.0}

    def stable():
        import time

        value = shown_count(nb)
        now = time.monotonic()
        if value != state["value"]:
            state["value"], state["since"] = value, now
            return False
        return now - state["since"] >= seconds

    wait_until(stable, "the count to settle")
    return state["value"]


def test_keyboard_slider_updates_count_and_variable(lab, page, release):
    write_notebook(lab.root, "quality.ipynb", notebook_cells(release))
    nb = open_notebook(page, lab, "quality.ipynb")
    run_all(nb)
    root = nb.locator(".vbn-quality-filter")
    root.wait_for(state="visible")
    assert nb.locator(".vbn-qf-row").count() == 8
    nb.locator(".vbn-quality-filter .js-plotly-plot").first.wait_for(state="visible")
    first = settled_count(nb, 0.5)
    # the browser snapping slider values to its step grid must not count as a user change
    assert nb.locator(".vbn-qf-preset select").input_value() == "Allen tutorial"
    assert "0.9" in [nb.locator(".vbn-qf-row input[type=number]").nth(1).input_value()]

    handle = nb.locator(".vbn-qf-slider-presence_ratio .noUi-handle")
    handle.focus()
    for _ in range(4):
        handle.press("ArrowRight")  # a stricter presence_ratio > threshold: fewer units
    wait_until(lambda: shown_count(nb) < first, "the count to drop after ArrowRight")
    stricter = settled_count(nb)
    handle.press("ArrowLeft")
    wait_until(lambda: shown_count(nb) > stricter, "the count to rise after ArrowLeft")
    final = settled_count(nb)
    assert final < first
    assert nb.locator(".vbn-qf-error").inner_text().strip() == ""
    screenshot(root, "quality-filter")
    figure = nb.locator(".vbn-quality-filter .js-plotly-plot").first
    figure.scroll_into_view_if_needed()
    screenshot(figure, "quality-filter-densities")

    run_cell(nb, 2)
    assert cell_output_text(nb, 2).strip() == f"PASS {final} {final} True"
    assert_no_error_outputs(nb)
