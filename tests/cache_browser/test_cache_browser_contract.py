"""What the cache browser's Python and JS sides both say, written once per side and compared:
the shapes of its structured traits and rows (shapes.py <-> shapes.js), the job vocabulary
(data/jobs.py <-> jobs.js), the file states, and the limits both sides enforce. The values the
widget really publishes are checked against the same shapes."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest
from vbn_testing.messages import ask
from vbn_testing.shapes import check_shape, leaves

from vbn_widgets.cache_browser import CacheBrowser, messages, shapes, widget
from vbn_widgets.data import VBNCache
from vbn_widgets.data.files import FileState
from vbn_widgets.data.jobs import vocabulary

JS = Path(__file__).parents[2] / "js" / "src" / "cache_browser"
TYPEDEF = re.compile(r"@typedef \{object\} (\w+)\n(.*?)\*/", re.DOTALL)


def js_typedefs() -> dict[str, set[str]]:
    """Every ``@typedef {object} Name`` of js/src/cache_browser/ with its property names."""
    found: dict[str, set[str]] = {}
    for path in JS.glob("*.js"):
        for name, body in TYPEDEF.findall(path.read_text()):
            assert name not in found, f"{name} is defined twice in js/src/cache_browser/"
            found[name] = set(re.findall(r"@property\s+\{[^}]*\}\s+(\w+)", body))
    return found


def js_block(path: Path, name: str) -> str:
    text = path.read_text()
    return text.split(f"/* {name}:begin */", 1)[1].split(f"/* {name}:end */", 1)[0]


def js_json(path: Path, name: str):
    """The JSON value of the ``export const X = /** @type {const} */ (...)`` in a marked block."""
    block = js_block(path, name)
    return json.loads(block.split("(", 1)[1].rsplit(")", 1)[0])


def js_number(path: Path, name: str) -> int:
    match = re.search(rf"export const {name} = ([\d_]+);", path.read_text())
    assert match, f"no `export const {name} = <number>;` in {path.name}"
    return int(match[1].replace("_", ""))


def typed_dicts(shape: type) -> list[type]:
    """``shape`` and every TypedDict its fields mention (in lists, unions), depth first."""
    out = [shape]
    for hint in typing.get_type_hints(shape).values():
        for arg in leaves(hint):
            if typing.is_typeddict(arg) and arg not in out:
                out += [s for s in typed_dicts(arg) if s not in out]
    return out


SHAPED = {
    name: trait.metadata["shape"]
    for name, trait in CacheBrowser.class_traits(sync=True).items()
    if "shape" in trait.metadata
}


def test_every_structured_trait_names_its_shape():
    structured = {
        name
        for name, trait in CacheBrowser.class_traits(sync=True).items()
        if type(trait).__name__ in ("Dict", "List") and not name.startswith("_")
    }
    assert (
        structured
        == set(SHAPED)
        == {
            "versions",
            "source",
            "totals",
            "transfer",
            "jobs",
            "comparison",
            "preview_summary",
            "task",
        }
    )


@pytest.mark.parametrize(
    "shape",
    sorted({s for top in [*SHAPED.values(), shapes.CacheRow] for s in typed_dicts(top)}, key=str),
    ids=lambda s: s.__name__,
)
def test_python_and_js_shapes_have_the_same_keys(shape):
    defs = js_typedefs()
    assert shape.__name__ in defs, f"no @typedef {{object}} {shape.__name__} in {JS}"
    assert set(shape.__annotations__) == defs[shape.__name__]


def test_the_js_job_vocabulary_is_data_jobs_vocabulary():
    assert js_json(JS / "jobs.js", "vocabulary") == vocabulary()


def test_file_states_agree():
    python = [s.value for s in FileState] + ["unchecked"]
    assert list(typing.get_args(shapes.FileStateName)) == python
    assert js_json(JS / "jobs.js", "file-states") == python


def test_limits_agree():
    from vbn_widgets.server import manager, validate

    assert js_number(JS / "cache_tree.js", "PAGE_ROWS") <= messages.MAX_ROWS
    assert js_number(JS / "server_api.js", "MAX_FILES") == validate.MAX_FILES == widget.MAX_PLAN
    assert js_number(JS / "server_api.js", "MAX_PATH") == validate.MAX_PATH
    assert js_number(JS / "server_api.js", "MAX_IDS") == validate.MAX_IDS
    assert js_number(JS / "server_api.js", "API_VERSION") == manager.API_VERSION
    for name, python in (
        ("Backend", shapes.Backend),
        ("BatchState", typing.get_type_hints(shapes.BatchInfo)["state"]),
    ):
        js = re.search(rf"@typedef \{{([^}}]*)\}} {name}\b", (JS / "shapes.js").read_text())
        assert js, f"no {name} typedef in shapes.js"
        assert set(re.findall(r'"([\w-]+)"', js[1])) == set(typing.get_args(python)), name


def test_published_values_have_their_shapes(demo_release, tmp_path, sent):
    browser = CacheBrowser(VBNCache.from_mirror(demo_release, tmp_path / "cache"))
    try:
        assert (browser.comparison, browser.preview_summary, browser.task) == (None, None, None)
        names = [v["name"] for v in browser.versions]
        browser.compare(names[0], names[1])
        ids = list(browser._tree.sessions)[:1]
        browser.preview(ids)
        browser.download(sessions=ids)
        browser.wait(timeout=120)
        browser.verify(sessions=ids)
        assert browser.transfer["batches"] and browser.jobs and browser.task
        for name, shape in SHAPED.items():
            value = getattr(browser, name)
            for one in value if isinstance(value, list) else [value]:
                check_shape(one, shape, name)
        ask(browser, sent, "toggle", row="g:ecephys")
        ask(browser, sent, "toggle", row=f"s:{ids[0]}")
        for row in ask(browser, sent, "rows", offset=0, limit=200)["rows"]:
            check_shape(row, shapes.CacheRow, row["id"])
            if row["job"] is not None:
                check_shape(row["job"], shapes.RowJob, row["id"])
    finally:
        browser.close()
