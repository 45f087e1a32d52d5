"""A real ``jupyter server`` process with the vbn_widgets extension, and raw HTTP calls to it.

For tests and benchmarks that need the server as a separate process (a fuzzer sending bytes no
client library would send, a load measurement), rather than pytest-jupyter's in-process server.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vbn_widgets.demo_job import stop

from .seaweed import pick_ports

START_WAIT = 60.0


@dataclass
class LiveServer:
    port: int
    token: str
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict | None = None,
        *,
        timeout: float = 60.0,
        auth: bool = True,
    ) -> tuple[int, Any]:
        """(status, JSON or text) of one call; ``path`` is sent as given (already encoded)."""
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        headers = {"Authorization": f"token {self.token}"} if auth else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in {**headers, "Content-Length": str(len(body or b""))}.items():
                conn.putheader(name, value)
            conn.endheaders(body)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        text = data.decode("utf-8", "replace")
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        stop(self.process, timeout=10.0)


def start_server(home: Path, cache_roots: list[Path], *, max_workers: int = 2) -> LiveServer:
    """``jupyter server`` on a free loopback port, config dirs under ``home``; ready when
    the extension's status answers. The extension is enabled by the enable file the package
    installs into this environment (``jupyter-config/``)."""
    home = home.resolve()
    cache_roots = [Path(r).resolve() for r in cache_roots]
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "IPYTHONDIR": home / "ipython",
    }
    for d in [*dirs.values(), home / "root"]:
        d.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **{k: str(v) for k, v in dirs.items()}, "JUPYTER_PLATFORM_DIRS": "1"}
    env.pop("JUPYTER_TOKEN", None)
    (port,) = pick_ports(1)
    token = uuid.uuid4().hex
    log_path = home / "jupyter-server.log"
    roots = json.dumps([str(r) for r in cache_roots])
    cmd = [
        str(Path(sys.executable).parent / "jupyter"),
        "server",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={home / 'root'}",
        f"--VBNWidgets.cache_roots={roots}",
        f"--VBNWidgets.max_workers={max_workers}",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=home,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(port, token, log_path, proc)
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if server.request("GET", "/vbn-widgets/api/status", timeout=2)[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"jupyter server did not start; log:\n{server.log_tail()}")
