"""``Debounced``: run a function a little after the last of a burst of calls, and always before
the next notebook cell runs (so a cell run straight after a slider drag never reads a stale
value)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


def _shell_events() -> object | None:
    """IPython's event manager when running in a kernel, else None."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    return getattr(get_ipython(), "events", None)


class Debounced:
    """``call()`` schedules ``fn`` ``delay_s`` after the last call on the kernel's event loop;
    ``flush()`` runs a pending call now; IPython's ``pre_run_cell`` flushes it too.

    Without a running event loop (plain Python, tests) or with ``delay_s <= 0`` a call runs at
    once. ``close()`` drops a pending call and unhooks from IPython.
    """

    def __init__(self, fn: Callable[[], None], delay_s: float) -> None:
        self._fn = fn
        self.delay_s = float(delay_s)
        self._timer: asyncio.TimerHandle | None = None
        self._events = _shell_events()
        if self._events is not None:
            self._events.register("pre_run_cell", self._before_cell)  # type: ignore[attr-defined]

    @property
    def pending(self) -> bool:
        return self._timer is not None

    def call(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self.delay_s <= 0 or loop is None:
            self.flush(force=True)
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.delay_s, self.flush)

    def flush(self, *, force: bool = False) -> None:
        """Run the pending call now (``force``: run even when none is pending)."""
        if self._timer is None and not force:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._fn()

    def _before_cell(self, _info: object = None) -> None:
        self.flush()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._events is not None:
            with contextlib.suppress(ValueError):
                self._events.unregister("pre_run_cell", self._before_cell)  # type: ignore[attr-defined]
            self._events = None
