"""The one request envelope: replies echo the id, errors are shown and answered, nothing escapes,
and a rejected request changes nothing."""

from __future__ import annotations

import pytest
import traitlets as t

from vbn_widgets._base import StrictWidget
from vbn_widgets._errors import shown
from vbn_widgets._messages import RequestError, dispatch, need_int


class Counter(StrictWidget):
    count = t.Int(0, read_only=True).tag(sync=True)

    def __init__(self) -> None:
        super().__init__()
        self.sent: list = []
        self.send = lambda msg, buffers=None: self.sent.append((msg, buffers))
        self.on_msg(lambda _w, content, _b: dispatch(self, content, self.handlers()))

    @shown
    def add(self, n: int) -> None:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        self.set_trait("count", self.count + n)

    def handlers(self):
        return {
            "add": lambda c: self.add(need_int(c, "n", -5, 5)) or {"count": self.count},
            "boom": lambda c: 1 / 0,
            "bytes": lambda c: ({"n": 1}, [b"\x01"]),
        }


def deliver(widget, content):
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )
    return widget.sent.pop()


def test_ok_reply_echoes_id_and_clears_the_error():
    w = Counter()
    msg, _ = deliver(w, {"kind": "add", "id": "a", "n": -1})
    assert msg == {"kind": "error", "id": "a", "message": "n must be >= 0, got -1"}
    assert w.error == "n must be >= 0, got -1" and w.count == 0
    msg, buffers = deliver(w, {"kind": "add", "id": "b", "n": 2})
    assert msg == {"kind": "add:ok", "id": "b", "count": 2} and buffers == []
    assert w.error == ""
    assert deliver(w, {"kind": "bytes", "id": "c"}) == (
        {"kind": "bytes:ok", "id": "c", "n": 1},
        [b"\x01"],
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([], "a message must be a JSON object"),
        ({"kind": "nope", "id": "x"}, "unknown message kind 'nope'"),
        ({"kind": "add", "n": 1}, "add: 'id' must be a string of at most 64 characters"),
        ({"kind": "add", "id": "x" * 65, "n": 1}, "'id' must be a string"),
        ({"kind": "add", "id": "x", "n": 9}, "'n' must be an integer in [-5, 5], got 9"),
        ({"kind": "add", "id": "x", "n": True}, "'n' must be an integer"),
        ({"kind": "boom", "id": "x"}, "internal error: ZeroDivisionError"),
    ],
)
def test_bad_requests_are_answered_and_change_nothing(content, message):
    w = Counter()
    msg, _ = deliver(w, content)
    assert msg["kind"] == "error" and message in msg["message"]
    assert w.count == 0 and message in w.error


def test_python_errors_are_shown_and_raised():
    w = Counter()
    with pytest.raises(ValueError, match=">= 0"):
        w.add(-2)
    assert ">= 0" in w.error
    w.add(1)
    assert w.error == ""
    with pytest.raises(RequestError):
        need_int({"n": "1"}, "n", 0, 1)
