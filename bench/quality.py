"""QualityFilter figure: kernel-side latency of one threshold change on the full units table.

One change = a slider moved from Python exactly as the front end would move it: the model's
passing mask, the count, the attrition table, the per-area and per-session tables and the
threshold line in the density figure are all recomputed before the call returns.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

CHANGES = 80


def quality_changes(units: pd.DataFrame, changes: int = CHANGES, seed: int = 0) -> dict:
    """p50 / p95 milliseconds of one slider change recomputed, over ``changes`` changes."""
    from vbn_widgets.quality_filter import QualityFilter

    qf = QualityFilter(units, export_to=None, debounce_s=0)
    rng = np.random.default_rng(seed)
    metrics = [c.metric for c in qf.settings.active_criteria]
    times = []
    for i in range(changes):
        slider = qf._rows[metrics[i % len(metrics)]]["slider"]
        value = rng.uniform(slider.min, slider.max)
        start = time.perf_counter()
        slider.value = value
        times.append(time.perf_counter() - start)
        if qf._error.value:
            raise RuntimeError(f"the widget reported an error: {qf._error.value}")
    ms = np.array(times) * 1000
    return {
        "quality_change_p50_ms": round(float(statistics.median(ms)), 2),
        "quality_change_p95_ms": round(float(np.percentile(ms, 95)), 2),
    }


if __name__ == "__main__":  # python bench/quality.py RELEASE_DIR
    import sys

    from vbn_widgets import VBNCache

    cache = VBNCache.from_local_cache(sys.argv[1], use_static_cache=True)
    print(quality_changes(cache.get_unit_table()))
