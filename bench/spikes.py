"""Spike-response figures on the full-length demo session (``session.ensure_session``), and
``population_psth`` over the demo's sessions, side by side with the tutorial's loop in one run.

- ``psth_all_units_s``: PSTH of every unit around every image change (``is_change``: active and
  passive blocks), -0.5 to +1.0 s, 10 ms bins, from spike trains already in memory (median).
- ``psth_trains_build_s``: reading every unit's spikes (``read_many``) and ordering them by
  time, once per session (what opening the explorer costs before its first PSTH).
- ``psth_loop_s``: the VBN quickstart's ``makePSTH`` loop (one ``np.histogram`` per unit and
  event) over the same units and changes, from the same arrays; ``psth_speedup_vs_loop`` is its
  ratio to ``psth_all_units_s``; ``psth_loop_max_abs_diff_hz`` compares the two results.
- ``psth_display_bytes``: bytes a ``SpikeExplorer`` of every unit sends to show itself.
- ``population_psth_s``: ``population_psth`` of every unit of the demo's four genuine sessions
  (1,230 s each) around every change, Dask's local scheduler; ``population_psth_cluster_s``: the
  same on a LocalCluster of two worker processes (started before the clock).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EDGES = (-0.5, 1.0, 0.01)


def make_psth(spikes, start_times, window_dur, bin_size=0.001):
    """The VBN quickstart's convenience function, as the tutorial writes it."""
    bins = np.arange(0, window_dur + bin_size, bin_size)
    counts = np.zeros(bins.size - 1)
    for start in start_times:
        start_ind = np.searchsorted(spikes, start)
        end_ind = np.searchsorted(spikes, start + window_dur)
        counts = counts + np.histogram(spikes[start_ind:end_ind] - start, bins)[0]
    counts = counts / start_times.size
    return counts / bin_size, bins


def session_figures(path: Path, repeat: int) -> dict:
    from explorer import message_bytes, recorded_comms

    from vbn_widgets import BehaviorEcephysSession, SpikeExplorer
    from vbn_widgets.spikes import Bins, SpikeTrains, named_events, summed_counts

    session = BehaviorEcephysSession.from_nwb_path(path)
    ids = session.get_units().index.tolist()
    start = time.perf_counter()
    arrays = session.spike_times.read_many(ids)
    trains = SpikeTrains.from_arrays(ids, (arrays[u] for u in ids))
    build = time.perf_counter() - start
    changes = named_events(session, "changes").times
    bins = Bins(*EDGES)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        counts = summed_counts(trains, changes, bins.edges)[:, 0]
        times.append(time.perf_counter() - start)
    ours = statistics.median(times)
    rates = counts / (len(changes) * bins.width)

    start = time.perf_counter()
    loop = np.array([make_psth(arrays[u], changes - 0.5, 1.5, 0.01)[0] for u in ids])
    loop_s = time.perf_counter() - start
    del arrays
    with recorded_comms() as messages:
        widget = SpikeExplorer(session)
    display = message_bytes(messages)
    widget.close()
    return {
        "psth_units": len(ids),
        "psth_events": len(changes),
        "psth_spikes": trains.n_spikes,
        "psth_all_units_s": round(ours, 4),
        "psth_trains_build_s": round(build, 2),
        "psth_loop_s": round(loop_s, 2),
        "psth_speedup_vs_loop": round(loop_s / ours, 1),
        "psth_loop_max_abs_diff_hz": float(np.abs(loop[:, : bins.n] - rates).max()),
        "psth_display_bytes": display,
    }


def ensure_sessions(data: Path) -> tuple[Path, Path, list[int]]:
    """A demo release (written once into ``data/spikes-release``) whose four ecephys sessions
    are genuine 1,230 s NWB files, as the demo's default; downloaded into its cache."""
    import json

    from vbn_widgets import VBNCache
    from vbn_widgets.data.demo import write_demo_release
    from vbn_widgets.data.demo_nwb.plan import DEFAULT_DURATION_S, NwbOptions

    root = data / "spikes-release"
    marker = data / "spikes-release.json"
    if not marker.is_file():
        print(f"writing a demo release with four genuine sessions into {root} ...", flush=True)
        options = NwbOptions(sessions=4, duration_s=DEFAULT_DURATION_S, lfp_s=0.0)
        release = write_demo_release(root, scale=0.05, nwb=options)
        marker.write_text(json.dumps(list(release.nwb_sessions)))
    sessions = json.loads(marker.read_text())
    cache = VBNCache.from_mirror(root, data / "spikes-cache")
    cache.load_latest_manifest()  # the genuine files are the latest versions
    table = cache.get_ecephys_session_table(filter_abnormalities=False)
    for sid in sessions:
        cache.download(int(table.loc[sid, "file_id"]))
    return root, data / "spikes-cache", sessions


def population_figures(data: Path) -> dict:
    from dask.distributed import Client, LocalCluster

    from vbn_widgets import VBNCache, population_psth

    root, cache_dir, sessions = ensure_sessions(data)
    cache = VBNCache.from_mirror(root, cache_dir)
    start = time.perf_counter()
    local = population_psth(cache, sessions, align="changes")
    local_s = time.perf_counter() - start
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                     dashboard_address=None, silence_logs=40) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        start = time.perf_counter()
        remote = population_psth(cache, sessions, align="changes", client=client)
        cluster_s = time.perf_counter() - start
    return {
        "population_sessions": len(sessions),
        "population_units": len(local.units),
        "population_psth_s": round(local_s, 2),
        "population_psth_cluster_s": round(cluster_s, 2),
        "population_cluster_identical": bool(np.array_equal(local.rates, remote.rates)),
    }


def spikes_figures(data: Path, repeat: int) -> dict:
    from session import ensure_session

    return session_figures(ensure_session(data), repeat) | population_figures(data)


if __name__ == "__main__":  # python bench/spikes.py DATA_DIR
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    print(spikes_figures(Path(sys.argv[1]), 5))
