"""REST handlers under ``{base_url}vbn-widgets/api/``: JSON in, JSON out, Jupyter's auth.

Authentication is jupyter_server's (token or cookie; cookie-authenticated POST/DELETE also need the
XSRF token: APIHandler checks it). Errors answer ``{"message": ...}`` with 400 (bad input, the field
named), 403 (a path outside the configured cache roots), 404 (no such folder, job, batch or
operation), 429 (too many file operations at once) or 503 (shutting down); never 500 for anything
a client sends. The routes, bodies and answers are listed in ``routes()``'s docstring and in
``/work/notes/cache-interfaces.md``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from . import validate
from .manager import DownloadManager
from .validate import ApiError

API = "vbn-widgets/api"
AUTH_RESOURCE = "vbn_widgets"
MANAGER_SETTING = "vbn_widgets_manager"
MAX_BODY = validate.MAX_BODY
POLL = 0.05  # seconds between looks at an operation a request waits for

T = TypeVar("T")


class _Handler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def manager(self) -> DownloadManager:
        return self.settings[MANAGER_SETTING]

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the manager's threads (disk, the data layer, the queue's lock)."""
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self.manager.executor, fn, *args)
        except RuntimeError:  # the executor was shut down with the extension
            raise ApiError(503, "the download manager is shutting down") from None
        return await future

    async def answer(self, fn: Callable[[], Any], status: int = 200) -> None:
        """Run ``fn`` (which reads the request and calls the manager) off the event loop; reply
        with its JSON, or with the ApiError it raised."""
        try:
            data = await self.blocking(fn)
        except ApiError as err:
            self.refuse(err)
        except web.HTTPError as err:  # tornado's own checks, e.g. a query that is not UTF-8
            if err.status_code >= 500:
                raise
            self.refuse(ApiError(err.status_code, err.log_message or err.reason or "bad request"))
        else:
            self.reply(data, status)

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data))

    def refuse(self, err: ApiError) -> None:
        self.log.warning("vbn-widgets: %s %s -> %d: %s", *self._summary(), err.status, err.message)
        self.reply({"message": err.message}, err.status)

    def _summary(self) -> tuple[str, str]:
        return self.request.method or "", self.request.path

    def query(self, name: str, *, required: bool = True) -> str | None:
        values = self.get_query_arguments(name)
        if not values and not required:
            return None
        if len(values) != 1:
            raise validate.bad(
                f"{name}: give exactly one ?{name}= query argument, got {len(values)}"
            )
        return values[0]

    def body(self) -> dict[str, Any]:
        return validate.json_body(self.request.body)


def _vocabulary() -> dict[str, Any]:
    from vbn_widgets.data.jobs import vocabulary  # on a manager thread: it loads the data layer

    return vocabulary()


class StatusHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(self.manager.status)


class VocabularyHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(_vocabulary)


class CacheHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(lambda: self.manager.cache_info(self.query("path")))


class DownloadsHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        def jobs() -> dict[str, Any]:
            optional = [self.query(n, required=False) for n in ("batch", "state")]
            return {"jobs": self.manager.jobs(self.query("cache"), *optional)}

        await self.answer(jobs)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        await self.answer(lambda: self.manager.enqueue(self.body()), status=202)


class JobHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        await self.answer(lambda: self.manager.job(job_id))

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        await self.answer(lambda: self.manager.job(job_id, cancel=True))


class CancelHandler(_Handler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        await self.answer(lambda: self.manager.cancel_many(self.body()))


class BatchesHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        await self.answer(lambda: {"batches": self.manager.batches(self.query("cache"))})


class BatchHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self, batch_id: str) -> None:
        await self.answer(lambda: self.manager.batch(batch_id))


class FilesHandler(_Handler):
    """POST files/verify, files/delete: one operation over many files; answers 200 with the
    finished operation (and its per-file items) if it ends within ``wait`` seconds, else 202."""

    @web.authenticated
    @authorized
    async def post(self, kind: str) -> None:
        try:
            body = await self.blocking(self.body)
            op = await self.blocking(self.manager.start_operation, kind, body)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + body.get("wait", 0)
            while op["state"] == "running" and loop.time() < deadline:
                await asyncio.sleep(POLL)
                if self.manager.operation_ended(op["id"]):
                    op = await self.blocking(self.manager.operation, op["id"])
        except ApiError as err:
            self.refuse(err)
        else:
            self.reply({"operation": op}, 202 if op["state"] == "running" else 200)


class OperationHandler(_Handler):
    @web.authenticated
    @authorized
    async def get(self, op_id: str) -> None:
        await self.answer(lambda: {"operation": self.manager.operation(op_id)})

    @web.authenticated
    @authorized
    async def delete(self, op_id: str) -> None:
        await self.answer(lambda: {"operation": self.manager.operation(op_id, cancel=True)})


def routes() -> list[tuple[str, type[APIHandler]]]:
    """URL patterns relative to the server's base_url (the extension app prefixes it).

    ==========================  =======  ==================================================
    route                       method   body -> answer
    ==========================  =======  ==================================================
    status                      GET      {version, api, cache_roots, max_workers}
    vocabulary                  GET      ``jobs.vocabulary()``
    cache?path=                 GET      {path, manifests, current, source, jobs}
    downloads?cache=[&batch=]   GET      {jobs}  (also &state=queued,running)
    downloads                   POST     {cache, manifest, files[, answer]} -> 202
                                         {batch, jobs, verified} ({batch} if answer "batch")
    downloads/<job id>          GET      job ; DELETE: cancel it -> job
    cancel                      POST     {cache[, jobs | batch]} -> {cancelled, finished, unknown}
    batches?cache=              GET      {batches}
    batches/<batch id>          GET      batch + {jobs: [ids]}
    files/(verify|delete)       POST     {cache, manifest, files[, wait]} -> 200|202 {operation}
    operations/<id>             GET      {operation} with items ; DELETE: stop it
    ==========================  =======  ==================================================
    """
    return [
        (rf"/{API}/status", StatusHandler),
        (rf"/{API}/vocabulary", VocabularyHandler),
        (rf"/{API}/cache", CacheHandler),
        (rf"/{API}/downloads", DownloadsHandler),
        # Anything else after downloads/ reaches the handler too, which answers 400 naming the id.
        (rf"/{API}/downloads/([^/]+)", JobHandler),
        (rf"/{API}/cancel", CancelHandler),
        (rf"/{API}/batches", BatchesHandler),
        (rf"/{API}/batches/([^/]+)", BatchHandler),
        (rf"/{API}/files/(verify|delete)", FilesHandler),
        (rf"/{API}/operations/([^/]+)", OperationHandler),
    ]
