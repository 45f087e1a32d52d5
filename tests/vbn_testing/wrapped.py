"""Sources wrapped for download-queue tests, and a recorder of queue events.

``GatedSource`` makes "cancel mid-file" deterministic without sleeping: every stream hands out its
bytes in small pieces and, after the first piece, waits until the test opens the gate. A test waits
until a job has reported some bytes, acts (cancel, count running jobs), then opens the gate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from vbn_widgets.data.sources import Stream

WAIT = 60.0  # seconds: a safety net only; tests wait on events, never on time


class GatedSource:
    """Any source, whose streams stop after their first ``piece`` bytes until ``gate`` is set."""

    def __init__(self, inner, *, piece: int = 4096, gate: threading.Event | None = None) -> None:
        self.inner = inner
        self.piece = piece
        self.gate = gate or threading.Event()
        self.description = f"gated {inner.description}"
        self.opened = 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def open(self, entry, start: int = 0) -> Stream:
        inner = self.inner.open(entry, start)
        self.opened += 1

        def pieces() -> Iterator[bytes]:
            first = True
            try:
                for chunk in inner.chunks:
                    for offset in range(0, len(chunk), self.piece):
                        if not first and not self.gate.wait(WAIT):
                            raise RuntimeError("GatedSource: the test never opened the gate")
                        first = False
                        yield chunk[offset : offset + self.piece]
            finally:
                inner.close()

        return Stream(pieces(), inner.start, inner.total, inner.close)


class FailingSource(GatedSource):
    """Streams that hand out their first piece, then raise ``error`` (e.g. OSError ENOSPC)."""

    def __init__(self, inner, error: BaseException, *, piece: int = 4096) -> None:
        super().__init__(inner, piece=piece)
        self.error = error

    def open(self, entry, start: int = 0) -> Stream:
        stream = super().open(entry, start)
        chunks = stream.chunks

        def failing() -> Iterator[bytes]:
            yield next(chunks)
            raise self.error

        return Stream(failing(), stream.start, stream.total, stream.release)


class CountingSource:
    """Any source, counting the entries it is asked to size (``sizes`` and ``size``)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.description = f"counting {inner.description}"
        self.sized: list[str] = []  # keys, in the order asked

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def size(self, entry) -> int:
        self.sized.append(entry.key)
        return self.inner.size(entry)

    def sizes(self, entries, **kwargs):
        entries = list(entries)
        self.sized += [e.key for e in entries]
        return self.inner.sizes(entries, **kwargs)


class EventLog:
    """Every snapshot a DownloadQueue publishes, with a way to wait for a condition on them."""

    def __init__(self, queue) -> None:
        self.events: list = []
        self._cond = threading.Condition()
        self.unsubscribe = queue.subscribe(self._record)

    def _record(self, snap) -> None:
        with self._cond:
            self.events.append(snap)
            self._cond.notify_all()

    def of(self, job_id: str) -> list:
        with self._cond:
            return [e for e in self.events if e.id == job_id]

    def wait_for(self, predicate: Callable[[list], bool], what: str) -> None:
        """Wait until ``predicate(events)`` holds; fail (naming ``what``) after the safety net."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.events), WAIT):
                raise AssertionError(f"never happened: {what}; events: {self.events[-5:]}")

    def wait_bytes(self, job_id: str) -> None:
        """Wait until the job has reported some bytes."""
        self.wait_for(
            lambda events: any(e.id == job_id and e.bytes_done > 0 for e in events),
            f"job {job_id} reported bytes",
        )
