"""QualityFilter figures on the full units table: bytes and seconds to display, change latency.

- ``quality_display_bytes``: everything the kernel sends to show one widget (comm open with its
  state and buffers, including the JS and CSS bundles), measured as for TableExplorer.
- ``quality_build_s``: constructing the widget (median of ``repeat`` builds).
- ``quality_change_p50_ms`` / ``quality_change_p95_ms``: one threshold change requested exactly
  as the browser requests it (a ``set-criterion`` message), answered and published: passing
  mask, counts, attrition, per-area and per-session tables and the synced traits.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd
from explorer import deliver, message_bytes, recorded_comms

CHANGES = 80


def quality_figures(units: pd.DataFrame, repeat: int = 5, changes: int = CHANGES) -> dict:
    from vbn_widgets.quality_filter import QualityFilter

    sizes, builds = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        with recorded_comms() as messages:
            widget = QualityFilter(units, export_to=None)
        builds.append(time.perf_counter() - start)
        sizes.append(message_bytes(messages))
        widget.close()
    figures = {
        "quality_display_bytes": int(statistics.median(sizes)),
        "quality_build_s": round(statistics.median(builds), 4),
    }
    return figures | quality_changes(units, changes)


def quality_changes(units: pd.DataFrame, changes: int = CHANGES, seed: int = 0) -> dict:
    """p50 / p95 milliseconds of one threshold change requested by message."""
    from vbn_widgets.quality.grid import Axis
    from vbn_widgets.quality_filter import QualityFilter

    qf = QualityFilter(units, export_to=None, debounce_s=0)
    rng = np.random.default_rng(seed)
    metrics = [c.metric for c in qf.settings.active_criteria]
    grids = {m["name"]: Axis(**m["axis"]).values() for m in qf.metric_info}
    times = []
    for i in range(changes):
        metric = metrics[i % len(metrics)]
        value = grids[metric][int(rng.integers(len(grids[metric])))]
        request = {"kind": "set-criterion", "id": f"c{i}", "metric": metric, "threshold": value}
        start = time.perf_counter()
        reply = deliver(qf, request)
        times.append(time.perf_counter() - start)
        if reply["kind"] != "set-criterion:ok":
            raise RuntimeError(f"the widget answered {reply}")
    ms = np.array(times) * 1000
    return {
        "quality_change_p50_ms": round(float(statistics.median(ms)), 2),
        "quality_change_p95_ms": round(float(np.percentile(ms, 95)), 2),
    }


if __name__ == "__main__":  # python bench/quality.py RELEASE_DIR
    import sys

    from vbn_widgets import VBNCache

    cache = VBNCache.from_local_cache(sys.argv[1], use_static_cache=True)
    print(quality_figures(cache.get_unit_table()))
