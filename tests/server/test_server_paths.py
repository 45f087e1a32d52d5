"""The server's second wall (issue 11.1): whatever path a manifest leads the cache to, the server
resolves it and refuses it outside the cache folder, naming the key; nothing is written, read or
deleted outside. A mirror release serves evil manifests whose files really exist, so that without
the wall the download would succeed (and land outside)."""

from __future__ import annotations

import json
import os
import shutil
from hashlib import blake2b
from pathlib import Path

import pytest
from traitlets.config import Config

from vbn_widgets.data import VBNCache

PROJECT = "visual-behavior-neuropixels"
V5 = f"{PROJECT}_project_manifest_v0.5.0.json"
URL = "https://visual-behavior-neuropixels-data.s3.us-west-2.amazonaws.com/{key}"


@pytest.fixture
def root(tmp_path):
    return tmp_path / "roots" / "vbn"


@pytest.fixture
def outside(tmp_path):
    return tmp_path / "outside"


def snapshot(top: Path, skip: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in top.rglob("*")
        if not p.is_relative_to(skip)
    }


@pytest.fixture
def evil(demo_release, tmp_path, root, outside):
    """A copy of the release with manifests v0.6.0 (project_name '../x') and v0.7.0 (units.csv
    under the key 'visual-behavior-neuropixels//<outside>/units.csv'), and a cache over it with
    those manifests in place (as a kernel's cache would hold them)."""
    release = tmp_path / "release"
    shutil.copytree(demo_release, release, symlinks=True)
    manifests = release / PROJECT / "manifests"
    raw = json.loads((manifests / V5).read_text())
    names = {}
    project = {**raw, "project_name": "../x", "manifest_version": "0.6.0"}
    names["project"] = V5.replace("0.5.0", "0.6.0")
    units = (release / PROJECT / "project_metadata" / "units.csv").read_bytes()
    absolute = f"{PROJECT}/{outside}/units.csv".replace(f"{PROJECT}/", f"{PROJECT}//")
    served = release / PROJECT / str(outside).lstrip("/") / "units.csv"  # where the mirror reads it
    served.parent.mkdir(parents=True)
    served.write_bytes(units)
    entry = {"url": URL.format(key=absolute), "file_hash": blake2b(units).hexdigest()}
    keyed = {**raw, "manifest_version": "0.7.0"}
    keyed["metadata_files"] = {**raw["metadata_files"], "units": entry}
    names["key"] = V5.replace("0.5.0", "0.7.0")
    cache = VBNCache.from_mirror(release, root / "cache")
    cache.remember_source()
    for name, data in ((names["project"], project), (names["key"], keyed)):
        text = json.dumps(data)
        (manifests / name).write_text(text)
        (root / "cache" / name).write_text(text)
    return cache, names, absolute


@pytest.fixture
def jp_server_config(root):
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"vbn_widgets": True}},
            "VBNWidgets": {"cache_roots": [str(root)], "max_workers": 2},
        }
    )


async def test_a_manifest_leading_outside_is_refused_naming_the_key(
    api, evil, tmp_path, root, outside
):
    cache, names, absolute = evil
    before = snapshot(tmp_path, root / "cache")
    units_key = f"{PROJECT}/project_metadata/units.csv"
    for which, key in (("project", units_key), ("key", absolute)):
        plan = {"cache": str(cache.cache_dir), "manifest": names[which], "files": ["units"]}
        for route in ("downloads", "files/verify", "files/delete"):
            code, answer = await api.call("POST", route, body=plan)
            assert code in (400, 403), (which, route, code, answer)
            message = answer["message"]
            # this wall names the key; the data layer's own wall may refuse the manifest first
            assert key in message or "../x" in message, (which, route, message)
    assert snapshot(tmp_path, root / "cache") == before  # nothing written outside the cache
    assert not (root / "x-0.6.0").exists()  # inside the roots, but outside the cache folder
    assert not (outside / "units.csv").exists()
    code, listed = await api.call("GET", "downloads", params={"cache": str(cache.cache_dir)})
    assert listed["jobs"] == []


async def test_a_file_outside_is_never_deleted(api, evil, outside, demo_release):
    cache, names, absolute = evil
    victim = outside / "units.csv"
    victim.parent.mkdir(parents=True, exist_ok=True)
    victim.write_bytes((demo_release / PROJECT / "project_metadata" / "units.csv").read_bytes())
    plan = {"cache": str(cache.cache_dir), "manifest": names["key"], "files": ["units", "probes"]}
    code, answer = await api.call("POST", "files/delete", body={**plan, "wait": 5})
    assert code in (400, 403) and absolute in answer["message"]
    assert victim.exists()


async def test_a_version_folder_symlinked_out_of_the_cache_is_refused(api, evil, outside, root):
    cache, _, _ = evil
    outside.mkdir(exist_ok=True)
    (root / "cache" / f"{PROJECT}-0.5.0").symlink_to(outside, target_is_directory=True)
    (root / "cache" / V5).write_bytes(
        (Path(cache.source.root) / PROJECT / "manifests" / V5).read_bytes()
    )
    plan = {"cache": str(cache.cache_dir), "manifest": V5, "files": ["probes"]}
    code, answer = await api.call("POST", "downloads", body=plan)
    assert code == 403, answer
    assert f"{PROJECT}/project_metadata/probes.csv" in answer["message"]
    assert "outside the cache folder" in answer["message"]
    assert list(outside.iterdir()) == []


def test_the_walls_resolver_is_realpath(tmp_path):
    from vbn_widgets.server.manager import _Resolver

    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "l").symlink_to(tmp_path / "a" / "b")
    (tmp_path / "a" / "up").symlink_to("..")
    (tmp_path / "a" / "b" / "loop").symlink_to("loop")
    (tmp_path / "rel").symlink_to("a/b/c")
    resolver = _Resolver()
    for rel in [
        "l/c/x.nwb",
        "a/../l/x",
        "a/up/a/up/l/c/f",
        "a/b/../../l/c/../c/f",
        "rel/../f",
        "a/b/loop/f",
        "missing/deeper/f",
        "a/b/c",
    ]:
        path = str(tmp_path / rel)
        assert resolver.real(path) == os.path.realpath(path), rel
    assert resolver.real("/") == "/"
