"""The browser is untrusted: random and malformed messages never escape, never change state."""

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vbn_widgets import TableExplorer, VBNCache

KINDS = ["page", "summary", "set-filter", "clear-filter", "clear-filters", "sort", "select"]


@pytest.fixture(scope="module")
def small_units(demo_release):
    units = VBNCache.from_local_cache(demo_release, use_static_cache=True).get_unit_table()
    return units.iloc[:400]


def state(widget):
    return (
        repr(widget.filters),
        tuple(map(tuple, widget.sort)),
        widget._selected.tobytes(),
        widget.filtered_count,
        widget.selected_count,
    )


def deliver(widget, content):
    """Send one message; return the single reply. Any exception here fails the test."""
    replies = []
    widget.send = lambda msg, buffers=None: replies.append(msg)
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )
    assert len(replies) == 1, f"{content!r:.200} got {len(replies)} replies"
    return replies[0]


def check(widget, content):
    before = state(widget)
    reply = deliver(widget, content)
    if reply["kind"] == "error":
        assert state(widget) == before, f"rejected {content!r:.200} changed state"
        assert widget.error and reply["message"] == widget.error[: len(reply["message"])]
        want_id = content.get("id") if isinstance(content, dict) else None
        if isinstance(want_id, str) and len(want_id) <= 64:
            assert reply["id"] == want_id
    else:
        assert reply["kind"].endswith(":ok") and reply["id"] == content["id"]
    return reply


WEIRD = [
    None,
    True,
    False,
    -1,
    0,
    1,
    2**31,
    2**63,
    -(2**63),
    1.5,
    math.nan,
    math.inf,
    -math.inf,
    "",
    "x" * 10_000,
    "snr",
    "nope",
    "<img src=x onerror=alert(1)>",
    [],
    {},
    [[[]]],
    {"a": {"b": {"c": []}}},
    ["snr", "asc"],
    "__import__('os').system('true')",
]


def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def random_message(rng, columns):
    kind = rng.choice([*KINDS, *KINDS, "nope", "", None, 3])
    msg = {
        "kind": kind,
        "id": rng.choice([f"r{rng.randrange(10**6)}"] * 6 + [None, 7, "x" * 65, ""]),
    }
    column = rng.choice([*columns, *columns, "nope", None, 4, ""])
    field = lambda: rng.choice(WEIRD)  # noqa: E731
    if kind == "page":
        msg |= {
            "offset": rng.choice([0, 5, 399, 400, 10**9, -1, 2.0, None, field()]),
            "limit": rng.choice([1, 100, 500, 501, 0, -5, field()]),
        }
    elif kind == "summary":
        msg["columns"] = rng.choice(
            [[column], [column, column], list(columns), field(), [rng.choice(columns)] * 65]
        )
    elif kind == "set-filter":
        fkind = rng.choice(["range", "values", "text", "list", "date", "bool", "bad", None])
        filt = {
            "column": column,
            "kind": fkind,
            "missing": rng.choice(["exclude", "include", "maybe"]),
        }
        filt |= rng.choice(
            [
                {"min": field(), "max": field(), "min_inclusive": True, "max_inclusive": field()},
                {
                    "min": rng.uniform(-1, 5),
                    "max": rng.uniform(0, 50),
                    "min_inclusive": True,
                    "max_inclusive": False,
                },
                {"values": rng.choice([["VISp", "CA1"], [field()], field(), list(range(20_000))])},
                {
                    "pattern": rng.choice(["VIS", "(", "[a-", "^C", field()]),
                    "regex": field(),
                    "case_sensitive": False,
                },
                {"start": field(), "end": "2021-01-01"},
                {"value": field()},
                {"extra": 1},
                {"values": nested(rng.choice([3, 50, 2000]))},
            ]
        )
        msg["filter"] = rng.choice([filt, filt, filt, field()])
    elif kind == "clear-filter":
        msg["column"] = column
    elif kind == "sort":
        msg["keys"] = rng.choice(
            [
                [[column, "asc"]],
                [[column, "desc"], ["snr", "asc"]],
                [[column, "up"]],
                field(),
                [["snr", "asc"]] * 9,
                [[column]],
            ]
        )
    elif kind == "select":
        msg["op"] = rng.choice(["set", "toggle", "add", "range", "all", "none", "bad", field()])
        msg["rows"] = rng.choice(
            [[0, 1, 2], [rng.randrange(-5, 500)], field(), list(range(10_001)), [1.0], [True]]
        )
        msg["from"], msg["to"] = rng.choice([(0, 9), (9, 0), (-1, 3), (0, 10**9), (field(), 1)])
    if rng.random() < 0.1:
        msg.pop(rng.choice(list(msg)))
    return rng.choice([msg] * 9 + [field()])


def test_a_thousand_random_messages(small_units):
    widget = TableExplorer(small_units)
    columns = [c["name"] for c in widget.columns]
    rng = random.Random(20261124)
    kinds = {"error": 0, "ok": 0}
    for _ in range(1500):
        reply = check(widget, random_message(rng, columns))
        kinds["error" if reply["kind"] == "error" else "ok"] += 1
    assert kinds["error"] >= 500 and kinds["ok"] >= 100  # both paths were exercised


def test_deep_nesting_and_huge_values_are_reported(small_units):
    widget = TableExplorer(small_units)
    for content in (
        nested(5000),
        {"kind": "set-filter", "id": "d", "filter": nested(5000)},
        {"kind": "summary", "id": "h", "columns": ["snr"] * 100_000},
        {"kind": "page", "id": "n", "offset": math.nan, "limit": 10},
    ):
        assert check(widget, content)["kind"] == "error"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(
        st.sampled_from(
            ["kind", "id", "offset", "limit", "filter", "columns", "keys", "op", "rows", "column"]
        ),
        json_values,
    )
    | json_values,
    kind=st.sampled_from(KINDS),
)
def test_arbitrary_json_never_escapes(small_units, body, kind):
    widget = _widget_for(small_units)
    if isinstance(body, dict) and "kind" not in body:
        body = {**body, "kind": kind}
    check(widget, body)


_WIDGETS = {}


def _widget_for(frame):
    if id(frame) not in _WIDGETS:
        _WIDGETS[id(frame)] = TableExplorer(frame)
    return _WIDGETS[id(frame)]
