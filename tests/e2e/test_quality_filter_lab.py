"""QualityFilter in real JupyterLab and Chromium: arrow keys move thresholds to round values and
back exactly, a value set from Python is shown and kept as it is, a typed value that keeps no unit
is flagged, the next cell reads the exported variable; light and dark screenshots; notebook 02
run twice in one kernel ends where a fresh kernel does."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

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
    start_lab,
    stop_lab_process,
    wait_until,
    write_notebook,
)

from vbn_widgets.demo_job import DATA_ENV, ensure_demo_data

pytestmark = pytest.mark.e2e
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

COUNT = re.compile(r"([\d,]+) of ([\d,]+) units pass")


NOTEBOOK = "02_quality_metrics.ipynb"
#: What notebook 02 ends with: the thresholds in force and the exported count.
RESULT = "(quality.settings_json, len(good_units))"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("qf-lab") / "release"
    write_demo_release(root, scale=0.05, seed=7)
    return root


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return ensure_demo_data(tmp_path_factory.mktemp("qf-notebook-demo"), scale=0.02)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, demo):
    """This module's server (it overrides conftest's `lab`): notebook 02 in its root and
    `VBN_WIDGETS_DATA` pointing at a small demo, as `vbn-widgets demo` starts it."""
    base = tmp_path_factory.mktemp("qf-notebook-lab")
    (base / "root").mkdir()
    shutil.copy(NOTEBOOKS / NOTEBOOK, base / "root" / NOTEBOOK)
    server = start_lab(home=base / "home", root=base / "root", env={DATA_ENV: str(demo.root)})
    try:
        yield server
    finally:
        stop_lab_process(server.process)


def notebook_cells(release) -> list[str]:
    return [
        "from vbn_widgets import VBNCache\n"
        "from vbn_widgets.quality_filter import QualityFilter\n"
        f"units = VBNCache.from_local_cache({str(release)!r}, use_static_cache=True)"
        ".get_unit_table()",
        "qf = QualityFilter(units, export_to='good_units', debounce_s=0.1)\nqf",
        "print('PASS', len(good_units), len(qf.passing), bool(good_units.equals(qf.passing)))",
        "qf.set_criterion('snr', threshold=1.98081, active=True)",
        "qf.set_criterion('snr', threshold=2.0)",
    ]


def shown_count(nb) -> int:
    text = nb.locator(".vbn-qf-count").inner_text()
    match = COUNT.search(text)
    assert match, text
    return int(match.group(1).replace(",", ""))


def row(nb, metric: str):
    """The row of `metric` (rows are found by their visible name, never by a class from it)."""
    return nb.locator(".vbn-qf-row").filter(
        has=nb.page.locator(".vbn-qf-name", has_text=re.compile(f"^{re.escape(metric)}$"))
    )


def threshold_shown(nb, metric: str) -> str:
    return row(nb, metric).locator(".vbn-qf-handle").get_attribute("aria-valuenow") or ""


def kernel_threshold(nb, metric: str) -> float:
    return float(read_kernel_value(nb, f"qf.settings.criterion({metric!r}).threshold"))


def press_and_wait(nb, metric: str, key: str, expected: str) -> None:
    """Press `key` on the metric's slider; wait for the kernel's echo of `expected`."""
    r = row(nb, metric)
    r.locator(".vbn-qf-handle").press(key)
    wait_until(lambda: threshold_shown(nb, metric) == expected, f"{metric} to show {expected}")
    spec = r.locator(".vbn-qf-value")
    wait_until(lambda: spec.input_value() == expected, f"the {metric} box to show {expected}")
    wait_settled(nb, metric)


def wait_settled(nb, metric: str) -> None:
    """The kernel answered the row's last change (its count is shown again)."""
    counts = row(nb, metric).locator(".vbn-qf-counts")
    wait_until(lambda: "keeps" in counts.inner_text(), f"{metric}'s change to be answered")


def test_keyboard_moves_on_round_values_and_python_values_stay_exact(lab, page, release):
    write_notebook(lab.root, "quality.ipynb", notebook_cells(release))
    nb = open_notebook(page, lab, "quality.ipynb")
    for i in range(3):
        run_cell(nb, i)
    root = nb.locator(".vbn-quality-filter")
    root.wait_for(state="visible")
    assert nb.locator(".vbn-qf-row").count() == 8
    assert nb.locator(".vbn-qf-curve").count() >= 8
    assert nb.locator(".vbn-qf-preset").input_value() == "Allen tutorial"
    assert row(nb, "presence_ratio").locator(".vbn-qf-value").input_value() == "0.9"
    first = shown_count(nb)
    assert cell_output_text(nb, 2).strip() == f"PASS {first} {first} True"

    for expected in ("0.91", "0.92", "0.93", "0.94"):
        press_and_wait(nb, "presence_ratio", "ArrowRight", expected)
    press_and_wait(nb, "presence_ratio", "ArrowLeft", "0.93")
    wait_until(lambda: shown_count(nb) < first, "the count to drop")
    assert kernel_threshold(nb, "presence_ratio") == 0.93
    assert nb.locator(".vbn-qf-preset").input_value() == "custom"

    run_cell(nb, 3)  # snr = 1.98081 from Python: shown exactly, never snapped by the browser
    wait_until(lambda: threshold_shown(nb, "snr") == "1.98081", "snr to show 1.98081")
    assert row(nb, "snr").locator(".vbn-qf-value").input_value() == "1.98081"
    assert kernel_threshold(nb, "snr") == 1.98081
    run_cell(nb, 4)  # snr 2 -> Right -> Left is exactly 2 again
    wait_until(lambda: threshold_shown(nb, "snr") == "2", "snr to show 2")
    step = float(read_kernel_value(nb, "qf.metric_info[4]['axis']['step']"))
    up = f"{2 + step:g}"
    press_and_wait(nb, "snr", "ArrowRight", up)
    press_and_wait(nb, "snr", "ArrowLeft", "2")
    assert kernel_threshold(nb, "snr") == 2.0
    assert "> 2.0" in read_kernel_value(nb, "qf.query_code")

    box = row(nb, "presence_ratio").locator(".vbn-qf-value")  # a typed value is kept as typed
    box.fill("5")
    box.press("Enter")
    wait_settled(nb, "presence_ratio")
    warning = row(nb, "presence_ratio").locator(".vbn-qf-warning")
    wait_until(lambda: "keeps 0 units" in warning.inner_text(), "the 0-units warning")
    assert shown_count(nb) == 0
    assert kernel_threshold(nb, "presence_ratio") == 5.0
    box.fill("0.95")
    box.press("Enter")
    wait_until(lambda: threshold_shown(nb, "presence_ratio") == "0.95", "presence_ratio 0.95")
    wait_settled(nb, "presence_ratio")
    assert warning.is_hidden()
    final = shown_count(nb)

    run_cell(nb, 2)  # the next cell reads the exported variable
    assert cell_output_text(nb, 2).strip() == f"PASS {final} {final} True"
    assert_no_error_outputs(nb)
    show_whole(page, root)
    screenshot(root, "quality-filter-light")

    set_theme(page, dark=True)
    background = root.evaluate("el => getComputedStyle(el).backgroundColor")
    label = nb.locator(".vbn-qf-ticklabel").first.evaluate("el => getComputedStyle(el).fill")
    assert luminance(background) < 0.3 < luminance(label), (background, label)
    show_whole(page, root)
    screenshot(root, "quality-filter-dark")

    root.locator(".vbn-qf-restriction summary").click()  # areas are searchable
    areas = root.locator(".vbn-qf-picker").nth(1)
    areas.locator(".vbn-qf-search").fill("thal")
    options = areas.locator(".vbn-qf-option")
    wait_until(lambda: 0 < options.count() < 40, "the area search to narrow the list")
    assert all("thalamus" in t for t in options.all_inner_texts())
    options.first.locator("input").click()  # checked once the kernel says so
    wait_until(lambda: areas.locator(".vbn-qf-chip").count() == 1, "the chosen area's chip")
    wait_until(lambda: shown_count(nb) < final, "the count to follow the area")
    screenshot(root.locator(".vbn-qf-restriction"), "quality-filter-restriction-dark")


def fresh_kernel_result(demo, tmp_path) -> str:
    """Notebook 02 run by nbclient in a new kernel: ``repr(RESULT)``."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOKS / NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(f"print(repr({RESULT}))"))
    env = {DATA_ENV: str(demo.root), "JUPYTER_PLATFORM_DIRS": "1"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits it
    try:
        resources = {"metadata": {"path": str(tmp_path)}}
        client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources=resources)
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return notebook.cells[-1].outputs[0]["text"].strip()


def test_notebook_02_run_twice_ends_where_a_fresh_kernel_does(lab, page, demo, tmp_path):
    fresh = fresh_kernel_result(demo, tmp_path)
    nb = open_notebook(page, lab, NOTEBOOK)
    run_all(nb)
    nb.locator(".vbn-quality-filter .vbn-qf-curve").first.wait_for(state="visible")
    first = read_kernel_value(nb, RESULT)
    run_all(nb)  # again, same kernel: the new widget's view must not move any threshold
    nb.locator(".vbn-quality-filter .vbn-qf-curve").first.wait_for(state="visible")
    page.wait_for_timeout(1500)  # time for any echo from the browser to arrive
    second = read_kernel_value(nb, RESULT)
    assert first == second == fresh
    assert_no_error_outputs(nb)


def show_whole(page, root) -> None:
    """Make the viewport tall enough for the whole widget, and scroll it to the top."""
    height = root.evaluate("el => el.getBoundingClientRect().height")
    page.set_viewport_size({"width": 1400, "height": int(height) + 260})
    root.evaluate("el => el.scrollIntoView({block: 'start'})")


def luminance(css: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
