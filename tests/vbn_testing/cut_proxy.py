"""A loopback TCP proxy that cuts connections mid-transfer, for fault-injection tests.

::

    with CutProxy("127.0.0.1", s3.port, cut_after_bytes=300_000) as proxy:
        client = s3.anonymous_client(endpoint_url=proxy.endpoint_url)
        ...  # the first response stream longer than 300,000 bytes stops after exactly 300,000
        proxy.connections[-1].request.headers["Range"]

Counting is of raw server-to-client TCP bytes (HTTP response head included), per connection,
from the later of the connection's start and the last ``arm()``. The first ``cuts`` connections
whose count would pass ``cut_after_bytes`` get exactly ``cut_after_bytes`` and are then shut
down in both directions (the client sees end-of-stream before Content-Length is reached, the
server a broken pipe). Every later connection passes untouched until the next ``arm()``.

What boto3 1.44 (urllib3 2, http.client) then does, by where the cut falls:

- inside the body: ``get_object`` has returned; ``Body.read()`` raises
  ``botocore.exceptions.ResponseStreamingError`` (wrapping urllib3's IncompleteRead) and
  ``Body.iter_chunks()``/``read(amt)`` raise ``botocore.exceptions.IncompleteReadError``;
  botocore never retries these.
- inside the response head, after the status line: http.client takes end-of-stream for the end
  of the headers, so ``get_object`` *returns* with the headers seen so far and the body read
  fails as above with 0 bytes read.
- before a complete status line: ``ConnectionClosedError``, which botocore retries on a new
  connection (``retries={"total_max_attempts": 1}`` turns that off).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

_HEAD_END = b"\r\n\r\n"
_MAX_HEAD = 64 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RequestHead:
    """One HTTP request head as the client sent it."""

    method: str
    path: str
    version: str
    headers: dict[str, str]  # as sent; use header() for a case-insensitive look-up
    raw: bytes

    def header(self, name: str, default: str | None = None) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default


def parse_request_head(raw: bytes) -> RequestHead:
    """Parse ``METHOD path HTTP/x.y`` and its header lines (``raw`` ends at the blank line)."""
    lines = raw.split(_HEAD_END, 1)[0].decode("latin-1").split("\r\n")
    method, path, version = ([*lines[0].split(" ", 2), "", ""])[:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return RequestHead(method=method, path=path, version=version, headers=headers, raw=raw)


@dataclass
class ConnectionRecord:
    """What the proxy saw on one accepted connection (fields fill in as traffic flows)."""

    index: int
    requests: list[RequestHead] = field(default_factory=list)  # heads parsed in order
    response_heads: list[bytes] = field(default_factory=list)  # final (non-1xx) response heads
    bytes_to_server: int = 0
    bytes_to_client: int = 0  # since the connection opened
    cut: bool = False  # this connection was cut by the proxy
    cut_at: int | None = None  # bytes forwarded since the connection's start or arm() when cut
    closed: bool = False
    error: str | None = None  # upstream connect failure, if any

    @property
    def request(self) -> RequestHead | None:
        """The connection's first request head."""
        return self.requests[0] if self.requests else None

    @property
    def response_head(self) -> bytes | None:
        """The last response head seen (the one being received when a cut happens)."""
        return self.response_heads[-1] if self.response_heads else None

    @property
    def response_statuses(self) -> list[int]:
        return [_status(head) for head in self.response_heads]


def _status(head: bytes) -> int:
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


class _HeadParser:
    """Splits one direction's byte stream into message heads, skipping Content-Length bodies.

    ``on_head(head) -> body length`` is called for each head under the proxy lock; returning
    ``None`` (a body framed any other way, e.g. chunked) stops the parsing of that direction.
    """

    def __init__(self, on_head: Callable[[bytes], int | None]) -> None:
        self.on_head = on_head
        self.buffer = b""
        self.skip = 0
        self.active = True

    def feed(self, data: bytes) -> None:
        if not self.active:
            return
        if self.skip >= len(data):
            self.skip -= len(data)
            return
        self.buffer += data[self.skip :]
        self.skip = 0
        while self.active:
            end = self.buffer.find(_HEAD_END)
            if end < 0:
                self.active = len(self.buffer) <= _MAX_HEAD
                return
            head = self.buffer[: end + len(_HEAD_END)]
            self.buffer = self.buffer[end + len(_HEAD_END) :]
            body = self.on_head(head)
            if body is None:
                self.active = False
                return
            taken = min(body, len(self.buffer))
            self.buffer = self.buffer[taken:]
            self.skip = body - taken


def _content_length(head: bytes) -> int | None:
    """Content-Length of a message head; None if the body is framed otherwise."""
    length: int | None = None
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "transfer-encoding":
            return None
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return length


class _Connection:
    def __init__(self, proxy: CutProxy, client: socket.socket, record: ConnectionRecord) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream: socket.socket | None = None
        self.record = record
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._open_pumps = 2
        self._generation = -1
        self._counted = 0

    def start(self) -> None:
        try:
            self.upstream = socket.create_connection(
                (self.proxy.target_host, self.proxy.target_port), timeout=10
            )
            self.upstream.settimeout(None)
        except OSError as err:
            self.record.error = repr(err)
            self._close_all()
            return
        for name, target in (("c2s", self._client_to_server), ("s2c", self._server_to_client)):
            thread = threading.Thread(
                target=target, name=f"cutproxy-{self.record.index}-{name}", daemon=True
            )
            self.threads.append(thread)
        for thread in self.threads:
            thread.start()

    def _client_to_server(self) -> None:
        assert self.upstream is not None

        def on_request(raw: bytes) -> int | None:
            head = parse_request_head(raw)
            self.record.requests.append(head)
            if head.header("Transfer-Encoding"):
                return None
            return int(head.header("Content-Length") or 0)

        parser = _HeadParser(on_request)
        try:
            while data := self.client.recv(_CHUNK):
                with self.proxy._lock:
                    parser.feed(data)
                    self.record.bytes_to_server += len(data)
                self.upstream.sendall(data)
            _shutdown(self.upstream, socket.SHUT_WR)  # pass the client's half-close on
        except OSError:
            self.abort()
        finally:
            self._pump_done()

    def _server_to_client(self) -> None:
        assert self.upstream is not None
        answered = 0  # final responses seen: the index of the request being answered

        def on_response(head: bytes) -> int | None:
            nonlocal answered
            status = _status(head)
            if 100 <= status < 200:
                return 0  # interim (100 Continue): no body, the final response follows
            requests = self.record.requests
            method = requests[answered].method if answered < len(requests) else ""
            answered += 1
            self.record.response_heads.append(head)
            if method == "HEAD" or status in (204, 304):
                return 0
            return _content_length(head)

        parser = _HeadParser(on_response)
        try:
            while data := self.upstream.recv(_CHUNK):
                forward, cut = self.proxy._admit(self, data)
                if forward:
                    with self.proxy._lock:
                        parser.feed(forward)
                    self.client.sendall(forward)
                    with self.proxy._lock:
                        self.record.bytes_to_client += len(forward)
                if cut:
                    self.abort()  # shutdown, not a reset: bytes already sent still arrive
                    return
            _shutdown(self.client, socket.SHUT_WR)
        except OSError:
            self.abort()
        finally:
            self._pump_done()

    def abort(self) -> None:
        """Shut both sockets down in both directions; blocked pumps wake up and finish."""
        _shutdown(self.client, socket.SHUT_RDWR)
        if self.upstream is not None:
            _shutdown(self.upstream, socket.SHUT_RDWR)

    def _pump_done(self) -> None:
        with self._lock:
            self._open_pumps -= 1
            last = self._open_pumps == 0
        if last:
            self._close_all()

    def _close_all(self) -> None:
        for sock in (self.client, self.upstream):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
        self.record.closed = True


def _shutdown(sock: socket.socket, how: int) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(how)


class CutProxy:
    """Forward 127.0.0.1:<free port> to ``target_host:target_port``, cutting as armed."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        cut_after_bytes: int | None = None,
        cuts: int = 1,
        join_timeout: float = 5.0,
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.join_timeout = join_timeout
        self._lock = threading.Lock()
        self._cut_after: int | None = None
        self._cuts_left = 0
        self._generation = 0
        self._records: list[ConnectionRecord] = []
        self._connections: list[_Connection] = []
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._closing = threading.Event()
        self.port: int | None = None
        self.arm(cut_after_bytes, cuts=cuts if cut_after_bytes is not None else 0)

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> CutProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> CutProxy:
        if self._listener is not None:
            raise RuntimeError("CutProxy already started")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.1)  # lets the accept loop notice close() promptly
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"cutproxy-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, shut every live connection down and join all threads."""
        self._closing.set()
        if self._accept_thread is not None:
            self._accept_thread.join(self.join_timeout)
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.abort()
        for conn in connections:
            for thread in conn.threads:
                thread.join(self.join_timeout)
        leaked = [t.name for c in connections for t in c.threads if t.is_alive()]
        if self._accept_thread is not None and self._accept_thread.is_alive():
            leaked.append(self._accept_thread.name)
        if leaked:
            raise RuntimeError(f"CutProxy threads still running after close: {leaked}")

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise RuntimeError("CutProxy is not started")
        return f"http://127.0.0.1:{self.port}"

    # -- fault control --------------------------------------------------------------------------

    def arm(self, cut_after_bytes: int | None, cuts: int = 1) -> None:
        """Cut the next ``cuts`` connections whose traffic from now passes ``cut_after_bytes``.

        Byte counts of connections already open restart at zero. ``None`` or ``cuts=0`` disarms.
        """
        if cut_after_bytes is not None and cut_after_bytes < 0:
            raise ValueError("cut_after_bytes must be >= 0")
        with self._lock:
            self._cut_after = cut_after_bytes
            self._cuts_left = cuts if cut_after_bytes is not None else 0
            self._generation += 1

    def disarm(self) -> None:
        self.arm(None, cuts=0)

    @property
    def cuts_left(self) -> int:
        with self._lock:
            return self._cuts_left

    def _admit(self, conn: _Connection, data: bytes) -> tuple[bytes, bool]:
        """How much of ``data`` to forward, and whether to cut the connection after it."""
        with self._lock:
            if conn._generation != self._generation:
                conn._generation, conn._counted = self._generation, 0
            limit = self._cut_after
            if conn.record.cut or limit is None or self._cuts_left <= 0:
                conn._counted += len(data)
                return data, False
            if conn._counted + len(data) <= limit:
                conn._counted += len(data)
                return data, False
            self._cuts_left -= 1
            conn.record.cut = True
            conn.record.cut_at = limit
            forward = data[: limit - conn._counted]
            conn._counted = limit
            return forward, True

    # -- records --------------------------------------------------------------------------------

    @property
    def connections(self) -> list[ConnectionRecord]:
        """A snapshot list of every accepted connection's record, oldest first."""
        with self._lock:
            return list(self._records)

    @property
    def requests(self) -> list[RequestHead]:
        """Every request head seen, in connection order, then order on the connection."""
        with self._lock:
            return [head for record in self._records for head in record.requests]

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            client.settimeout(None)
            with self._lock:
                record = ConnectionRecord(index=len(self._records))
                self._records.append(record)
                conn = _Connection(self, client, record)
                self._connections.append(conn)
            conn.start()
