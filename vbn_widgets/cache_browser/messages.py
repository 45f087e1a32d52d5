"""The cache browser's requests from the front end: each field checked with the ``need_*``
helpers of the one envelope (``vbn_widgets._messages``), then the widget's public API called.

Nothing here touches the widget's private state: a request does exactly what the same Python
call does (``CacheBrowser.download(rows=...)`` and the Download button are one code path). The
widget runs these handlers through ``_messages.dispatch`` under its lock (``guard``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._messages import Handler, RequestError, need_bool, need_int, need_list, need_str
from ..data.jobs import is_id

if TYPE_CHECKING:
    from .widget import CacheBrowser

MAX_ROWS = 200  # rows per `rows` request (js/src/cache_browser/cache_tree.js PAGE_ROWS <= this)
MAX_IDS = 5000  # row or job ids in one request
MAX_SEARCH = 200
MAX_NAME = 255
MAX_ERROR_TEXT = 2000


def _optional_rows(c: Mapping) -> list | None:
    """``rows`` when given (a list of row ids), else None: the request is about the selection."""
    return need_list(c, "rows", MAX_IDS) if "rows" in c else None


def _need_id(c: Mapping, key: str) -> str:
    value = c.get(key)
    if not is_id(value):
        raise RequestError(
            f"{key!r} must be an id (32 lowercase hex characters), got {value!r:.40}"
        )
    return value


def handlers(b: CacheBrowser) -> dict[str, Handler]:
    """``kind -> handler(content) -> reply fields`` for one browser."""

    def rows(c: Mapping) -> dict:
        return dict(b.rows(need_int(c, "offset", 0, 2**31), need_int(c, "limit", 1, MAX_ROWS)))

    def toggle(c: Mapping) -> dict:
        return {"expanded": b.toggle(need_str(c, "row"))}

    def select(c: Mapping) -> dict:
        rows_, on = need_list(c, "rows", MAX_IDS), need_bool(c, "on")
        return {"selected_files": b.select(rows=rows_, on=on)}

    def clear_selection(_c: Mapping) -> dict:
        b.clear_selection()
        return {}

    def download(c: Mapping) -> dict:
        jobs = b.download(rows=_optional_rows(c))
        return {"jobs": [j.id for j in jobs], "backend": b.backend}

    def cancel(c: Mapping) -> dict:
        if c.get("job") is not None:
            return {"cancelled": b.cancel(_need_id(c, "job"))}
        return {"cancelled": b.cancel(rows=_optional_rows(c))}

    def verify(c: Mapping) -> dict:
        b.verify(rows=_optional_rows(c), wait=False)
        return {}

    def delete(c: Mapping) -> dict:
        b.delete(rows=_optional_rows(c), wait=False)
        return {}

    def set_manifest(c: Mapping) -> dict:
        b.set_manifest(need_str(c, "name", MAX_NAME))
        return {}

    def compare(c: Mapping) -> dict:
        b.compare(need_str(c, "a", MAX_NAME), need_str(c, "b", MAX_NAME))
        return {}

    def clear_preview(_c: Mapping) -> dict:
        b.clear_preview()
        return {}

    def search(c: Mapping) -> dict:
        return {"rows": b.search(need_str(c, "text", MAX_SEARCH))}

    def backend(c: Mapping) -> dict:
        return {"backend": b.use_server(need_bool(c, "server"))}

    def server_answer(c: Mapping) -> dict:
        request = need_str(c, "request", 64)
        if c.get("error") is not None:
            error = need_str(c, "error", MAX_ERROR_TEXT)
            b.server_answered(request, error=error)
            raise RequestError(f"the Jupyter server refused: {error}")  # shown, not cleared
        b.server_answered(request, batch=_need_id(c, "batch"))
        return {}

    return {
        "rows": rows,
        "toggle": toggle,
        "select": select,
        "clear-selection": clear_selection,
        "download": download,
        "cancel": cancel,
        "verify": verify,
        "delete": delete,
        "set-manifest": set_manifest,
        "compare": compare,
        "clear-preview": clear_preview,
        "search": search,
        "backend": backend,
        "server-answer": server_answer,
    }
