"""The notebooks: committed without outputs, one data-location convention, and 01-04, 06 executed
in a real kernel (nbclient) against a small demo that the first cell must not rebuild."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from conftest import tree_snapshot

from vbn_widgets.demo_job import DATA_ENV, ensure_demo_data

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXECUTED = [
    "01_quickstart.ipynb",
    "02_quality_metrics.ipynb",
    "03_cache_and_downloads.ipynb",
    "04_sessions_and_linking.ipynb",
    "06_session_data.ipynb",
    "07_responses.ipynb",
]
NOT_EXECUTED = ["05_real_s3.ipynb"]  # needs the internet


def load(name: str) -> dict:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def code_cells(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def test_the_notebooks_are_the_documented_ones():
    found = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted(EXECUTED + NOT_EXECUTED)
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    for name in found:
        assert name in readme, f"notebooks/README.md does not mention {name}"


@pytest.mark.parametrize("name", EXECUTED + NOT_EXECUTED)
def test_committed_without_outputs_and_valid(name):
    import nbformat

    notebook = load(name)
    nbformat.validate(nbformat.reads(json.dumps(notebook), as_version=4))
    assert "widgets" not in notebook["metadata"], f"{name} stores widget state"
    for i, cell in enumerate(code_cells(notebook)):
        assert cell["outputs"] == [], f"{name}: code cell {i} has outputs"
        assert cell["execution_count"] is None, f"{name}: code cell {i} has an execution count"
        ast.parse(source(cell), filename=f"{name} cell {i}")  # no syntax errors, even in 05


@pytest.mark.parametrize("name", EXECUTED)
def test_first_code_cell_reads_the_data_location(name):
    first = source(code_cells(load(name))[0])
    assert DATA_ENV in first
    assert "cache = ensure_demo_data().cache()" in first
    for cell in code_cells(load(name))[1:]:
        assert "ensure_demo_data" not in source(cell), f"{name}: only the first cell finds data"


def test_the_s3_notebook_reads_its_own_variable():
    first = source(code_cells(load("05_real_s3.ipynb"))[0])
    assert 'os.environ.get("VBN_WIDGETS_S3_CACHE")' in first
    assert "VBNCache.from_s3_cache(" in first


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("notebook-demo")
    ensure_demo_data(root, scale=0.02)
    return root


@pytest.mark.parametrize("name", EXECUTED)
def test_notebook_runs_without_errors(name, small_demo, monkeypatch, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv(DATA_ENV, str(small_demo))  # the kernel inherits it
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    release = tree_snapshot(small_demo / "release")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    problems = []
    for i, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                problems.append(f"cell {i}: {output['ename']}: {output['evalue']}")
            elif output["output_type"] == "stream" and output["name"] == "stderr":
                problems.append(f"cell {i} wrote to stderr: {output['text'][:300]}")
    assert not problems, f"{name}:\n" + "\n".join(problems)
    assert tree_snapshot(small_demo / "release") == release  # the demo was not rebuilt
