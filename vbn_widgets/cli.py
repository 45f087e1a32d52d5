"""The ``vbn-widgets`` command line.

Subcommands:

``demo [--data DIR] [--port N] [--no-browser] [--no-lab]``
    The main job: make sure the full-scale demo release and a cache filled from it exist
    (in DIR, default ``$VBN_WIDGETS_DATA`` or ``~/.cache/vbn-widgets/demo``), then start
    JupyterLab on the notebooks (``01_quickstart.ipynb`` first) and print its URL; Ctrl-C stops
    it. From a source checkout JupyterLab opens ``notebooks/``; from an installed wheel the
    packaged notebooks are copied to ``DIR/notebooks`` once (later runs keep your edits).

``demo-data DIR [--scale S] [--seed N] [--nwb-sessions N] [--session-duration S]
[--lfp-seconds S] [--lfp-probes N] [--full-length]``
    Write a deterministic synthetic VBN release (v0.4.0 and v0.5.0 manifests, tables and data
    files) into DIR, laid out like the S3 bucket. N ecephys sessions (default 4) get genuine NWB
    files lasting about S seconds (default 1230); ``--full-length`` writes one session at the
    real length (~9,600 s) for the benchmark. Other data files are stand-ins.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

PROG = "vbn-widgets"


def _directory_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _nwb_options(args: argparse.Namespace, default):
    """NwbOptions from the command line's NWB options, starting from ``default``."""
    from dataclasses import replace

    from .data.demo_nwb.plan import NwbOptions

    if args.full_length:
        return NwbOptions.full_length()
    given = {
        "sessions": args.nwb_sessions,
        "duration_s": args.session_duration,
        "lfp_s": args.lfp_seconds,
        "lfp_probes": args.lfp_probes,
    }
    return replace(default, **{k: v for k, v in given.items() if v is not None})


def _add_nwb_options(parser: argparse.ArgumentParser, hidden: bool) -> None:
    def shown(text: str) -> str:
        return argparse.SUPPRESS if hidden else text

    parser.add_argument(
        "--nwb-sessions",
        type=int,
        default=None,
        metavar="N",
        help=shown("ecephys sessions with genuine NWB files (default: 4; 1 if --scale < 1)"),
    )
    parser.add_argument(
        "--session-duration",
        type=float,
        default=None,
        metavar="S",
        help=shown("length of each genuine session in seconds (default: 1230)"),
    )
    parser.add_argument(
        "--lfp-seconds",
        type=float,
        default=None,
        metavar="S",
        help=shown("seconds of genuine LFP per probe file, 0 for none (default: 30)"),
    )
    parser.add_argument(
        "--lfp-probes",
        type=int,
        default=None,
        metavar="N",
        help=shown("genuine LFP files per session (default: 2)"),
    )
    parser.add_argument("--full-length", action="store_true",
                        help="one genuine session at the real length (~9,600 s, ~2,000 units) "
                        "instead, for the benchmark")  # fmt: skip


def _demo_data(args: argparse.Namespace) -> int:
    from .data.demo import write_demo_release
    from .demo_job import demo_nwb_options

    nwb = _nwb_options(args, demo_nwb_options(args.scale))
    release = write_demo_release(args.dir, scale=args.scale, seed=args.seed, nwb=nwb)
    print(
        f"Wrote a demo VBN release (scale {release.scale:g}, seed {release.seed}) to {release.root}"
    )
    for version, path in release.manifest_paths.items():
        print(f"  manifest v{version}: {path.relative_to(release.root)}")
    rows = ", ".join(f"{name} {count:,}" for name, count in release.row_counts.items())
    print(f"  tables: {rows}")
    files = ", ".join(f"{kind} {count:,}" for kind, count in release.data_file_counts.items())
    print(f"  data files per manifest: {files}")
    genuine = release.nwb.get("sessions", {})
    spikes = sum(int(s["spikes"]) for s in genuine.values())
    print(
        f"  genuine NWB: {len(genuine)} ecephys sessions ({spikes:,} spikes), "
        f"{len(release.nwb.get('behavior_sessions', {}))} behavior-only sessions"
    )
    print(f"  total size: {_directory_size(release.root) / 1e6:,.1f} MB")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo_job import (
        DATA_ENV,
        demo_nwb_options,
        ensure_demo_data,
        prepare_notebooks,
        run_lab,
    )

    if args.port is not None and not 0 < args.port < 65536:
        raise ValueError(f"--port must be in 1..65535, got {args.port}")
    if not args.no_lab:
        try:
            import jupyterlab  # noqa: F401 - only checking that it is installed
        except ImportError:
            raise ValueError(
                "JupyterLab is not installed: pip install 'vbn-widgets[lab]' (or use --no-lab)"
            ) from None
    print(
        "Preparing the offline demo (the first run writes ~1.8 GB, four genuine NWB sessions "
        "included, in about a minute) ...",
        flush=True,
    )
    demo = ensure_demo_data(
        args.data, scale=args.scale, nwb=_nwb_options(args, demo_nwb_options(args.scale))
    )
    cache = demo.cache()
    units = cache.get_unit_table()
    sessions = cache.get_ecephys_session_table()
    notebooks = prepare_notebooks(demo)
    print(f"Demo release: {demo.release}")
    print(f"Cache:        {demo.cache_dir} (manifest {cache.current_manifest()})")
    print(f"Units: {len(units):,}; ecephys sessions after the abnormality filter: {len(sessions)}")
    print(f"Notebooks:    {notebooks}")
    print(f"Open it from Python or a notebook ({DATA_ENV}={demo.root}) with:")
    print("    from vbn_widgets import TableExplorer, VBNCache")
    print(f"    cache = VBNCache.from_mirror({str(demo.release)!r}, {str(demo.cache_dir)!r})")
    print('    TableExplorer("units", cache=cache, export_to="good_units")', flush=True)
    if args.no_lab:
        return 0
    return run_lab(demo, notebooks, port=args.port, browser=not args.no_browser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Jupyter widgets and data tools for Visual Behavior Neuropixels."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo-data",
        help="write a synthetic VBN release laid out like the S3 bucket",
        description=(
            "Write a deterministic synthetic Visual Behavior Neuropixels release (manifests "
            "v0.4.0 and v0.5.0, the five metadata tables, genuine NWB files for a few sessions "
            "and stand-ins for the rest) into DIR. DIR must be missing, empty, or an earlier "
            "demo release."
        ),
    )
    demo.add_argument("dir", metavar="DIR", type=Path, help="destination folder")
    demo.add_argument(
        "--scale",
        type=float,
        default=1.0,
        metavar="S",
        help="fraction of the real release's size, in (0, 1] (default: 1.0)",
    )
    demo.add_argument(
        "--seed", type=int, default=0, metavar="N", help="random seed, >= 0 (default: 0)"
    )
    _add_nwb_options(demo, hidden=False)
    demo.set_defaults(handler=_demo_data)

    job = commands.add_parser(
        "demo",
        help="prepare the offline demo and open its notebooks in JupyterLab (the main job)",
        description=(
            "Write the full-scale demo release and a cache filled from it, if missing, then "
            "start JupyterLab on the notebooks (01_quickstart.ipynb first) and print its URL. "
            "Ctrl-C stops it."
        ),
    )
    job.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the demo lives (default: $VBN_WIDGETS_DATA or ~/.cache/vbn-widgets/demo)",
    )
    job.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help="JupyterLab's port (default: 8888, or a free one)",
    )
    job.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    job.add_argument(
        "--no-lab", action="store_true", help="prepare the data and notebooks only, start nothing"
    )
    job.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    _add_nwb_options(job, hidden=True)
    job.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error argparse already reported
        return stop.code if isinstance(stop.code, int) else 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (ValueError, OSError) as err:
        print(f"{PROG} {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
