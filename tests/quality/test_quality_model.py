"""QualityModel: passing units, query code, attrition, groupings, AllenSDK kwargs, densities."""

from __future__ import annotations

import functools
import math
import operator
import tempfile

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
    QualityModel,
    QualitySettings,
    region_group,
)

OPS = {
    ("above", False): operator.gt,
    ("above", True): operator.ge,
    ("below", False): operator.lt,
    ("below", True): operator.le,
}
AREAS = ["VISp", "VISam", "LP", "TH", "CA1", "DG", "APN", "MB", "ZI", "root"]


@functools.cache
def synthetic_units() -> pd.DataFrame:
    """Values drawn from small sets so thresholds hit ties; NaNs; odd dtypes."""
    rng = np.random.default_rng(11)
    n = 3000

    def pick(choices, nan=0.1):
        v = rng.choice(np.asarray(choices, dtype=float), n)
        v[rng.random(n) < nan] = np.nan
        return v

    acronyms = rng.choice(np.array(AREAS, dtype=object), n)
    acronyms[rng.random(n) < 0.02] = None
    quality = rng.choice(np.array(["good", "noise"], dtype=object), n)
    quality[rng.random(n) < 0.02] = None
    counts = pd.array(rng.integers(0, 5, n), dtype="Int64")
    counts[rng.random(n) < 0.1] = pd.NA
    return pd.DataFrame(
        {
            "firing_rate": pick([0.0, 0.05, 0.1, 0.2, 1.0, 5.0, 50.0]),
            "presence_ratio": pick([0.0, 0.5, 0.9, 0.95, 0.99], nan=0.05),
            "amplitude_cutoff": pick([0.0, 0.01, 0.1, 0.3, 0.5]),
            "isi_violations": pick([0.0, 0.1, 0.5, 1.0, 3.0, np.inf]),
            "snr": pick([0.5, 1.0, 2.0, 4.0], nan=0.0),
            "isolation_distance": pick([5.0, 20.0, 60.0], nan=0.3),
            "d_prime": pick([-1.0, 0.0, 2.0, 5.0], nan=0.2),
            "nn_hit_rate": pick([0.0, 0.5, 0.9, 1.0]),
            "spread_f32": pick([10.0, 20.0, 0.1, 0.3]).astype(np.float32),
            "local_index": rng.integers(0, 4, n),
            "spike_count": counts,
            "ecephys_session_id": rng.choice([1053004455, 1053139840, 1081748819, 7], n),
            "structure_acronym": pd.Series(acronyms, dtype=object),
            "quality": pd.Series(quality, dtype=object),
        },
        index=pd.Index(rng.permutation(np.arange(10**9, 10**9 + 3 * n, 3)), name="unit_id"),
    )


@functools.cache
def demo_units() -> pd.DataFrame:
    import vbn_widgets
    from vbn_widgets.data.demo import write_demo_release

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_release(tmp, scale=0.05, seed=3)
        cache = vbn_widgets.VBNCache.from_local_cache(tmp, use_static_cache=True)
        return cache.get_unit_table().copy()


METRICS = [
    *DEFAULT_METRICS,
    "spread_f32",
    "local_index",
    "spike_count",
]


def expected_mask(units: pd.DataFrame, s: QualitySettings) -> pd.Series:
    """The rule, written directly in pandas."""
    mask = pd.Series(True, index=units.index)
    for c in s.criteria:
        if not c.active:
            continue
        col = units[c.metric].astype("float64")
        ok = OPS[(c.keep, c.inclusive)](col, c.threshold)
        if c.missing == "pass":
            ok = ok | col.isna()
        mask &= ok
    if s.sessions is not None:
        mask &= units["ecephys_session_id"].isin(s.sessions)
    if s.areas is not None:
        mask &= units["structure_acronym"].isin(s.areas)
    if s.good_label_only:
        mask &= units["quality"].eq("good").fillna(False).astype(bool)
    return mask.astype(bool)


def restriction(units: pd.DataFrame, s: QualitySettings) -> pd.Series:
    return expected_mask(units, QualitySettings((), s.sessions, s.areas, s.good_label_only))


def check_model(model: QualityModel, s: QualitySettings) -> None:
    units = model.units
    model.settings = s
    want = expected_mask(units, s)
    inside = restriction(units, s)
    assert model.passing.equals(units.index[want.to_numpy()])
    assert np.array_equal(model.passing_mask, want.to_numpy())
    assert model.n_passing == int(want.sum())
    assert model.n_total == int(inside.sum())
    code = model.query_code("units")
    got = eval(code, {"units": units})  # noqa: S307 - the point is that the code runs
    assert got.index.equals(model.passing), code
    assert model.query_code("df").replace("df", "units") == code.replace("df", "units")

    att = model.attrition()
    active = [c for c in s.criteria if c.active]
    assert list(att["criterion"]) == [c.describe() for c in active]
    assert int(att["removed_cumulative"].sum()) == model.n_total - model.n_passing
    assert (att["removed_alone"] >= att["removed_cumulative"]).all()
    remaining = inside.copy()
    for row, c in zip(att.itertuples(), active, strict=True):
        alone = inside & ~expected_mask(units, QualitySettings((c,)))
        assert row.removed_alone == int(alone.sum())
        remaining &= expected_mask(units, QualitySettings((c,)))
        assert row.remaining == int(remaining.sum())
    if active:
        assert att["remaining"].iloc[-1] == model.n_passing

    area = model.per_area()
    assert int(area["passing"].sum()) == model.n_passing
    assert int(area["total"].sum()) == model.n_total
    assert list(area.columns[:3]) == ["passing", "total", "region_group"]
    assert area["passing"].is_monotonic_decreasing
    assert all(region_group(a) == g for a, g in area["region_group"].items())
    sess = model.per_session()
    assert int(sess["passing"].sum()) == model.n_passing
    assert int(sess["total"].sum()) == model.n_total
    assert (sess["total"] > 0).all() and (sess["passing"] <= sess["total"]).all()
    by_session = units.loc[want.to_numpy(), "ecephys_session_id"].value_counts()
    assert by_session.reindex(sess.index, fill_value=0).tolist() == sess["passing"].tolist()

    kwargs, why = model.to_allensdk_kwargs()
    assert isinstance(why, str) and why
    if kwargs is not None:  # AllenSDK's rule, simulated: inclusive bounds, NaN always dropped
        sdk = (
            (units["amplitude_cutoff"] <= kwargs["amplitude_cutoff_maximum"])
            & (units["presence_ratio"] >= kwargs["presence_ratio_minimum"])
            & (units["isi_violations"] <= kwargs["isi_violations_maximum"])
        )
        assert units.index[sdk.to_numpy()].equals(model.passing)


def criterion_strategy(units: pd.DataFrame, metric: str) -> st.SearchStrategy[Criterion]:
    observed = units[metric].astype("float64")
    observed = sorted(set(observed[np.isfinite(observed)].tolist()))
    return st.builds(
        Criterion,
        metric=st.just(metric),
        keep=st.sampled_from(["above", "below"]),
        threshold=st.sampled_from(observed) | st.floats(-100, 100),
        inclusive=st.booleans(),
        active=st.booleans(),
        missing=st.sampled_from(["fail", "pass"]),
    )


@st.composite
def settings_for(draw, units: pd.DataFrame, metrics: list[str]) -> QualitySettings:
    chosen = draw(st.lists(st.sampled_from(metrics), unique=True, max_size=6))
    crits = tuple(draw(criterion_strategy(units, m)) for m in chosen)
    session_ids = sorted(set(units["ecephys_session_id"].tolist()))
    areas = sorted({a for a in units["structure_acronym"].tolist() if isinstance(a, str)})
    return QualitySettings(
        crits,
        sessions=draw(st.none() | st.lists(st.sampled_from([*session_ids, 99]), max_size=3)),
        areas=draw(st.none() | st.lists(st.sampled_from([*areas, "nowhere"]), max_size=4)),
        good_label_only=draw(st.booleans()),
    )


@functools.cache
def synthetic_model() -> QualityModel:
    return QualityModel(synthetic_units(), metrics=METRICS[:8])


@functools.cache
def demo_model() -> QualityModel:
    return QualityModel(demo_units())


@settings(max_examples=250, deadline=None)
@given(settings_for(synthetic_units(), METRICS))
def test_random_settings_match_pandas_synthetic(s):
    check_model(synthetic_model(), s)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_settings_match_pandas_demo(data):
    units = demo_units()
    metrics = [*METRICS[:8], "l_ratio", "structure_id", "local_index"]
    check_model(demo_model(), data.draw(settings_for(units, metrics)))


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("frame", ["synthetic", "demo"])
def test_presets_match_pandas(preset, frame):
    model = synthetic_model() if frame == "synthetic" else demo_model()
    check_model(model, PRESETS[preset])
    restricted = QualitySettings(
        PRESETS[preset].criteria,
        sessions=(1053004455, 1081748819),
        areas=("VISp", "CA1", "LP", "ZI"),
        good_label_only=True,
    )
    check_model(model, restricted)


def test_tutorial_preset_on_demo_release():
    model = QualityModel(demo_units(), settings=PRESETS["Allen tutorial"])
    scaled = model.n_passing / model.n_total * 319_013
    assert 110_000 < scaled < 130_000  # the real release: 120,139 of 319,013
    assert model.query_code() == (
        'units[(units["isi_violations"] < 0.5) & (units["amplitude_cutoff"] < 0.1)'
        ' & (units["presence_ratio"] > 0.9)]'
    )


def test_query_code_shapes():
    units = synthetic_units()
    model = QualityModel(units, metrics=METRICS[:8], settings=QualitySettings())
    assert model.query_code() == "units"
    assert model.passing.equals(units.index) and model.n_total == len(units)
    assert model.attrition().empty
    assert list(model.attrition().columns[:4]) == [
        "criterion",
        "removed_alone",
        "removed_cumulative",
        "remaining",
    ]
    model.settings = QualitySettings((Criterion("snr", "above", 1.0, missing="pass"),))
    assert model.query_code("t") == 't[(t["snr"] > 1.0) | t["snr"].isna()]'
    model.settings = QualitySettings(
        (Criterion("snr", "above", 1.0, active=False),),
        sessions=(7,),
        areas=("VISp",),
        good_label_only=True,
    )
    assert model.query_code() == (
        'units[(units["ecephys_session_id"].isin([7])) & '
        '(units["structure_acronym"].isin(["VISp"])) & (units["quality"] == "good")]'
    )
    model.settings = QualitySettings((Criterion("spike_count", "below", 2),))
    assert model.query_code() == 'units[units["spike_count"].astype("float64") < 2.0]'


def test_query_code_quotes_odd_names():
    units = pd.DataFrame(
        {'it\'s "odd"\n': [1.0, np.nan, 3.0], "structure_acronym": ["a'b", 'c"d', "e"]},
        index=pd.Index([1, 2, 3], name="unit_id"),
    )
    model = QualityModel(units, metrics=())
    model.settings = QualitySettings(
        (Criterion('it\'s "odd"\n', "above", 0.5, missing="pass"),), areas=("a'b", 'c"d')
    )
    got = eval(model.query_code(), {"units": units})  # noqa: S307
    assert got.index.tolist() == [1, 2]


def test_allensdk_kwargs():
    model = QualityModel(demo_units(), settings=PRESETS["AllenSDK defaults"])
    kwargs, why = model.to_allensdk_kwargs()
    assert kwargs == {
        "amplitude_cutoff_maximum": 0.1,
        "presence_ratio_minimum": 0.95,
        "isi_violations_maximum": 0.5,
        "filter_by_validity": False,
        "filter_out_of_brain_units": False,
    }
    assert "get_units" in why
    model.settings = PRESETS["Allen tutorial"]
    kwargs, why = model.to_allensdk_kwargs()
    assert kwargs is None
    assert "exclusive" in why and "presence_ratio > 0.9" in why
    kwargs, why = QualityModel(
        demo_units(), settings=PRESETS["snr and firing rate"]
    ).to_allensdk_kwargs()
    assert kwargs is None and "snr" in why and "firing_rate" in why

    base = PRESETS["AllenSDK defaults"]
    for changed, named in [
        (QualitySettings(base.criteria, sessions=(1,)), "sessions"),
        (QualitySettings(base.criteria, areas=("VISp",)), "areas"),
        (QualitySettings(base.criteria, good_label_only=True), "good"),
        (base.with_criterion(Criterion("presence_ratio", "above", 0.95, True, missing="pass")),
         "NaN"),
        (base.with_criterion(Criterion("isi_violations", "above", 0.5, True)), "isi_violations"),
        (base.with_criterion(Criterion("amplitude_cutoff", "below", 0.0, True)), "0"),
    ]:  # fmt: skip
        model.settings = changed
        kwargs, why = model.to_allensdk_kwargs()
        assert kwargs is None and named in why, why
        if changed.restricted:
            assert "pandas" in why
    only_amp = QualitySettings((Criterion("amplitude_cutoff", "below", 0.2, True),))
    model.settings = only_amp
    kwargs, _ = model.to_allensdk_kwargs()
    assert kwargs is not None and kwargs["amplitude_cutoff_maximum"] == 0.2
    assert kwargs["presence_ratio_minimum"] == -math.inf
    assert kwargs["isi_violations_maximum"] == math.inf


def test_densities():
    units = demo_units()
    model = QualityModel(units, settings=PRESETS["Allen tutorial"])
    for metric in ("firing_rate", "isi_violations", "snr", "d_prime"):
        dens = model.densities(metric, points=100)
        assert list(dens) == [g for g in (*REGION_GROUPS, "other") if g in dens]
        assert set(dens) == {"cortex", "thalamus", "hippocampus", "midbrain", "other"}
        v = units[metric].to_numpy(dtype=float)
        x_all = np.log10(v + 1e-5) if metric in LOG_METRICS else v
        x_all = x_all[np.isfinite(x_all)]
        for x, y in dens.values():
            assert x.shape == y.shape == (100,)
            assert np.all(np.diff(x) > 0) and np.all(y >= 0)
            assert x[0] >= x_all.min() and x[-1] <= x_all.max()
            assert np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)) == pytest.approx(1.0)
    model.settings = QualitySettings(areas=("VISp", "CA1", "ZI"))
    assert set(model.densities("snr")) == {"cortex", "hippocampus", "other"}
    model.settings = QualitySettings(areas=("nowhere",))
    assert model.densities("snr") == {}


def test_densities_skip_small_groups_and_constant_values():
    units = pd.DataFrame(
        {
            "snr": [1.0, 1.0, 1.0, 2.0, np.nan, np.nan],
            "structure_acronym": ["VISp", "VISp", "VISp", "CA1", "LP", "LP"],
        },
        index=pd.Index(range(6), name="unit_id"),
    )
    model = QualityModel(units, metrics=("snr",), settings=QualitySettings())
    dens = model.densities("snr", points=16)
    assert set(dens) == {"cortex"}
    x, y = dens["cortex"]
    assert np.all(np.isfinite(y)) and np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)) == pytest.approx(1)


def test_axis_and_data_value():
    model = synthetic_model()
    assert model.axis_value("snr", 2.5) == 2.5
    assert model.axis_value("firing_rate", 0.2) == pytest.approx(math.log10(0.2 + 1e-5))
    assert model.axis_value("isi_violations", 0.0) == pytest.approx(-5.0)
    for metric in ("firing_rate", "isi_violations", "snr"):
        for v in (0.0, 0.5, 3.0, 120.0):
            assert model.data_value(metric, model.axis_value(metric, v)) == pytest.approx(v)
    xs = model.axis_value("firing_rate", np.array([0.1, 1.0]))
    assert isinstance(xs, np.ndarray) and xs.shape == (2,)


def test_passing_mask_is_read_only_and_cached_masks_are_safe():
    model = QualityModel(synthetic_units(), metrics=METRICS[:8])
    with pytest.raises(ValueError, match="read-only"):
        model.passing_mask[0] = True
    first = model.passing
    model.settings = PRESETS["snr and firing rate"]
    model.settings = PRESETS["Allen tutorial"]
    assert model.passing.equals(first)
