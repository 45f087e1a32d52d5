"""Quality settings: presets, validation, JSON round trips, region groups."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vbn_widgets.quality import (
    DEFAULT_METRICS,
    LOG_METRICS,
    PRESETS,
    REGION_GROUPS,
    Criterion,
    QualityError,
    QualityModel,
    QualitySettings,
    region_group,
)

DOC = Path(__file__).resolve().parents[2].parent / "shared" / "docs" / "vbn-dataset.md"

# An independent copy of the tutorial's lists (docs/vbn-dataset.md, "Unit quality").
EXPECTED_GROUPS = {
    "cortex": "VISp VISl VISrl VISam VISpm VIS VISal VISmma VISmmp VISli",
    "thalamus": "LGd LD LP VPM TH MGm MGv MGd PO LGv VL VPL POL Eth PoT PP PIL IntG IGL SGN PF RT",
    "hippocampus": "CA1 CA2 CA3 DG SUB POST PRE ProS HPF",
    "midbrain": "MB SCig SCiw SCsg SCzo PPT APN NOT MRN OP LT RPF CP",
}


def test_defaults_and_log_metrics():
    assert DEFAULT_METRICS == (
        "firing_rate",
        "presence_ratio",
        "amplitude_cutoff",
        "isi_violations",
        "snr",
        "isolation_distance",
        "d_prime",
        "nn_hit_rate",
    )
    assert frozenset({"firing_rate", "isi_violations"}) == LOG_METRICS


def _active(s: QualitySettings) -> dict[str, tuple[str, float, bool, str]]:
    return {c.metric: (c.keep, c.threshold, c.inclusive, c.missing) for c in s.criteria if c.active}


def test_presets_exact():
    assert set(PRESETS) == {"Allen tutorial", "AllenSDK defaults", "snr and firing rate"}
    assert _active(PRESETS["Allen tutorial"]) == {
        "isi_violations": ("below", 0.5, False, "fail"),
        "amplitude_cutoff": ("below", 0.1, False, "fail"),
        "presence_ratio": ("above", 0.9, False, "fail"),
    }
    assert [c.metric for c in PRESETS["Allen tutorial"].criteria[:3]] == [
        "isi_violations",
        "amplitude_cutoff",
        "presence_ratio",
    ]
    assert _active(PRESETS["AllenSDK defaults"]) == {
        "amplitude_cutoff": ("below", 0.1, True, "fail"),
        "presence_ratio": ("above", 0.95, True, "fail"),
        "isi_violations": ("below", 0.5, True, "fail"),
    }
    assert _active(PRESETS["snr and firing rate"]) == {
        "snr": ("above", 1.0, False, "fail"),
        "firing_rate": ("above", 0.2, False, "fail"),
    }
    for name, preset in PRESETS.items():
        assert preset.preset == name
        assert sorted(c.metric for c in preset.criteria) == sorted(DEFAULT_METRICS)
        assert preset.sessions is None and preset.areas is None and not preset.good_label_only


def test_region_groups_match_doc_lists():
    assert {g: " ".join(a) for g, a in REGION_GROUPS.items()} == EXPECTED_GROUPS
    for group, acronyms in EXPECTED_GROUPS.items():
        for acronym in acronyms.split():
            assert region_group(acronym) == group
    for other in ("ZI", "root", "", "visp", None, float("nan"), "DG-mo"):
        assert region_group(other) == "other"


def test_region_groups_match_the_doc_file():
    if not DOC.is_file():
        pytest.skip(f"{DOC} not present")
    text = DOC.read_text()
    for group, acronyms in REGION_GROUPS.items():
        match = re.search(rf"{group} = ([^;.]+)[;.]", text)
        assert match, group
        assert tuple(match.group(1).split()) == acronyms


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_json_round_trip(preset):
    s = PRESETS[preset]
    assert QualitySettings.from_json(json.loads(json.dumps(s.to_json()))) == s


metric_names = st.sampled_from([*DEFAULT_METRICS, "l_ratio", "snr2"])
thresholds = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0.0, -0.0, 0.1, 0.5, 5e-324, 1e308]),
)
criteria = st.builds(
    Criterion,
    metric=metric_names,
    keep=st.sampled_from(["above", "below"]),
    threshold=thresholds,
    inclusive=st.booleans(),
    active=st.booleans(),
    missing=st.sampled_from(["fail", "pass"]),
)
settings_strategy = st.builds(
    QualitySettings,
    criteria=st.lists(criteria, max_size=6, unique_by=lambda c: c.metric).map(tuple),
    sessions=st.none() | st.lists(st.integers(-(2**62), 2**62), max_size=5).map(tuple),
    areas=st.none() | st.lists(st.text(max_size=8), max_size=5).map(tuple),
    good_label_only=st.booleans(),
    preset=st.sampled_from(["custom", *PRESETS]) | st.text(max_size=10),
)


@settings(max_examples=200, deadline=None)
@given(settings_strategy)
def test_settings_json_round_trip(s):
    text = json.dumps(s.to_json())
    back = QualitySettings.from_json(json.loads(text))
    assert back == s
    assert json.dumps(back.to_json()) == text


def test_criterion_coerces_threshold_to_float():
    c = Criterion("snr", "above", 1)
    assert isinstance(c.threshold, float) and c.threshold == 1.0
    assert Criterion("snr", "above", np.float32(0.5)).threshold == 0.5


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"keep": "sideways"}, "sideways"),
        ({"keep": "ABOVE"}, "ABOVE"),
        ({"threshold": float("nan")}, "threshold"),
        ({"threshold": math.inf}, "threshold"),
        ({"threshold": -math.inf}, "threshold"),
        ({"threshold": True}, "threshold"),
        ({"threshold": "0.5"}, "'0.5'"),
        ({"threshold": None}, "threshold"),
        ({"missing": "drop"}, "drop"),
        ({"missing": None}, "missing"),
        ({"inclusive": 1}, "inclusive"),
        ({"active": "yes"}, "active"),
        ({"metric": ""}, "metric"),
        ({"metric": 3}, "metric"),
    ],
)
def test_criterion_rejections(kwargs, named):
    base = {"metric": "snr", "keep": "above", "threshold": 1.0}
    with pytest.raises(QualityError, match=re.escape(named)):
        Criterion(**{**base, **kwargs})
    with pytest.raises(QualityError, match=re.escape(named)):
        Criterion.from_json({**base, **kwargs})


@pytest.mark.parametrize(
    ("obj", "named"),
    [
        ([], "dict"),
        ("settings", "dict"),
        (None, "dict"),
        ({"criteria": [], "colour": "red"}, "colour"),
        ({"criteria": [{"metric": "snr", "keep": "above", "threshold": 1, "x": 1}]}, "'x'"),
        ({"criteria": [{"metric": "snr", "keep": "above"}]}, "threshold"),
        ({"criteria": ["snr > 1"]}, "dict"),
        ({"criteria": "snr"}, "criteria"),
        (
            {
                "criteria": [
                    {"metric": "snr", "keep": "above", "threshold": 1},
                    {"metric": "snr", "keep": "below", "threshold": 9},
                ]
            },
            "'snr' is listed twice",
        ),
        ({"sessions": ["1053004455"]}, "'1053004455'"),
        ({"sessions": [1.5]}, "1.5"),
        ({"sessions": [True]}, "True"),
        ({"sessions": 105}, "sessions"),
        ({"areas": [3]}, "3"),
        ({"areas": "VISp"}, "areas"),
        ({"good_label_only": "yes"}, "good_label_only"),
        ({"preset": 3}, "preset"),
    ],
)
def test_settings_json_rejections(obj, named):
    with pytest.raises(QualityError, match=re.escape(named)):
        QualitySettings.from_json(obj)


def test_with_criterion_replaces_or_appends():
    s = PRESETS["Allen tutorial"]
    changed = s.with_criterion(Criterion("isi_violations", "below", 0.3))
    assert changed.preset == "custom"
    assert [c.metric for c in changed.criteria] == [c.metric for c in s.criteria]
    assert changed.criterion("isi_violations") == Criterion("isi_violations", "below", 0.3)
    assert s.with_criterion(s.criteria[0]) is s
    appended = s.with_criterion(Criterion("l_ratio", "below", 0.1))
    assert appended.criteria[-1].metric == "l_ratio"
    assert len(appended.criteria) == len(s.criteria) + 1


def _tiny_units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "snr": [1.0, 2.0, np.nan],
            "structure_acronym": ["VISp", "CA1", "LP"],
            "valid_data": [True, False, True],
            "ecephys_session_id": [1, 1, 2],
        },
        index=pd.Index([10, 11, 12], name="unit_id"),
    )


@pytest.mark.parametrize(
    ("metric", "named"),
    [("no_such_metric", "no_such_metric"), ("structure_acronym", "structure_acronym"),
     ("valid_data", "valid_data")],
)  # fmt: skip
def test_model_rejects_unknown_or_non_numeric_metrics(metric, named):
    units = _tiny_units()
    s = QualitySettings((Criterion(metric, "above", 1.0),))
    with pytest.raises(QualityError, match=named):
        QualityModel(units, metrics=("snr",), settings=s)
    model = QualityModel(units, metrics=("snr",), settings=QualitySettings())
    with pytest.raises(QualityError, match=named):
        model.settings = s
    with pytest.raises(QualityError, match=named):
        model.update(s)
    assert model.settings == QualitySettings()  # a rejected assignment changes nothing
    with pytest.raises(QualityError, match=named):
        QualityModel(units, metrics=("snr", metric), settings=QualitySettings())


def test_model_needs_columns_for_restrictions():
    units = _tiny_units()
    model = QualityModel(units, metrics=("snr",), settings=QualitySettings())
    with pytest.raises(QualityError, match="quality"):
        model.settings = QualitySettings(good_label_only=True)
    with pytest.raises(QualityError, match="query_code"):
        model.query_code("not an identifier")
    with pytest.raises(QualityError, match="points"):
        model.densities("snr", points=1)
