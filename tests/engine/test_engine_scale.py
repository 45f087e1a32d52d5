"""Scale smoke test: a units-sized table (319,013 rows x 36 columns), no timing asserts."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from vbn_widgets.data.schema import UNIT_METRICS
from vbn_widgets.engine import TableEngine

ROWS = 319_013
AREAS = ["VISp", "VISl", "VISal", "VISrl", "VISam", "VISpm", "CA1", "CA3", "DG", "LGd", "LP", "APN"]
SUMMARIZED = [
    "firing_rate",
    "snr",
    "structure_acronym",
    "quality",
    "valid_data",
    "amplitude_cutoff",
    "isi_violations",
    "presence_ratio",
    "d_prime",
    "ecephys_session_id",
    "waveform_duration",
    "spread",
]


def units_like(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """Random data shaped like VBN's units table (index unit_id plus 35 columns)."""
    rng = np.random.default_rng(seed)
    sessions = np.sort(rng.choice(np.arange(1_040_000_000, 1_140_000_000), 153, replace=False))
    columns: dict[str, object] = {
        "ecephys_channel_id": rng.integers(1_040_000_000, 1_050_000_000, rows),
        "ecephys_probe_id": rng.integers(1_040_000_000, 1_040_001_000, rows),
        "ecephys_session_id": np.repeat(sessions, -(-rows // len(sessions)))[:rows],
        "structure_acronym": pd.array(rng.choice(AREAS, rows), dtype="str"),
        "structure_id": rng.integers(0, 1_000, rows),
        "dorsal_ventral_ccf_coordinate": rng.integers(-1, 8_000, rows),
        "left_right_ccf_coordinate": rng.integers(-1, 11_000, rows),
        "local_index": rng.integers(0, 1_000, rows),
        "probe_horizontal_position": rng.choice([11, 27, 43, 59], rows),
        "probe_vertical_position": rng.integers(0, 3_840, rows),
        "quality": pd.array(rng.choice(["good", "noise"], rows, p=[0.8, 0.2]), dtype="str"),
        "valid_data": rng.random(rows) < 0.95,
        "spread": rng.integers(1, 30, rows) * 10.0,
    }
    for name in [
        m for m in (*UNIT_METRICS, "anterior_posterior_ccf_coordinate") if m not in columns
    ]:
        values = rng.lognormal(0.0, 1.0, rows)
        values[rng.random(rows) < 0.03] = np.nan
        columns[name] = values
    frame = pd.DataFrame(columns)
    frame.index = pd.Index(np.arange(rows, dtype=np.int64) * 3 + 1_086_282_688, name="unit_id")
    return frame


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return units_like()


def test_units_sized_table(units):
    assert units.shape == (ROWS, 35)
    engine = TableEngine(units)
    assert len(engine.columns) == 36
    assert {c.name: c.kind for c in engine.columns}["structure_acronym"] == "category"
    engine.summaries(SUMMARIZED)  # builds the per-column caches
    engine.set_filter({"column": "quality", "kind": "values", "values": ["good"]})
    engine.set_sort([("snr", False)])
    timings = []
    for low in np.linspace(0.1, 5.0, 25):
        start = time.perf_counter()
        engine.set_filter({"column": "firing_rate", "kind": "range", "min": float(low)})
        count = engine.filtered_count
        summaries = engine.summaries(SUMMARIZED)
        page = engine.page(0, 100)
        timings.append(time.perf_counter() - start)
    expected = units[(units["quality"] == "good") & (units["firing_rate"] >= low)]
    expected = expected.sort_values("snr", ascending=False, kind="stable", na_position="last")
    assert count == len(expected)
    pd.testing.assert_frame_equal(page, expected.iloc[:100])
    assert [s["column"] for s in summaries] == SUMMARIZED
    rate = summaries[0]
    assert rate["counts"].sum() + rate["missing"] == int((units["quality"] == "good").sum())
    print(f"\nset_filter+count+12 summaries+page: p50 {np.median(timings) * 1e3:.1f} ms")
    code = engine.to_code("units")
    result = eval(code, {"units": units, "pd": pd, "np": np})  # noqa: S307 - code under test
    pd.testing.assert_frame_equal(result, engine.filtered())


@pytest.mark.parametrize("offset", [0, 4_000, 30_000, 200_000])
def test_pages_before_the_full_order_is_known(units, offset):
    engine = TableEngine(units)
    engine.set_sort([("structure_acronym", True), ("snr", False)])
    engine.set_filter({"column": "snr", "kind": "range", "min": 1.5, "missing": "include"})
    page = engine.page(offset, 250)  # computed from the first kept rows of the full order
    pd.testing.assert_frame_equal(page, engine.filtered().iloc[offset : offset + 250])
    kept = units[(units["snr"] >= 1.5) | units["snr"].isna()]
    expected = kept.sort_values(
        ["structure_acronym", "snr"], ascending=[True, False], kind="stable"
    )
    pd.testing.assert_frame_equal(page, expected.iloc[offset : offset + 250])
