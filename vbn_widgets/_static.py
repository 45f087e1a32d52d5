from pathlib import Path

STATIC = Path(__file__).parent / "static"


def widget_stem(cls: type) -> str:
    """The stem a widget's Python module (or package), JS entry and CSS file share."""
    esm = cls._esm  # a Path, or anywidget's FileContents wrapping one
    return Path(getattr(esm, "_path", esm)).stem
