"""Session figures on a full-length demo session file, side by side with pynwb in one process.

- ``session_open_s``: open + units without spikes + stimulus_presentations + trials (ours).
- ``session_open_speedup_vs_pynwb``: pynwb's ``NWBHDF5IO(...).read()`` + ``units.to_dataframe()``
  + every presentations table's ``to_dataframe()`` on the same file, divided by ours.
- ``spike_times_800_units_s``: ``spike_times.read_many`` of 800 quality-passing units.
- ``stream_open_bytes_fraction``: bytes a SeaweedFS S3 server sent (counted by a loopback proxy)
  to open the session streamed and read those 800 units' spike times, over the file's size;
  ``stream_reopen_bytes``: the same again from the block cache.
- ``stream_compare``: the same workload through other byte-range layers (remfile, fsspec's HTTP
  file with its block caches) and our block sizes, when those packages are installed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from run import median_seconds

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "visual-behavior-neuropixels-data"
KEY = "visual-behavior-neuropixels/behavior_ecephys_sessions/1/ecephys_session_1.nwb"
N_UNITS = 800


def _harness():
    for folder in (ROOT / "tests" / "vbn_testing",):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))


def ensure_session(data: Path) -> Path:
    """The full-length demo session file: a small demo release (written once into
    ``data/session-release``) whose one genuine session has the real length and a typical unit
    count (``NwbOptions.full_length()``: ~2,085 units, ~136 M spikes, ~2.3 GB)."""
    from vbn_widgets.data.demo import DemoRelease, write_demo_release
    from vbn_widgets.data.demo_nwb.plan import NwbOptions

    root = data / "session-release"
    marker = data / "session-release.key"  # the genuine session's key
    if not marker.is_file():
        print(f"writing a demo release with one full-length session into {root} ...", flush=True)
        release: DemoRelease = write_demo_release(root, scale=0.05, nwb=NwbOptions.full_length())
        sid = release.nwb_sessions[0]
        key = (
            f"visual-behavior-neuropixels/behavior_ecephys_sessions/{sid}/ecephys_session_{sid}.nwb"
        )
        marker.write_text(key)
    return root / marker.read_text().strip()


def _ours_open(path: Path):
    from vbn_widgets import BehaviorEcephysSession

    session = BehaviorEcephysSession.from_nwb_path(path)
    _ = session.get_units(), session.stimulus_presentations, session.trials
    return session


def _pynwb_open(path: Path) -> None:
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(str(path), "r", load_namespaces=True) as io:
        nwb = io.read()
        nwb.units.to_dataframe()
        for name, table in nwb.intervals.items():
            if name.endswith("_presentations"):
                table.to_dataframe()


def chosen_units(session) -> list[int]:
    """800 units that pass the tutorial's thresholds (scattered through the file, as a QC
    selection is), topped up by a fixed random sample if fewer pass."""
    passing = session.get_units(
        amplitude_cutoff_maximum=0.1, presence_ratio_minimum=0.9, isi_violations_maximum=0.5
    ).index.tolist()
    rest = [u for u in session.spike_times if u not in set(passing)]
    rng = np.random.default_rng(0)
    extra = rng.choice(rest, max(0, N_UNITS - len(passing)), replace=False).tolist()
    return sorted(passing + extra)[:N_UNITS] if len(passing) < N_UNITS else passing[:N_UNITS]


def local_figures(path: Path, repeat: int) -> dict:
    _ours_open(path).close()  # warm the OS page cache for both readers alike
    ours = median_seconds(lambda: _ours_open(path).close(), repeat)
    peer = median_seconds(lambda: _pynwb_open(path), max(3, repeat // 3))
    session = _ours_open(path)
    ids = chosen_units(session)
    session.close()

    def spikes():
        s = _ours_open(path)
        s.spike_times.read_many(ids)
        s.close()

    def open_only():
        _ours_open(path).close()

    spike_s = max(0.0, median_seconds(spikes, repeat) - median_seconds(open_only, repeat))
    return {
        "session_file_bytes": path.stat().st_size,
        "session_open_s": round(ours, 4),
        "session_open_pynwb_s": round(peer, 3),
        "session_open_speedup_vs_pynwb": round(peer / ours, 1),
        "spike_times_800_units_s": round(spike_s, 4),
    }


def _workload(session, ids) -> None:
    _ = session.get_units(), session.stimulus_presentations, session.trials
    session.spike_times.read_many(ids)


def stream_figures(path: Path, work: Path) -> dict:  # noqa: PLR0915
    """Everything streamed through a counting proxy in front of SeaweedFS."""
    _harness()
    from cut_proxy import CutProxy
    from seaweed import SeaweedS3

    from vbn_widgets import BehaviorEcephysSession
    from vbn_widgets.data.cache_sessions import _EntryRanges, source_identity
    from vbn_widgets.data.manifest import FileEntry
    from vbn_widgets.data.sources import S3Source
    from vbn_widgets.session.stream import BLOCK_SIZE, RemoteFile, RemoteObject

    session = BehaviorEcephysSession.from_nwb_path(path)
    ids = chosen_units(session)
    session.close()
    size = path.stat().st_size
    figures: dict = {}
    compare: dict = {}
    with SeaweedS3(base_dir=work) as s3:
        s3.create_versioned_bucket(BUCKET)
        admin = s3.admin_client()
        admin.upload_file(str(path), BUCKET, KEY)
        version = admin.head_object(Bucket=BUCKET, Key=KEY)["VersionId"]
        url = f"https://{BUCKET}.s3.us-west-2.amazonaws.com/{KEY}"
        entry = FileEntry("1", url, version, "", BUCKET, KEY)

        def ours(block_size: int, cache: Path | None):
            with CutProxy("127.0.0.1", s3.port) as proxy:
                source = S3Source(BUCKET, endpoint_url=proxy.endpoint_url)
                nbytes, etag = source.stat(entry)
                obj = RemoteObject(source_identity(source), KEY, version, etag, nbytes)
                remote = RemoteFile(
                    _EntryRanges(source, entry, etag), obj, cache_root=cache, block_size=block_size
                )
                start = time.perf_counter()
                opened = BehaviorEcephysSession.from_file_object(remote, name=KEY)
                _workload(opened, ids)
                seconds = time.perf_counter() - start
                opened.close()
                sent = sum(c.bytes_to_client for c in proxy.connections)
                return sent, seconds, len(proxy.requests)

        blocks = work / "blocks"
        print("streaming from SeaweedFS ...", flush=True)
        sent, seconds, requests = ours(BLOCK_SIZE, blocks)
        figures["stream_open_bytes_fraction"] = round(sent / size, 4)
        figures["stream_open_s"] = round(seconds, 2)
        figures["stream_open_requests"] = requests
        again, seconds, requests = ours(BLOCK_SIZE, blocks)
        figures["stream_reopen_bytes"] = again
        figures["stream_reopen_s"] = round(seconds, 3)
        for block in (64 << 10, 1 << 20, 4 << 20):  # the default is measured above
            sent, seconds, requests = ours(block, None)
            name = f"vbn_widgets block {block >> 10} KiB"
            compare[name] = _row(sent, size, seconds, requests)
            print(f"  {name}: {compare[name]}", flush=True)
        public = f"{s3.endpoint_url}/{BUCKET}/{KEY}?versionId={version}"
        for name, opener in _peers().items():
            with CutProxy("127.0.0.1", s3.port) as proxy:
                target = public.replace(s3.endpoint_url, proxy.endpoint_url)
                start = time.perf_counter()
                try:
                    handle = opener(target)
                    opened = BehaviorEcephysSession.from_file_object(handle, name=name)
                    _workload(opened, ids)
                    opened.close()
                except Exception as err:  # a peer's failure is reported, not fatal
                    compare[name] = {"error": f"{type(err).__name__}: {err}"[:200]}
                    continue
                seconds = time.perf_counter() - start
                sent = sum(c.bytes_to_client for c in proxy.connections)
                compare[name] = _row(sent, size, seconds, len(proxy.requests))
                print(f"  {name}: {compare[name]}", flush=True)
    figures["stream_compare"] = compare
    return figures


def _row(sent: int, size: int, seconds: float, requests: int) -> dict:
    return {
        "bytes": sent,
        "fraction": round(sent / size, 4),
        "seconds": round(seconds, 2),
        "requests": requests,
    }


def _peers() -> dict:
    """Other byte-range layers, each as ``url -> file object`` (only those installed)."""
    peers = {}
    try:
        import remfile

        peers["remfile (default: 100 KiB+ chunks, memory cache)"] = remfile.File
    except ImportError:
        pass
    try:
        import aiohttp  # noqa: F401 - fsspec's HTTP file system needs it
        import fsspec

        for cache in ("readahead", "blockcache", "bytes"):
            fs = fsspec.filesystem("http")
            peers[f"fsspec http, cache_type={cache} (5 MiB blocks)"] = (
                lambda url, fs=fs, cache=cache: fs.open(url, "rb", cache_type=cache)
            )
    except ImportError:
        pass
    return peers
