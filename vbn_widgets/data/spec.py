"""The source a cache downloads from, written down so that another process can rebuild the cache.

A kernel's cache browser writes ``<cache_dir>/.vbn_widgets/source.json``; the Jupyter server's
download manager reads it (``VBNCache.from_cache_dir``) to fetch into the same folder from the same
place. The file is untrusted input: every field is checked and a bad one is named with the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from .errors import DownloadError, UnsafePathError, VBNDataError
from .layout import PRIVATE_DIR, atomic_write_bytes
from .paths import escape_of
from .sources import MirrorSource, S3Source, Source

SOURCE_FILE = "source.json"
_FIELDS = {"s3": {"kind", "bucket", "endpoint_url", "region"}, "mirror": {"kind", "root"}}
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9-]{1,32}$")


def spec_path(cache_dir: Path) -> Path:
    return cache_dir / PRIVATE_DIR / SOURCE_FILE


def source_spec(source: Source | None) -> dict | None:
    """JSON-safe description of ``source``; None when there is none or it is not one of ours."""
    if isinstance(source, S3Source):
        return {
            "kind": "s3",
            "bucket": source.bucket,
            "endpoint_url": source.endpoint_url,
            "region": source.region,
        }
    if isinstance(source, MirrorSource):
        return {"kind": "mirror", "root": str(source.root)}
    return None


def write_spec(cache_dir: Path, spec: dict) -> None:
    """Write the spec atomically, unless the file already says exactly that."""
    root = cache_dir.resolve()
    path = spec_path(root)
    escape = escape_of(root, path)
    if escape is not None:
        raise UnsafePathError(f"{SOURCE_FILE}: its path {escape} outside {root}; not written")
    data = json.dumps(spec, indent=2, sort_keys=True).encode()
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write_bytes(path, data)


def _bad(path: Path, field: str, why: str) -> VBNDataError:
    return VBNDataError(f"{path}: field {field!r} {why}")


def _string(path: Path, raw: dict, field: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value:
        raise _bad(path, field, f"must be a non-empty string, got {value!r:.80}")
    return value


def check_spec(raw: object, path: Path) -> dict:
    """The spec if it is valid; a VBNDataError naming ``path`` and the bad field otherwise."""
    if not isinstance(raw, dict):
        raise VBNDataError(f"{path}: expected a JSON object, got {type(raw).__name__}")
    kind = raw.get("kind")
    if kind not in _FIELDS:
        raise _bad(path, "kind", f"must be 's3' or 'mirror', got {kind!r:.80}")
    unknown = sorted(str(k) for k in raw if k not in _FIELDS[kind])
    if unknown:
        raise _bad(path, unknown[0], f"is not a field of a {kind} source")
    if kind == "mirror":
        root = Path(_string(path, raw, "root"))
        if not root.is_absolute():
            raise _bad(path, "root", f"must be an absolute path, got {str(root)!r:.200}")
        if not root.is_dir():
            raise _bad(path, "root", f"{str(root)!r:.200} is not an existing directory")
        return {"kind": "mirror", "root": str(root)}
    bucket = _string(path, raw, "bucket")
    if not _BUCKET.match(bucket):
        raise _bad(path, "bucket", f"{bucket!r:.80} is not an S3 bucket name")
    region = _string(path, raw, "region")
    if not _REGION.match(region):
        raise _bad(path, "region", f"{region!r:.80} is not an AWS region name")
    endpoint = raw.get("endpoint_url")
    if endpoint is not None:
        if not isinstance(endpoint, str):
            raise _bad(path, "endpoint_url", f"must be a string or null, got {endpoint!r:.80}")
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise _bad(path, "endpoint_url", f"{endpoint!r:.200} is not an http(s) URL")
    return {"kind": "s3", "bucket": bucket, "endpoint_url": endpoint, "region": region}


def read_spec(cache_dir: Path) -> dict | None:
    """The validated spec of ``cache_dir``, or None when it has no source file."""
    path = spec_path(cache_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise VBNDataError(f"{path}: not UTF-8 text ({err.reason})") from None
    except json.JSONDecodeError as err:
        raise VBNDataError(
            f"{path}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}"
        ) from None
    return check_spec(raw, path)


def source_from_spec(spec: dict, path: Path) -> Source:
    """A source built from a spec that ``check_spec`` accepted (read from ``path``)."""
    if spec["kind"] == "mirror":
        try:
            return MirrorSource(spec["root"])
        except DownloadError as err:
            raise _bad(path, "root", f"is no release mirror: {err}") from None
    return S3Source(spec["bucket"], endpoint_url=spec["endpoint_url"], region=spec["region"])
