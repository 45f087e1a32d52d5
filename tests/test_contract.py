"""The synced state of each widget is written down twice, in Python and in JS; they must agree."""

import re
from pathlib import Path

import anywidget
import pytest

from vbn_widgets import ALL_WIDGETS
from vbn_widgets._static import STATIC
from vbn_widgets._static import widget_stem as _static_stem

JS_SRC = Path(__file__).parents[1] / "js" / "src"


def widget_stem(cls) -> str:
    stem = _static_stem(cls)
    assert stem in cls.__module__.split(".")[1:], f"{cls.__module__} does not match {stem}.js"
    return stem


FRAMEWORK = set(anywidget.AnyWidget.class_trait_names(sync=True)) | {
    "_esm",
    "_css",
    "_anywidget_id",
}


def js_model_keys(entry: Path) -> set[str]:
    typedef = entry.read_text().split("@typedef {object} Model", 1)[1].split("*/", 1)[0]
    return set(re.findall(r"@property\s+\{[^}]*\}\s+(\w+)", typedef))


def docstring_traits(cls) -> set[str]:
    table = cls.__doc__.split("Synced state", 1)[1]
    return set(re.findall(r"^\s+``(\w+)``\s{2,}", table, flags=re.MULTILINE))


@pytest.mark.parametrize("widget_cls", ALL_WIDGETS, ids=lambda c: c.__name__)
def test_python_js_and_docstring_agree_on_synced_state(widget_cls):
    python_keys = set(widget_cls.class_trait_names(sync=True)) - FRAMEWORK
    stem = widget_stem(widget_cls)
    assert python_keys == js_model_keys(JS_SRC / stem / f"{stem}.js")
    assert python_keys == docstring_traits(widget_cls)


@pytest.mark.parametrize("widget_cls", ALL_WIDGETS, ids=lambda c: c.__name__)
def test_one_module_one_entry_one_stylesheet(widget_cls):
    stem = widget_stem(widget_cls)
    assert (JS_SRC / stem / f"{stem}.js").is_file()
    assert (JS_SRC / stem / f"{stem}.css").is_file()
    for suffix in ("js", "css"):
        assert (STATIC / f"{stem}.{suffix}").is_file(), "run `npm run build` in js/"
