"""Smoke test of the e2e harness: a tiny anywidget in real JupyterLab, clicked in Chromium."""

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
    write_notebook,
)

pytestmark = pytest.mark.e2e

# A test-only widget defined in the notebook: a button that increments a synced `count`; the kernel
# copies every new count into `echo`, so the DOM showing echo == N proves the kernel has seen N.
COUNTER_CELL = '''
import anywidget
import traitlets


class Counter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.className = "e2e-counter-button";
      const count = document.createElement("span");
      count.className = "e2e-counter-count";
      const echo = document.createElement("span");
      echo.className = "e2e-counter-echo";
      const update = () => {
        button.textContent = "Click me";
        count.textContent = `count=${model.get("count")}`;
        echo.textContent = `echo=${model.get("echo")}`;
      };
      button.addEventListener("click", () => {
        model.set("count", model.get("count") + 1);
        model.save_changes();
      });
      model.on("change:count", update);
      model.on("change:echo", update);
      update();
      el.classList.add("e2e-counter");
      el.append(button, " ", count, " ", echo);
    }
    export default { render };
    """
    count = traitlets.Int(0).tag(sync=True)
    echo = traitlets.Int(-1).tag(sync=True)

    @traitlets.observe("count")
    def _echo(self, change):
        self.echo = change["new"]


w = Counter()
w
'''.strip()


def test_counter_widget_round_trip(lab, page):
    write_notebook(lab.root, "smoke.ipynb", [COUNTER_CELL, 'print("COUNT", w.count)'])
    nb = open_notebook(page, lab, "smoke.ipynb")
    run_all(nb)
    assert cell_output_text(nb, 1) == "COUNT 0"

    widget = nb.cell(0).locator(".e2e-counter")
    button = widget.locator("button.e2e-counter-button")
    button.wait_for(state="visible")
    button.click()
    button.click()
    # count=2 is set by the browser; echo=2 only once the kernel received and answered it.
    widget.locator(".e2e-counter-count", has_text="count=2").wait_for()
    widget.locator(".e2e-counter-echo", has_text="echo=2").wait_for()

    run_cell(nb, 1)
    assert cell_output_text(nb, 1) == "COUNT 2"
    assert read_kernel_value(nb, "(w.count, w.echo)") == "(2, 2)"

    set_theme(page, dark=True)
    assert page.locator("body").get_attribute("data-jp-theme-light") == "false"
    screenshot(page, "smoke-counter-dark")
    assert_no_error_outputs(nb)
