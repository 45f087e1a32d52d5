"""Text filters run RE2 (through pyarrow): linear time, RE2's syntax, and code that agrees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets.engine import SpecError, TableEngine
from vbn_widgets.engine.text import SYNTAX, regex_problem

# pandas warns when a regex has groups (it would rather we called str.extract): not our concern
pytestmark = pytest.mark.filterwarnings("ignore:This pattern is interpreted:UserWarning")


def text_engine(texts: list) -> tuple[TableEngine, pd.DataFrame]:
    frame = pd.DataFrame({"t": pd.array(texts, dtype="str")})
    return TableEngine(frame, category_limit=0), frame


def run(engine: TableEngine, frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    engine.set_filter({"column": "t", "kind": "text", **spec})
    result = eval(engine.to_code("df"), {"df": frame, "pd": pd, "np": np})  # noqa: S307
    pd.testing.assert_frame_equal(result, engine.filtered())
    return result


def test_a_catastrophic_pattern_for_backtracking_runs_in_linear_time():
    """``(.*.*)*=`` makes Python's ``re`` backtrack for minutes on these 6,000 strings; RE2
    (and so this test) is done at once."""
    rng = np.random.default_rng(3)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz "))
    texts = ["".join(rng.choice(letters, 70)) for _ in range(6_000)]
    texts[17] = texts[17][:30] + "=" + texts[17][31:]
    engine, frame = text_engine(texts)
    result = run(engine, frame, {"pattern": "(.*.*)*=", "regex": True})
    assert result.index.tolist() == [17]


def test_re2_semantics_in_the_engine_and_in_the_code():
    engine, frame = text_engine(["a\x0bb", "a b", "ÉCOLE", "école", "x1", None])
    # RE2's \s is ASCII space, tab, newline, CR, form feed: not the vertical tab (Python's is)
    assert run(engine, frame, {"pattern": r"a\sb", "regex": True}).index.tolist() == [1]
    assert run(engine, frame, {"pattern": "é", "case_sensitive": False}).index.tolist() == [2, 3]
    assert run(engine, frame, {"pattern": r"(?P<d>\d)$", "regex": True}).index.tolist() == [4]
    assert run(engine, frame, {"pattern": "B", "missing": "include"}).index.tolist() == [0, 1, 5]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("a(?=b)", "invalid perl operator: (?="),
        (r"(a)\1", r"invalid escape sequence: \1"),
        ("(?<!a)b", "invalid perl operator"),
        ("x{1001}", "invalid repetition size"),
        ("(", "missing )"),
    ],
)
def test_what_re2_cannot_run_is_refused_with_its_reason(pattern, reason):
    engine, _ = text_engine(["ab", "b"])
    engine.set_filter({"column": "t", "kind": "text", "pattern": "b"})
    with pytest.raises(SpecError, match="invalid regular expression") as err:
        engine.set_filter({"column": "t", "kind": "text", "pattern": pattern, "regex": True})
    assert reason in str(err.value) and SYNTAX in str(err.value)
    assert regex_problem(pattern) is not None
    assert engine.spec.filters[0].pattern == "b"  # nothing changed


def test_a_pattern_that_is_not_unicode_text_is_refused():
    engine, _ = text_engine(["ab"])
    with pytest.raises(SpecError, match="not valid Unicode"):
        engine.set_filter({"column": "t", "kind": "text", "pattern": "\ud800"})


def test_strict_filters_name_the_values_no_row_holds():
    frame = pd.DataFrame(
        {"area": ["VISp", "CA1", "VISp"], "areas": [["VISp"], ["CA1", "LP"], []]},
    )
    engine = TableEngine(frame)
    with pytest.raises(SpecError, match=r"column 'area': no row holds the value \['NOPE'\]"):
        engine.set_filter(
            {"column": "area", "kind": "values", "values": ["VISp", "NOPE"]}, strict=True
        )
    with pytest.raises(SpecError, match=r"column 'areas': no row holds the values \['X', 'Y'\]"):
        engine.set_spec(
            {"version": 1, "filters": [{"column": "areas", "kind": "list", "values": ["X", "Y"]}]},
            strict=True,
        )
    assert len(engine.spec) == 0
    engine.set_filter({"column": "area", "kind": "values", "values": ["NOPE"]})  # not strict
    assert engine.filtered_count == 0
