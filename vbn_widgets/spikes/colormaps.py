"""The heatmap's perceptually uniform colormaps: ten evenly spaced stops each, interpolated
linearly (plotly's ``Viridis`` and ``Cividis``). The JS copy is
``js/src/spike_explorer/colormap.js``; a test checks that the two agree."""

from __future__ import annotations

COLORMAPS: dict[str, tuple[str, ...]] = {
    "viridis": (
        "#440154", "#482878", "#3e4989", "#31688e", "#26828e",
        "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725",
    ),
    "cividis": (
        "#00224e", "#123570", "#3b496c", "#575d6d", "#707173",
        "#8a8678", "#a59c74", "#c3b369", "#e1cc55", "#fee838",
    ),
}  # fmt: skip


def plotly_scale(name: str) -> list[list[object]]:
    """``COLORMAPS[name]`` as a plotly colorscale."""
    stops = COLORMAPS[name]
    return [[i / (len(stops) - 1), color] for i, color in enumerate(stops)]
