"""Publish a local release folder to a versioned S3 bucket, the way the real bucket looks.

A release folder is laid out like the bucket::

    release_dir/
      visual-behavior-neuropixels/manifests/visual-behavior-neuropixels_project_manifest_v<semver>.json
      <key>                              the latest version of every object
      .versions/<version_id>/<key>       superseded versions, by the manifest's (demo) version_id

S3 assigns its own VersionIds, so ``publish_release`` uploads every (key, demo version_id) that a
manifest names, oldest manifest first and the folder's latest bytes last (so the newest version is
the current object), then rewrites each manifest's ``version_id`` fields to the ids S3 returned and
uploads the manifests. Manifests carry no hash of themselves, so rewriting them is safe.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from hashlib import blake2b
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlparse

from packaging.version import Version

BUCKET = "visual-behavior-neuropixels-data"
PROJECT = "visual-behavior-neuropixels"
MANIFEST_DIR = f"{PROJECT}/manifests"
VERSIONS_DIR = ".versions"
_MANIFEST_NAME = re.compile(rf"^{re.escape(PROJECT)}_project_manifest_v(?P<version>.+)\.json$")
_ENTRY_SECTIONS = ("metadata_files", "data_files")


class PublishResult(TypedDict):
    version_ids: dict[tuple[str, str | None], str]  # (key, demo version_id) -> real VersionId
    manifests: dict[str, dict[str, Any]]  # manifest file name -> rewritten manifest
    manifest_keys: dict[str, str]  # manifest file name -> its key in the bucket
    manifest_version_ids: dict[str, str]  # manifest file name -> VersionId of the uploaded manifest
    objects: int  # object versions uploaded (manifests excluded)
    bytes: int  # bytes of those versions
    seconds: float  # wall time of the whole publish


def manifest_paths(release_dir: Path) -> list[Path]:
    """The release's manifests, oldest semver first (v0.10.0 after v0.9.0)."""
    folder = Path(release_dir) / MANIFEST_DIR
    found = [(p, _MANIFEST_NAME.match(p.name)) for p in folder.glob("*.json")]
    ordered = sorted(((Version(m["version"]), p) for p, m in found if m), key=lambda vp: vp[0])
    if not ordered:
        raise FileNotFoundError(f"no {PROJECT}_project_manifest_v<version>.json in {folder}")
    return [p for _, p in ordered]


def iter_entries(manifest: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Every file entry (``url``, ``version_id``, ``file_hash``) of a manifest."""
    for section in _ENTRY_SECTIONS:
        yield from (manifest.get(section) or {}).values()


def key_of(url: str) -> str:
    """Object key of a manifest URL: its path without the leading slash."""
    key = urlparse(url).path.lstrip("/")
    if not key:
        raise ValueError(f"{url!r} names no object key")
    return key


def _plan(
    release_dir: Path, manifests: list[dict[str, Any]]
) -> dict[str, list[tuple[str | None, Path, str | None]]]:
    """key -> [(demo version_id, source file, file_hash)], in upload order."""
    plan: dict[str, list[tuple[str | None, Path, str | None]]] = {}
    seen: set[tuple[str, str | None]] = set()
    for manifest in manifests:
        for entry in iter_entries(manifest):
            key, vid = key_of(entry["url"]), entry.get("version_id")
            if (key, vid) in seen:
                continue
            seen.add((key, vid))
            old = release_dir / VERSIONS_DIR / vid / key if vid else None
            source = old if old is not None and old.is_file() else release_dir / key
            if not source.is_file():
                raise FileNotFoundError(f"{key} version {vid}: neither {old} nor {source} exists")
            plan.setdefault(key, []).append((vid, source, entry.get("file_hash")))
    latest_of = {key: release_dir / key for key in plan}
    for key, versions in plan.items():
        # superseded versions keep manifest order; the folder's latest bytes go last (current)
        versions.sort(key=lambda v, k=key: v[1] == latest_of[k])
    return plan


def _file_hash(path: Path) -> str:
    digest = blake2b()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _rewrite(manifest: dict[str, Any], real: dict[tuple[str, str | None], str]) -> dict[str, Any]:
    out = json.loads(json.dumps(manifest))
    for entry in iter_entries(out):
        entry["version_id"] = real[key_of(entry["url"]), entry.get("version_id")]
    return out


def publish_release(
    release_dir: str | Path,
    s3_client: Any,
    bucket: str = BUCKET,
    *,
    max_workers: int = 16,
    verify_hashes: bool = True,
) -> PublishResult:
    """Upload ``release_dir`` to the versioned ``bucket`` with ``s3_client`` (admin rights).

    ``verify_hashes`` checks that every uploaded file's BLAKE2b equals its entry's ``file_hash``
    before anything is uploaded (catches a mis-built fixture early). The client should allow
    ``max_workers`` pooled connections (``botocore.config.Config(max_pool_connections=...)``).
    """
    began = time.monotonic()
    release_dir = Path(release_dir)
    status = s3_client.get_bucket_versioning(Bucket=bucket).get("Status")
    if status != "Enabled":
        raise ValueError(f"bucket {bucket!r} must have versioning Enabled (it is {status!r})")
    paths = manifest_paths(release_dir)
    manifests = [json.loads(p.read_text()) for p in paths]
    plan = _plan(release_dir, manifests)
    versions = [(key, *v) for key, vs in plan.items() for v in vs]

    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="publish") as pool:
        if verify_hashes:
            hashes = pool.map(lambda v: (v, _file_hash(v[2])), [v for v in versions if v[3]])
            for (key, vid, source, expected), actual in hashes:
                if actual != expected:
                    raise ValueError(f"{key} version {vid}: {source} does not hash to file_hash")

        def upload_key(key: str) -> list[tuple[tuple[str, str | None], str, int]]:
            done = []
            for vid, source, _ in plan[key]:  # in order: the last one becomes current
                with source.open("rb") as body:
                    response = s3_client.put_object(Bucket=bucket, Key=key, Body=body)
                real = response.get("VersionId")
                if not real or real == "null":
                    raise RuntimeError(f"{bucket} returned no VersionId for {key}")
                done.append(((key, vid), real, source.stat().st_size))
            return done

        real: dict[tuple[str, str | None], str] = {}
        total = 0
        for uploaded in pool.map(upload_key, list(plan)):
            for pair, vid, size in uploaded:
                real[pair] = vid
                total += size

    rewritten: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    manifest_vids: dict[str, str] = {}
    for path, manifest in zip(paths, manifests, strict=True):
        rewritten[path.name] = _rewrite(manifest, real)
        keys[path.name] = f"{MANIFEST_DIR}/{path.name}"
        response = s3_client.put_object(
            Bucket=bucket,
            Key=keys[path.name],
            Body=json.dumps(rewritten[path.name], indent=4).encode(),
            ContentType="application/json",
        )
        manifest_vids[path.name] = response.get("VersionId")
    return PublishResult(
        version_ids=real,
        manifests=rewritten,
        manifest_keys=keys,
        manifest_version_ids=manifest_vids,
        objects=len(versions),
        bytes=total,
        seconds=time.monotonic() - began,
    )
