"""Checks of everything a REST request brings: bodies, paths, ids, file lists, query arguments.

Every refusal is an ``ApiError`` (400 unless said otherwise) whose message names the field. No
data-layer import: the extension stays cheap to load (the id pattern is the vocabulary's,
``vbn_widgets.data.jobs.ID_PATTERN``; a test checks they agree).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import PurePosixPath
from typing import Any

MAX_BODY = 1 << 20
MAX_PATH = 4096
MAX_COMPONENT = 255  # bytes, as most file systems limit a name
MAX_FILES = 5000
MAX_IDS = 10_000
MAX_NAME = 255
MAX_WAIT = 10.0
ANSWERS = ("full", "batch")
ID = re.compile(r"^[0-9a-f]{32}$")
TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class ApiError(Exception):
    """A refused request: ``status`` is the HTTP status, the message says what and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad(message: str) -> ApiError:
    return ApiError(400, message)


def _show(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def json_body(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; every malformed body is a 400 saying what is wrong."""
    if len(raw) > MAX_BODY:
        raise bad(f"request body is larger than {MAX_BODY} bytes")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    except UnicodeDecodeError:
        raise bad("request body is not UTF-8") from None
    except RecursionError:
        raise bad("request body is JSON nested too deeply") from None
    except ValueError as err:
        raise bad(f"request body is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise bad(f"request body must be a JSON object, got {type(data).__name__}")
    return data


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large a number")
    return value


def fields(body: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...] = ()):
    """Refuse unknown and missing fields, naming the first."""
    allowed = required + optional
    unknown = sorted(str(k) for k in body if k not in allowed)
    if unknown:
        raise bad(f"unknown field {_show(unknown[0], 60)}; expected {', '.join(allowed)}")
    missing = [f for f in required if f not in body]
    if missing:
        raise bad(f"missing field {missing[0]!r}")


def text(value: object, field: str, limit: int) -> str:
    """A non-empty string of at most ``limit`` characters that UTF-8 can encode, without NUL."""
    if not isinstance(value, str) or not value:
        raise bad(f"{field} must be a non-empty string")
    if len(value) > limit:
        raise bad(f"{field} is longer than {limit} characters")
    if "\x00" in value:
        raise bad(f"{field} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise bad(f"{field} is not valid Unicode (a lone surrogate)") from None
    return value


def path_text(value: object, field: str) -> str:
    """An absolute path string whose every component fits a file name (255 bytes)."""
    raw = text(value, field, MAX_PATH)
    if not raw.startswith("/"):
        raise bad(f"{field} must be an absolute path, got {_show(raw)}")
    for part in PurePosixPath(raw).parts[1:]:
        if len(part.encode("utf-8")) > MAX_COMPONENT:
            raise bad(
                f"{field}: the path component {_show(part, 40)} is over {MAX_COMPONENT} bytes"
            )
    return raw


def job_id(value: object, field: str = "job id") -> str:
    if not isinstance(value, str) or not ID.match(value):
        raise bad(f"{field} must be 32 lowercase hex characters, got {_show(str(value)[:40])}")
    return value


def id_list(value: object, field: str) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_IDS:
        raise bad(f"{field} must be a list of 1 to {MAX_IDS} ids")
    return [job_id(v, f"{field}[{i}]") for i, v in enumerate(value)]


def refs(files: object, field: str = "files") -> list[str | int]:
    """1..5000 refs, each a table name or a non-negative file id (digit strings become ints)."""
    if not isinstance(files, list) or not 1 <= len(files) <= MAX_FILES:
        raise bad(f"{field} must be a list of 1 to {MAX_FILES} table names or file ids")
    out: list[str | int] = []
    for i, ref in enumerate(files):
        if isinstance(ref, bool) or not isinstance(ref, (str, int)):
            raise bad(f"{field}[{i}] must be a table name or a file id, got {type(ref).__name__}")
        if isinstance(ref, int):
            if not 0 <= ref < 1 << 63:
                raise bad(f"{field}[{i}] must be a file id from 0 to 2**63-1, got {_show(ref)}")
            out.append(ref)
        elif ref.isascii() and ref.isdigit() and len(ref) <= 18:
            out.append(int(ref))
        elif len(ref) <= MAX_NAME and TABLE_NAME.fullmatch(ref):
            out.append(ref)
        else:
            raise bad(f"{field}[{i}] must be a table name or a file id, got {_show(ref)}")
    return out


def manifest_name(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise bad("manifest must be a manifest file name")
    if len(value) > MAX_NAME or not re.fullmatch(r"[A-Za-z0-9_.-]+\.json", value):
        raise bad(f"manifest: {_show(value)} is not a manifest file name")
    return value


def brief_answer(value: object) -> bool:
    """``answer`` of POST downloads: "full" (every job, the default) or "batch" (the batch only)."""
    if value not in ANSWERS:
        raise bad(f"answer must be one of {', '.join(ANSWERS)}, got {_show(value, 40)}")
    return value == ANSWERS[1]


def wait_seconds(value: object) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not 0 <= value <= MAX_WAIT:
        raise bad(f"wait must be a number of seconds from 0 to {MAX_WAIT:g}, got {_show(value)}")
    return float(value)


def states(value: str | None, known: tuple[str, ...]) -> list[str] | None:
    """``?state=queued,running``: a comma list of job states."""
    if value is None:
        return None
    names = value.split(",")
    for name in names:
        if name not in known:
            raise bad(f"state: {_show(name, 40)} is not one of {', '.join(known)}")
    return names
