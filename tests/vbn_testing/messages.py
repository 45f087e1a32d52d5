"""Front-end messages delivered to a widget as the browser would send them (no browser)."""

from __future__ import annotations


def custom(widget, content) -> None:
    """Deliver one custom message through the widget's comm handler."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


def replies(sent) -> list[dict]:
    """The custom messages the kernel sent, from the ``sent`` recording-comm fixture."""
    return [
        d["content"] for kind, d, _ in sent if kind == "comm_msg" and d.get("method") == "custom"
    ]


def replies_with_buffers(sent) -> list[tuple[dict, list]]:
    """Like :func:`replies`, with each message's binary buffers."""
    return [
        (d["content"], b)
        for kind, d, b in sent
        if kind == "comm_msg" and d.get("method") == "custom"
    ]


def ask(widget, sent, kind: str, **fields) -> dict:
    """Send one request; return its one reply (``<kind>:ok`` or ``error``) with the same id."""
    before = len(replies(sent))
    custom(widget, {"kind": kind, "id": f"r-{kind}", **fields})
    (reply,) = replies(sent)[before:]
    assert reply["id"] == f"r-{kind}"
    return reply


def update(widget, state: object, buffer_paths: object = ()) -> None:
    """Deliver one widget ``update`` (a front end setting traits) through the comm handler."""
    widget._handle_msg(
        {
            "content": {
                "data": {"method": "update", "state": state, "buffer_paths": list(buffer_paths)}
            },
            "buffers": [],
        }
    )
