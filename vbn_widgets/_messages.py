"""The one envelope for requests from the front end (style guide P5), shared by every widget.

A request is a JSON object ``{"kind": str, "id": str, ...fields}``. A widget passes its handlers
(``kind -> handler(content) -> reply``) to :func:`dispatch`, which checks the envelope, runs the
handler, clears the widget's ``error`` on success, and answers
``{"kind": "<kind>:ok", "id": id, **reply}`` (with binary buffers when the handler returns them)
or ``{"kind": "error", "id": id, "message": ...}`` after showing the message in the widget.
The browser is untrusted: nothing it sends may escape as an exception into the kernel, and a
handler validates every field (the ``need_*`` helpers) before it changes anything.

The JS side of the same envelope is ``js/src/lib/envelope.js``.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Collection, Mapping
from typing import Any, Union

from ._errors import USER_ERRORS, clear_error, error_text, show_error

log = logging.getLogger(__name__)

MAX_ID = 64

Reply = Union[dict, tuple[dict, list]]  # noqa: UP007 - a runtime alias on Python 3.10
Handler = Callable[[Mapping[str, Any]], Reply]


class RequestError(ValueError):
    """A request that cannot be honoured; the reply names the field or value at fault."""


def need_int(content: Mapping, key: str, low: int, high: int) -> int:
    value = content.get(key)
    if type(value) is not int or not low <= value <= high:
        raise RequestError(f"{key!r} must be an integer in [{low}, {high}], got {value!r:.40}")
    return value


def need_number(content: Mapping, key: str, *, allow_none: bool = False) -> float | None:
    value = content.get(key)
    if value is None and allow_none:
        return None
    if type(value) not in (int, float) or not math.isfinite(value):
        raise RequestError(f"{key!r} must be a finite number, got {value!r:.40}")
    return float(value)


def need_str(content: Mapping, key: str, limit: int = 400) -> str:
    value = content.get(key)
    if not isinstance(value, str) or len(value) > limit:
        raise RequestError(f"{key!r} must be a string of at most {limit} characters")
    return value


def need_bool(content: Mapping, key: str) -> bool:
    value = content.get(key)
    if type(value) is not bool:
        raise RequestError(f"{key!r} must be true or false, got {value!r:.40}")
    return value


def need_list(content: Mapping, key: str, limit: int) -> list:
    value = content.get(key)
    if not isinstance(value, list) or len(value) > limit:
        raise RequestError(f"{key!r} must be a list of at most {limit} items")
    return value


def need_choice(content: Mapping, key: str, choices: Collection[str]) -> str:
    value = content.get(key)
    if not isinstance(value, str) or value not in choices:
        raise RequestError(f"{key!r} must be one of {sorted(choices)}, got {value!r:.40}")
    return value


def request_id(content: object) -> str | None:
    value = content.get("id") if isinstance(content, dict) else None
    return value if isinstance(value, str) and len(value) <= MAX_ID else None


def dispatch(
    widget: Any,
    content: object,
    handlers: Mapping[str, Handler],
    *,
    guard: Callable[[], contextlib.AbstractContextManager] | None = None,
) -> None:
    """Validate one request, run its handler, reply (see the module docstring).

    ``guard``: a context manager factory held around the handler (e.g. the widget's lock, which
    may also refuse work after ``close``). A handler's :data:`USER_ERRORS` and
    :class:`RequestError` are answered with their message; anything else is logged and answered
    as an internal error. Either way the widget's ``error`` shows the message.
    """
    rid = request_id(content)
    kind = content.get("kind") if isinstance(content, dict) else None
    try:
        if not isinstance(content, dict):
            raise RequestError("a message must be a JSON object")
        handler = handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise RequestError(f"unknown message kind {kind!r:.40}")
        if rid is None:
            raise RequestError(f"{kind}: 'id' must be a string of at most {MAX_ID} characters")
        with guard() if guard is not None else contextlib.nullcontext():
            reply = handler(content)
        reply, buffers = reply if isinstance(reply, tuple) else (reply, [])
    except USER_ERRORS as err:
        _reply_error(widget, rid, err)
        return
    except Exception as err:  # the browser is untrusted: nothing it sends may escape
        log.exception("%s could not handle a %r message", type(widget).__name__, kind)
        _reply_error(widget, rid, err)
        return
    clear_error(widget)
    widget.send({**reply, "kind": f"{kind}:ok", "id": rid}, buffers=buffers)


def _reply_error(widget: Any, rid: str | None, err: BaseException) -> None:
    message = error_text(err)
    show_error(widget, message)
    widget.send({"kind": "error", "id": rid, "message": message})
