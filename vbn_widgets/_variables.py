"""Writing results into the user's notebook namespace, under names that cannot break it.

An export name must be a plain identifier the notebook does not rely on: not a keyword, not a
builtin (``print``, ``len``), not a dunder (``__builtins__``, ``__name__``), not one of IPython's
own names (``get_ipython``, ``In``, ``Out``, ``exit``, ``quit``, ``_``, ``__``, ``___``, ``_i``,
``_ii``, ``_iii``, ``_iN``, ``_N``, ``_oh``, ``_dh``, ``_ih``), already in NFKC normal form (Python
folds full-width letters, so a full-width ``units`` would silently write ``units``), and at most
64 characters.

:class:`ExportTarget` remembers what a widget wrote, so that a request from the browser to write
over a value the widget did not put there can ask the user first.
"""

from __future__ import annotations

import builtins
import keyword
import re
import sys
import unicodedata
import weakref
from collections.abc import Callable

MAX_NAME = 64
IPYTHON_NAMES = frozenset(
    {"get_ipython", "In", "Out", "exit", "quit", "_", "__", "___", "_i", "_ii", "_iii"}
    | {"_oh", "_dh", "_ih", "_sh", "display"}
)
_IPYTHON_NUMBERED = re.compile(r"_i?\d+|_i[io]*")


class ExportNameError(ValueError):
    """A name that cannot receive an export; the message says why and what to use instead."""


def check_variable_name(name: object) -> str:
    """``name`` if a widget may write it into the notebook, else an :class:`ExportNameError`."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ExportNameError(
            f"{name!r:.80} cannot be a variable name: use a Python identifier that is not a keyword"
        )
    why = None
    if len(name) > MAX_NAME:
        why = f"it is longer than {MAX_NAME} characters"
    elif unicodedata.normalize("NFKC", name) != name:
        folded = unicodedata.normalize("NFKC", name)
        why = f"Python reads it as {folded!r} (NFKC normalisation): type that name instead"
    elif name.startswith("__") and name.endswith("__"):
        why = "dunder names belong to Python"
    elif name in IPYTHON_NAMES or _IPYTHON_NUMBERED.fullmatch(name):
        why = "IPython uses it for its own history and tools"
    elif hasattr(builtins, name):
        why = "it is a Python builtin"
    if why is not None:
        raise ExportNameError(f"cannot export to {name[:MAX_NAME]!r}: {why}; choose another name")
    return name


def user_namespace() -> dict:
    """The IPython kernel's user namespace, or ``__main__``'s globals outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        shell = None
    else:
        shell = get_ipython()
    if shell is not None:
        return shell.user_ns
    return sys.modules["__main__"].__dict__


def write_variable(name: str, value: object) -> None:
    user_namespace()[check_variable_name(name)] = value


class ExportTarget:
    """The variables one widget writes, and whether writing a name would replace a user's value.

    A name is the widget's own when it is free, or when it still holds the very object this
    target last wrote there.
    """

    def __init__(self) -> None:
        self._written: dict[str, Callable[[], object]] = {}

    def write(self, name: str, value: object) -> None:
        write_variable(name, value)
        try:  # a weak reference where the type allows it: exports can be large tables
            self._written[name] = weakref.ref(value)
        except TypeError:
            self._written[name] = lambda value=value: value

    def would_replace(self, name: str) -> bool:
        """True when ``name`` holds something this target did not write (ask first)."""
        namespace = user_namespace()
        if name not in namespace:
            return False
        last = self._written.get(name)
        return last is None or last() is not namespace[name]
