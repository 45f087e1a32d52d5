"""VBNExplorer's parts: built a step at a time in a kernel, one registry of tabs, an export bar
that asks before replacing a user's variable, one error line, and odd column names."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest
from test_vbn_explorer import assert_codes_reproduce

from vbn_widgets import VBNCache, VBNExplorer
from vbn_widgets._explorer_parts import EXPORTABLE, TABS
from vbn_widgets.quality_filter import QualityFilter

ODD = 'a "b" <i>c</i>'


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("explorer-parts") / "release"
    write_demo_release(root, scale=0.05, seed=7)
    return root


@pytest.fixture(scope="module")
def cache(release):
    return VBNCache.from_local_cache(release, use_static_cache=True)


def test_in_a_kernel_the_frame_shows_first_and_the_tabs_fill_step_by_step(cache):
    async def scenario():
        vx = VBNExplorer(cache)
        at_once = (repr(vx), [type(p.children[0]).__name__ for p in vx.tabs.children])
        filled = []
        for _ in range(20):
            await asyncio.sleep(0)  # the kernel's other work runs between the steps
            filled.append(sum(type(p.children[0]).__name__ != "HTML" for p in vx.tabs.children))
        return vx, at_once, filled

    vx, (text, kinds), filled = asyncio.run(scenario())
    assert text.endswith("sessions chosen; loading)")
    assert kinds == ["SessionPicker"] + ["HTML"] * (len(TABS) - 1)  # "loading…"
    eager = [t for t in TABS if not t.lazy]
    assert filled[0] < filled[-1] == len(eager) and filled == sorted(filled)  # one by one
    assert [t.key for t in TABS if t.lazy] == ["responses"]  # made when first shown
    # heard through its public revision trait: a plain QualityFilter, no patched subclass
    assert isinstance(vx.quality, QualityFilter)
    assert {c.__module__ for c in type(vx.quality).__mro__[:2]} == {QualityFilter.__module__}
    assert vx.tables["units"].row_count < len(cache.get_unit_table())  # linked
    vx.close()


def test_a_method_called_while_building_finishes_the_build_first(cache, user_ns):
    async def scenario():
        vx = VBNExplorer(cache, export_prefix="early_")
        return vx, vx.frame("units")  # no step ran yet

    vx, units = asyncio.run(scenario())
    pd.testing.assert_frame_equal(units, user_ns["early_units"])
    assert user_ns["early_sessions"] == vx.chosen_ids
    vx.close()


def test_tabs_exports_and_variables_come_from_the_registry(cache, user_ns):
    vx = VBNExplorer(cache, export_prefix="reg_")
    assert [vx.tabs.get_title(i) for i in range(len(TABS))] == [t.title for t in TABS]
    shown = [p.children[0] for p in vx.tabs.children]
    eager = [(i, t) for i, t in enumerate(TABS) if not t.lazy]
    assert [shown[i] for i, _ in eager] == [t.widget(vx) for _, t in eager]
    assert vx.export_bar.what.options == EXPORTABLE[::-1]
    assert {f"reg_{t.variable}" for _, t in eager} <= set(user_ns)
    for i, tab in enumerate(TABS):
        if tab.lazy:  # a "loading…" line until the tab is first shown
            assert type(vx.tabs.children[i].children[0]).__name__ == "HTML"
            vx.tabs.selected_index = i
            assert vx.tabs.children[i].children == (tab.widget(vx),)
    with pytest.raises(ValueError, match="what must be one of"):
        vx.frame("quality")  # it exports its passing ids itself
    vx.close()


def test_the_export_bar_asks_before_replacing_a_users_variable(cache, user_ns):
    vx = VBNExplorer(cache)
    bar = vx.export_bar
    assert (bar.what.value, bar.name.value) == ("units", "units_selected")
    bar.what.value = "probes"
    assert bar.name.value == "probes_selected"  # follows the table until the user names it
    user_ns["units"] = full = cache.get_unit_table()
    bar.what.value, bar.name.value = "units", "units"
    bar.export_button.click()
    assert user_ns["units"] is full and bar.confirm.layout.display != "none"
    assert "already holds" in bar.status.value
    bar.cancel_button.click()
    assert user_ns["units"] is full and bar.confirm.layout.display == "none"
    bar.export_button.click()
    bar.replace_button.click()
    pd.testing.assert_frame_equal(user_ns["units"], vx.frame("units"))
    vx.tables["units"].set_filter("snr", min=2)
    bar.export_button.click()  # its own value now: replaced without asking
    assert user_ns["units"]["snr"].min() >= 2
    vx.close()


FULL_WIDTH_UNITS = "\uff55nits"  # Python reads it as "units"


@pytest.mark.parametrize("name", ["__builtins__", "print", "In", "_1", FULL_WIDTH_UNITS, "x" * 65])
def test_the_export_bar_refuses_names_that_break_the_notebook(cache, user_ns, name):
    vx = VBNExplorer(cache)
    before = dict(user_ns)
    vx.export_bar.name.value = name
    vx.export_bar.export_button.click()
    assert "cannot" in vx.error and name[:20] in vx.error
    assert user_ns == before
    vx.export_bar.name.value = "fine_name"
    vx.export_bar.export_button.click()
    assert vx.error == "" and "fine_name" in user_ns  # success clears the error
    vx.close()


class OddCache:
    """A cache whose tables carry a column named with quotes and HTML."""

    def __init__(self, cache: VBNCache) -> None:
        self.cache = cache

    def get_ecephys_session_table(self, filter_abnormalities: bool = True) -> pd.DataFrame:
        sessions = self.cache.get_ecephys_session_table(filter_abnormalities=filter_abnormalities)
        return sessions.assign(**{ODD: range(len(sessions))})

    def __getattr__(self, name: str):
        getter = getattr(self.cache, name)
        if name not in ("get_unit_table", "get_probe_table", "get_channel_table"):
            return getter

        def odd_table() -> pd.DataFrame:
            table = getter()
            return table.assign(**{ODD: range(len(table))})

        return odd_table


def test_odd_column_names_work_in_every_part(cache):
    odd = OddCache(cache)
    vx = VBNExplorer(odd)
    vx.picker.explorer.set_filter(ODD, max=6)
    vx.tables["units"].set_filter(ODD, min=10)
    vx.tables["probes"].sort_by((ODD, False))
    assert (vx.frame("units")[ODD] >= 10).all()
    assert_codes_reproduce(vx, odd)
    vx.close()
