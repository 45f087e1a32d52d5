"""The server extension's REST API: authentication, XSRF, the cache roots and input validation.

A real jupyter_server (pytest-jupyter's ``jp_serverapp``, base_url ``/a%40b/``) with the extension
enabled the way the enable file enables it, and ``VBNWidgets.cache_roots`` set to a temp folder.
"""

from __future__ import annotations

import json
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from traitlets import TraitError
from traitlets.config import Config

from vbn_widgets.server import VBNWidgets, VBNWidgetsApp

API = ("vbn-widgets", "api")
JOB = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def root(tmp_path):
    """The one configured cache root, with an (empty) cache folder inside it."""
    root = tmp_path / "roots" / "vbn"
    (root / "cache").mkdir(parents=True)
    return root


@pytest.fixture
def jp_server_config(root):
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"vbn_widgets": True}},
            "VBNWidgets": {"cache_roots": [str(root)], "max_workers": 3},
        }
    )


async def call(jp_fetch, method, *parts, body=None, params=None, headers=None):
    """(status, decoded JSON) of one API call, token-authenticated unless headers say otherwise."""
    kwargs = {"method": method, "raise_error": False, "params": params, "headers": headers}
    if body is not None:
        kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
    response = await jp_fetch(*API, *parts, **kwargs)
    text = response.body.decode() if response.body else ""
    return response.code, (json.loads(text) if text.startswith(("{", "[")) else text)


async def test_status_reports_the_configured_roots(jp_fetch, jp_serverapp, root):
    code, data = await call(jp_fetch, "GET", "status")
    assert code == 200
    assert data["cache_roots"] == [str(root.resolve())]
    assert data["max_workers"] == 3
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", data["version"])
    assert "vbn_widgets" in jp_serverapp.extension_manager.extensions


async def test_unauthenticated_requests_get_no_data(
    http_server_client, jp_base_url, jp_fetch, root
):
    await jp_fetch(*API, "status")  # the server is up and the extension answers with a token
    plan = {"cache": str(root / "cache"), "manifest": "m", "files": ["units"]}
    for method, path, body in [
        ("GET", "status", None),
        ("GET", f"cache?{urlencode({'path': str(root / 'cache')})}", None),
        ("GET", f"downloads?{urlencode({'cache': str(root / 'cache')})}", None),
        ("POST", "downloads", json.dumps(plan)),
        ("GET", f"downloads/{JOB}", None),
        ("DELETE", f"downloads/{JOB}", None),
    ]:
        for headers in ({}, {"Authorization": "token wrong"}):
            response = await http_server_client.fetch(
                f"{jp_base_url}vbn-widgets/api/{path}",
                method=method,
                body=body,
                headers=headers,
                raise_error=False,
                follow_redirects=False,
            )
            assert response.code == 403, (method, path, headers, response.code)
            assert b"cache_roots" not in response.body
            assert b"jobs" not in response.body


async def _login(http_server_client, jp_base_url, token):
    """Log in through the login form as a browser does; the session and _xsrf cookies."""
    first = await http_server_client.fetch(f"{jp_base_url}login", raise_error=False)
    jar = SimpleCookie()
    for header in first.headers.get_list("Set-Cookie"):
        jar.load(header)
    xsrf = jar["_xsrf"].value
    form = urlencode({"_xsrf": xsrf, "password": token})
    second = await http_server_client.fetch(
        f"{jp_base_url}login",
        method="POST",
        body=form,
        headers={"Cookie": f"_xsrf={xsrf}"},
        follow_redirects=False,
        raise_error=False,
    )
    assert second.code == 302, second.code
    for header in second.headers.get_list("Set-Cookie"):
        jar.load(header)
    cookies = "; ".join(f"{k}={m.value}" for k, m in jar.items())
    return cookies, xsrf


async def test_cookie_auth_needs_the_xsrf_token_on_post_and_delete(
    http_server_client, jp_base_url, jp_serverapp, root
):
    cookies, xsrf = await _login(
        http_server_client, jp_base_url, jp_serverapp.identity_provider.token
    )
    api = f"{jp_base_url}vbn-widgets/api"

    async def fetch(method, path, *, with_xsrf, body=None):
        headers = {"Cookie": cookies}
        if with_xsrf:
            headers["X-XSRFToken"] = xsrf
        return await http_server_client.fetch(
            f"{api}/{path}", method=method, headers=headers, body=body, raise_error=False
        )

    assert (await fetch("GET", "status", with_xsrf=False)).code == 200  # the cookie logs in
    body = json.dumps({"cache": str(root / "cache"), "manifest": "m", "files": []})
    refused = await fetch("POST", "downloads", with_xsrf=False, body=body)
    assert refused.code == 403
    assert b"_xsrf" in refused.body
    assert (await fetch("DELETE", f"downloads/{JOB}", with_xsrf=False)).code == 403
    # with the header the request gets through to the handler, which judges the body
    admitted = await fetch("POST", "downloads", with_xsrf=True, body=body)
    assert admitted.code == 400
    assert "files" in json.loads(admitted.body)["message"]
    assert (await fetch("DELETE", f"downloads/{JOB}", with_xsrf=True)).code == 404


async def test_paths_outside_the_roots_are_refused(jp_fetch, root, tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "cache").mkdir(parents=True)
    (root / "escape").symlink_to(outside)
    (root / "cache" / "up").symlink_to(root.parent)
    sibling = root.parent / "vbn-other"  # shares the root's name as a string prefix
    sibling.mkdir()
    refused = [
        f"{root}/cache/../../elsewhere",
        f"{root}/../../elsewhere/cache",
        str(outside / "cache"),
        "/etc",
        "/",
        str(root / "escape" / "cache"),  # a symlink inside the root pointing out of it
        str(root / "cache" / "up"),
        str(sibling),
    ]
    for path in refused:
        for parts, key in [(("cache",), "path"), (("downloads",), "cache")]:
            code, data = await call(jp_fetch, "GET", *parts, params={key: path})
            assert code == 403, (path, code, data)
            assert path in data["message"]
            assert "outside" in data["message"]
        plan = {"cache": path, "manifest": "m", "files": ["units"]}
        code, data = await call(jp_fetch, "POST", "downloads", body=plan)
        assert code == 403, (path, code, data)
        assert path in data["message"]


async def test_url_encoded_traversal_is_refused(jp_fetch, root):
    # %2F in the route is decoded after routing: the id check sees '../..' and refuses it
    for method in ("GET", "DELETE"):
        code, data = await call(jp_fetch, method, "downloads", "..%2F..%2Fapi%2Fkernels")
        assert code == 400
        assert "job id" in data["message"]
    # the query is decoded once: '%2e%2e' stays a (missing) folder name inside the root
    double = f"{root}/cache/%2e%2e/%2e%2e/%2e%2e"
    code, data = await call(jp_fetch, "GET", "cache", params={"path": double})
    assert code == 404
    assert "not a directory" in data["message"]


async def test_malformed_requests_name_the_field(jp_fetch, root):
    cache = str(root / "cache")
    ok = {"cache": cache, "manifest": "m.json", "files": ["units"]}
    cases = [
        (b"\xff\xfe", "UTF-8"),
        ("{not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('"text"', "JSON object"),
        ({**ok, "extra": 1}, "'extra'"),
        ({"cache": cache, "files": ["units"]}, "'manifest'"),
        ({**ok, "cache": 5}, "cache"),
        ({**ok, "cache": ""}, "cache"),
        ({**ok, "cache": "relative/path"}, "absolute"),
        ({**ok, "cache": "/" + "a" * 5000}, "4096"),
        ({**ok, "cache": f"{cache}\x00"}, "NUL"),
        ({**ok, "files": []}, "files"),
        ({**ok, "files": "units"}, "files"),
        ({**ok, "files": [1] * 5001}, "files"),
        ({**ok, "files": ["units", None]}, "files[1]"),
        ({**ok, "files": [True]}, "files[0]"),
        ({**ok, "files": [-3]}, "files[0]"),
        ({**ok, "files": [1.5]}, "files[0]"),
        ({**ok, "files": ["../../etc/passwd"]}, "files[0]"),
        ({**ok, "files": ["x" * 300]}, "files[0]"),
        ({**ok, "manifest": 7}, "manifest"),
        ({**ok, "manifest": "../../etc/passwd"}, "manifest"),
        ({**ok, "manifest": "visual-behavior-neuropixels_project_manifest_v9.9.9.json"}, "v9.9.9"),
    ]
    for body, needle in cases:
        code, data = await call(jp_fetch, "POST", "downloads", body=body)
        assert code == 400, (body, code, data)
        assert needle in data["message"], (body, data)
    code, data = await call(jp_fetch, "POST", "downloads", body=b"x" * ((1 << 20) + 1))
    assert code == 400
    assert "larger" in data["message"]
    for parts in (("cache",), ("downloads",)):
        code, data = await call(jp_fetch, "GET", *parts)
        assert code == 400
        assert "query argument" in data["message"]
    code, data = await call(jp_fetch, "GET", "cache", params={"path": str(root / "nope")})
    assert code == 404
    for bad_id in (JOB.upper(), JOB[:-1], f"{JOB}0", "x" * 32):
        code, data = await call(jp_fetch, "GET", "downloads", bad_id)
        assert code == 400, bad_id
        assert "job id" in data["message"]
    code, data = await call(jp_fetch, "GET", "downloads", JOB)
    assert code == 404
    assert JOB in data["message"]


def test_config_expands_resolves_and_bounds(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    config = VBNWidgets()
    assert config.cache_roots == [str(tmp_path.resolve() / ".cache" / "vbn-widgets")]
    assert config.max_workers == 2
    config.cache_roots = ["~/link", str(tmp_path / "real"), "~/x/../y"]
    assert config.cache_roots == [str(tmp_path.resolve() / "real"), str(tmp_path.resolve() / "y")]
    config.cache_roots = [f'["{tmp_path}/a", "{tmp_path}/b"]']  # traitlets' older CLI syntax
    assert config.cache_roots == [str(tmp_path.resolve() / "a"), str(tmp_path.resolve() / "b")]
    with pytest.raises(TraitError, match="absolute path"):
        config.cache_roots = ["relative"]
    with pytest.raises(TraitError, match="JSON list"):
        config.cache_roots = ["[nope]"]
    for bad in (0, 17):
        with pytest.raises(TraitError):
            config.max_workers = bad
    app_config = Config({"VBNWidgets": {"cache_roots": ["/data/vbn"], "max_workers": 16}})
    assert VBNWidgets(config=app_config).max_workers == 16
    assert VBNWidgets in VBNWidgetsApp.classes
