"""RemoteFile: byte ranges through a verified block cache (a local reader stands in for S3 here;
test_stream_s3.py runs the same against SeaweedFS)."""

from __future__ import annotations

import os
import threading

import pytest

from vbn_widgets.data.errors import DownloadError
from vbn_widgets.data.sources import TransientSourceError
from vbn_widgets.session.stream import RemoteFile, RemoteObject

DATA = os.urandom(300_000)


class Reader:
    """Serves DATA; ``short`` calls in a row return a cut body, ``fail`` raise a transient error."""

    def __init__(self, short: int = 0, fail: int = 0) -> None:
        self.short, self.fail = short, fail
        self.calls: list[tuple[int, int]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def read_range(self, start: int, stop: int) -> bytes:
        with self._lock:
            self.calls.append((start, stop))
            self.threads.add(threading.current_thread().name)
            if self.fail:
                self.fail -= 1
                raise TransientSourceError("connection reset")
            if self.short:
                self.short -= 1
                return DATA[start : stop - 7]
        return DATA[start:stop]


def remote(reader, cache=None, etag="e1", **options) -> RemoteFile:
    obj = RemoteObject("test", "key", "v1", etag, len(DATA))
    options.setdefault("block_size", 1024)
    return RemoteFile(reader, obj, cache_root=cache, **options)


@pytest.mark.timeout(60)
def test_a_long_read_is_fetched_in_parallel_pieces(tmp_path):
    reader = Reader()
    f = remote(reader, tmp_path, piece_bytes=8192, workers=4)
    f.seek(1000)
    assert f.read(200_000) == DATA[1000:201_000]
    assert len(reader.calls) > 4 and len(reader.threads) > 1
    assert all(b - a <= 8192 for a, b in reader.calls)
    f.seek(-50, os.SEEK_END)
    assert f.read(100) == DATA[-50:]


def test_second_open_reads_the_block_cache(tmp_path):
    first = remote(Reader(), tmp_path)
    assert first.read() == DATA
    reader = Reader()
    again = remote(reader, tmp_path)
    assert again.read() == DATA
    assert reader.calls == [] and again.stats.bytes_fetched == 0
    changed = Reader()  # another ETag is another object: nothing reused
    assert remote(changed, tmp_path, etag="e2").read(5000) == DATA[:5000]
    assert changed.calls


def test_cut_and_failed_ranges_are_retried_and_never_cached(tmp_path):
    from vbn_widgets.data.download import RetryPolicy

    fast = RetryPolicy(attempts=4, initial_wait=0.001, max_wait=0.002)
    reader = Reader(short=1, fail=1)
    f = remote(reader, tmp_path, retry=fast)
    assert f.read(3000) == DATA[:3000]
    assert f.stats.retries == 2
    for path in (tmp_path).rglob("*.blk"):
        index = int(path.name.split("-")[0])
        assert path.read_bytes() == DATA[index * 1024 : (index + 1) * 1024]
    broken = remote(Reader(short=10), tmp_path / "b", retry=fast)
    broken.seek(10_000)
    with pytest.raises(DownloadError, match=r"test/key: bytes 9216-10239 could not be read"):
        broken.read(10)
    assert not list((tmp_path / "b").rglob("*.blk"))
