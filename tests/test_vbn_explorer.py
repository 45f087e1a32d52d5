"""VBNExplorer: sessions restrict probes/channels/units, quality restricts units and ranks
sessions, and every exported frame is reproduced by its generated code (run and compared)."""

from __future__ import annotations

import asyncio
import dataclasses

import numpy as np
import pandas as pd
import pytest
from test_session_picker import PlainCsvCache

from vbn_widgets import VBNCache, VBNExplorer
from vbn_widgets.linking import LinkError
from vbn_widgets.quality import PRESETS, Criterion

WHATS = ("sessions", "ranking", "probes", "channels", "units")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("explorer") / "release"
    write_demo_release(root, scale=0.05, seed=7)
    return root


@pytest.fixture(scope="module")
def cache(release):
    return VBNCache.from_local_cache(release, use_static_cache=True)


@pytest.fixture
def vx(cache):
    return VBNExplorer(cache)


def tutorial_mask(units: pd.DataFrame) -> pd.Series:
    return (
        (units["isi_violations"] < 0.5)
        & (units["amplitude_cutoff"] < 0.1)
        & (units["presence_ratio"] > 0.9)
    )


def assert_codes_reproduce(vx, cache, whats=WHATS) -> None:
    for what in whats:
        for selected in (False, True):
            namespace = {"cache": cache, "pd": pd}
            exec(vx.code(what, selected=selected), namespace)  # noqa: S102 - code under test
            expected = vx.frame(what, selected=selected)
            pd.testing.assert_frame_equal(namespace[what], expected, obj=f"{what}/{selected}")


def test_chosen_sessions_restrict_the_other_tables(vx, cache):
    units, probes = cache.get_unit_table(), cache.get_probe_table()
    normal = cache.get_ecephys_session_table().index
    assert vx.chosen_ids == normal.tolist()
    assert vx.tables["probes"].filtered.index.equals(
        probes.index[probes["ecephys_session_id"].isin(normal)]
    )
    good = units[units["ecephys_session_id"].isin(normal) & tutorial_mask(units)]
    assert vx.tables["units"].filtered.index.equals(good.index)
    assert vx.tables["units"].row_count == len(good)  # the restriction is the table shown

    one = [int(normal[1])]
    vx.picker.select(one)
    assert vx.chosen_ids == one
    assert set(vx.frame("probes")["ecephys_session_id"]) == set(one)
    assert set(vx.frame("channels")["ecephys_session_id"]) == set(one)
    good_one = good[good["ecephys_session_id"] == one[0]]
    assert vx.frame("units").index.equals(good_one.index)
    assert f"{len(good_one):,} units" in vx._summary.value
    assert_codes_reproduce(vx, cache)


def test_quality_restricts_units_and_ranks_sessions(vx, cache, sent):
    units = cache.get_unit_table()
    before = vx.ranking
    sent.clear()
    vx.quality.apply_preset("snr and firing rate")
    passing = (units["snr"] > 1) & (units["firing_rate"] > 0.2)
    chosen = units["ecephys_session_id"].isin(vx.chosen_ids)
    assert vx.frame("units").index.equals(units.index[passing & chosen])
    assert vx.ranking is before  # the same table, with the new numbers: no new widget
    assert not [d for kind, d, _ in sent if kind == "comm_open"]
    counted = units[passing]["ecephys_session_id"].value_counts()
    ranked = vx.ranking.filtered
    assert ranked["passing_units"].tolist() == counted.reindex(ranked.index, fill_value=0).tolist()

    vx.areas = ["VISp", "VISl"]
    ranking = vx.ranking.filtered
    in_areas = units["structure_acronym"].isin(["VISp", "VISl"])
    counted = units[passing & in_areas]["ecephys_session_id"].value_counts()
    expected = counted.reindex(ranking.index, fill_value=0)
    assert ranking["passing_in_areas"].tolist() == expected.tolist()
    assert ranking["passing_in_areas"].is_monotonic_decreasing  # ranked, best first
    assert ranking.index.isin(vx.picker.filtered.index).all()
    assert "VISp, VISl" in vx.ranking.title
    assert_codes_reproduce(vx, cache, ("ranking", "units"))


def test_ranking_keeps_its_filters_and_selects_in_the_picker(vx, cache):
    vx.ranking.set_filter("passing_units", min=1)
    vx.ranking.sort_by(("units", True))
    vx.quality.settings = dataclasses.replace(
        vx.quality.settings, criteria=(Criterion("snr", "above", 2.0),)
    )
    assert vx.ranking.filters["filters"][0]["column"] == "passing_units"
    assert vx.ranking.sort_keys == (("units", True),)

    best = [int(vx.ranking.filtered.index[0])]
    vx.ranking.select(best)  # as a click in the ranking would
    assert vx.picker.selected_ids == best and vx.chosen_ids == best
    assert set(vx.frame("units")["ecephys_session_id"]) <= set(best)
    vx.picker.select([])
    assert vx.ranking.selected_count == 0
    assert_codes_reproduce(vx, cache)


def test_table_filters_selection_and_export(vx, cache, user_ns):
    vx.tables["units"].set_filter("structure_acronym", values=["VISp", "CA1"])
    vx.tables["units"].sort_by(("snr", False))
    vx.tables["channels"].set_filter("probe_channel_number", max=100)
    vx.tables["probes"].set_filter("name", values=["probeA", "probeC"])
    units = vx.frame("units")
    vx.tables["units"].select(units.index[[4, 1]])
    vx.tables["probes"].select(vx.frame("probes").index[:2])
    assert set(units["structure_acronym"]) == {"VISp", "CA1"}
    assert units["snr"].is_monotonic_decreasing
    vx.export("mine", "units")
    pd.testing.assert_frame_equal(user_ns["mine"], units)
    vx.export("few", "units", selected=True)
    assert sorted(user_ns["few"].index) == sorted(units.index[[4, 1]])
    assert_codes_reproduce(vx, cache)

    bar = vx.export_bar
    bar.what.value, bar.name.value = "probes", "my_probes"
    bar.export_button.click()
    pd.testing.assert_frame_equal(user_ns["my_probes"], vx.frame("probes"))
    bar.code_button.click()
    assert "cache.get_probe_table()" in bar.code.value
    assert "my_probes = probes" in bar.status.value


def test_export_prefix_variables_follow_every_change(cache, user_ns):
    vx = VBNExplorer(cache, export_prefix="vbn_")
    for name in ("sessions", "good_units", "probes", "channels", "units", "ranking"):
        assert f"vbn_{name}" in user_ns
    vx.picker.select(vx.chosen_ids[:1])
    assert user_ns["vbn_sessions"] == vx.chosen_ids
    pd.testing.assert_frame_equal(user_ns["vbn_units"], vx.frame("units"))
    vx.quality.apply_preset("AllenSDK defaults")
    assert user_ns["vbn_good_units"].equals(vx.quality.passing)
    pd.testing.assert_frame_equal(user_ns["vbn_units"], vx.frame("units"))
    pd.testing.assert_frame_equal(user_ns["vbn_ranking"], vx.frame("ranking"))
    vx.close()


def test_quality_changes_are_debounced_in_a_kernel(cache):
    async def scenario():
        vx = VBNExplorer(cache, debounce_s=0.05)
        shown = vx.tables["units"].filtered_count
        vx.quality.apply_preset("snr and firing rate")  # from a running loop: later
        assert vx.tables["units"].filtered_count == shown
        await asyncio.sleep(0.3)
        return vx, shown

    vx, shown = asyncio.run(scenario())
    assert vx.tables["units"].filtered_count != shown
    assert vx.frame("units").index.equals(
        vx.quality.passing.intersection(vx.frame("units").index, sort=False)
    )


def test_a_pending_change_is_applied_before_export(cache):
    async def scenario():
        vx = VBNExplorer(cache, debounce_s=60)
        vx.quality.apply_preset("snr and firing rate")
        return vx, vx.frame("units")  # flushes first

    vx, units = asyncio.run(scenario())
    assert units.index.isin(vx.quality.passing).all()


def test_an_allensdk_cache_gives_the_same_links(release, cache):
    plain = PlainCsvCache(release)
    vx = VBNExplorer(plain)
    ours = VBNExplorer(cache)
    assert vx.chosen_ids == ours.chosen_ids
    assert vx.frame("units").index.equals(ours.frame("units").index)
    vx.picker.select(vx.chosen_ids[:2])
    assert_codes_reproduce(vx, plain, ("sessions", "units", "ranking"))


def test_bad_requests_name_the_value(vx):
    with pytest.raises(ValueError, match="what must be one of"):
        vx.export("x", "behavior")
    with pytest.raises(ValueError, match="'1x' cannot be a variable name"):
        vx.export("1x", "units")
    with pytest.raises(LinkError, match="NOPE"):
        vx.areas = ["VISp", "NOPE"]
    with pytest.raises(ValueError, match="cannot be a variable name"):
        VBNExplorer(object.__new__(VBNCache), export_prefix="1")
    vx.export_bar.name.value = "class"
    vx.export_bar.export_button.click()  # a button's error is shown, not swallowed
    assert "cannot be a variable name" in vx.error
    assert repr(vx).startswith("VBNExplorer(5 sessions chosen; probes")


def test_browser_filter_on_a_restricted_table(vx, sent):
    units = vx.tables["units"]
    sent.clear()
    units._handle_msg(
        {
            "content": {
                "data": {
                    "method": "custom",
                    "content": {
                        "kind": "set-filter",
                        "id": "f1",
                        "filter": {"column": "snr", "kind": "range", "min": 3},
                    },
                }
            },
            "buffers": [],
        }
    )
    frame = vx.frame("units")
    assert (frame["snr"] >= 3).all() and units.filtered_count == len(frame)
    restricted = vx.quality.passing.isin(frame.index).sum()
    assert restricted == len(frame)
    assert np.isin(frame["ecephys_session_id"], vx.chosen_ids).all()


@pytest.mark.full_scale
def test_full_scale_links(full_demo_release):
    cache = VBNCache.from_local_cache(full_demo_release, use_static_cache=True)
    vx = VBNExplorer(cache)
    units = cache.get_unit_table()
    assert len(vx.chosen_ids) == 103
    assert vx.ranking_frame["units"].sum() == units["ecephys_session_id"].isin(vx.chosen_ids).sum()
    settings = PRESETS["Allen tutorial"]
    vx.quality.settings = dataclasses.replace(settings, preset="custom")
    vx.picker.explorer.set_filter("experience_level", values=["Novel"])
    vx.areas = ["VISp"]
    assert_codes_reproduce(vx, cache, ("units", "ranking"))
