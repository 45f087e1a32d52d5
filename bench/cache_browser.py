"""CacheBrowser figures: how fast it answers while it downloads thousands of files.

``cache_browser_busy_reply_ms``: p95 of the time one front-end request or one Python property
read takes while the full-scale demo's ~4,300 data files download in the background (mirror
source, this kernel's queue); ``cache_browser_idle_reply_ms`` is the same mix with nothing
running, measured in the same run. The mix is what a user does meanwhile: page rows, expand and
collapse, search, select, compare two versions, read ``versions``/``totals``/``transfer``/``jobs``.

    python bench/cache_browser.py [RELEASE_DIR]
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

GROUPS = ["g:ecephys", "g:behavior"]


def _requests(browser, names: list[str]) -> list:
    """One of each thing a user does while files arrive, as (name, call) pairs."""

    def msg(content):
        return lambda: browser._handle_msg(
            {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
        )

    return [
        ("rows", msg({"kind": "rows", "id": "b1", "offset": 0, "limit": 50})),
        ("toggle", msg({"kind": "toggle", "id": "b2", "row": "g:behavior"})),
        ("rows deep", msg({"kind": "rows", "id": "b3", "offset": 2000, "limit": 50})),
        ("search", msg({"kind": "search", "id": "b4", "text": "Sst"})),
        ("search off", msg({"kind": "search", "id": "b5", "text": ""})),
        ("select", msg({"kind": "select", "id": "b6", "rows": ["g:metadata"], "on": True})),
        ("compare", msg({"kind": "compare", "id": "b7", "a": names[0], "b": names[-1]})),
        ("versions", lambda: browser.versions),
        ("totals", lambda: browser.totals),
        ("transfer", lambda: browser.transfer),
        ("jobs", lambda: browser.jobs),
        ("python compare", lambda: browser.compare(names[0], names[-1])),
    ]


def _timed(calls: list, rounds: int | None, until=None) -> list[float]:
    times = []
    i = 0
    while (rounds is None or i < rounds) and (until is None or not until()):
        for _, call in calls:
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        time.sleep(0.01)  # a person clicks; the kernel is not a busy loop
        i += 1
    return times


def cache_browser_figures(release: Path, work: Path) -> dict[str, float]:
    from vbn_widgets import CacheBrowser, VBNCache

    cache_dir = Path(tempfile.mkdtemp(prefix="cache-browser-", dir=work))
    try:
        cache = VBNCache.from_mirror(release, cache_dir)
        browser = CacheBrowser(cache)
        names = [v["name"] for v in browser.versions]
        calls = _requests(browser, names)
        idle = _timed(calls, rounds=30)
        start = time.perf_counter()
        browser.download(rows=GROUPS)
        files = browser.transfer["batches"][0]["files"]
        busy = _timed(calls, rounds=None, until=lambda: not browser.transfer["active"])
        states = browser.wait()
        took = time.perf_counter() - start
        assert set(states.values()) == {"verified"}, "not every file verified"
        browser.close()
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    ms = lambda xs: np.array(xs) * 1000  # noqa: E731
    return {
        "cache_browser_busy_reply_ms": round(float(np.percentile(ms(busy), 95)), 1),
        "cache_browser_busy_reply_max_ms": round(float(ms(busy).max()), 1),
        "cache_browser_idle_reply_ms": round(float(np.percentile(ms(idle), 95)), 1),
        "cache_browser_busy_samples": len(busy),
        "cache_browser_download_files": files,
        "cache_browser_download_s": round(took, 1),
        "cache_browser_busy_reply_p50_ms": round(float(statistics.median(ms(busy))), 2),
    }


if __name__ == "__main__":
    import sys

    from run import ensure_release

    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results" / "data"
    print(cache_browser_figures(ensure_release(data), data))
