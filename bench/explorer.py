"""Table explorer figures: kernel-side latency of one filter change, bytes to display, exports.

Peers (ipydatagrid's DataGrid, itables' ITable) are measured on the same frame in the same run
when they are installed (``uv pip install ipydatagrid itables``: for the benchmark only).
"""

from __future__ import annotations

import json
import statistics
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd

VISIBLE = [
    "snr",
    "firing_rate",
    "isi_violations",
    "amplitude_cutoff",
    "presence_ratio",
    "structure_acronym",
    "quality",
    "d_prime",
    "isolation_distance",
    "nn_hit_rate",
    "ecephys_session_id",
    "valid_data",
]


@contextmanager
def recorded_comms():
    """Capture every message widgets created inside the block publish, with their buffers."""
    import comm

    messages: list[tuple[dict, list]] = []

    class RecordingComm(comm.base_comm.BaseComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            messages.append((data or {}, list(buffers or [])))

    original = comm.create_comm
    comm.create_comm = RecordingComm
    try:
        yield messages
    finally:
        comm.create_comm = original


def message_bytes(messages) -> int:
    return sum(
        len(json.dumps(data, default=str).encode()) + sum(memoryview(b).nbytes for b in buffers)
        for data, buffers in messages
    )


def deliver(widget, content) -> dict:
    replies = []
    widget.send = lambda msg, buffers=None: replies.append(msg)
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )
    return replies[-1]


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def filter_changes(
    units: pd.DataFrame, rounds: int = 80, export_to: str | None = None
) -> dict[str, float]:
    from vbn_widgets import TableExplorer

    widget = TableExplorer(units, export_to=export_to)
    rng = np.random.default_rng(0)
    areas = units["structure_acronym"].dropna().unique().tolist()
    changes = []
    for i in range(rounds):
        column = ["snr", "firing_rate", "presence_ratio", "structure_acronym"][i % 4]
        if column == "structure_acronym":
            filt = {
                "column": column,
                "kind": "values",
                "missing": "exclude",
                "values": rng.choice(areas, 5, replace=False).tolist(),
            }
        else:
            low = float(np.nanquantile(units[column], rng.uniform(0.05, 0.6)))
            filt = {
                "column": column,
                "kind": "range",
                "min": low,
                "max": None,
                "min_inclusive": True,
                "max_inclusive": True,
                "missing": "exclude",
            }
        start = time.perf_counter()
        deliver(widget, {"kind": "set-filter", "id": f"f{i}", "filter": filt})
        deliver(widget, {"kind": "summary", "id": f"s{i}", "columns": VISIBLE})
        deliver(widget, {"kind": "page", "id": f"p{i}", "offset": 0, "limit": 100})
        changes.append(time.perf_counter() - start)
    fetches = []
    for i in range(40):
        offset = int(rng.integers(0, max(widget.filtered_count - 100, 1)))
        start = time.perf_counter()
        deliver(widget, {"kind": "page", "id": f"q{i}", "offset": offset, "limit": 100})
        fetches.append(time.perf_counter() - start)
    return {
        "filter_change_p50_ms": round(percentile(changes[5:], 50), 2),
        "filter_change_p95_ms": round(percentile(changes[5:], 95), 2),
        "page_fetch_ms": round(percentile(fetches, 50), 2),
    }


def with_export(units: pd.DataFrame) -> dict[str, float]:
    """The same filter changes while ``export_to`` rewrites the filtered table every time."""
    figures = filter_changes(units, rounds=40, export_to="filtered_units")
    return {"filter_change_with_export_p50_ms": figures["filter_change_p50_ms"]}


def memory(units: pd.DataFrame) -> dict[str, float]:
    """What the explorer allocates (engine caches, masks, codes) relative to the table."""
    import tracemalloc

    from vbn_widgets import TableExplorer

    tracemalloc.start()
    widget = TableExplorer(units)
    widget.set_filter("snr", min=1.0)
    deliver(widget, {"kind": "summary", "id": "m", "columns": list(units.columns)[:64]})
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    table = int(units.memory_usage(deep=True).sum())
    return {"explorer_memory_vs_table": round(current / table, 3)}


def display_and_export(units: pd.DataFrame) -> dict[str, float]:
    from vbn_widgets import TableExplorer
    from vbn_widgets._variables import write_variable

    with recorded_comms() as messages:
        widget = TableExplorer(units)
    figures = {"display_bytes": message_bytes(messages)}
    widget.filters = {
        "version": 1,
        "filters": [
            {
                "column": "isi_violations",
                "kind": "range",
                "min": None,
                "max": 0.5,
                "min_inclusive": True,
                "max_inclusive": False,
                "missing": "exclude",
            },
            {
                "column": "amplitude_cutoff",
                "kind": "range",
                "min": None,
                "max": 0.1,
                "min_inclusive": True,
                "max_inclusive": False,
                "missing": "exclude",
            },
            {
                "column": "presence_ratio",
                "kind": "range",
                "min": 0.9,
                "max": None,
                "min_inclusive": False,
                "max_inclusive": True,
                "missing": "exclude",
            },
        ],
    }
    times = []
    for _ in range(9):
        start = time.perf_counter()
        write_variable("good_units", widget.filtered_index)
        times.append(time.perf_counter() - start)
    figures["export_ids_rows"] = widget.filtered_count
    figures["export_120k_ids_ms"] = round(statistics.median(times) * 1000, 2)
    return figures


def peers(units: pd.DataFrame) -> dict[str, float]:
    figures: dict[str, float] = {}
    for name, build in (("ipydatagrid", _datagrid), ("itables", _itable)):
        try:
            start = time.perf_counter()
            with recorded_comms() as messages:
                build(units)
            seconds = time.perf_counter() - start
        except ImportError:
            continue
        figures[f"{name}_display_bytes"] = message_bytes(messages)
        figures[f"{name}_display_s"] = round(seconds, 3)
    return figures


def _datagrid(units):
    from ipydatagrid import DataGrid

    return DataGrid(units)


def _itable(units):
    from itables.widget import ITable

    return ITable(units)


def text_filters(n: int = 1_000_000, rounds: int = 5) -> dict[str, float]:
    """Text filters on ``n`` distinct ~70-character strings (a "text" column): substring,
    regex, and ``(.*.*)*=`` (minutes with a backtracking engine; RE2 is linear). Each figure is
    a whole filter change (set-filter, then the first page) from the browser's side."""
    from vbn_widgets import TableExplorer

    rng = np.random.default_rng(1)
    words = np.array(["VISp", "CA1", "LGd", "probe", "unit", "good", "noise", "mua", "shank"])
    picks = rng.integers(0, len(words), size=(n, 8))
    texts = [f"{i:07d} " + " ".join(words[row]) for i, row in enumerate(picks)]
    widget = TableExplorer(pd.DataFrame({"label": pd.array(texts, dtype="str")}))
    patterns = {
        "first": ("unit good", False),  # the first text filter also builds the column's caches
        "substring": ("probe shank", False),
        "regex": (r"VISp (unit|mua) \w+ CA1", True),
        "pathological": ("(.*.*)*=", True),
    }
    figures = {}
    for name, (pattern, regex) in patterns.items():
        times = []
        for i in range(1 if name == "first" else rounds):
            filt = {"column": "label", "kind": "text", "pattern": pattern + " " * (i % 2)}
            filt |= {"regex": regex, "case_sensitive": False, "missing": "exclude"}
            start = time.perf_counter()
            reply = deliver(widget, {"kind": "set-filter", "id": f"t{name}{i}", "filter": filt})
            deliver(widget, {"kind": "page", "id": f"p{name}{i}", "offset": 0, "limit": 100})
            times.append(time.perf_counter() - start)
            assert reply["kind"] == "set-filter:ok", reply
        figures[f"text_filter_1m_{name}_s"] = round(statistics.median(times), 3)
    return figures
