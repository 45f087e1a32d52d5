"""Map quality settings onto AllenSDK's session ``get_units(...)`` keyword arguments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .criteria import QualitySettings

#: metric -> (direction AllenSDK keeps, get_units keyword)
ALLENSDK_KWARGS: dict[str, tuple[str, str]] = {
    "amplitude_cutoff": ("below", "amplitude_cutoff_maximum"),
    "presence_ratio": ("above", "presence_ratio_minimum"),
    "isi_violations": ("below", "isi_violations_maximum"),
}

_RULE = (
    "AllenSDK's session.get_units() keeps amplitude_cutoff <= amplitude_cutoff_maximum, "
    "presence_ratio >= presence_ratio_minimum and isi_violations <= isi_violations_maximum, "
    "and always drops units whose metric is NaN."
)


def _problems(settings: QualitySettings) -> tuple[list[str], str]:
    """What get_units() cannot express, and a note when a restriction is among it."""
    problems: list[str] = []
    if settings.sessions is not None:
        problems.append("the restriction to sessions")
    if settings.areas is not None:
        problems.append("the restriction to areas")
    if settings.good_label_only:
        problems.append('the restriction to quality == "good"')
    restriction_note = (
        " (restrictions are expressible with pandas, see query_code(), not with these kwargs)"
        if problems
        else ""
    )
    for c in settings.active_criteria:
        mapping = ALLENSDK_KWARGS.get(c.metric)
        if mapping is None:
            problems.append(f"{c.describe()} (get_units has no {c.metric} threshold)")
            continue
        keep, _ = mapping
        op, bound = ("<=", "maximum") if keep == "below" else (">=", "minimum")
        if c.keep != keep:
            problems.append(f"{c.describe()} (get_units only keeps {c.metric} {op} a {bound})")
        elif not c.inclusive:
            problems.append(f"{c.describe()} (exclusive; get_units compares with {op})")
        elif c.missing != "fail":
            problems.append(f"{c.describe()} (get_units always drops NaN {c.metric})")
        elif c.threshold == 0:
            problems.append(f"{c.describe()} (get_units treats a threshold of 0 as off)")
    return problems, restriction_note


def to_allensdk_kwargs(settings: QualitySettings, units: pd.DataFrame) -> tuple[dict | None, str]:
    """(kwargs for ``session.get_units(**kwargs)``, explanation); kwargs None when the settings
    cannot be expressed that way (the explanation then names what is not expressible)."""
    problems, restriction_note = _problems(settings)
    active = settings.active_criteria
    if problems:
        return None, (
            "Not expressible as get_units() keyword arguments: "
            + "; ".join(problems)
            + restriction_note
            + ". "
            + _RULE
        )
    kwargs: dict = {}
    notes = []
    by_metric = {c.metric: c for c in active}
    for metric, (keep, name) in ALLENSDK_KWARGS.items():
        c = by_metric.get(metric)
        if c is not None:
            kwargs[name] = c.threshold
            continue
        # Not filtered here: pass an unbounded threshold. It still drops NaN values.
        kwargs[name] = math.inf if keep == "below" else -math.inf
        if metric in units.columns:
            n_nan = int(np.count_nonzero(pd.isna(units[metric].to_numpy())))
            if n_nan:
                return None, (
                    f"Not expressible as get_units() keyword arguments: {metric} is not "
                    f"filtered here, but {n_nan} units have NaN {metric} and get_units would "
                    f"drop them. " + _RULE
                )
        notes.append(f"{name}={kwargs[name]!r} leaves {metric} unfiltered")
    kwargs["filter_by_validity"] = False
    kwargs["filter_out_of_brain_units"] = False
    text = (
        "Equivalent per session: session.get_units("
        + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        + "). "
        + _RULE
    )
    if notes:
        text += " " + "; ".join(notes) + "."
    return kwargs, text
