"""BehaviorEcephysSession read by path (h5py) against pynwb's own read of the same file."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from vbn_widgets import BehaviorEcephysSession
from vbn_widgets.session import NoLFPError, UnknownUnitError
from vbn_widgets.session.units import merge_ranges


@pytest.fixture(scope="module")
def session(session_file):
    path, _ = session_file
    with BehaviorEcephysSession.from_nwb_path(path) as opened:
        yield opened


@pytest.fixture(scope="module")
def pynwb_read(session_file):
    from pynwb import NWBHDF5IO

    path, _ = session_file
    with NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        yield {
            "units": nwb.units.to_dataframe(),
            "electrodes": nwb.electrodes.to_dataframe(),
            "trials": nwb.trials.to_dataframe(),
            "intervals": {k: v.to_dataframe() for k, v in nwb.intervals.items()},
        }


def allensdk_order(units: pd.DataFrame, electrodes: pd.DataFrame, probes) -> list[int]:
    """AllenSDK's unit order: probe by probe (probe of the peak channel), file order inside."""
    probe_of = units["peak_channel_id"].map(electrodes["probe_id"])
    return [uid for pid in probes for uid in units.index[probe_of == pid]]


def test_units_match_pynwb_in_allensdk_order(session, pynwb_read, session_file):
    _, spec = session_file
    ref = pynwb_read["units"]
    units = session.get_units(amplitude_cutoff_maximum=math.inf, presence_ratio_minimum=-1)
    want_cols = sorted(
        c for c in ref.columns if c not in ("spike_times", "spike_amplitudes", "waveform_mean")
    )
    full = session._units_table
    assert list(full.columns) == want_cols
    assert full.index.name == "id"
    order = allensdk_order(ref, pynwb_read["electrodes"], [spec.probe_ids[p] for p in spec.probes])
    assert full.index.tolist() == order
    pd.testing.assert_frame_equal(
        full.astype({"quality": object}),
        ref.loc[order, want_cols].rename_axis("id").astype({"quality": object}),
        check_dtype=False,
    )
    assert full["peak_channel_id"].dtype == np.int64 and full["snr"].dtype == np.float64
    # NaN metrics always drop out, as in AllenSDK: here only amplitude_cutoff/presence/isi NaN.
    nan_rows = full[["amplitude_cutoff", "presence_ratio", "isi_violations"]].isna().any(axis=1)
    assert set(units.index) <= set(full.index[~nan_rows])


def allensdk_filter(full, channels, *, validity, brain, amp, pres, isi):
    keep = full
    if validity or brain:
        ch = channels
        if validity:
            ch = ch[ch["valid_data"]]
        if brain:
            ch = ch[ch["structure_acronym"].notna()]
        keep = keep[keep["peak_channel_id"].isin(ch.index)]
    if validity:
        keep = keep[keep["quality"] == "good"].drop(columns="quality")
    amp, pres, isi = amp or np.inf, pres or -np.inf, isi or np.inf  # AllenSDK's `x or inf`
    mask = (
        (keep["amplitude_cutoff"] <= amp)
        & (keep["presence_ratio"] >= pres)
        & (keep["isi_violations"] <= isi)
    )
    return keep[mask.fillna(False)]


@pytest.mark.parametrize(
    ("validity", "brain", "amp", "pres", "isi"),
    [
        (False, False, None, None, None),
        (True, False, 0.1, 0.9, 0.5),
        (False, True, 0, 0, 0),
        (True, True, 0.3, None, 1.0),
    ],
)
def test_get_units_filters_as_allensdk(session, validity, brain, amp, pres, isi):  # noqa: PLR0917
    got = session.get_units(
        filter_by_validity=validity,
        filter_out_of_brain_units=brain,
        amplitude_cutoff_maximum=amp,
        presence_ratio_minimum=pres,
        isi_violations_maximum=isi,
    )
    want = allensdk_filter(
        session._units_table,
        session.get_channels(filter_by_validity=False),
        validity=validity, brain=brain, amp=amp, pres=pres, isi=isi,
    )  # fmt: skip
    assert got.index.tolist() == want.index.tolist()
    assert ("quality" in got.columns) is not validity
    assert len(got) > 0


def test_get_units_accepts_quality_filter_kwargs(session):
    from vbn_widgets.quality import PRESETS
    from vbn_widgets.quality.allensdk import to_allensdk_kwargs

    units = session.get_units()
    kwargs, text = to_allensdk_kwargs(PRESETS["AllenSDK defaults"], units)
    assert kwargs is not None, text
    got = session.get_units(**kwargs)
    assert (got["amplitude_cutoff"] <= 0.1).all() and (got["presence_ratio"] >= 0.95).all()
    assert 0 < len(got) < len(units)
    # Unfiltered metrics come as +-inf: accepted, and the NaN rule still applies.
    assert session.get_units(
        amplitude_cutoff_maximum=math.inf, presence_ratio_minimum=-math.inf
    ).index.equals(units.index)


def test_spike_mappings_read_units_on_access(session, pynwb_read, session_file):
    _, spec = session_file
    ref = pynwb_read["units"]
    ids = list(session.spike_times)
    assert ids == session._units_table.index.tolist()
    for uid in ids[:5]:
        np.testing.assert_array_equal(session.spike_times[uid], spec.spikes[uid])
        np.testing.assert_array_equal(
            session.spike_amplitudes[uid], ref.loc[uid, "spike_amplitudes"]
        )
        np.testing.assert_array_equal(session.mean_waveforms[uid], ref.loc[uid, "waveform_mean"])
    assert len(session.spike_times) == len(ids)


@pytest.mark.parametrize("pick", ["all", "every_third", "reversed_few"])
def test_read_many_equals_one_by_one(session, session_file, pick):
    _, spec = session_file
    ids = list(session.spike_times)
    chosen = {"all": ids, "every_third": ids[::3], "reversed_few": ids[-1:-6:-1]}[pick]
    got = session.spike_times.read_many(chosen)
    assert list(got) == chosen
    for uid in chosen:
        np.testing.assert_array_equal(got[uid], spec.spikes[uid])


def test_merge_ranges_reads_few_ranges():
    starts = np.array([100, 0, 50, 10_000_000])
    stops = np.array([150, 40, 90, 10_000_010])
    assert merge_ranges(starts, stops, gap=20) == [(0, 150), (10_000_000, 10_000_010)]
    assert merge_ranges(starts[:3], stops[:3], gap=0, dense=0.5) == [(0, 150)]
    assert merge_ranges(starts[:3], stops[:3], gap=0, dense=1.0) == [(0, 40), (50, 90), (100, 150)]
    assert merge_ranges(np.array([], int), np.array([], int)) == []


def test_unknown_unit_is_named(session):
    with pytest.raises(
        UnknownUnitError, match=r"unit 12345 is not in .*ecephys_session_1044385384"
    ):
        session.spike_times[12345]
    with pytest.raises(UnknownUnitError, match="unit 'x'"):
        session.spike_times.read_many([next(iter(session.spike_times)), "x"])
    assert 12345 not in session.spike_times


def test_channels_and_probes(session, pynwb_read, session_file):
    _, spec = session_file
    ref = pynwb_read["electrodes"]
    all_channels = session.get_channels(filter_by_validity=False)
    valid = session.get_channels()
    assert "valid_data" not in valid.columns
    assert len(valid) == int(ref["valid_data"].sum())
    assert all_channels.index.name == "id"
    assert list(all_channels.columns) == sorted(all_channels.columns)
    row = all_channels.iloc[0]
    src = ref.loc[all_channels.index[0]]
    assert row["anterior_posterior_ccf_coordinate"] == src["x"]
    expected = None if src["location"] in ("None", "") else src["location"].split("-")[0]
    assert row["structure_acronym"] == expected
    assert "DG-mo" not in set(all_channels["structure_acronym"].dropna())
    probes = session.probes
    assert probes.index.tolist() == [spec.probe_ids[p] for p in spec.probes]
    assert probes["has_lfp_data"].tolist() == [p in spec.lfp_probes for p in spec.probes]


def test_presentations_as_allensdk(session, pynwb_read):
    table = session.stimulus_presentations
    ref = pd.concat([v for k, v in pynwb_read["intervals"].items() if k.endswith("_presentations")])
    assert table.index.name == "stimulus_presentations_id"
    assert table.index.tolist() == list(range(len(ref)))
    assert "end_time" in table.columns and "stop_time" not in table.columns
    assert (np.diff(table["start_time"].to_numpy()) >= 0).all()
    np.testing.assert_array_equal(
        np.sort(ref["start_time"].to_numpy()), table["start_time"].to_numpy()
    )
    assert table["is_change"].dtype == "boolean" and table["omitted"].dtype == "boolean"
    assert table["stimulus_index"].dtype == np.int64 and (table["stimulus_index"] >= -99).all()
    assert "N/A" not in set(table["image_name"].dropna())
    gabors = table[table["stimulus_name"] == "gabor_20_deg_250ms"]
    assert set(gabors["image_name"]) == {""}
    assert "tags" not in table.columns and "timeseries" not in table.columns


def test_trials_and_behavior(session, pynwb_read, session_file):
    ref = pynwb_read["trials"]
    trials = session.trials
    assert trials.index.name == "trials_id"
    assert list(trials.columns) == list(ref.columns)
    for i in range(3):
        np.testing.assert_array_equal(trials["lick_times"].iloc[i], ref["lick_times"].iloc[i])
    assert trials["hit"].dtype == bool and trials["change_frame"].dtype == np.int64
    assert session.licks.columns.tolist() == ["timestamps", "frame"]
    assert session.rewards.columns.tolist() == ["volume", "timestamps", "auto_rewarded"]
    assert session.running_speed.columns.tolist() == ["timestamps", "speed"]
    eye = session.eye_tracking
    assert eye.index.name == "frame" and eye["likely_blink"].any()
    assert eye.loc[eye["likely_blink"], "pupil_area"].isna().all()
    assert eye["pupil_area_raw"].notna().sum() > eye["pupil_area"].notna().sum()
    meta = session.metadata
    assert meta["ecephys_session_id"] == 1044385384 and meta["age_in_days"] == 120
    assert meta["cre_line"] == "Sst-IRES-Cre" and meta["driver_line"] == ["Sst-IRES-Cre"]
    assert session.task_parameters["response_window_sec"] == [0.15, 0.75]
    assert list(session.stimulus_templates.columns) == ["unwarped", "warped"]
    assert len(session.optotagging_table) == 6


def test_lfp_is_sliced_lazily(session, session_file):
    path, spec = session_file
    with_lfp = spec.probe_ids[spec.lfp_probes[0]]
    lfp = session.get_lfp(with_lfp)
    assert lfp.shape == (500, spec.channels_per_probe // 4)
    times, window = lfp.sel(10.0, 10.1)
    assert len(times) == len(window) == 125
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(str(path.parent / f"probe_{spec.lfp_probes[0]}_lfp.nwb"), "r") as io:
        series = next(iter(io.read().acquisition.values())).electrical_series
        data = next(iter(series.values())).data[:125]
    np.testing.assert_array_equal(window, data)
    no_lfp = next(p for p in spec.probes if p not in spec.lfp_probes)
    with pytest.raises(NoLFPError, match=f"probe {spec.probe_ids[no_lfp]} \\({no_lfp}\\).*no LFP"):
        session.get_lfp(spec.probe_ids[no_lfp])
    with pytest.raises(NoLFPError, match="probe 7 is not in"):
        session.get_lfp(7)
