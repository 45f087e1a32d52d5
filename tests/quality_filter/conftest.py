"""A small demo units table and a plain-pandas oracle for the passing units."""

from __future__ import annotations

import pandas as pd
import pytest

from vbn_widgets import VBNCache


@pytest.fixture(scope="session")
def units(tmp_path_factory) -> pd.DataFrame:
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("qf-demo") / "release"
    write_demo_release(root, scale=0.05, seed=7)
    return VBNCache.from_local_cache(root, use_static_cache=True).get_unit_table()


def expected_passing(units: pd.DataFrame, settings) -> pd.Index:
    """The passing unit_ids, computed independently with plain pandas."""
    keep = pd.Series(True, index=units.index)
    for c in settings.criteria:
        if not c.active:
            continue
        v = units[c.metric].astype("float64")
        if c.keep == "above":
            ok = v >= c.threshold if c.inclusive else v > c.threshold
        else:
            ok = v <= c.threshold if c.inclusive else v < c.threshold
        keep &= ok | v.isna() if c.missing == "pass" else ok
    if settings.sessions is not None:
        keep &= units["ecephys_session_id"].isin(settings.sessions)
    if settings.areas is not None:
        keep &= units["structure_acronym"].isin(settings.areas)
    if settings.good_label_only:
        keep &= units["quality"] == "good"
    return units.index[keep.to_numpy()]


@pytest.fixture(scope="session")
def oracle():
    """``oracle(units, settings)``: the passing unit_ids by plain pandas."""
    return expected_passing
