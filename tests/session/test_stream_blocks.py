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


@pytest.mark.timeout(60)
def test_prefetch_fetches_ranges_in_parallel_then_reads_hit_the_cache(tmp_path):
    reader = Reader()
    f = remote(reader, tmp_path, workers=4)
    ranges = [(i * 10_000, i * 10_000 + 3000) for i in range(20)]
    f.prefetch(ranges)
    assert len(reader.calls) == 20 and len(reader.threads) > 1
    before = len(reader.calls)
    for start, stop in ranges:
        f.seek(start)
        assert f.read(stop - start) == DATA[start:stop]
    assert len(reader.calls) == before
    remote(Reader(), None).prefetch(ranges)  # no block cache on disk: nothing to fill


def test_read_many_prefetches_its_runs_when_streamed(nwb_release, tmp_path, monkeypatch):
    import numpy as np

    from vbn_widgets import BehaviorEcephysSession, VBNCache
    from vbn_widgets.session import units as units_module

    root, sid, _ = nwb_release
    cache = VBNCache.from_mirror(root, tmp_path / "cache")
    entry = cache.manifest.data_entry(
        cache.get_ecephys_session_table(filter_abnormalities=False).loc[sid, "file_id"]
    )
    stream = cache.stream_file(entry, block_size=1024)
    asked: list = []
    original = stream.prefetch
    monkeypatch.setattr(stream, "prefetch", lambda ranges: (asked.append(ranges), original(ranges)))
    # one run per unit, so that there is something to prefetch
    monkeypatch.setattr(
        units_module, "merge_ranges", lambda a, b: sorted(zip(a.tolist(), b.tolist(), strict=True))
    )
    session = BehaviorEcephysSession.from_file_object(stream, name=entry.key)
    ids = list(session.spike_times)[::3]
    got = session.spike_times.read_many(ids)
    with BehaviorEcephysSession.from_nwb_path(root / entry.key) as local:
        for uid in ids:
            np.testing.assert_array_equal(got[uid], local.spike_times[uid])
    assert len(asked) == 1 and len(asked[0]) == len(ids)
    session.close()
