"""One way to show an error: the widget's ``error`` trait, set on failure and cleared on success.

Every widget (anywidget or composed from ipywidgets) has an ``error`` string trait. A failing
Python call or browser request sets it (and the call still raises, or the request is answered
with an error); the next call that succeeds clears it. The front end shows the trait; composed
widgets show it with :func:`error_line`.
"""

from __future__ import annotations

import contextlib
import functools
import html
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .data.errors import VBNDataError

MAX_ERROR = 500

#: What a user's mistake raises: shown in the widget and raised. Anything else is a bug: it is
#: raised too, and shown with its type name.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, KeyError, TypeError, VBNDataError)

F = TypeVar("F", bound=Callable[..., Any])


def error_text(err: BaseException | str) -> str:
    """The message a user reads: a KeyError's text without repr quotes, capped in length."""
    if isinstance(err, str):
        text = err
    elif isinstance(err, KeyError) and err.args:
        text = str(err.args[0])
    elif isinstance(err, USER_ERRORS):
        text = str(err)
    else:
        text = f"internal error: {type(err).__name__}: {err}"
    return text[:MAX_ERROR]


def _trait_lock(widget: object) -> contextlib.AbstractContextManager:
    lock = getattr(widget, "_trait_lock", None)
    return lock() if callable(lock) else contextlib.nullcontext()


def show_error(widget: object, err: BaseException | str) -> None:
    """Show ``err`` in the widget (under the widget's trait lock when it has one)."""
    with _trait_lock(widget):
        widget.set_trait("error", error_text(err))  # type: ignore[attr-defined]


def clear_error(widget: object) -> None:
    if getattr(widget, "error", ""):
        with _trait_lock(widget):
            widget.set_trait("error", "")  # type: ignore[attr-defined]


@contextlib.contextmanager
def showing_errors(widget: object) -> Iterator[None]:
    """Run a block: any exception is shown in the widget and re-raised; success clears it."""
    try:
        yield
    except BaseException as err:
        if isinstance(err, Exception):
            show_error(widget, err)
        raise
    clear_error(widget)


def shown(method: F) -> F:
    """Decorate a public widget method: its errors are shown in the widget and raised."""

    @functools.wraps(method)
    def wrapper(self: object, *args: Any, **kwargs: Any) -> Any:
        with showing_errors(self):
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def error_html(text: str) -> str:
    """An error as HTML for an ipywidgets ``HTML`` line: escaped, in the theme's error colour."""
    if not text:
        return ""
    return (
        '<span class="vbn-error" role="alert" style="color: var(--jp-error-color1, #d32f2f)">'
        f"{html.escape(text)}</span>"
    )


def error_line(widget: Any) -> Any:
    """An ``ipywidgets.HTML`` that always shows ``widget.error`` (for composed widgets)."""
    import ipywidgets as ipw

    line = ipw.HTML(error_html(widget.error)).add_class("vbn-error-line")

    def follow(change: dict) -> None:
        line.value = error_html(change["new"])

    widget.observe(follow, names=["error"])
    return line
