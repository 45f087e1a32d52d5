"""VBNExplorer's Responses tab on a demo release with genuine NWB sessions: made (and the session
opened) only when first shown; its SpikeExplorer shows the chosen session's units passing
quality in the chosen areas and follows quality, areas (debounced in a kernel) and sessions,
while the tab is shown (a hidden tab opens nothing); a session that cannot be opened, or no
passing unit, is said in the tab."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from vbn_widgets import SpikeExplorer, VBNCache, VBNExplorer
from vbn_widgets._explorer_parts import TABS

RESPONSES = next(i for i, t in enumerate(TABS) if t.key == "responses")


@pytest.fixture(scope="module")
def demo(genuine_release):
    return genuine_release


class CountingCache:
    """A real cache that records which sessions were opened (it opens them itself)."""

    def __init__(self, cache: VBNCache) -> None:
        self.cache, self.opened = cache, []

    def get_ecephys_session(self, session_id: int, **kwargs):
        self.opened.append(int(session_id))
        return self.cache.get_ecephys_session(session_id, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.cache, name)


@pytest.fixture
def cache(demo, tmp_path):
    release, _, _ = demo
    return CountingCache(VBNCache.from_mirror(release, tmp_path / "cache"))  # streamed


def expected_units(cache, session_id: int, areas, passing: pd.Index) -> pd.Index:
    units = cache.get_unit_table()
    keep = (
        (units["ecephys_session_id"] == session_id)
        & units["structure_acronym"].isin(list(areas))
        & units.index.isin(passing)
    )
    return units.index[keep]


def shown_units(spike_explorer: SpikeExplorer) -> pd.Index:
    return spike_explorer.model.units.index.sort_values()


def test_the_tab_is_made_when_first_shown(cache, demo):
    _, genuine, _ = demo
    vx = VBNExplorer(cache)
    page = vx.tabs.children[RESPONSES]
    assert cache.opened == [] and "loading responses" in page.children[0].value
    vx.tabs.selected_index = RESPONSES  # as a click on the tab does
    assert cache.opened == [genuine[0]] == [vx.chosen_ids[0]]
    tab = vx.responses
    assert page.children == (tab,) and isinstance(tab.spike_explorer, SpikeExplorer)
    want = expected_units(cache, genuine[0], ["VISp"], vx.quality.passing)
    assert len(want) > 0 and shown_units(tab.spike_explorer).equals(want.sort_values())
    assert tab.units.equals(vx.passing_in(genuine[0]))
    assert tab.count.value == f"{len(want):,} units passing quality in" and tab.status.value == ""
    vx.tabs.selected_index = 0
    vx.tabs.selected_index = RESPONSES
    assert cache.opened == [genuine[0]]  # made once
    vx.close()
    assert tab.spike_explorer is None  # closed with the explorer


def shown_tab(vx: VBNExplorer):
    vx.tabs.selected_index = RESPONSES
    return vx.responses


def test_quality_and_areas_give_the_same_spike_explorer_new_units(cache, demo):
    _, genuine, _ = demo
    vx = VBNExplorer(cache)
    tab = shown_tab(vx)
    explorer, sid = tab.spike_explorer, genuine[0]
    vx.quality.apply_preset("snr and firing rate")
    want = expected_units(cache, sid, ["VISp"], vx.quality.passing)
    assert tab.spike_explorer is explorer and shown_units(explorer).equals(want.sort_values())
    vx.areas = ["VISp", "VISl"]
    want = expected_units(cache, sid, ["VISp", "VISl"], vx.quality.passing)
    assert shown_units(explorer).equals(want.sort_values())
    assert tab.areas.value == ["VISp", "VISl"] == vx.ranking_page.areas.value
    tab.areas.value = ["LGd"]  # the tab's own areas box is the explorer's areas
    assert vx.areas == ("LGd",) and "LGd" in vx.ranking.title
    want = expected_units(cache, sid, ["LGd"], vx.quality.passing)
    assert shown_units(explorer).equals(want.sort_values())
    assert cache.opened == [sid] and tab.spike_explorer is explorer
    vx.close()


def test_in_a_kernel_unit_changes_are_debounced(cache, demo):
    _, genuine, _ = demo

    async def scenario():
        vx = VBNExplorer(cache, debounce_s=0.05)
        tab = shown_tab(vx)
        before = shown_units(tab.spike_explorer)
        vx.areas = ["VISp", "VISl"]
        at_once = shown_units(tab.spike_explorer)
        await asyncio.sleep(0.3)
        return vx, tab, before, at_once

    vx, tab, before, at_once = asyncio.run(scenario())
    assert at_once.equals(before)
    want = expected_units(cache, genuine[0], ["VISp", "VISl"], vx.quality.passing)
    assert shown_units(tab.spike_explorer).equals(want.sort_values())
    vx.close()

    async def flushed():
        vx = VBNExplorer(cache, debounce_s=60)
        tab = shown_tab(vx)
        vx.areas = ["VISl"]
        vx.flush()  # what every export and the next cell do
        return vx, shown_units(tab.spike_explorer)

    vx, units = asyncio.run(flushed())
    assert units.equals(expected_units(cache, genuine[0], ["VISl"], vx.quality.passing))
    vx.close()


def test_another_session_closes_the_old_spike_explorer(cache, demo):
    _, genuine, _ = demo
    vx = VBNExplorer(cache)
    tab = shown_tab(vx)
    first = tab.spike_explorer
    assert [v for _, v in tab.session_choice.options] == vx.chosen_ids == genuine
    vx.picker.select([genuine[1]])
    assert first.comm is None  # closed
    second = tab.spike_explorer
    assert second is not first and second.session_id == genuine[1] == tab.session_choice.value
    assert [v for _, v in tab.session_choice.options] == [genuine[1]]
    vx.picker.select(genuine)  # the shown session stays while it is chosen
    assert tab.spike_explorer is second
    tab.session_choice.value = genuine[0]  # the user switches in the tab
    assert tab.spike_explorer.session_id == genuine[0] and second.comm is None
    want = expected_units(cache, genuine[0], ["VISp"], vx.quality.passing)
    assert shown_units(tab.spike_explorer).equals(want.sort_values())
    assert cache.opened == [genuine[0], genuine[1], genuine[0]]
    vx.close()


def test_a_stand_in_session_is_said_in_the_tab(cache, demo):
    _, genuine, stand_in = demo
    vx = VBNExplorer(cache)
    tab = shown_tab(vx)
    vx.picker.include_abnormal = True
    vx.picker.select([stand_in])
    assert tab.spike_explorer is None and tab.session_id == stand_in
    message = tab.body.children[0].value
    assert f"session {stand_in}:" in message and "demo stand-in, not an NWB file" in message
    assert f"ecephys_session_{stand_in}.nwb" in message
    assert vx.error == ""  # said in the tab; the explorer did not fail
    vx.quality.apply_preset("snr and firing rate")  # no second try at the same file
    assert cache.opened.count(stand_in) == 1
    vx.picker.select([genuine[1]])
    assert tab.spike_explorer.session_id == genuine[1]
    assert tab.body.children == (tab.spike_explorer,)
    vx.close()


def test_no_passing_unit_in_the_areas_is_said(cache, demo):
    _, genuine, _ = demo
    vx = VBNExplorer(cache)
    tab = shown_tab(vx)
    explorer = tab.spike_explorer
    units = cache.get_unit_table()
    here = set(units.loc[units["ecephys_session_id"] == genuine[0], "structure_acronym"])
    elsewhere = next(a for a in vx.area_choices if a not in here)
    vx.areas = [elsewhere]
    assert f"no unit of session {genuine[0]} passes quality in {elsewhere}" in (
        tab.body.children[0].value
    )
    vx.areas = []
    assert "choose areas" in tab.body.children[0].value
    vx.areas = ["VISp"]
    assert tab.body.children == (explorer,) and tab.spike_explorer is explorer
    vx.close()


def test_export_prefix_variable_follows_the_responses_selection(cache, user_ns):
    vx = VBNExplorer(cache, export_prefix="r_")
    assert "r_responses" not in user_ns  # the tab is not made yet
    explorer = vx.responses.spike_explorer
    assert user_ns["r_responses"].empty
    explorer.select(explorer.table.index[:2])
    assert list(user_ns["r_responses"].index) == list(explorer.table.index[:2])
    vx.close()


def test_a_hidden_tab_opens_nothing_until_shown(cache, demo):
    _, genuine, _ = demo
    vx = VBNExplorer(cache)
    tab = shown_tab(vx)
    explorer = tab.spike_explorer
    vx.tabs.selected_index = 0  # back to the sessions
    vx.picker.select([genuine[1]])
    vx.areas = ["VISl"]
    assert cache.opened == [genuine[0]] and tab.stale and tab.spike_explorer is explorer
    vx.tabs.selected_index = RESPONSES  # shown again: it catches up
    assert cache.opened == [genuine[0], genuine[1]] and not tab.stale
    assert explorer.comm is None and tab.spike_explorer.session_id == genuine[1]
    want = expected_units(cache, genuine[1], ["VISl"], vx.quality.passing)
    assert shown_units(tab.spike_explorer).equals(want.sort_values())
    vx.tabs.selected_index = 0
    vx.quality.apply_preset("snr and firing rate")
    assert tab.stale
    current = vx.responses.spike_explorer  # reading it from Python catches up too
    assert not tab.stale and current is tab.spike_explorer
    want = expected_units(cache, genuine[1], ["VISl"], vx.quality.passing)
    assert shown_units(current).equals(want.sort_values())
    vx.close()
