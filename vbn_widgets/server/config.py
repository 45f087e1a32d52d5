"""``VBNWidgets``: what the server's download manager may touch, read from the server's config.

Set it like any Jupyter server option, e.g. on the command line
``jupyter lab --VBNWidgets.cache_roots=/data/vbn --VBNWidgets.cache_roots=/scratch/vbn`` or in
``jupyter_server_config.json``:
``{"VBNWidgets": {"cache_roots": ["/data/vbn"], "max_workers": 4}}``.
"""

from __future__ import annotations

import json
from pathlib import Path

from traitlets import Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

DEFAULT_ROOT = "~/.cache/vbn-widgets"


class VBNWidgets(Configurable):
    """Configuration of the vbn_widgets server extension."""

    cache_roots = List(
        Unicode(),
        help=(
            "Folders the download manager may download into: a cache folder is accepted when it "
            "is one of these or lies below one (after resolving '..' and symlinks). "
            f"Default: [{DEFAULT_ROOT!r}]."
        ),
    ).tag(config=True)

    max_workers = Int(
        2, min=1, max=16, help="Files the server downloads at the same time (1..16)."
    ).tag(config=True)

    @default("cache_roots")
    def _default_cache_roots(self) -> list[str]:
        return [str(Path(DEFAULT_ROOT).expanduser().resolve())]

    @validate("cache_roots")
    def _check_cache_roots(self, proposal: dict) -> list[str]:
        items: list[str] = []
        for item in proposal["value"]:
            # `--VBNWidgets.cache_roots='["/a", "/b"]'` arrives as one string (traitlets' older
            # list syntax); accept it rather than treat it as a folder named '["/a", "/b"]'.
            if item.startswith("[") and item.endswith("]"):
                try:
                    parsed = json.loads(item)
                except ValueError as err:
                    msg = f"VBNWidgets.cache_roots: {item!r} is not a JSON list"
                    raise TraitError(msg) from err
                if not isinstance(parsed, list) or not all(isinstance(p, str) for p in parsed):
                    raise TraitError(f"VBNWidgets.cache_roots: {item!r} is not a list of strings")
                items.extend(parsed)
            else:
                items.append(item)
        roots: list[str] = []
        for item in items:
            path = Path(item).expanduser()
            if not item or not path.is_absolute():
                raise TraitError(f"VBNWidgets.cache_roots: {item!r} is not an absolute path")
            resolved = str(path.resolve())
            if resolved not in roots:
                roots.append(resolved)
        return roots
