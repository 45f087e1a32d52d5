"""Downloads from a local mirror: progress, cancel and resume, hash mismatch, two processes."""

import threading
import time

import pytest
from vbn_testing.tamper import copy_release, replace_file
from vbn_testing.workers import download_once, run_in_pool

from vbn_widgets import VBNCache
from vbn_widgets.data import DownloadCancelled, FileState, HashMismatchError
from vbn_widgets.data.layout import hash_file


def first_ecephys_file_id(cache) -> int:
    return int(cache.get_ecephys_session_table(filter_abnormalities=False)["file_id"].iloc[0])


@pytest.fixture
def cache(demo_release, tmp_path):
    return VBNCache.from_mirror(demo_release, tmp_path / "cache")


def test_progress_is_monotonic_and_reaches_the_size(cache):
    file_id = first_ecephys_file_id(cache)
    total = cache.source.size(cache.manifest.data_entry(file_id))
    seen = []
    path = cache.download_data(file_id, progress=seen.append)
    done = [p.bytes_done for p in seen]
    assert done == sorted(done)
    assert done[-1] == total
    assert {p.bytes_total for p in seen} == {total}
    assert seen[-1].fraction == 1.0
    assert path == cache.data_path(file_id)["local_path"]
    assert cache.file_state(file_id, verify=True) is FileState.VERIFIED
    assert not list(path.parent.glob(".*.part"))


def test_cancel_leaves_nothing_under_the_final_name_and_resume_completes(cache):
    entry = cache.manifest.metadata_entry("units")  # several chunks long
    cancel = threading.Event()
    seen = []

    def stop_after_first_chunk(progress):
        seen.append(progress.bytes_done)
        cancel.set()

    with pytest.raises(DownloadCancelled, match=r"units\.csv: cancelled at"):
        cache.download("units", progress=stop_after_first_chunk, cancel=cancel)
    final = cache.metadata_path("units")["local_path"]
    assert not final.exists()
    status = cache.file_status("units")
    assert status.state is FileState.PARTIAL
    assert status.bytes_on_disk == seen[0]

    resumed = []
    cache.download("units", progress=lambda p: resumed.append(p.bytes_done))
    assert resumed[0] > seen[0]  # continued from the partial bytes, not from zero
    assert hash_file(final) == entry.file_hash
    assert cache.file_state("units") is FileState.VERIFIED
    assert not list(final.parent.glob(".*.part"))


def test_hash_mismatch_rejects_the_file_and_names_it(demo_release, tmp_path):
    release = copy_release(demo_release, tmp_path / "release")
    key = "visual-behavior-neuropixels/project_metadata/channels.csv"
    replace_file(release, key, (release / key).read_bytes() + b"tampered\n", fix_manifests=False)
    cache = VBNCache.from_mirror(release, tmp_path / "cache")
    with pytest.raises(
        HashMismatchError, match=r"project_metadata/channels\.csv: BLAKE2b mismatch"
    ):
        cache.get_channel_table()
    final = cache.metadata_path("channels")["local_path"]
    assert not final.exists()
    assert not list(final.parent.glob(".*"))
    assert cache.file_state("channels") is FileState.MISSING
    assert str(final.resolve()) not in cache.layout.read_downloaded()


def test_two_processes_on_one_file_end_with_one_verified_copy(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "cache")
    file_id = first_ecephys_file_id(cache)
    start_at = time.time() + 3.0  # both children are up and waiting by then
    args = (str(demo_release), str(cache.cache_dir), file_id, start_at)
    results = run_in_pool(download_once, [args, args])
    paths = {r["path"] for r in results}
    assert len(paths) == 1
    final = cache.data_path(file_id)["local_path"]
    assert hash_file(final) == cache.manifest.data_entry(file_id).file_hash
    # exactly one of them transferred the bytes; the other found the verified file
    assert sorted(r["bytes_reported"] > 0 for r in results) == [False, True]
    assert not list(final.parent.glob(".*.part"))
    assert cache.layout.read_downloaded()[str(final.resolve())] == (
        cache.manifest.data_entry(file_id).file_hash
    )


def test_a_cancelled_download_releases_its_stream_at_once(cache):
    released = []
    open_stream = cache.source.open

    def recording_open(entry, start=0):
        stream = open_stream(entry, start)
        original = stream.release
        stream.release = lambda: (released.append(entry.key), original())
        return stream

    cache.source.open = recording_open
    cancel = threading.Event()
    with pytest.raises(DownloadCancelled):
        cache.download("units", progress=lambda _p: cancel.set(), cancel=cancel)
    assert released == ["visual-behavior-neuropixels/project_metadata/units.csv"]
