"""The job vocabulary is defined once (data/jobs.py) and the queue, the file operations, the job
board and the server speak only its words."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

import pytest

from vbn_widgets.data import jobs
from vbn_widgets.data.jobs import (
    BATCH_FIELDS,
    ERROR_KINDS,
    FILE_RESULTS,
    JOB_FIELDS,
    JOB_STATES,
    OPERATION_FIELDS,
    BatchSnapshot,
    JobSnapshot,
    JobState,
    check_fields,
    check_job,
    vocabulary,
)
from vbn_widgets.server import validate

PACKAGE = Path(jobs.__file__).resolve().parents[1]
# Modules that talk about jobs and must take their words from data/jobs.py.
SPEAKERS = [
    PACKAGE / "data" / name
    for name in (
        "transfers.py",
        "queue_views.py",
        "job_runtime.py",
        "job_plan.py",
        "file_ops.py",
        "job_board.py",
    )
] + sorted((PACKAGE / "server").glob("*.py"))
WORDS = {
    "job state": set(JOB_STATES),
    "error kind": set(ERROR_KINDS),
    "file result": set(FILE_RESULTS) - {"verified", "missing"},  # also FileState words
}


def test_vocabulary_is_json_and_agrees_with_the_python_types():
    vocab = vocabulary()
    assert json.loads(json.dumps(vocab)) == vocab
    assert vocab["job_states"] == [s.value for s in JobState]
    assert set(vocab["active_states"]) | set(vocab["finished_states"]) == set(JOB_STATES)
    assert not set(vocab["active_states"]) & set(vocab["finished_states"])
    assert [f.name for f in dataclasses.fields(JobSnapshot)] == list(JOB_FIELDS)
    assert [f.name for f in dataclasses.fields(BatchSnapshot)] == list(BATCH_FIELDS)
    types = set(jobs._CHECKS)
    for fields in (JOB_FIELDS, BATCH_FIELDS, OPERATION_FIELDS):
        for kind in fields.values():
            base, _, null = kind.partition("|")
            assert base in types, kind
            assert null in ("", "null"), kind
    assert re.compile(vocab["id_pattern"]).match("0123456789abcdef" * 2)


def test_the_server_id_check_is_the_vocabularys():
    # validate.py keeps its own compiled copy so the extension loads without the data layer
    assert validate.ID.pattern == jobs.ID_PATTERN


def test_check_job_names_the_bad_field():
    job = {
        "id": "a" * 32,
        "batch": "b" * 32,
        "cache_dir": "/c",
        "manifest": "m.json",
        "ref": 7,
        "key": "k",
        "path": "/c/k",
        "state": "running",
        "bytes_done": 5,
        "bytes_total": None,
        "rate": 1.5,
        "eta_s": None,
        "error": None,
        "error_kind": None,
        "submitted": 1.0,
        "finished": None,
        "later_field": "allowed",
    }
    assert check_job(job) is job
    for name, value in [
        ("id", "A" * 32),
        ("state", "paused"),
        ("error_kind", "boom"),
        ("bytes_done", -1),
        ("bytes_done", True),
        ("rate", float("nan")),
        ("ref", -3),
        ("submitted", None),
    ]:
        with pytest.raises(ValueError, match=rf"jobs\[3\]\.{name} must be"):
            check_job({**job, name: value}, "jobs[3]")
    missing = {k: v for k, v in job.items() if k != "finished"}
    with pytest.raises(ValueError, match=r"job\.finished must be number\|null"):
        check_job(missing)
    with pytest.raises(ValueError, match="counts"):
        check_fields({"counts": {"paused": 1}}, {"counts": "counts"}, "batch")


def _word_groups(path: Path):
    """(line, group, words) of every tuple/list/set literal naming two or more words of one
    vocabulary group: a second definition of the vocabulary."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            constants = [e for e in node.elts if isinstance(e, ast.Constant)]
            strings = {e.value for e in constants if isinstance(e.value, str)}
            for group, words in WORDS.items():
                if len(strings & words) >= 2:
                    yield node.lineno, group, sorted(strings & words)


@pytest.mark.parametrize("path", SPEAKERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_module_redefines_the_vocabulary(path):
    assert list(_word_groups(path)) == []
    text = path.read_text()
    if path.name != "validate.py":  # the one checked copy (test above)
        assert "[0-9a-f]{32}" not in text, f"{path.name} spells the id pattern itself"
    # every word it tests a value against (==, !=) is one of the vocabulary's
    tree = ast.parse(text)
    compared = {
        c.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and all(isinstance(o, (ast.Eq, ast.NotEq)) for o in node.ops)
        for c in [node.left, *node.comparators]
        if isinstance(c, ast.Constant) and isinstance(c.value, str)
    }
    unknown = {w for w in compared if re.fullmatch(r"[a-z][a-z-]+", w)} - (
        set(JOB_STATES) | set(ERROR_KINDS) | set(FILE_RESULTS) | {"verify", "delete"}
    )
    assert not unknown, f"{path.name} compares with words not in the vocabulary: {unknown}"


def test_snapshots_carry_exactly_the_vocabulary_fields(demo_release, tmp_path):
    from vbn_widgets import VBNCache
    from vbn_widgets.data.transfers import DownloadQueue

    queue = DownloadQueue(max_workers=1)
    try:
        cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
        batch, jobs_, _ = queue.enqueue(cache, ["probes", "nope_table"][:1])
        assert queue.wait(timeout=60)
        job = queue.get(jobs_[0].id).to_json()
        assert list(job) == list(JOB_FIELDS)
        check_job(job)
        assert list(queue.batch(batch.id).to_json()) == list(BATCH_FIELDS)
        check_fields(queue.batch(batch.id).to_json(), BATCH_FIELDS, "batch")
        op = queue.verify_many(cache, ["probes"])
        assert queue.wait_operation(op["id"], timeout=60)
        done = queue.operation(op["id"])
        assert set(done) == set(OPERATION_FIELDS) | {"items"}
        check_fields(done, OPERATION_FIELDS, "operation")
        assert done["items"][0]["result"] in FILE_RESULTS
    finally:
        queue.shutdown()
