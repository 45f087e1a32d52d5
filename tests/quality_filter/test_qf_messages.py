"""QualityFilter's requests from the browser, as the browser sends them (no browser): each is
validated, answered through the shared envelope, and a refused one changes nothing."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
from vbn_testing.messages import ask, custom, replies

from vbn_widgets.quality import PRESETS
from vbn_widgets.quality.grid import Axis
from vbn_widgets.quality_filter import QualityFilter
from vbn_widgets.quality_filter.protocol import KINDS


def snapshot(qf: QualityFilter) -> tuple:
    return (qf.settings_json, qf.revision, qf.export_to, tuple(qf.passing))


def test_every_kind_is_answered(units, user_ns, sent):
    qf = QualityFilter(units, debounce_s=0)
    requests = {
        "set-criterion": {"metric": "snr", "threshold": 2.0, "active": True},
        "set-restriction": {"areas": ["VISp", "CA1"]},
        "apply-preset": {"name": "AllenSDK defaults"},
        "load-settings": {"text": qf.settings_json},
        "settings-json": {},
        "set-export": {"name": "qc_units"},
    }
    assert set(requests) == set(KINDS)
    for kind, fields in requests.items():
        reply = ask(qf, sent, kind, **fields)
        assert reply["kind"] == f"{kind}:ok", reply
    assert json.loads(ask(qf, sent, "settings-json")["text"]) == qf.settings.to_json()
    assert user_ns["qc_units"].equals(qf.passing)
    assert qf.export_to == "qc_units"


@pytest.mark.parametrize(
    ("kind", "fields", "needle"),
    [
        ("set-criterion", {"metric": "nope", "threshold": 1}, "metric"),
        ("set-criterion", {"metric": "snr"}, "at least one"),
        ("set-criterion", {"metric": "snr", "threshold": "1"}, "finite number"),
        ("set-criterion", {"metric": "snr", "threshold": float("nan")}, "finite number"),
        ("set-criterion", {"metric": "snr", "keep": "sideways"}, "keep"),
        ("set-criterion", {"metric": "snr", "active": 1}, "true or false"),
        ("set-criterion", {"metric": ["snr"], "active": True}, "metric"),
        ("set-restriction", {"sessions": ["1"]}, "integers"),
        ("set-restriction", {"sessions": [True]}, "integers"),
        ("set-restriction", {"areas": "VISp"}, "list"),
        ("set-restriction", {}, "needs"),
        ("set-restriction", {"sessions": list(range(6000))}, "at most"),
        ("apply-preset", {"name": "__class__"}, "one of"),
        ("load-settings", {"text": "{"}, "not valid JSON"),
        ("load-settings", {"text": '{"criteria": [], "evil": 1}'}, "unknown key"),
        ("load-settings", {"text": "x" * 200_001}, "at most"),
        ("set-export", {"name": "print"}, "builtin"),
        ("set-export", {"name": "a b"}, "variable name"),
        ("nope", {}, "unknown message kind"),
    ],
)
def test_refused_requests_change_nothing(units, user_ns, sent, kind, fields, needle):  # noqa: PLR0917
    qf = QualityFilter(units, debounce_s=0)
    before = snapshot(qf)
    reply = ask(qf, sent, kind, **fields)
    assert reply["kind"] == "error"
    assert needle in reply["message"]
    assert needle in qf.error  # shown in the widget too
    assert snapshot(qf) == before
    assert user_ns["good_units"].equals(qf.passing)


def test_a_message_without_an_id_or_not_an_object_is_refused(units, sent):
    qf = QualityFilter(units, export_to=None)
    before = snapshot(qf)
    for content in (["set-criterion"], "x", {"kind": "set-criterion", "metric": "snr"}):
        custom(qf, content)
    assert [r["kind"] for r in replies(sent)[-3:]] == ["error"] * 3
    assert snapshot(qf) == before


def test_export_asks_before_replacing_a_value_it_did_not_write(units, user_ns, sent):
    qf = QualityFilter(units, debounce_s=0)
    user_ns["mine"] = "a value the user made"
    reply = ask(qf, sent, "set-export", name="mine")
    assert reply["needs_confirm"] is True and "mine" in reply["message"]
    assert user_ns["mine"] == "a value the user made" and qf.export_to == "good_units"
    reply = ask(qf, sent, "set-export", name="mine", confirm=True)
    assert reply["needs_confirm"] is False
    assert user_ns["mine"].equals(qf.passing) and qf.export_to == "mine"
    # its own variable, and a free name, need no question
    assert ask(qf, sent, "set-export", name="good_units")["needs_confirm"] is False
    assert ask(qf, sent, "set-export", name="fresh_name")["needs_confirm"] is False
    assert ask(qf, sent, "set-export", name="")["message"] == "not exporting"
    assert qf.export_to is None


def test_random_requests_agree_with_pandas(units, user_ns, sent, oracle):
    rng = random.Random(3)
    qf = QualityFilter(units, debounce_s=0)
    grids = {m["name"]: Axis(**m["axis"]).values() for m in qf.metric_info}
    sessions = [o["value"] for o in qf.choices["sessions"]]
    areas = [o["value"] for o in qf.choices["areas"]]
    for _ in range(60):
        metric = rng.choice(qf.metrics)
        what = rng.choice(["threshold", "typed", "active", "keep", "inclusive", "missing", "other"])
        if what == "threshold":
            fields = {"threshold": rng.choice(grids[metric])}
        elif what == "typed":
            fields = {"threshold": round(rng.uniform(0, 5), rng.randint(0, 6))}
        elif what in ("active", "inclusive"):
            fields = {what: rng.random() < 0.5}
        elif what == "keep":
            fields = {"keep": rng.choice(["above", "below"])}
        elif what == "missing":
            fields = {"missing": rng.choice(["fail", "pass"])}
        else:
            target = rng.choice(["preset", "sessions", "areas", "good"])
            kind, fields = {
                "preset": ("apply-preset", {"name": rng.choice(list(PRESETS))}),
                "sessions": ("set-restriction", {"sessions": rng.sample(sessions, 3) or None}),
                "areas": ("set-restriction", {"areas": rng.sample(areas, rng.randint(0, 8))}),
                "good": ("set-restriction", {"good_label_only": rng.random() < 0.5}),
            }[target]
            assert ask(qf, sent, kind, **fields)["kind"] == f"{kind}:ok"
            continue
        reply = ask(qf, sent, "set-criterion", metric=metric, **fields)
        assert reply["kind"] == "set-criterion:ok", reply
        if "threshold" in fields:  # exactly the value asked for
            assert qf.settings.criterion(metric).threshold == fields["threshold"]
    qf.flush()
    expected = oracle(units, qf.settings)
    assert qf.passing.equals(expected) and user_ns["good_units"].equals(expected)
    assert qf.passing_count == len(expected)
    assert units.loc[qf.passing].equals(eval(qf.query_code, {"units": units}))  # noqa: S307


def test_binned_counts_travel_as_int32_buffers_and_follow_the_restriction(units, sent):
    qf = QualityFilter(units, export_to=None)
    counts = np.frombuffer(qf.get_state()["binned"]["counts"]["view"], dtype="<i4")
    missing = np.frombuffer(qf.get_state()["binned"]["missing"]["view"], dtype="<i4")
    n_metrics, n_groups, n_bins = qf.get_state()["binned"]["counts"]["shape"]
    counts = counts.reshape(n_metrics, n_groups, n_bins)
    assert (n_metrics, n_groups, n_bins) == (8, 5, 100)
    # every unit is in one bin or NaN, for every metric
    np.testing.assert_array_equal(counts.sum(axis=(1, 2)) + missing, len(units))
    nan = [int(units[m].isna().sum()) for m in qf.metrics]
    assert missing.tolist() == nan
    sent.clear()
    ask(qf, sent, "set-criterion", metric="snr", threshold=3.0)  # a threshold: no new counts
    states = [d["state"] for kind, d, _ in sent if kind == "comm_msg" and "state" in d]
    assert states and not any("binned" in s for s in states)
    sent.clear()
    ask(qf, sent, "set-restriction", areas=["VISp"])
    (update,) = [d for kind, d, _ in sent if kind == "comm_msg" and "binned" in d.get("state", {})]
    assert ["binned", "counts", "view"] in update["buffer_paths"]
    visp = int((units["structure_acronym"] == "VISp").sum())
    counts = np.frombuffer(qf.get_state()["binned"]["counts"]["view"], dtype="<i4")
    assert counts.reshape(8, 5, 100)[:, 0].sum(axis=1).max() == visp  # cortex only
    assert counts.reshape(8, 5, 100)[:, 1:].sum() == 0


def test_summary_names_units_kept_and_zero_kept(units, sent):
    qf = QualityFilter(units, export_to=None)
    ask(qf, sent, "set-criterion", metric="presence_ratio", threshold=5)
    i = qf.metrics.index("presence_ratio")
    assert qf.summary["kept"][i] == 0 and qf.passing_count == 0
    assert qf.settings.criterion("presence_ratio").threshold == 5.0
    assert [r["remaining"] for r in qf.summary["attrition"]][-1] == 0


WEIRD = 'snr "x" <b>y</b>'


def test_a_metric_name_with_spaces_quotes_and_html_works(user_ns, sent):
    frame = pd.DataFrame(
        {WEIRD: [0.5, 1.5, 2.5, np.nan], "structure_acronym": ["VISp", "CA1", "LGd", "VISp"]},
        index=pd.Index([1, 2, 3, 4], name="unit_id"),
    )
    qf = QualityFilter(frame, metrics=[WEIRD], debounce_s=0)
    assert qf.metric_info[0]["name"] == WEIRD
    reply = ask(qf, sent, "set-criterion", metric=WEIRD, threshold=1.0, active=True)
    assert reply["kind"] == "set-criterion:ok"
    assert list(qf.passing) == [2, 3]
    assert frame.loc[qf.passing].equals(eval(qf.query_code, {"units": frame}))  # noqa: S307
    assert qf.figure().layout.annotations[0].text == WEIRD
