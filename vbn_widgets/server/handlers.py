"""REST handlers under ``{base_url}vbn-widgets/api/``: JSON in, JSON out, Jupyter's auth.

Authentication is jupyter_server's (token or cookie; cookie-authenticated POST/DELETE also need the
XSRF token: APIHandler checks it). Errors answer ``{"message": ...}`` with 400 (bad input, the field
named), 403 (a path outside the configured cache roots) or 404 (no such folder or job).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from .manager import ApiError, DownloadManager, bad

API = "vbn-widgets/api"
AUTH_RESOURCE = "vbn_widgets"
MANAGER_SETTING = "vbn_widgets_manager"
MAX_BODY = 1 << 20
PLAN_FIELDS = ("cache", "manifest", "files")

T = TypeVar("T")


class _Handler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def manager(self) -> DownloadManager:
        return self.settings[MANAGER_SETTING]

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` off the event loop (disk, the data layer, a network call to the source)."""
        return await asyncio.to_thread(fn, *args)

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data))

    def refuse(self, err: ApiError) -> None:
        self.log.warning("vbn-widgets: %s %s -> %d: %s", *self._summary(), err.status, err.message)
        self.reply({"message": err.message}, err.status)

    def _summary(self) -> tuple[str, str]:
        return self.request.method or "", self.request.path

    def query(self, name: str) -> str:
        values = self.get_query_arguments(name)
        if len(values) != 1:
            raise bad(f"{name}: give exactly one ?{name}= query argument, got {len(values)}")
        return values[0]

    def json_body(self) -> dict[str, Any]:
        raw = self.request.body
        if len(raw) > MAX_BODY:
            raise bad(f"request body is larger than {MAX_BODY} bytes")
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise bad("request body is not UTF-8") from None
        except ValueError as err:
            raise bad(f"request body is not JSON: {err}") from None
        if not isinstance(data, dict):
            raise bad(f"request body must be a JSON object, got {type(data).__name__}")
        return data


class StatusHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(self.manager.status())


class CacheHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        try:
            self.reply(await self.blocking(self.manager.cache_info, self.query("path")))
        except ApiError as err:
            self.refuse(err)


class DownloadsHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        try:
            jobs = await self.blocking(self.manager.jobs, self.query("cache"))
        except ApiError as err:
            self.refuse(err)
        else:
            self.reply({"jobs": jobs})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            body = self.json_body()
            unknown = sorted(set(body) - set(PLAN_FIELDS))
            if unknown:
                raise bad(f"unknown field {unknown[0]!r}; expected {', '.join(PLAN_FIELDS)}")
            missing = [f for f in PLAN_FIELDS if f not in body]
            if missing:
                raise bad(f"missing field {missing[0]!r}")
            jobs = await self.blocking(
                self.manager.enqueue, body["cache"], body["manifest"], body["files"]
            )
        except ApiError as err:
            self.refuse(err)
        else:
            self.reply({"jobs": jobs}, 202)


class JobHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        try:
            self.reply(await self.blocking(self.manager.job, job_id))
        except ApiError as err:
            self.refuse(err)

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        try:
            self.reply(await self.blocking(self.manager.cancel, job_id))
        except ApiError as err:
            self.refuse(err)


def routes() -> list[tuple[str, type[APIHandler]]]:
    """URL patterns relative to the server's base_url (the extension app prefixes it)."""
    return [
        (rf"/{API}/status", StatusHandler),
        (rf"/{API}/cache", CacheHandler),
        (rf"/{API}/downloads", DownloadsHandler),
        # Anything else after downloads/ reaches the handler too, which answers 400 naming the id.
        (rf"/{API}/downloads/([^/]+)", JobHandler),
    ]
