"""Functions run in child processes by tests (they must be importable by name)."""

from __future__ import annotations

import time
from pathlib import Path

from vbn_widgets import VBNCache
from vbn_widgets.data.sources import MirrorSource, Stream


class SlowMirror(MirrorSource):
    """A mirror that trickles bytes, so that two processes surely overlap in time."""

    def __init__(self, root, delay: float = 0.01, chunk: int = 4096) -> None:
        super().__init__(root)
        self.delay = delay
        self.chunk = chunk

    def open(self, entry, start=0):
        inner = super().open(entry, start)
        data = b"".join(inner.chunks)

        def trickle():
            for offset in range(0, len(data), self.chunk):
                time.sleep(self.delay)
                yield data[offset : offset + self.chunk]

        return Stream(trickle(), inner.start, inner.total)


def download_once(mirror: str, cache_dir: str, file_id: int, start_at: float) -> dict:
    cache = VBNCache(cache_dir, source=SlowMirror(mirror))
    cache.load_manifest(cache.latest_manifest_file())
    time.sleep(max(0.0, start_at - time.time()))
    reported = []
    path = cache.download(file_id, progress=lambda p: reported.append(p.bytes_done))
    return {"path": str(path), "bytes_reported": reported[-1] if reported else 0}


def run_in_pool(fn, argsets: list[tuple]) -> list:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(len(argsets)) as pool:
        return pool.starmap(fn, argsets)


def existing(paths: list[str]) -> list[Path]:
    return [Path(p) for p in paths if Path(p).exists()]


def download_once_s3(endpoint: str, cache_dir: str, name: str, start_at: float) -> dict:
    cache = VBNCache.from_s3_cache(cache_dir, endpoint_url=endpoint)
    cache.load_manifest(cache.latest_manifest_file())
    time.sleep(max(0.0, start_at - time.time()))
    reported = []
    path = cache.download(name, progress=lambda p: reported.append(p.bytes_done))
    return {"path": str(path), "bytes_reported": reported[-1] if reported else 0}
