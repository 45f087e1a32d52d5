"""The synced state of each widget is written down twice, in Python and in JS; they must agree."""

import re
from pathlib import Path

import anywidget
import pytest
import traitlets

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


# ---- structured traits say their shape --------------------------------------------------------


def js_model_types(entry: Path) -> dict[str, str]:
    typedef = entry.read_text().split("@typedef {object} Model", 1)[1].split("*/", 1)[0]
    found = re.findall(r"@property\s+\{([^}]*)\}\s+(\w+)", typedef)
    return {name: kind.strip() for kind, name in found}


def docstring_types(cls) -> dict[str, str]:
    table = cls.__doc__.split("Synced state", 1)[1]
    return dict(re.findall(r"^\s+``(\w+)``\s{2,}(\S+)", table, flags=re.MULTILINE))


def is_structured(trait) -> bool:
    inner = getattr(trait, "_trait", None)
    return isinstance(trait, traitlets.Dict) or isinstance(inner, traitlets.Dict | traitlets.List)


@pytest.mark.parametrize("widget_cls", ALL_WIDGETS, ids=lambda c: c.__name__)
def test_declared_shapes_agree_with_js_and_docstring(widget_cls):
    stem = widget_stem(widget_cls)
    js = js_model_types(JS_SRC / stem / f"{stem}.js")
    doc = docstring_types(widget_cls)
    for name, trait in widget_cls.class_traits(sync=True).items():
        wire = trait.metadata.get("wire")
        if wire is not None:  # "T | null" in JS is "T|null" in the docstring's table
            want = wire.replace(" ", "")
            got = (js[name].replace(" ", ""), doc[name].replace(" ", ""))
            assert (want, want) == got, f"{widget_cls.__name__}.{name}"


@pytest.mark.parametrize("widget_cls", ALL_WIDGETS, ids=lambda c: c.__name__)
def test_every_structured_trait_declares_its_shape(widget_cls):
    untyped = [
        name
        for name, trait in widget_cls.class_traits(sync=True).items()
        if name not in FRAMEWORK and is_structured(trait) and "wire" not in trait.metadata
    ]
    assert untyped == []


# ---- the TableExplorer protocol: one definition per side, equal -------------------------------

PROTOCOL_JS = (JS_SRC / "table_explorer" / "protocol.js").read_text()


def js_typedef_keys() -> dict[str, set[str]]:
    shapes = re.findall(r"@typedef \{\{ (.*?) \}\} (\w+) \*/", PROTOCOL_JS)
    return {name: set(re.findall(r"(\w+): ", body)) for body, name in shapes}


def js_union(name: str) -> set[str]:
    body = re.search(rf"@typedef \{{([^}}]*)\}} {name} \*/", PROTOCOL_JS).group(1)
    return set(re.findall(r'"([^"]+)"', body))


def test_limits_and_kinds_agree():
    from vbn_widgets.engine import protocol

    limit = re.search(r"export const MAX_SORT_KEYS = (\d+);", PROTOCOL_JS).group(1)
    assert int(limit) == protocol.MAX_SORT_KEYS
    window = (JS_SRC / "lib" / "virtual_window.js").read_text()
    page = int(re.search(r"export const PAGE_SIZE = (\d+);", window).group(1))
    assert 0 < page <= protocol.MAX_PAGE  # the pages the grid asks for are allowed
    kinds = re.search(r"export const FILTER_KIND = .*?\(\{(.*?)\}\)", PROTOCOL_JS, re.S).group(1)
    assert dict(re.findall(r"(\w+): \"(\w+)\"", kinds)) == protocol.FILTER_KIND
    assert js_union("ColumnKind") == set(protocol.KINDS) == set(protocol.FILTER_KIND)
    assert js_union("MissingMode") == set(protocol.MISSING)
    assert re.search(r"\{ version: (\d+), filters", PROTOCOL_JS).group(1) == str(
        protocol.SPEC_VERSION
    )


def test_wire_shapes_agree():
    from vbn_widgets.engine.protocol import SHAPES

    js = js_typedef_keys()
    for name, shape in SHAPES.items():
        assert set(shape.__annotations__) == js[name], name


def test_page_separators_agree():
    from vbn_widgets import _page_codec

    codec = (JS_SRC / "table_explorer" / "page_codec.js").read_text()

    def js_char(name: str) -> str:
        escape = re.search(rf'export const {name} = "\\u([0-9a-fA-F]{{4}})";', codec).group(1)
        return chr(int(escape, 16))

    assert js_char("ROW_SEP") == _page_codec.ROW
    assert js_char("CELL_SEP") == _page_codec.CELL
    assert js_char("MISSING") == _page_codec.MISSING
