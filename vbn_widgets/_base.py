"""The base class of every anywidget in the package."""

from __future__ import annotations

import contextlib
import logging
from typing import ClassVar

import anywidget
import traitlets as t

from ._errors import show_error

log = logging.getLogger(__name__)


class StrictWidget(anywidget.AnyWidget):
    """What every widget of the package shares.

    - A misspelt option is an error, not a silently ignored keyword.
    - ``error``: the one place a widget shows its last error (``vbn_widgets._errors``).
    - The front end may write only the traits in :attr:`front_end_writable` (none by default):
      ipywidgets applies a browser's ``update`` message with ``set_trait``, which ignores
      ``read_only``, so every other key of such a message is dropped and logged, and nothing
      changes.
    """

    error = t.Unicode("", read_only=True).tag(sync=True)

    #: Synced traits the browser may set through the widget ``update`` channel.
    front_end_writable: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, **kwargs: object) -> None:
        unknown = sorted(set(kwargs) - set(self.trait_names()))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): {unknown}")
        super().__init__(**kwargs)

    def _trait_lock(self) -> contextlib.AbstractContextManager:
        """Held around every trait write from outside the kernel's own calls; a widget with
        threads of its own returns its lock."""
        return contextlib.nullcontext()

    def set_state(self, sync_data: object) -> None:
        """Apply an ``update`` from the front end: only :attr:`front_end_writable` traits."""
        if not isinstance(sync_data, dict):
            log.warning("%s: dropped a non-object update from the front end", type(self).__name__)
            return
        allowed = {k: v for k, v in sync_data.items() if k in self.front_end_writable}
        dropped = sorted(str(k)[:40] for k in sync_data if k not in allowed)
        if dropped:
            log.warning(
                "%s: the front end may not write %s; dropped", type(self).__name__, dropped[:10]
            )
        if allowed:
            with self._trait_lock():
                super().set_state(allowed)


class Shaped(t.Dict):
    """A dict trait with the keys of a TypedDict (``shape``), checked on every set (a refusal is
    shown in the widget's ``error`` too).

    Its ``wire`` metadata names the JS typedef of the same shape (the TypedDict's name without a
    ``JSON`` suffix); ``tests/test_contract.py`` compares the two. Nested values are the
    validator's business (e.g. the engine's spec parser). With ``allow_none=True`` None is
    accepted too (name it ``"X | null"`` in ``wire``).
    """

    def __init__(self, shape: type, **kwargs: object) -> None:
        self.shape = shape
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.metadata.setdefault("wire", shape.__name__.removesuffix("JSON"))
        self.metadata.setdefault("shape", shape)

    def validate(self, obj: object, value: object) -> dict | None:
        if value is None and self.allow_none:  # traitlets' _validate skips this; direct callers
            return None
        value = super().validate(obj, value)
        required = self.shape.__required_keys__  # type: ignore[attr-defined]
        allowed = required | self.shape.__optional_keys__  # type: ignore[attr-defined]
        missing = sorted(required - set(value))
        unknown = sorted(str(k)[:40] for k in value if k not in allowed)
        if missing or unknown:
            wire = self.metadata["wire"]
            message = (
                f"{type(obj).__name__}.{self.name}: a {wire} needs the keys {sorted(allowed)}"
                f" (missing {missing}, unknown {unknown[:5]})"
            )
            if isinstance(obj, StrictWidget):
                show_error(obj, message)
            raise t.TraitError(message)
        return value
