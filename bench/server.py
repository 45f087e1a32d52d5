"""Download-manager figures on the full-scale demo release (4,293 data files), mirror-backed.

    python bench/server.py --json results.json [--data DIR] [--seconds 30]

A real ``jupyter server`` with the extension. Measured: how long its requests take while it
downloads the whole release (``server_busy_reply_ms``, p95 over a mix of routes) against the same
requests idle; one POST of every file; one cancel of ~4,000 queued jobs; one verify and one
delete of every file. In process: ``DownloadQueue.cancel_all`` of 4,000 queued jobs. Run by hand;
never as a timed test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # vbn_testing: the server starter

from run import ensure_release  # noqa: E402
from vbn_testing.jupyter_server import start_server  # noqa: E402

from vbn_widgets import VBNCache  # noqa: E402
from vbn_widgets.data.job_board import board_dir, read_board  # noqa: E402
from vbn_widgets.data.layout import DOWNLOADED_DATA  # noqa: E402
from vbn_widgets.data.transfers import DownloadQueue  # noqa: E402

API = "/vbn-widgets/api"


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1], 1) if len(values) > 1 else values[0]


def timed(server, method: str, path: str, body=None) -> tuple[float, int, object]:
    start = time.perf_counter()
    code, answer = server.request(method, f"{API}/{path}", body, timeout=120)
    return (time.perf_counter() - start) * 1000, code, answer


def probe_round(server, cache: str, manifest: str, batch: str | None) -> dict[str, float]:
    """One call of each route a page or a kernel makes while downloads run; ms per route."""
    q = urllib.parse.quote(cache)
    calls = {
        "status": ("GET", "status", None),
        "running": ("GET", f"downloads?cache={q}&state=running", None),
        "batches": ("GET", f"batches?cache={q}", None),
        "enqueue_one": (
            "POST",
            "downloads",
            {"cache": cache, "manifest": manifest, "files": ["probes"]},
        ),
        "cancel_unknown": ("POST", "cancel", {"cache": cache, "jobs": ["0" * 32]}),
    }
    if batch:
        calls["batch"] = ("GET", f"batches/{batch}", None)
    out = {}
    for name, (method, path, body) in calls.items():
        ms, code, answer = timed(server, method, path, body)
        if code >= 400:
            raise RuntimeError(f"{name}: {code} {answer}")
        out[name] = ms
    return out


def measure(server, cache, manifest, batch, seconds) -> dict[str, list[float]]:
    per_route: dict[str, list[float]] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, ms in probe_round(server, cache, manifest, batch).items():
            per_route.setdefault(name, []).append(ms)
    return per_route


def populate(release: Path, cache: VBNCache) -> None:
    """Every file of the current manifest copied in and recorded, as a finished download."""
    record = {}
    for entry in cache.manifest.entries():
        final = cache.layout.local_path(cache.manifest, entry)
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache.source.path_of(entry), final)
        record[str(final.resolve())] = entry.file_hash
    (cache.cache_dir / DOWNLOADED_DATA).write_text(json.dumps(record, indent=2, sort_keys=True))


def queue_cancel_4000(release: Path, where: Path) -> float:
    gate = threading.Event()

    class Held:  # the one worker waits inside its first transfer
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def open(self, entry, start=0):
            gate.wait(60)
            return self.inner.open(entry, start)

    cache = VBNCache(where, source=Held(VBNCache.from_mirror(release, where).source))
    queue = DownloadQueue(max_workers=1)
    refs = sorted(cache.manifest.data_files)[:4001]
    queue.enqueue(cache, refs)
    start = time.perf_counter()
    cancelled = queue.cancel_all()
    ms = (time.perf_counter() - start) * 1000
    gate.set()
    queue.shutdown()
    assert cancelled == 4001, cancelled
    return round(ms, 1)


def wait_operation(server, op: dict) -> dict:
    while op["state"] == "running":
        time.sleep(0.2)
        _, _, answer = timed(server, "GET", f"operations/{op['id']}")
        op = answer["operation"]
    return op


def busy_figures(server, kernel: VBNCache, plan: dict, seconds: float) -> dict:
    """Reply times idle, then while the server downloads every file of ``plan``."""
    cache, manifest = plan["cache"], plan["manifest"]
    idle = measure(server, cache, manifest, None, 5)
    ms, code, answer = timed(server, "POST", "downloads", {**plan, "answer": "batch"})
    assert code == 202, answer
    figures = {"server_enqueue_all_ms": round(ms, 1)}
    batch = answer["batch"]["id"]
    busy = measure(server, cache, manifest, batch, seconds)
    board = read_board(kernel.cache_dir)
    sizes = [p.stat().st_size for p in board_dir(kernel.cache_dir).glob("*.json")]
    figures["board_bytes"] = max(sizes)
    figures["board_writes_per_s"] = round(board.boards[0].seq / (seconds + 5), 1)
    # an active batch stays on the board however many batches came after it
    figures["files_done_while_measured"] = board.batch(batch)["counts"]["done"]
    all_busy = [ms for values in busy.values() for ms in values]
    figures["server_busy_reply_ms"] = p95(all_busy)
    figures["server_busy_reply_max_ms"] = round(max(all_busy), 1)
    figures["server_idle_reply_ms"] = p95([ms for values in idle.values() for ms in values])
    for name, values in busy.items():
        figures[f"server_busy_{name}_p95_ms"] = p95(values)
    return figures


def cancel_all(server, kernel: VBNCache) -> dict:
    ms, _, answer = timed(server, "POST", "cancel", {"cache": str(kernel.cache_dir)})
    while read_board(kernel.cache_dir).active:
        time.sleep(0.2)
    return {"server_cancel_all_ms": round(ms, 1), "server_cancel_all_jobs": answer["cancelled"]}


def bulk_figures(server, release: Path, kernel: VBNCache, plan: dict) -> dict:
    """One POST with every job in its answer; verify and delete of every file."""
    ms, _, answer = timed(server, "POST", "downloads", plan)
    figures = {
        "server_enqueue_all_full_answer_ms": round(ms, 1),
        "server_enqueue_full_answer_jobs": len(answer["jobs"]),
    }
    cancel_all(server, kernel)
    populate(release, kernel)
    plan = {**plan, "files": [*kernel.manifest.metadata_files, *plan["files"]]}
    for kind in ("verify", "delete"):
        start = time.perf_counter()
        _, _, answer = timed(server, "POST", f"files/{kind}", plan)
        op = wait_operation(server, answer["operation"])
        figures[f"server_{kind}_all_s"] = round(time.perf_counter() - start, 2)
        figures[f"server_{kind}_results"] = op["results"]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--data", type=Path, default=HERE / "results" / "data")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    release = ensure_release(args.data)
    work = args.data / "server-bench"
    shutil.rmtree(work, ignore_errors=True)
    root = work / "roots"
    kernel = VBNCache.from_mirror(release, root / "cache")
    kernel.load_latest_manifest()
    kernel.remember_source()
    files = [str(i) for i in sorted(kernel.manifest.data_files)]
    plan = {"cache": str(kernel.cache_dir), "manifest": kernel.current_manifest(), "files": files}
    figures: dict = {"data_files": len(files)}
    figures["queue_cancel_4000_ms"] = queue_cancel_4000(release, work / "queue-cache")
    server = start_server(work / "home", [root], max_workers=2)
    try:
        figures |= busy_figures(server, kernel, plan, args.seconds)
        figures |= cancel_all(server, kernel)
        figures |= bulk_figures(server, release, kernel, plan)
    finally:
        server.stop()
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
