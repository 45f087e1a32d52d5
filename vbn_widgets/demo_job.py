"""The main job on the offline demo: a full-scale demo release and a cache filled from it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .data import VBNCache
from .data.demo import is_demo_release, write_demo_release

DATA_ENV = "VBN_WIDGETS_DATA"
TABLES = ("ecephys_sessions", "behavior_sessions", "probes", "channels", "units")


def default_data_dir() -> Path:
    """``$VBN_WIDGETS_DATA``, else ``~/.cache/vbn-widgets/demo``."""
    return Path(os.environ.get(DATA_ENV) or Path.home() / ".cache" / "vbn-widgets" / "demo")


@dataclass(frozen=True)
class DemoData:
    release: Path  # the "bucket": a folder laid out like S3
    cache_dir: Path  # an AllenSDK-layout cache filled from it

    def cache(self) -> VBNCache:
        return VBNCache.from_mirror(self.release, self.cache_dir)


def ensure_demo_data(data_dir: Path | None = None, *, scale: float = 1.0) -> DemoData:
    """Write the demo release if it is missing, then download and load its five tables once."""
    root = (data_dir or default_data_dir()).expanduser().resolve()
    release = root / "release"
    if not is_demo_release(release):
        write_demo_release(release, scale=scale, seed=0)
    demo = DemoData(release, root / "cache")
    cache = demo.cache()
    cache.load_latest_manifest()
    for table in TABLES:
        cache.download(table)
    cache.get_unit_table()  # builds the columnar sidecar, so the first real load is warm
    return demo
