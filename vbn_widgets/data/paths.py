"""Whether a path stays inside its folder, symlinks included, without resolving every path.

The data layer checks each local path it computes (``layout.py``); anything else that writes or
deletes under a folder it was given can use the same check.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def within(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def escape_of(root: Path, path: Path) -> str | None:
    """How ``path`` gets out of ``root`` (a resolved folder), as words to follow with
    "outside <root>"; None when it stays inside.

    Lexically first (an absolute path elsewhere, a '..'); then each existing component below
    ``root`` is lstat-ed, and at the first symlink the whole path is resolved. A missing
    component ends the walk: nothing below it exists, and mkdir makes real folders there.
    """
    base, text = str(root), os.fspath(path)
    if not within(text, base):
        return f"{text} lies"
    rest = text[len(base) :].split(os.sep)  # noqa: PTH206 - strings: runs for every file
    if ".." in rest:
        return f"{text} climbs through '..'"
    current = base.rstrip(os.sep)
    for part in rest:
        if not part:
            continue
        current = f"{current}{os.sep}{part}"
        try:
            mode = os.lstat(current).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            real = os.path.realpath(text)
            if within(real, base):
                return None
            return f"{text} leads through the symlink {current} to {real}"
    return None


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write to a temporary file beside ``path`` and rename it into place; ``durable``: fsync
    first (bookkeeping a crash must not lose; not for caches and progress boards)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
