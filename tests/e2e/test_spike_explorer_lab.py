"""SpikeExplorer in real JupyterLab and Chromium on a genuine demo NWB session: the heatmap shows
the demo's built-in change response in VISp, controls redraw (times reported, not asserted), a
click shows a unit's raster, a brush ranks units, a row drag and the export bar write a variable;
screenshots in the light and dark themes."""

from __future__ import annotations

import ast
import json
import statistics
import sys

import pytest
from e2e.lab import (
    REPO_ROOT,
    assert_no_error_outputs,
    open_notebook,
    read_kernel_value,
    run_all,
    screenshot,
    set_theme,
    wait_until,
    write_notebook,
)
from vbn_testing.sessions import download_sessions

pytestmark = pytest.mark.e2e

ROOT = ".vbn-spike-explorer"


@pytest.fixture(scope="module")
def demo(genuine_release, tmp_path_factory):
    """(release, cache folder, session id): one genuine 600 s session, downloaded."""
    from vbn_widgets import VBNCache

    release, genuine, _ = genuine_release
    cache_dir = tmp_path_factory.mktemp("spike-lab")
    download_sessions(VBNCache.from_mirror(release, cache_dir), genuine[:1])
    return release, cache_dir, genuine[0]


def cells(demo) -> list[str]:
    release, cache_dir, sid = demo
    return [
        "from vbn_widgets import SpikeExplorer, VBNCache\n"
        f"cache = VBNCache.from_mirror({str(release)!r}, {str(cache_dir)!r})\n"
        f"session = cache.get_ecephys_session({sid})\n"
        "units = cache.get_unit_table()\n"
        f"mine = units[units.ecephys_session_id == {sid}]\n"
        "chosen = mine[mine.structure_acronym.isin(['VISp', 'VISl', 'VISal', 'LGd', 'CA1'])].index",
        "explorer = SpikeExplorer(session, units=chosen, title='image changes, demo session')\n"
        "explorer",
    ]


# Mean brightness (0-255, sum of RGB / 3) of heatmap rows [r0, r1) between two times, read back
# from the canvas: what a person sees.
_JS_BRIGHTNESS = """(canvas, [r0, r1, rows, t0, t1, start, stop]) => {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.width / dpr, height = canvas.height / dpr;
  const heat = { x: 64, y: 4, w: width - 64 - 56, h: height - 32 - 4 };
  const x0 = heat.x + (t0 - start) / (stop - start) * heat.w;
  const x1 = heat.x + (t1 - start) / (stop - start) * heat.w;
  const y0 = heat.y + r0 / rows * heat.h, y1 = heat.y + r1 / rows * heat.h;
  const ctx = canvas.getContext("2d");
  const img = ctx.getImageData(Math.round(x0 * dpr), Math.round(y0 * dpr),
    Math.max(1, Math.round((x1 - x0) * dpr)), Math.max(1, Math.round((y1 - y0) * dpr)));
  let sum = 0;
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
  return sum / (img.data.length / 4);
}"""


def revision(nb) -> int:
    return int(nb.locator(ROOT).get_attribute("data-revision") or -1)


def change_and_time(nb, action) -> float:
    """Run a control action; wait for the widget's redraw of the kernel's answer; its ms."""
    root = nb.locator(ROOT)
    nb.page.evaluate("(el) => { delete el.dataset.redrawMs; }", root.element_handle())
    action()
    wait_until(lambda: root.get_attribute("data-redraw-ms") is not None, "the redraw")
    return float(root.get_attribute("data-redraw-ms") or "nan")


def test_spike_explorer_in_lab(lab, page, demo):
    write_notebook(lab.root, "spikes.ipynb", cells(demo))
    page.set_viewport_size({"width": 1400, "height": 1500})  # the whole widget in view
    nb = open_notebook(page, lab, "spikes.ipynb")
    run_all(nb)
    root = nb.locator(ROOT)
    root.wait_for(state="visible")
    canvas = nb.locator(f"{ROOT} canvas.vbn-se-heatmap")
    canvas.wait_for(state="visible")
    wait_until(lambda: revision(nb) > 0, "the first drawing")
    assert "display lag" in nb.locator(f"{ROOT} .vbn-se-note").inner_text()
    runs = ast.literal_eval(read_kernel_value(nb, "explorer.model.area_runs()"))
    n_rows = runs[-1]["stop"]
    visp = next(r for r in runs if r["area"] == "VISp")
    wait_until(lambda: nb.locator(f"{ROOT} .vbn-se-error").inner_text() == "", "no error")
    page.wait_for_timeout(300)  # the heatmap is inflated asynchronously, then drawn

    def brightness(run, t0, t1) -> float:
        args = [run["start"], run["stop"], n_rows, t0, t1, -0.5, 1.0]
        return canvas.evaluate(_JS_BRIGHTNESS, args)

    # The demo's built-in change response: VISp rows are brighter 50-200 ms after the change than
    # before it (viridis: brighter is a higher rate).
    before, after = brightness(visp, -0.4, -0.1), brightness(visp, 0.05, 0.2)
    print(f"\nVISp heatmap brightness before {before:.1f}, after the change {after:.1f}",
          file=sys.stderr)  # fmt: skip
    assert after > before + 10
    screenshot(root, "spike-explorer-light")

    timings = []
    scale = nb.locator(f"{ROOT} select.vbn-se-scale")
    timings.append(change_and_time(nb, lambda: scale.select_option("zscore")))
    sort = nb.locator(f"{ROOT} select.vbn-se-sort")
    timings.append(change_and_time(nb, lambda: sort.select_option("latency")))
    colormap = nb.locator(f"{ROOT} select.vbn-se-colormap")
    timings.append(change_and_time(nb, lambda: colormap.select_option("cividis")))
    binning = nb.locator(f"{ROOT} select.vbn-se-bin")
    timings.append(change_and_time(nb, lambda: binning.select_option("20")))
    event = nb.locator(f"{ROOT} select.vbn-se-event")
    timings.append(change_and_time(nb, lambda: event.select_option("hit_changes")))
    timings.append(change_and_time(nb, lambda: event.select_option("changes")))
    grouping = nb.locator(f"{ROOT} select.vbn-se-grouping")
    timings.append(change_and_time(nb, lambda: grouping.select_option("block")))
    timings.append(change_and_time(nb, lambda: binning.select_option("10")))
    report = {"control_redraw_ms": timings, "median_ms": statistics.median(timings)}
    print(f"control change -> redraw: {report}", file=sys.stderr)
    artifacts = REPO_ROOT / "ci-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "spike-explorer-redraw.json").write_text(json.dumps(report, indent=2))

    # A brush over 50-200 ms ranks the units by their response there: visual areas first.
    box = canvas.bounding_box()
    assert box is not None
    heat_w = box["width"] - 64 - 56
    x_of = lambda t: box["x"] + 64 + (t + 0.5) / 1.5 * heat_w  # noqa: E731
    y_mid = box["y"] + box["height"] / 2
    page.mouse.move(x_of(0.05), y_mid)
    page.mouse.down()
    page.mouse.move(x_of(0.12), y_mid, steps=4)
    page.mouse.move(x_of(0.2), y_mid, steps=4)
    page.mouse.up()
    wait_until(lambda: nb.locator(f"{ROOT} select.vbn-se-sort").input_value() == "response",
               "the brush to sort by response")  # fmt: skip
    top = ast.literal_eval(read_kernel_value(nb, "list(explorer.table.area[:5])"))
    assert all(area.startswith("VIS") for area in top), top

    # Click the top row: its raster and PSTH appear.
    rev = revision(nb)
    page.mouse.click(x_of(0.5), box["y"] + 5)
    unit_title = nb.locator(f"{ROOT} .vbn-se-unit-title")
    wait_until(lambda: unit_title.is_visible() and "unit" in unit_title.inner_text(), "the unit")
    assert revision(nb) == rev
    screenshot(root, "spike-explorer-unit")

    # Drag down the left edge over the first 5 rows, then export them by the export bar.
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    row_h = (box["height"] - 36) / n_rows
    page.mouse.move(box["x"] + 20, box["y"] + 4 + row_h * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + 20, box["y"] + 4 + row_h * 4.5, steps=3)
    page.mouse.up()
    count = nb.locator(f"{ROOT} .vbn-se-selected-count")
    wait_until(lambda: count.inner_text().startswith("5 "), "5 rows selected")
    nb.locator(f"{ROOT} .vbn-se-export-name").fill("picked")
    nb.locator(f"{ROOT} button.vbn-se-export").click()
    status = nb.locator(f"{ROOT} .vbn-se-export-status")
    wait_until(lambda: status.inner_text().startswith("picked = 5 units"), "the export")
    picked = read_kernel_value(nb, "(list(picked.index), list(explorer.table.index[:5]))")
    got, top_rows = ast.literal_eval(picked)
    assert got == top_rows, picked

    set_theme(page, dark=True)
    page.wait_for_timeout(400)  # the canvases redraw in the new theme's colours
    root.scroll_into_view_if_needed()
    screenshot(root, "spike-explorer-dark")
    assert_no_error_outputs(nb)
