"""Benchmarks on the full-scale demo release, as ratios against peers run side by side.

    python bench/run.py --json results.json [--data DIR] [--repeat N]

Run by hand; never as a timed test. Every figure is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from vbn_widgets import VBNCache, __version__
from vbn_widgets.data.demo import write_demo_release

MANIFESTS = "visual-behavior-neuropixels/manifests"


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ensure_release(data: Path) -> Path:
    release = data / "release"
    if not (release / MANIFESTS).is_dir():
        print(f"writing the full-scale demo release into {release} ...", flush=True)
        write_demo_release(release, scale=1.0, seed=0)
    return release


def bench_units_load(release: Path, cache_dir: Path, repeat: int) -> dict[str, float]:
    VBNCache.from_mirror(release, cache_dir).get_unit_table()  # download + build the sidecar
    csv = VBNCache.from_mirror(release, cache_dir).metadata_path("units")["local_path"]

    def ours():
        VBNCache.from_mirror(release, cache_dir).get_unit_table()  # a new kernel's first call

    def allensdk_way():
        pd.read_csv(csv).set_index("unit_id")  # what AllenSDK's cloud API does per load

    def scan(frame):
        frame.select_dtypes("number").sum()  # touches every numeric value once

    warm = median_seconds(ours, repeat)
    peer = median_seconds(allensdk_way, max(3, repeat // 2))
    # The float columns are memory-mapped, so also time load + one pass over every value.
    warm_scan = median_seconds(
        lambda: scan(VBNCache.from_mirror(release, cache_dir).get_unit_table()), repeat
    )
    peer_scan = median_seconds(lambda: scan(pd.read_csv(csv).set_index("unit_id")), 3)
    return {
        "units_warm_load_s": round(warm, 4),
        "units_read_csv_s": round(peer, 4),
        "units_load_speedup_vs_read_csv": round(peer / warm, 1),
        "units_warm_load_and_scan_s": round(warm_scan, 4),
        "units_load_and_scan_speedup_vs_read_csv": round(peer_scan / warm_scan, 1),
    }


GOALS = {
    "units_warm_load_s": ("<=", 0.15),
    "units_load_speedup_vs_read_csv": (">=", 7.0),
    "filter_change_p50_ms": ("<=", 10.0),
    "filter_change_p95_ms": ("<=", 25.0),
    "display_bytes": ("<=", 150_000),
    "export_120k_ids_ms": ("<=", 50.0),
    "explorer_memory_vs_table": ("<=", 0.5),
    "quality_change_p95_ms": ("<=", 25.0),
    "quality_display_bytes": ("<=", 150_000),
    "quality_build_s": ("<=", 0.2),
    "text_filter_1m_regex_s": ("<=", 0.5),
    "text_filter_1m_pathological_s": ("<=", 0.5),
    "cache_browser_busy_reply_ms": ("<=", 500.0),
    "session_open_s": ("<=", 0.5),
    "session_open_speedup_vs_pynwb": (">=", 10.0),
    "stream_open_bytes_fraction": ("<=", 0.25),
    "psth_all_units_s": ("<=", 0.3),
    "psth_speedup_vs_loop": (">=", 20.0),
    "psth_display_bytes": ("<=", 400_000),
}


def report(figures: dict[str, float]) -> str:
    lines = [f"{'figure':40} {'value':>10}  goal"]
    for name, value in figures.items():
        if isinstance(value, dict):
            lines += [f"{name}:"] + [f"  {k:52} {v}" for k, v in value.items()]
            continue
        op, goal = GOALS.get(name, ("", None))
        ok = "" if goal is None else ("ok" if eval_goal(value, op, goal) else "MISSED")
        goal_text = f"{op} {goal} {ok}" if goal is not None else ""
        lines.append(f"{name:40} {value:>10}  {goal_text}")
    return "\n".join(lines)


def eval_goal(value: float, op: str, goal: float) -> bool:
    return value <= goal if op == "<=" else value >= goal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--data", type=Path, default=Path(__file__).parent / "results" / "data")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--only-load", action="store_true", help="only the table-load figures")
    parser.add_argument("--only-session", action="store_true", help="only the session figures")
    parser.add_argument("--no-stream", action="store_true", help="skip the SeaweedFS figures")
    parser.add_argument("--only-spikes", action="store_true", help="only the spike figures")
    args = parser.parse_args(argv)
    if args.only_session or args.only_spikes:
        figures = session_figures(args) if args.only_session else spike_figures(args)
        print(report(figures))
        write_json(args, figures)
        return 0
    release = ensure_release(args.data)
    cache_dir = args.data / "cache"
    figures = bench_units_load(release, cache_dir, args.repeat)
    if not args.only_load:
        from explorer import (
            display_and_export,
            filter_changes,
            memory,
            peers,
            text_filters,
            with_export,
        )
        from quality import quality_figures

        units = VBNCache.from_mirror(release, cache_dir).get_unit_table()
        figures |= filter_changes(units)
        figures |= with_export(units)
        figures |= memory(units)
        figures |= display_and_export(units)
        figures |= peers(units)
        figures |= text_filters()
        figures |= quality_figures(units)
        from cache_browser import cache_browser_figures

        figures |= cache_browser_figures(release, args.data)
        figures |= session_figures(args)
        figures |= spike_figures(args)
    print(report(figures))
    write_json(args, figures)
    return 0


def session_figures(args) -> dict:
    import tempfile

    from session import ensure_session, local_figures, stream_figures

    path = ensure_session(args.data)
    figures = local_figures(path, args.repeat)
    if not args.no_stream:
        with tempfile.TemporaryDirectory(dir=args.data) as work:
            figures |= stream_figures(path, Path(work))
    return figures


def spike_figures(args) -> dict:
    from spikes import spikes_figures

    return spikes_figures(args.data, args.repeat)


def write_json(args, figures: dict) -> None:
    if args.json:
        meta = {
            "vbn_widgets": __version__,
            "python": sys.version.split()[0],
            "pandas": pd.__version__,
            "machine": platform.machine(),
        }
        args.json.write_text(json.dumps({**figures, "meta": meta}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
