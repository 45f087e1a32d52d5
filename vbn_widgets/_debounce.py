"""Work done later in the kernel, and always before the next notebook cell runs.

``Debounced`` runs a function a little after the last of a burst of calls (so a cell run
straight after a slider drag never reads a stale value); ``Stepwise`` builds something a step
per turn of the event loop (so a widget shows at once and fills in).
"""

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


class Stepwise:
    """Run ``steps``, from :meth:`start` on, one per turn of the kernel's event loop, so that
    the kernel answers the browser between them (a widget shows at once and fills in);
    :meth:`finish` runs the rest now, and IPython's ``pre_run_cell`` does too (the next cell
    sees everything built).

    Without a running event loop every step runs at once. A step that raises is passed to
    ``on_error`` and the others still run. Inside a step :meth:`finish` does nothing: the step
    sees what is built so far.
    """

    def __init__(
        self, steps: list[Callable[[], None]], on_error: Callable[[Exception], None]
    ) -> None:
        self._steps = list(steps)
        self._on_error = on_error
        self._running = False
        self._events = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Begin: the first step on the loop's next turn (or every step now, without a loop)."""
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self.finish()
            return
        self._events = _shell_events()
        if self._events is not None:
            self._events.register("pre_run_cell", self._before_cell)  # type: ignore[attr-defined]
        self._loop.call_soon(self._next)

    @property
    def pending(self) -> bool:
        return bool(self._steps)

    def _run(self) -> None:
        step = self._steps.pop(0)
        self._running = True
        try:
            step()
        except Exception as exc:  # shown by the owner; the other steps still run
            self._on_error(exc)
        finally:
            self._running = False
        if not self._steps:
            self._unhook()

    def _next(self) -> None:
        if self._steps and not self._running:
            self._run()
        if self._steps and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon(self._next)

    def finish(self) -> None:
        while self._steps and not self._running:
            self._run()

    def _before_cell(self, _info: object = None) -> None:
        self.finish()

    def _unhook(self) -> None:
        if self._events is not None:
            with contextlib.suppress(ValueError):
                self._events.unregister("pre_run_cell", self._before_cell)  # type: ignore[attr-defined]
            self._events = None

    def close(self) -> None:
        """Drop the steps not run yet."""
        self._steps.clear()
        self._unhook()
