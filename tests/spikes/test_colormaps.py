"""The colormap is defined once per side: the Python table (used by ``figure()``) equals the JS
one (used by the canvas), and both are plotly's perceptually uniform scales."""

from __future__ import annotations

import json
import re
from pathlib import Path

import plotly.colors

from vbn_widgets.spikes.colormaps import COLORMAPS, plotly_scale

JS = Path(__file__).parents[2] / "js" / "src" / "spike_explorer" / "colormap.js"


def js_colormaps() -> dict[str, list[str]]:
    body = JS.read_text().split("export const COLORMAPS = {", 1)[1].split("};", 1)[0]
    return {name: json.loads(stops) for name, stops in re.findall(r"(\w+): (\[[^\]]*\])", body)}


def test_python_and_js_tables_agree():
    assert {k: list(v) for k, v in COLORMAPS.items()} == js_colormaps()


def test_tables_are_plotlys_uniform_scales():
    assert list(COLORMAPS["viridis"]) == plotly.colors.sequential.Viridis
    assert list(COLORMAPS["cividis"]) == plotly.colors.sequential.Cividis
    assert plotly_scale("viridis")[0] == [0.0, "#440154"]
    assert plotly_scale("viridis")[-1] == [1.0, "#fde725"]
