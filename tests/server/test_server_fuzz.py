"""No request makes the server answer 500 (issue 11.5): a table of hostile bodies, queries and
paths, then hypothesis-generated ones, against a real ``jupyter server`` process with the
extension, a mirror-backed cache inside its root and one outside. Every refusal is a 4xx JSON
answer with a message; the messages of the table's cases name the field or path at fault."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vbn_testing.jupyter_server import start_server

from vbn_widgets.data import VBNCache

API = "/vbn-widgets/api"
POSTS = ("downloads", "cancel", "files/verify", "files/delete")
FIELDS = ("cache", "manifest", "files", "jobs", "batch", "wait", "path", "state")
LONG = "x" * 300  # one path component over 255 bytes
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def live(demo_release, tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz")
    root = home / "vbn"
    cache = VBNCache.from_mirror(demo_release, root / "cache")
    cache.load_latest_manifest()
    cache.remember_source()
    server = start_server(home, [root])
    server.cache = str(cache.cache_dir)
    server.manifest = cache.current_manifest()
    yield server
    server.stop()


def refused_well(live, code, answer, what) -> None:
    assert code < 500, f"{what} -> {code}: {answer}\n{live.log_tail()}"
    if code >= 400:
        assert isinstance(answer, dict) and isinstance(answer.get("message"), str), (what, answer)


def table(live):
    """(method, path, body, status, words the message must hold)."""
    cache, manifest = live.cache, live.manifest
    ok = {"cache": cache, "manifest": manifest, "files": ["units"]}
    q = urllib.parse.quote
    return [
        ("POST", "downloads", DEEP, 400, "nested too deeply"),
        ("POST", "cancel", DEEP, 400, "nested too deeply"),
        ("POST", "downloads", b"\xff\xfe", 400, "UTF-8"),
        ("POST", "downloads", b"", 400, "not JSON"),
        ("POST", "downloads", b'{"cache": NaN}', 400, "NaN"),
        ("POST", "downloads", b'{"cache": 1e999}', 400, "too large"),
        ("POST", "downloads", b'{"files": [' + b"9" * 5000 + b"]}", 400, "not JSON"),
        ("POST", "downloads", b'{"cache": "\\ud800", "manifest": "m", "files": [1]}', 400, "cache"),
        ("POST", "downloads", {**ok, "cache": f"{cache}/{LONG}"}, 400, "cache: the path component"),
        ("POST", "downloads", {**ok, "cache": "/" + "a/" * 2100}, 400, "4096"),
        ("POST", "downloads", {**ok, "files": [{"a": 1}]}, 400, "files[0]"),
        ("POST", "downloads", {**ok, "files": [2**70]}, 400, "files[0]"),
        ("POST", "downloads", {**ok, "files": ["\ud800"]}, 400, "files[0]"),
        ("POST", "downloads", {**ok, "manifest": ["m"]}, 400, "manifest"),
        ("POST", "downloads", {**ok, "manifest": LONG + ".json"}, 400, "manifest"),
        ("POST", "downloads", {**ok, "cache": "/etc"}, 403, "outside"),
        ("POST", "cancel", {"cache": cache, "jobs": [1]}, 400, "jobs[0]"),
        ("POST", "cancel", {"cache": cache, "jobs": ["a" * 32] * 10_001}, 400, "jobs"),
        ("POST", "cancel", {"cache": cache, "batch": None}, 400, "batch"),
        ("POST", "cancel", {"cache": cache, "batch": "a" * 32, "jobs": []}, 400, "either"),
        ("POST", "cancel", {"jobs": ["a" * 32]}, 400, "'cache'"),
        ("POST", "files/verify", {**ok, "wait": -1}, 400, "wait"),
        ("POST", "files/verify", {**ok, "wait": True}, 400, "wait"),
        ("POST", "files/delete", {**ok, "wait": 1e308}, 400, "wait"),
        ("POST", "files/delete", {**ok, "extra": 1}, 400, "'extra'"),
        ("POST", "files/delete", [1], 400, "JSON object"),
        ("GET", f"downloads?cache={q(cache)}/{LONG}", None, 400, "the path component"),
        ("GET", f"downloads?cache={q(cache)}&state=paused", None, 400, "paused"),
        ("GET", f"downloads?cache={q(cache)}&batch=zz", None, 400, "batch"),
        ("GET", f"downloads?cache={q(cache)}&cache=/x", None, 400, "exactly one"),
        ("GET", "downloads?cache=%ff", None, 400, ""),
        ("GET", "downloads?cache=%00", None, 400, "cache"),
        ("POST", "files/verify", {**ok, "cache": f"{cache}\x00"}, 400, "NUL"),
        ("GET", "cache?path=relative", None, 400, "absolute"),
        ("GET", f"batches?cache={q('/' + LONG)}", None, 400, "path component"),
        ("GET", "downloads/%ff", None, 400, ""),
        ("GET", f"downloads/{'a' * 300}", None, 400, "job id"),
        ("DELETE", "downloads/..%2F..%2Fapi", None, 400, "job id"),
        ("GET", "batches/%00", None, 400, "batch id"),
        ("DELETE", "operations/%e2%98%83", None, 400, "operation id"),
        ("GET", "operations/" + "0" * 32, None, 404, "0" * 32),
    ]


def test_the_table_of_hostile_requests_gets_4xx_naming_the_field(live):
    for method, path, body, status, words in table(live):
        raw = body if isinstance(body, (bytes, type(None))) else json.dumps(body)
        code, answer = live.request(method, f"{API}/{path}", raw)
        what = f"{method} {path[:80]} {str(body)[:80]}"
        refused_well(live, code, answer, what)
        assert code == status, (what, code, answer)
        assert words in answer["message"], (what, answer)


def test_the_token_is_required_for_every_route(live):
    for method, path in [("GET", "status"), ("POST", "cancel"), ("GET", "vocabulary")]:
        code, _ = live.request(method, f"{API}/{path}", b"{}", auth=False)
        assert code == 403, path


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def bodies(draw, live):
    """Objects made mostly of the API's own field names, some of their values plausible."""
    plausible = {
        "cache": st.sampled_from([live.cache, f"{live.cache}/..", "/", f"{live.cache}/{LONG}"]),
        "manifest": st.sampled_from([live.manifest, "x.json", ""]),
        "files": st.lists(st.sampled_from(["units", 0, "0", -1, "..", 2**63]), max_size=5),
        "jobs": st.lists(st.sampled_from(["a" * 32, "A" * 32, ""]), max_size=3),
        "batch": st.sampled_from(["b" * 32, "x"]),
        "wait": st.sampled_from([0, 0.1, 11, -0.0]),
    }
    keys = draw(st.lists(st.sampled_from(FIELDS) | st.text(max_size=6), max_size=5, unique=True))
    body = {}
    for key in keys:
        use_plausible = key in plausible and draw(st.booleans())
        body[key] = draw(plausible[key] if use_plausible else json_values)
    return body


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_requests_never_get_a_500(live, data):
    kind = data.draw(st.sampled_from(["post", "raw", "query", "id"]))
    if kind == "post":
        route = data.draw(st.sampled_from(POSTS))
        body = json.dumps(data.draw(bodies(live)), allow_nan=True)
        code, answer = live.request("POST", f"{API}/{route}", body)
        what = f"POST {route} {body[:200]}"
    elif kind == "raw":
        route = data.draw(st.sampled_from(POSTS))
        body = data.draw(st.binary(max_size=200))
        code, answer = live.request("POST", f"{API}/{route}", body)
        what = f"POST {route} raw {body[:80]!r}"
    elif kind == "query":
        route, name = data.draw(
            st.sampled_from([("downloads", "cache"), ("cache", "path"), ("batches", "cache")])
        )
        value = data.draw(st.text(max_size=60) | st.sampled_from([live.cache]))
        extra = data.draw(st.sampled_from(["", "&state=queued", "&state=", "&batch=x"]))
        quoted = urllib.parse.quote(value.encode("utf-8", "surrogatepass"))
        code, answer = live.request("GET", f"{API}/{route}?{name}={quoted}{extra}")
        what = f"GET {route} {value!r}{extra}"
    else:
        route = data.draw(st.sampled_from(["downloads", "batches", "operations"]))
        method = data.draw(st.sampled_from(["GET", "DELETE"]))
        segment = data.draw(st.text(min_size=1, max_size=40))
        quoted = urllib.parse.quote(segment.encode("utf-8", "surrogatepass"), safe="")
        code, answer = live.request(method, f"{API}/{route}/{quoted}")
        what = f"{method} {route}/{segment!r}"
    refused_well(live, code, answer, what)
