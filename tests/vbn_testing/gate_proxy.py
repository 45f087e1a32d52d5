"""A loopback HTTP/1.1 proxy that holds chosen responses at a gate until the test opens it.

::

    with GateProxy("127.0.0.1", s3.port, pattern=r"\\.nwb(\\?|$)") as proxy:
        proxy.close_gate()
        ...                      # start a download of an NWB file through proxy.endpoint_url
        proxy.wait_held(1)       # its GET reached the proxy; the response waits at the gate
        ...                      # the job is running; restart a kernel, cancel, ...
        proxy.open_gate()        # the response flows and the download completes

A request matches when ``pattern`` is found in its request target (``/bucket/key?query``). The
proxy reads request heads from the client side; clients such as urllib3 never pipeline, so the
bytes the server sends on a connection answer the last request seen on it. Only matching
responses wait; everything else (listings, manifests, metadata tables) passes at full speed.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading

_CHUNK = 64 * 1024


class GateProxy:
    """Forward 127.0.0.1:<free port> to ``target_host:target_port``, gating matching responses."""

    def __init__(self, target_host: str, target_port: int, *, pattern: str) -> None:
        self.target = (target_host, target_port)
        self.pattern = re.compile(pattern)
        self._gate = threading.Event()
        self._gate.set()
        self._cond = threading.Condition()
        self._held = 0  # responses waiting at the gate right now
        self.matched: list[str] = []  # request targets that matched, in arrival order
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closing = threading.Event()
        self._listener: socket.socket | None = None
        self.port: int | None = None

    def __enter__(self) -> GateProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener, self.port = listener, listener.getsockname()[1]
        self._spawn(self._accept_loop)
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._gate.set()
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(5)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # the gate
    def close_gate(self) -> None:
        self._gate.clear()

    def open_gate(self) -> None:
        self._gate.set()

    @property
    def held(self) -> int:
        with self._cond:
            return self._held

    def wait_held(self, count: int = 1, timeout: float = 60.0) -> None:
        """Block until ``count`` responses wait at the gate (AssertionError after ``timeout``)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._held >= count, timeout):
                raise AssertionError(f"{self._held} of {count} responses reached the gate")

    # plumbing
    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            state = {"gated": False}
            self._spawn(self._requests, client, upstream, state)
            self._spawn(self._responses, upstream, client, state)

    def _requests(self, src: socket.socket, dst: socket.socket, state: dict) -> None:
        pending = b""
        while data := _recv(src):
            pending += data
            # Request lines start each head; bodies (none for GET/HEAD) are not parsed.
            while b"\r\n" in pending:
                line, _, pending = pending.partition(b"\r\n")
                parts = line.split(b" ")
                if len(parts) == 3 and parts[2].startswith(b"HTTP/"):
                    target = parts[1].decode("latin-1")
                    state["gated"] = bool(self.pattern.search(target))
                    if state["gated"]:
                        with self._cond:
                            self.matched.append(target)
            pending = pending[-8192:]
            if not _send(dst, data):
                break
        _half_close(dst)

    def _responses(self, src: socket.socket, dst: socket.socket, state: dict) -> None:
        while data := _recv(src):
            if state["gated"] and not self._gate.is_set():
                with self._cond:
                    self._held += 1
                    self._cond.notify_all()
                self._gate.wait()
                with self._cond:
                    self._held -= 1
            if not _send(dst, data):
                break
        _half_close(dst)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(_CHUNK)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _half_close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
