"""jupyter_server's pytest plugin and the shared parts of the server extension's tests.

The plugin is imported here rather than listed in ``pytest_plugins`` (allowed only in the root
conftest) so that its autouse fixtures (a fresh event loop, a ServerApp cleanup) and its async-test
hooks apply to this folder alone.

Shared: the demo release served by SeaweedFS (``s3``), a ``GateProxy`` in front of it that can hold
NWB responses (``proxy``), one configured cache root (``root``), a notebook's cache in it with its
source recorded (``kernel_cache``), and ``api``: REST calls and polls with a deadline.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403
from traitlets.config import Config
from vbn_testing.gate_proxy import GateProxy
from vbn_testing.publish import publish_release
from vbn_testing.seaweed import SeaweedS3

from vbn_widgets.data import VBNCache
from vbn_widgets.data.jobs import FINISHED

BUCKET = "visual-behavior-neuropixels-data"
API = ("vbn-widgets", "api")
DEADLINE = 120.0  # seconds: a safety net for polls, never a measure


@pytest.fixture(scope="module")
def s3(demo_release, tmp_path_factory):
    with SeaweedS3(base_dir=tmp_path_factory.mktemp("seaweed")) as server:
        server.create_versioned_bucket(BUCKET)
        publish_release(demo_release, server.admin_client(), BUCKET)
        yield server


@pytest.fixture
def proxy(s3):
    with GateProxy("127.0.0.1", s3.port, pattern=r"\.nwb(\?|$)") as gate:
        yield gate


@pytest.fixture
def root(tmp_path):
    return tmp_path / "vbn-root"


@pytest.fixture
def kernel_cache(root, proxy):
    """What a notebook does: an S3 cache (via the proxy), its manifest loaded, source recorded."""
    cache = VBNCache.from_s3_cache(root / "cache", endpoint_url=proxy.endpoint_url)
    cache.load_latest_manifest()
    cache.remember_source()
    return cache


@pytest.fixture
def jp_server_config(root):
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"vbn_widgets": True}},
            "VBNWidgets": {"cache_roots": [str(root)], "max_workers": 2},
        }
    )


class Api:
    """The REST API as a test calls it: (status, decoded JSON) of each call, and polls."""

    def __init__(self, jp_fetch) -> None:
        self.fetch = jp_fetch

    async def call(self, method, *parts, body=None, params=None, headers=None, **extra):
        kwargs = {"method": method, "raise_error": False, "params": params, "headers": headers}
        kwargs.update(extra)  # e.g. request_timeout for a test that queues many requests
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        response = await self.fetch(*API, *parts, **kwargs)
        text = response.body.decode() if response.body else ""
        return response.code, (json.loads(text) if text.startswith(("{", "[")) else text)

    async def until(self, method, *parts, check, what: str, params=None):
        """Repeat a GET until ``check(answer)`` holds; the last answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        while True:
            code, data = await self.call(method, *parts, params=params)
            assert code == 200, data
            if check(data):
                return data
            assert loop.time() < deadline, f"never happened: {what}; last answer {data}"
            await asyncio.sleep(0.05)

    async def job_in(self, job_id, states):
        """Poll the job until its state is one of ``states`` (failing if it ends otherwise)."""

        def check(job):
            assert job["state"] in states or job["state"] not in {s.value for s in FINISHED}, job
            return job["state"] in states

        return await self.until("GET", "downloads", job_id, check=check, what=f"job in {states}")

    async def operation_done(self, op_id):
        answer = await self.until(
            "GET",
            "operations",
            op_id,
            check=lambda a: a["operation"]["state"] != "running",
            what="the operation ended",
        )
        return answer["operation"]


@pytest.fixture
def api(jp_fetch):
    return Api(jp_fetch)
