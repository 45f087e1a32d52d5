"""Hostile manifests, download records and symlinks: nothing leads a path outside the cache.

Every test builds a small world in ``tmp_path``: a mirror (``mirror/``), the cache (``cache/``)
and a folder beside them (``outside/``) with a file in it. After each refused operation, every
file outside ``cache/`` is exactly as it was, and the error names the manifest and the key.
"""

from __future__ import annotations

import json
import os
from hashlib import blake2b
from pathlib import Path

import pytest
from conftest import tree_snapshot

from vbn_widgets import VBNCache
from vbn_widgets.data.errors import (
    CacheFolderError,
    DownloadError,
    ManifestError,
    UnsafePathError,
)

PROJECT = "visual-behavior-neuropixels"
NAME = f"{PROJECT}_project_manifest_v0.6.0.json"
HOST = "https://visual-behavior-neuropixels-data.s3.us-west-2.amazonaws.com/"
PAYLOAD = b"the bytes a hostile source serves\n"
HASH = blake2b(PAYLOAD).hexdigest()
UNITS = f"{PROJECT}/project_metadata/units.csv"
NWB = f"{PROJECT}/behavior_ecephys_sessions/1/ecephys_session_1.nwb"


def entry(key: str) -> dict:
    return {"url": HOST + key, "version_id": "v1", "file_hash": HASH}


def manifest(project_name: object = PROJECT, meta: dict | None = None, data: dict | None = None):
    return {
        "project_name": project_name,
        "manifest_version": "0.6.0",
        "metadata_files": {"units": entry(UNITS)} if meta is None else meta,
        "data_files": {"1": entry(NWB)} if data is None else data,
    }


def write_mirror(tmp_path: Path, raw: dict) -> Path:
    """A mirror holding ``raw`` as its only manifest, and PAYLOAD at every key it names."""
    mirror = tmp_path / "mirror"
    (mirror / PROJECT / "manifests").mkdir(parents=True)
    (mirror / PROJECT / "manifests" / NAME).write_text(json.dumps(raw, indent=4))
    for group in ("metadata_files", "data_files"):
        for value in raw[group].values():
            if not isinstance(value.get("url"), str):
                continue
            key = value["url"][len(HOST) :]
            try:
                (mirror / key).parent.mkdir(parents=True, exist_ok=True)
                (mirror / key).write_bytes(PAYLOAD)
            except (OSError, ValueError):
                pass  # a name no file system takes (NUL, too long): the source has no such file
    return mirror


@pytest.fixture
def world(tmp_path) -> Path:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "victim.nwb").write_bytes(b"not yours to touch\n")
    return tmp_path


def outside_cache(root: Path) -> dict:
    return {k: v for k, v in tree_snapshot(root).items() if k.split("/")[0] != "cache"}


def refused(root: Path, call, error=ManifestError) -> str:
    """Run ``call``, which must raise ``error`` and leave everything outside cache/ as it was."""
    before = outside_cache(root)
    with pytest.raises(error) as err:
        call()
    assert outside_cache(root) == before
    message = str(err.value)
    assert len(message) < 600 + 5 * len(str(root)), message  # long values are cut short
    return message


@pytest.mark.parametrize(
    ("project_name", "shown"),
    [
        pytest.param("../x", "'../x'", id="parent"),
        pytest.param("ABSOLUTE", "outside/abs", id="absolute"),
        pytest.param("\x00\x07\x08\x1b\x7f", r"'\x00\x07\x08\x1b\x7f'", id="control-chars"),
        pytest.param([PROJECT], "list", id="wrong-type"),
        pytest.param("a" * 300, "aaaa", id="too-long"),
    ],
)
def test_hostile_project_name_is_refused_before_anything_is_written(world, project_name, shown):
    if project_name == "ABSOLUTE":
        project_name = str(world / "outside" / "abs")
    cache = VBNCache.from_mirror(write_mirror(world, manifest(project_name)), world / "cache")
    message = refused(world, lambda: cache.download("units"))
    assert NAME in message
    assert "project_name" in message
    assert shown in message
    assert "\x1b" not in message and "\x00" not in message  # shown escaped, never raw
    assert not (world / "cache" / NAME).exists()  # a rejected manifest never lands in the cache


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        pytest.param("ABSOLUTE", f"'{PROJECT}//", id="absolute-after-prefix"),
        pytest.param(f"{PROJECT}/a//b/f.nwb", "empty", id="double-slash"),
        pytest.param(f"{PROJECT}/a/../../../outside/f.nwb", "'..'", id="dot-dot"),
        pytest.param(f"{PROJECT}/a\\..\\..\\f.nwb", "backslash", id="backslash"),
        pytest.param(f"{PROJECT}/{'a' * 300}/f.nwb", "255 bytes", id="long-component"),
        pytest.param(f"{PROJECT}/a/f\x1b[2J.nwb", "control character", id="control-char"),
        pytest.param(f"{PROJECT}/a/f\x00.nwb", "control character", id="nul"),
        pytest.param(f"{PROJECT}/" + "a/" * 600 + "f.nwb", "1024 bytes", id="long-key"),
        pytest.param("other-project/f.nwb", f"'{PROJECT}/'", id="other-prefix"),
        pytest.param(f"{PROJECT}/./f.nwb", "'.'", id="dot"),
    ],
)
def test_hostile_data_file_key_is_refused_at_manifest_read(world, key, shown):
    if key == "ABSOLUTE":
        key = f"{PROJECT}/{world / 'outside' / 'f.nwb'}"
    raw = manifest(data={"1": entry(key)})
    cache = VBNCache.from_mirror(write_mirror(world, raw), world / "cache")
    message = refused(world, lambda: cache.download(1))
    assert NAME in message
    assert "data_files['1']" in message
    assert shown in message
    assert "\x1b" not in message and "\x00" not in message
    assert not (world / "cache").exists()  # all or nothing: not even the manifest was kept


def test_hostile_metadata_key_is_refused(world):
    raw = manifest(meta={"units": entry(f"{PROJECT}/{world / 'outside' / 'units.csv'}")})
    cache = VBNCache.from_mirror(write_mirror(world, raw), world / "cache")
    message = refused(world, cache.get_unit_table)
    assert NAME in message
    assert "metadata_files['units']" in message


def test_a_5000_digit_file_id_is_named_cut_short(world):
    raw = manifest(data={"7" * 5000: entry(NWB)})
    cache = VBNCache.from_mirror(write_mirror(world, raw), world / "cache")
    message = refused(world, lambda: cache.download("units"))
    assert NAME in message
    assert "data_files key '7777777777" in message
    assert "5000 characters" in message


@pytest.mark.parametrize("file_id", ["007", "+7", "\u0661\u0662", " 7", "-0", "1e3"], ids=repr)
def test_a_file_id_that_is_not_a_plain_integer_is_refused(world, file_id):
    raw = manifest(data={file_id: entry(NWB)})
    cache = VBNCache.from_mirror(write_mirror(world, raw), world / "cache")
    message = refused(world, lambda: cache.download("units"))
    assert NAME in message
    assert f"data_files key {file_id!r}" in message


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("version_id", "../../x", "version_id"),
        ("version_id", "v" * 2000, "version_id"),
        ("version_id", 7, "version_id"),
        ("file_hash", "A" * 127, "file_hash"),
        ("url", ["x"], "url"),
    ],
)
def test_bad_entry_fields_are_named(world, field, value, shown):
    raw = manifest(data={"1": {**entry(NWB), field: value}})
    cache = VBNCache.from_mirror(write_mirror(world, raw), world / "cache")
    message = refused(world, lambda: cache.download(1))
    assert NAME in message
    assert "data_files['1']" in message
    assert shown in message


@pytest.mark.parametrize("version", ["0.6", "0.6.0/../../x", 6, " 0.6.0"])
def test_manifest_version_must_be_a_semver(world, version):
    raw = {**manifest(), "manifest_version": version}
    cache = VBNCache.from_mirror(write_mirror(world, raw), world / "cache")
    message = refused(world, lambda: cache.download("units"))
    assert NAME in message
    assert "manifest_version" in message


def test_cached_manifest_with_an_absolute_key_deletes_nothing_outside(world):
    """A manifest already in the cache (written by another tool) is checked when used."""
    victim = world / "outside" / "victim.nwb"
    cache_dir = world / "cache"
    cache_dir.mkdir()
    raw = manifest(data={"1": entry(f"{PROJECT}/{victim}")})
    raw["data_files"]["1"]["file_hash"] = blake2b(victim.read_bytes()).hexdigest()
    (cache_dir / NAME).write_text(json.dumps(raw))
    (cache_dir / "_manifest_last_used.txt").write_text(NAME)
    cache = VBNCache.from_local_cache(cache_dir)
    for call in (
        lambda: cache.delete(1),
        lambda: cache.file_status(1, verify=True),
        lambda: cache.data_path(1),
    ):
        message = refused(world, call)
        assert NAME in message
        assert "data_files['1']" in message
    assert victim.read_bytes() == b"not yours to touch\n"


@pytest.mark.parametrize("where", ["outside", "link-in-cache"])
def test_a_download_record_outside_the_cache_is_never_linked_to(world, where):
    twin = world / "outside" / "twin.nwb"
    twin.write_bytes(PAYLOAD)  # the very bytes the manifest asks for
    cache_dir = world / "cache"
    cache_dir.mkdir()
    recorded = twin
    if where == "link-in-cache":
        recorded = cache_dir / "twin.nwb"
        recorded.symlink_to(twin)
    (cache_dir / "_downloaded_data.json").write_text(json.dumps({str(recorded): HASH}))
    cache = VBNCache.from_mirror(write_mirror(world, manifest()), cache_dir)
    before = outside_cache(world)
    path = cache.download(1)
    assert not path.is_symlink()
    assert path.resolve().is_relative_to(cache_dir.resolve())
    assert path.read_bytes() == PAYLOAD
    assert cache.delete(1)
    assert cache.layout.read_downloaded().get(str(recorded)) == HASH  # another tool's record stays
    assert outside_cache(world) == before
    assert twin.read_bytes() == PAYLOAD


def test_a_folder_symlink_leading_outside_the_cache_is_refused(world):
    cache_dir = world / "cache"
    cache_dir.mkdir()
    elsewhere = world / "outside" / "v6"
    (elsewhere / "project_metadata").mkdir(parents=True)
    (elsewhere / "project_metadata" / "units.csv").write_bytes(b"someone else's file\n")
    (cache_dir / f"{PROJECT}-0.6.0").symlink_to(elsewhere, target_is_directory=True)
    cache = VBNCache.from_mirror(write_mirror(world, manifest()), cache_dir)
    for call in (
        lambda: cache.download("units"),
        lambda: cache.delete("units"),
        lambda: cache.file_status("units", verify=True),
        cache.all_file_status,
    ):
        message = refused(world, call, UnsafePathError)
        assert NAME in message
        assert UNITS in message
        assert "outside the cache" in message


def test_a_file_symlink_leading_outside_the_cache_is_refused(world):
    cache_dir = world / "cache"
    folder = cache_dir / f"{PROJECT}-0.6.0" / "project_metadata"
    folder.mkdir(parents=True)
    (folder / "units.csv").symlink_to(world / "outside" / "victim.nwb")
    cache = VBNCache.from_mirror(write_mirror(world, manifest()), cache_dir)
    for call in (
        lambda: cache.file_status("units", verify=True),
        lambda: cache.download("units"),
    ):
        message = refused(world, call, UnsafePathError)
        assert NAME in message
        assert UNITS in message


def test_a_bookkeeping_folder_symlink_leading_outside_is_refused(world):
    cache_dir = world / "cache"
    cache_dir.mkdir()
    (cache_dir / ".vbn_widgets").symlink_to(world / "outside", target_is_directory=True)
    cache = VBNCache.from_mirror(write_mirror(world, manifest()), cache_dir)
    for call in (cache.remember_source, lambda: cache.download("units")):
        message = refused(world, call, UnsafePathError)
        assert ".vbn_widgets" in message
        assert "outside" in message


@pytest.mark.parametrize(
    ("path", "escapes"),
    [
        ("{root}/a/b.nwb", False),
        ("{root}/a/../../x", True),
        ("{root}-sibling/x", True),
        ("/etc/passwd", True),
        ("{root}", False),
    ],
)
def test_escape_of_without_symlinks(tmp_path, path, escapes):
    from vbn_widgets.data.paths import escape_of

    root = tmp_path.resolve()
    assert (escape_of(root, Path(path.format(root=root))) is not None) is escapes


def test_a_symlink_to_another_version_inside_the_cache_is_reused(world):
    """AllenSDK links an unchanged file to the older version's copy: that stays allowed."""
    cache_dir = world / "cache"
    old = cache_dir / f"{PROJECT}-0.5.0" / "project_metadata" / "units.csv"
    old.parent.mkdir(parents=True)
    old.write_bytes(PAYLOAD)
    new = cache_dir / f"{PROJECT}-0.6.0" / "project_metadata" / "units.csv"
    new.parent.mkdir(parents=True)
    new.symlink_to(old)
    cache = VBNCache.from_mirror(write_mirror(world, manifest()), cache_dir)
    assert cache.file_state("units", verify=True).value == "verified"
    assert cache.download("units") == new


def test_static_mount_refuses_a_symlink_leading_off_the_mount(world):
    mount = write_mirror(world, manifest())
    (world / "outside" / "project_metadata").mkdir()
    (world / "outside" / "project_metadata" / "units.csv").write_bytes(PAYLOAD)
    meta = mount / PROJECT / "project_metadata"
    (meta / "units.csv").unlink()
    meta.rmdir()
    meta.symlink_to(world / "outside" / "project_metadata", target_is_directory=True)
    static = VBNCache.from_local_cache(mount, use_static_cache=True)
    message = refused(world, lambda: static.file_status("units", verify=True), UnsafePathError)
    assert UNITS in message
    assert NAME in message


def test_local_cache_folder_that_does_not_exist_is_named_at_construction(tmp_path):
    with pytest.raises(CacheFolderError) as err:
        VBNCache.from_local_cache(tmp_path / "nowhere")
    message = str(err.value)
    assert str(tmp_path / "nowhere") in message
    assert "does not exist" in message
    assert "VBNCache.from_s3_cache" in message
    assert isinstance(err.value, FileNotFoundError)
    assert not (tmp_path / "nowhere").exists()


def test_empty_local_cache_folder_says_what_it_looked_for(tmp_path):
    (tmp_path / "notes.txt").write_text("not a cache")
    with pytest.raises(CacheFolderError) as err:
        VBNCache.from_local_cache(tmp_path)
    message = str(err.value)
    assert str(tmp_path) in message
    assert "_project_manifest_v" in message and "_manifest_last_used.txt" in message
    assert "VBNCache.from_s3_cache" in message
    assert "use_static_cache=True" in message  # the folder might be a mounted bucket


def test_static_folder_without_manifests_says_what_it_looked_for(tmp_path):
    with pytest.raises(CacheFolderError) as err:
        VBNCache.from_local_cache(tmp_path, use_static_cache=True)
    message = str(err.value)
    assert f"{PROJECT}/manifests" in message
    assert str(tmp_path) in message


def test_a_cache_with_only_its_last_used_file_constructs(tmp_path):
    (tmp_path / "_manifest_last_used.txt").write_text(NAME)
    cache = VBNCache.from_local_cache(tmp_path)
    assert cache.current_manifest() is None


def test_mirror_folder_that_does_not_exist_is_named_at_construction(tmp_path):
    with pytest.raises(DownloadError) as err:
        VBNCache.from_mirror(tmp_path / "nowhere", tmp_path / "cache")
    message = str(err.value)
    assert str(tmp_path / "nowhere") in message
    assert "does not exist" in message
    assert "demo-data" in message
    assert not (tmp_path / "cache").exists()


def test_error_paths_are_cut_short_and_escaped(world):
    """A key full of escape sequences is shown escaped and cut, not printed raw."""
    key = f"{PROJECT}/" + "\x1b]0;pwned\x07" * 200
    raw = manifest(data={"1": entry(key)})
    cache = VBNCache.from_mirror(write_mirror(world, raw), world / "cache")
    message = refused(world, lambda: cache.download(1))
    assert "\x1b" not in message and "\x07" not in message
    assert os.linesep not in message.strip()
