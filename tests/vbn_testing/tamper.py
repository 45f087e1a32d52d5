"""Make a broken copy of a release: change a file's bytes, and optionally the manifests to match."""

from __future__ import annotations

import json
import shutil
from hashlib import blake2b
from pathlib import Path

PROJECT = "visual-behavior-neuropixels"


def copy_release(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def latest_manifest(release: Path) -> Path:
    manifests = sorted((release / PROJECT / "manifests").glob("*.json"))
    return max(manifests, key=lambda p: tuple(int(x) for x in p.stem.rsplit("_v", 1)[1].split(".")))


def replace_file(release: Path, key: str, data: bytes, *, fix_manifests: bool) -> None:
    """Overwrite the latest version of ``key``; with fix_manifests, manifests get its new hash."""
    path = release / key
    old_hash = blake2b(path.read_bytes()).hexdigest()
    path.write_bytes(data)
    if not fix_manifests:
        return
    new_hash = blake2b(data).hexdigest()
    for manifest in (release / PROJECT / "manifests").glob("*.json"):
        raw = json.loads(manifest.read_text())
        for group in ("metadata_files", "data_files"):
            for entry in raw[group].values():
                if entry["url"].endswith("/" + key) and entry["file_hash"] == old_hash:
                    entry["file_hash"] = new_hash
        manifest.write_text(json.dumps(raw, indent=4))
