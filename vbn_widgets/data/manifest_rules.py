"""What a manifest field may hold. A manifest comes from a source we do not control, and its
project name and keys become folder and file names in the cache, so each is checked before use.

Every rule returns the problem as text (None when the value is fine); ``manifest.py`` puts the
manifest's name and the field in front of it. Values in messages go through ``shown``: repr
(so control characters are escaped) and cut short.
"""

from __future__ import annotations

import re
from functools import lru_cache

from packaging.version import InvalidVersion, Version

MAX_NAME_BYTES = 255  # one path component (NAME_MAX on Linux, macOS and Windows)
MAX_KEY_BYTES = 1024  # an S3 key
MAX_FILE_ID_DIGITS = 20
NAME_RULE = "letters, digits, '.', '_' and '-', not starting with '.', no '..', at most 255 bytes"

_PROJECT_NAME = re.compile(r"(?!\.)[A-Za-z0-9._-]{1,255}", re.ASCII)
_SEMVER = re.compile(
    r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
    r"(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?",
    re.ASCII,
)
_FILE_ID = re.compile(rf"0|-?[1-9][0-9]{{0,{MAX_FILE_ID_DIGITS - 1}}}", re.ASCII)
_HASH = re.compile(r"[0-9a-f]{128}", re.ASCII)
# S3 version ids are opaque "URL-ready" strings: printable ASCII; '/' and '\' would make folders
# of the mirror's .versions/<version_id>/ and '.', '..' would climb out of it.
_VID_CHARS = r"[!-.0-\[\]-~]"
_VERSION_ID = re.compile(rf"(?!\.\.?$){_VID_CHARS}{{0,1024}}", re.ASCII)
_VERSION_ID_LINES = re.compile(
    rf"(?:(?!\.\.?\n){_VID_CHARS}{{0,1024}}\n)*(?!\.\.?$){_VID_CHARS}{{0,1024}}", re.ASCII
)
_HASH_LINES = re.compile(r"(?:[0-9a-fA-F]{128}\n)*[0-9a-fA-F]{128}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A bucket URL as manifests write it (bucket and key are taken from it, as AllenSDK does).
URL = (
    r"https://(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3[.-]?[a-z0-9.-]*?amazonaws\.com/(?P<key>[^?#\s]+)"
)
# One path component of a key: not empty, '.' or '..'; no '/', '\', control character or space.
_PART = r"(?!\.\.?(?:/|$))[^/\\\x00-\x1f\x7f-\x9f?#\s]{1,255}"


def shown(value: object, limit: int = 120) -> str:
    """``repr(value)``, cut to about ``limit`` characters with the full length said."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:limit]}...{size}"


def project_name_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__} {shown(value, 60)}"
    if not _PROJECT_NAME.fullmatch(value) or ".." in value:
        return f"{shown(value)} is not a project name ({NAME_RULE})"
    return None


def semver_problem(value: object) -> str | None:
    """None when ``value`` is a semver string such as "0.5.0" (and a version packaging orders)."""
    if isinstance(value, str) and _SEMVER.fullmatch(value):
        try:
            Version(value)
        except InvalidVersion:
            pass
        else:
            return None
    return f"{shown(value, 60)} is not a version (a semver string such as '0.5.0')"


def file_id_problem(value: object) -> str | None:
    """None for a data_files key written as str(int) with at most 20 digits."""
    if isinstance(value, str) and _FILE_ID.fullmatch(value):
        return None
    return (
        f"{shown(value, 60)} is not an integer of at most {MAX_FILE_ID_DIGITS} digits written "
        "as str(int) does (no '+', no leading zeros, no spaces)"
    )


def version_id_problem(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return f"must be a string or null, got {type(value).__name__} {shown(value, 60)}"
    if not _VERSION_ID.fullmatch(value):
        return (
            f"{shown(value, 60)} is not an S3 version id (at most 1024 printable ASCII "
            "characters, no '/' or '\\', not '.' or '..')"
        )
    return None


def file_hash_problem(value: str) -> str | None:
    if not _HASH.fullmatch(value):
        return f"{shown(value, 60)} is not a BLAKE2b hex digest (128 hex characters)"
    return None


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


_PART_RULES = (
    (lambda p: not p, "has an empty path component (a doubled or trailing '/', an absolute path)"),
    (lambda p: p == "..", "has a '..' path component, which escapes the release"),
    (lambda p: p == ".", "has a '.' path component"),
    (lambda p: "\\" in p, "has a backslash"),
    (lambda p: _CONTROL.search(p) is not None, "has a control character"),
    (lambda p: _bytes(p) > MAX_NAME_BYTES, f"has a component longer than {MAX_NAME_BYTES} bytes"),
)


def key_problem(key: str, project_name: str) -> str | None:
    """Why bucket ``key`` cannot name a file under the project's cache folder, or None."""
    prefix = f"{project_name}/"
    if not key.startswith(prefix):
        return f"does not start with the project folder {prefix!r}"
    if _bytes(key) > MAX_KEY_BYTES:
        return f"is longer than {MAX_KEY_BYTES} bytes"
    for part in key[len(prefix) :].split("/"):
        for broken, why in _PART_RULES:
            if broken(part):
                return why
    return None


@lru_cache(maxsize=8)
def _url_lines(project_name: str) -> re.Pattern[str]:
    url = URL.replace(
        r"(?P<key>[^?#\s]+)", rf"{re.escape(project_name)}/{_PART}(?:/{_PART})*"
    ).replace("(?P<bucket>", "(?:")
    return re.compile(rf"^{url}$", re.MULTILINE)


def group_is_clean(values: list, project_name: str) -> bool:
    """True when every entry of a group passes every rule; a few passes in C over the ~4,300
    entries of a release. False means "look entry by entry" (which finds and names the fault)."""
    if not all(
        type(v) is dict
        and type(v.get("url")) is str
        and type(v.get("file_hash")) is str
        and type(v.get("version_id", "")) is str
        for v in values
    ):
        return False
    if not values:
        return True
    urls = "\n".join(v["url"] for v in values)
    return (
        urls.isascii()  # then characters are bytes, and the regex counts them
        and max(len(v["url"]) for v in values) <= MAX_KEY_BYTES  # keys are shorter than URLs
        and len(_url_lines(project_name).findall(urls)) == len(values)
        and _HASH_LINES.fullmatch("\n".join(v["file_hash"] for v in values)) is not None
        and _VERSION_ID_LINES.fullmatch("\n".join(v.get("version_id", "") for v in values))
        is not None
    )
