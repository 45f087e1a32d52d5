"""Writing results into the user's notebook namespace."""

from __future__ import annotations

import keyword
import sys


def check_variable_name(name: object) -> str:
    """``name`` if it is a Python identifier that is not a keyword, else a ValueError naming it."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(
            f"{name!r} cannot be a variable name: use a Python identifier that is not a keyword"
        )
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
