"""The widget ``update`` channel is untrusted: the browser writes only what a widget allows.

ipywidgets applies a front end's ``update`` with ``set_trait``, which ignores ``read_only``;
``StrictWidget.set_state`` drops every key outside ``front_end_writable``. Each widget of the
package has a factory here; a new widget adds one.
"""

from __future__ import annotations

import logging
import time

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vbn_testing.messages import update
from vbn_testing.spike_session import SpikeSession

from vbn_widgets import (
    ALL_WIDGETS,
    CacheBrowser,
    QualityFilter,
    SpikeExplorer,
    TableExplorer,
    VBNCache,
)


def table_explorer(_demo_release, _tmp_path):
    frame = pd.DataFrame({"snr": [1.0, 2.5, None], "area": ["VISp", "CA1", "VISp"]})
    return TableExplorer(frame, title="t")


def cache_browser(demo_release, tmp_path):
    browser = CacheBrowser(VBNCache.from_mirror(demo_release, tmp_path / "cache"))
    deadline = time.monotonic() + 30  # file sizes arrive from a background thread: let them
    while browser.totals.get("sizes_pending") and time.monotonic() < deadline:
        time.sleep(0.02)
    return browser


def quality_filter(_demo_release, _tmp_path):
    frame = pd.DataFrame(
        {"snr": [1.0, 2.5, None], "structure_acronym": ["VISp", "CA1", "VISp"]},
        index=pd.Index([7, 8, 9], name="unit_id"),
    )
    return QualityFilter(frame, export_to=None, metrics=["snr"])


def spike_explorer(_demo_release, _tmp_path):
    return SpikeExplorer(SpikeSession(seed=2))


FACTORIES = {
    TableExplorer: table_explorer,
    CacheBrowser: cache_browser,
    QualityFilter: quality_filter,
    SpikeExplorer: spike_explorer,
}

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def test_every_widget_has_a_factory():
    assert set(ALL_WIDGETS) <= set(FACTORIES)


@pytest.fixture(params=list(FACTORIES), ids=lambda cls: cls.__name__)
def widget(request, demo_release, tmp_path, sent):
    w = FACTORIES[request.param](demo_release, tmp_path)
    yield w
    w.close()


def synced(widget) -> dict:
    return {k: repr(v) for k, v in widget.get_state().items()}


def test_read_only_traits_cannot_be_written_from_the_browser(widget, caplog):
    keys = [k for k in widget.keys if k not in widget.front_end_writable]
    before = synced(widget)
    forged = dict.fromkeys(keys, 1) | {"cache_dir": "/etc", "error": "<b>x</b>", "row_count": 7}
    with caplog.at_level(logging.WARNING):
        update(widget, forged)
    assert synced(widget) == before
    assert "may not write" in caplog.text


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_updates_change_nothing(widget, data):
    keys = st.sampled_from([*widget.keys, "nope", "__class__", "_esm"]) | st.text(max_size=12)
    state = data.draw(st.dictionaries(keys, JSON, max_size=6) | JSON)
    before = synced(widget)
    update(widget, state)
    assert synced(widget) == before
