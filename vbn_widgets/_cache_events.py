"""What reaches the cache browser from outside the kernel's own calls, checked and applied.

- Messages from the front end (untrusted): each field validated before anything changes, then
  dispatched to a handler; the reply is ``<kind>:ok`` or ``error`` naming the field or value.
- Download jobs of the Jupyter server's download manager, as ``JobSnapshot.to_json()`` dicts
  forwarded by the front end (``server-jobs``), so validated like any message
  (``parse_server_jobs``) before ``_cache_jobs`` records them.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._cache_jobs import apply_jobs, start_downloads
from ._cache_rows import RowError
from .data.errors import VBNDataError

if TYPE_CHECKING:
    from .cache_browser import CacheBrowser

log = logging.getLogger(__name__)

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
STATES = ("queued", "running", "done", "failed", "cancelled")
ERROR_KINDS = ("network", "access-denied", "hash-mismatch", "disk-full", "read-only", "other")
MAX_SERVER_JOBS = 5000
MAX_TEXT = 2000
MAX_ROWS = 200
MAX_IDS = 5000


class RequestError(ValueError):
    """A message from the front end that cannot be honoured; the reply names what is wrong."""


def need_int(content: Mapping, key: str, low: int, high: int) -> int:
    value = content.get(key)
    if type(value) is not int or not low <= value <= high:
        raise RequestError(f"{key!r} must be an integer in [{low}, {high}], got {value!r:.40}")
    return value


def need_str(content: Mapping, key: str, limit: int = 400) -> str:
    value = content.get(key)
    if not isinstance(value, str) or len(value) > limit:
        raise RequestError(f"{key!r} must be a string of at most {limit} characters")
    return value


def need_list(content: Mapping, key: str, limit: int) -> list:
    value = content.get(key)
    if not isinstance(value, list) or len(value) > limit:
        raise RequestError(f"{key!r} must be a list of at most {limit} items")
    return value


_JOB_FIELDS = (  # name, check, may be null
    ("key", "text", False),
    ("manifest", "text", False),
    ("ref", "ref", False),
    ("bytes_done", "int", False),
    ("bytes_total", "int", True),
    ("rate", "number", True),
    ("eta_s", "number", True),
    ("submitted", "number", True),
    ("error", "text", True),
)


def _job_field(job: Mapping, name: str, check: str, nullable: bool) -> bool:
    value = job.get(name)
    if value is None:
        return nullable
    if check == "text":
        return isinstance(value, str) and len(value) <= MAX_TEXT
    if check == "ref":
        return type(value) is int or (isinstance(value, str) and 0 < len(value) <= MAX_TEXT)
    kinds = (int,) if check == "int" else (int, float)
    return type(value) in kinds and math.isfinite(value) and value >= 0


def parse_server_jobs(value: object, manifest: str, keys: Mapping[str, object]) -> list[dict]:
    """Check every job of a ``server-jobs`` message (all or nothing) and return those queued
    under ``manifest``: id 32 hex, state and error kind known, key a file of ``manifest``
    (``keys``), numbers >= 0."""
    if not isinstance(value, list) or len(value) > MAX_SERVER_JOBS:
        raise RequestError(f"'jobs' must be a list of at most {MAX_SERVER_JOBS} jobs")
    out = []
    for i, job in enumerate(value):
        if not isinstance(job, dict):
            raise RequestError(f"jobs[{i}] must be an object")
        job_id = job.get("id")
        if not isinstance(job_id, str) or not JOB_ID.match(job_id):
            raise RequestError(f"jobs[{i}].id must be 32 lowercase hex characters: {job_id!r:.40}")
        if job.get("state") not in STATES:
            raise RequestError(f"jobs[{i}].state must be one of {list(STATES)}")
        if job.get("error_kind") not in (*ERROR_KINDS, None):
            raise RequestError(f"jobs[{i}].error_kind must be one of {list(ERROR_KINDS)} or null")
        for name, check, nullable in _JOB_FIELDS:
            if not _job_field(job, name, check, nullable):
                what = {"int": "an integer >= 0", "number": "a number >= 0"}.get(check, "a string")
                raise RequestError(f"jobs[{i}].{name} must be {what}, got {job.get(name)!r:.40}")
        if job["manifest"] != manifest:
            continue  # queued under another version: not this tree's business
        if job["key"] not in keys:
            raise RequestError(f"jobs[{i}].key {job['key']!r:.120} is not a file of {manifest}")
        out.append(
            {k: job.get(k) for k in ("id", "state", "error_kind", *(f[0] for f in _JOB_FIELDS))}
        )
    return out


# front-end messages: handler(browser, content) -> reply fields; the caller holds browser._lock
def _rows(b: CacheBrowser, c: Mapping) -> dict:
    offset = need_int(c, "offset", 0, 2**31)
    limit = need_int(c, "limit", 1, MAX_ROWS)
    rows = b._tree.rows(offset, limit)
    return {"rows": rows, "revision": b.revision, "offset": offset, "total": b.row_count}


def _toggle(b: CacheBrowser, c: Mapping) -> dict:
    expanded = b._tree.toggle(need_str(c, "row"))
    b._publish()
    return {"expanded": expanded}


def _flag(c: Mapping, key: str) -> bool:
    if type(c.get(key)) is not bool:
        raise RequestError(f"{key!r} must be true or false, got {c.get(key)!r:.40}")
    return c[key]


def _select(b: CacheBrowser, c: Mapping) -> dict:
    rows, on = need_list(c, "rows", MAX_IDS), _flag(c, "on")
    b._tree.select(rows, on)
    b._publish()
    return {"selected_files": len(b._tree.selected)}


def _clear_selection(b: CacheBrowser, _c: Mapping) -> dict:
    b._tree.selected = set()
    b._publish()
    return {}


def _download(b: CacheBrowser, c: Mapping) -> dict:
    if "rows" in c:
        rows = need_list(c, "rows", MAX_IDS)
        files = list({f.key: f for r in rows for f in b._tree.files_of(r)}.values())
    else:
        files = b.selected_files
    snapshots, plan = start_downloads(b, files, plan_to_js=False)
    if plan is not None and plan["files"]:
        return {"plan": plan}
    return {"jobs": [s.id for s in snapshots]}


def _cancel(b: CacheBrowser, c: Mapping) -> dict:
    job = c.get("job")
    if job is not None and (not isinstance(job, str) or not JOB_ID.match(job)):
        raise RequestError(f"'job' must be a job id (32 lowercase hex characters): {job!r:.40}")
    if b.backend == "server":
        b.send({"kind": "server-cancel", "jobs": b._book.active_ids() if job is None else [job]})
    elif job is None:
        b._queue.cancel_all()
    else:
        try:
            b._queue.cancel(job)
        except KeyError:
            raise RequestError(f"no download job {job}") from None
    return {}


def _file_row(b: CacheBrowser, c: Mapping) -> str:
    tag, key = b._tree.parse(need_str(c, "row"))
    if tag != "f":
        raise RequestError(f"row {c['row']!r:.80} is not a file")
    return key


def _verify_later(b: CacheBrowser, key: str) -> None:
    """Hash on the chores thread: a multi-GB NWB file must not hold up the kernel."""
    tree = b._tree
    try:
        status = b.cache.file_status(tree.files[key].ref, verify=True)
    except Exception as err:
        with b._lock:
            b.set_trait("error", f"{key}: verify failed: {err}"[:500])
        return
    with b._lock:
        if b._tree is tree and not b._closed:
            b._checked[key] = status.state.value
            tree.set_local(key, status.state.value, status.bytes_on_disk)
            b._publish()


def _verify(b: CacheBrowser, c: Mapping) -> dict:
    b._chores.submit(_verify_later, b, _file_row(b, c))
    return {"started": True}


def _delete(b: CacheBrowser, c: Mapping) -> dict:
    return {"removed": b.delete(_file_row(b, c))}


def _set_manifest(b: CacheBrowser, c: Mapping) -> dict:
    b.set_manifest(need_str(c, "name", 255))
    return {}


def _compare(b: CacheBrowser, c: Mapping) -> dict:
    b.compare(need_str(c, "a", 255), need_str(c, "b", 255))
    return {}


def _clear_preview(b: CacheBrowser, _c: Mapping) -> dict:
    b.set_trait("preview_summary", None)
    return {}


def _search(b: CacheBrowser, c: Mapping) -> dict:
    b._tree.set_search(need_str(c, "text", 200))
    b._publish()
    return {"rows": b.row_count}


def _backend(b: CacheBrowser, c: Mapping) -> dict:
    server = _flag(c, "server")
    if b.backend != "read-only":
        b.set_trait("backend", "server" if server else "kernel")
    return {"backend": b.backend}


def _server_jobs(b: CacheBrowser, c: Mapping) -> dict:
    jobs = parse_server_jobs(c.get("jobs"), b.current, b._tree.files)
    if b.backend != "server":
        raise RequestError("server-jobs: downloads do not go through the Jupyter server here")
    apply_jobs(b, jobs)
    b._publish()
    return {}


HANDLERS: dict[str, Callable[[Any, Mapping], dict]] = {
    "rows": _rows,
    "toggle": _toggle,
    "select": _select,
    "clear-selection": _clear_selection,
    "download": _download,
    "cancel": _cancel,
    "verify": _verify,
    "delete": _delete,
    "set-manifest": _set_manifest,
    "compare": _compare,
    "clear-preview": _clear_preview,
    "search": _search,
    "backend": _backend,
    "server-jobs": _server_jobs,
}


def handle(b: CacheBrowser, content: object) -> None:
    """Validate and dispatch one message; reply ``<kind>:ok`` or ``error`` (nothing changed)."""
    request_id = content.get("id") if isinstance(content, dict) else None
    if not isinstance(request_id, str) or len(request_id) > 64:
        request_id = None
    try:
        if not isinstance(content, dict):
            raise RequestError("a message must be a JSON object")
        kind = content.get("kind")
        handler = HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise RequestError(f"unknown message kind {kind!r:.40}")
        if request_id is None:
            raise RequestError(f"{kind}: 'id' must be a string of at most 64 characters")
        with b._lock:
            if b._closed:
                raise RequestError("the cache browser was closed")
            reply = handler(b, content)
            if b.error:
                b.set_trait("error", "")
    except (RequestError, RowError, ValueError, KeyError, TypeError, VBNDataError) as err:
        message = str(err.args[0] if isinstance(err, KeyError) and err.args else err)
        _reply_error(b, request_id, message)
        return
    except Exception as err:  # the browser is untrusted: nothing it sends may escape
        log.exception("CacheBrowser could not handle a message")
        _reply_error(b, request_id, f"internal error: {type(err).__name__}: {err}")
        return
    b.send({"kind": f"{kind}:ok", **reply, "id": request_id})


def _reply_error(b: CacheBrowser, request_id: str | None, message: str) -> None:
    with b._lock:
        b.set_trait("error", message[:500])
    b.send({"kind": "error", "id": request_id, "message": message[:500]})
