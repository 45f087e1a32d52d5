"""The cache browser's tree: the groups, sessions and files of one catalog with their local state,
sizes, selection and latest download job, as the rows the front end pages through.

Pure Python (no widget, no I/O): the widget feeds it file states, sizes and job snapshots and
asks it for rows (``summaries`` sums it up into totals and previews). Row ids:
``g:<group>``, ``s:<session_id>``, ``f:<key>``. The row shapes are ``shapes.CacheRow``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..data.files import FileState
from ..data.jobs import ACTIVE

if TYPE_CHECKING:
    from pathlib import Path

    from ..data.catalog import Catalog, CatalogFile, CatalogSession
    from ..data.layout import CacheLayout, StaticLayout
    from ..data.manifest import Manifest

GROUPS = {
    "metadata": "Metadata tables",
    "ecephys": "Ecephys sessions",
    "behavior": "Behavior-only sessions",
    "other": "Other files",
}
MAX_ROW_ID = 400
JOB_FIELDS = ("id", "state", "bytes_done", "bytes_total", "rate", "eta_s", "error", "error_kind")
PLACEHOLDER = dict.fromkeys(JOB_FIELDS) | {"state": "queued", "bytes_done": 0}
FILE_STATES = frozenset(s.value for s in FileState)


class RowError(ValueError):
    """A row id that names no row of the tree (or a row that cannot do what was asked)."""


def _haystack(session: CatalogSession) -> str:
    parts = (session.session_id, session.mouse_id, session.genotype, session.session_type)
    return "\x00".join("" if p is None else str(p) for p in parts).lower()


class CacheTree:
    """Rows and selection over one ``Catalog``; file states start as "missing". ``manifest``
    and ``layout`` only name where the files live (``local_path``); the tree reads nothing."""

    def __init__(
        self,
        catalog: Catalog,
        manifest: Manifest | None = None,
        layout: CacheLayout | StaticLayout | None = None,
    ) -> None:
        self.catalog = catalog
        self.manifest = manifest
        self.layout = layout
        self.files: dict[str, CatalogFile] = {f.key: f for f in catalog.files()}
        self.by_ref: dict[str, CatalogFile] = {str(f.ref): f for f in self.files.values()}
        self.sessions: dict[int, CatalogSession] = {}
        self._session_group: dict[int, str] = {}
        for group, sessions in (("ecephys", catalog.ecephys), ("behavior", catalog.behavior)):
            for s in sessions:
                if s.session_id not in self.sessions:  # ids of the two kinds never collide in VBN
                    self.sessions[s.session_id] = s
                    self._session_group[s.session_id] = group
        self._haystacks = {sid: _haystack(s) for sid, s in self.sessions.items()}
        self.local: dict[str, tuple[str, int]] = dict.fromkeys(self.files, ("missing", 0))
        self.sizes: dict[str, int] = {}
        self.selected: set[str] = set()
        self.expanded: set[str] = {"g:metadata"}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.search = ""
        self._visible: list[str] | None = None

    def local_path(self, key: str) -> Path:
        if self.layout is None or self.manifest is None:
            raise RuntimeError("this tree was built without a layout")
        return self.layout.local_path(self.manifest, self.files[key].entry)

    # state fed in by the widget
    def set_local(self, key: str, state: str, bytes_on_disk: int) -> None:
        self.local[key] = (str(state), int(bytes_on_disk))

    def set_sizes(self, by_hash: dict[str, int]) -> None:
        """Sizes keyed by file hash (what ``SizeBook`` answers)."""
        for key, f in self.files.items():
            size = by_hash.get(f.entry.file_hash)
            if size is not None:
                self.sizes[key] = int(size)

    def set_job(self, key: str, job: dict[str, Any] | None) -> None:
        if job is None:
            self.jobs.pop(key, None)
        elif key in self.files:
            self.jobs[key] = {k: job.get(k) for k in JOB_FIELDS}

    def mark_queued(self, keys: Iterable[str]) -> None:
        """Files asked of the Jupyter server that its job board does not list yet: "queued"."""
        for key in keys:
            if key in self.files and self.jobs.get(key, PLACEHOLDER)["id"] is None:
                self.jobs[key] = {**PLACEHOLDER, "bytes_total": self.sizes.get(key)}

    def unmark(self, keys: Iterable[str]) -> list[str]:
        """Drop the "queued" marks of these files; the files that had one."""
        marked = [k for k in keys if k in self.jobs and self.jobs[k]["id"] is None]
        for key in marked:
            del self.jobs[key]
        return marked

    def busy(self, keys: Iterable[str]) -> list[str]:
        """The files being downloaded (or asked for)."""
        return [k for k in keys if k in self.jobs and self.jobs[k]["state"] in ACTIVE]

    def apply_results(self, kind: str, items: Iterable[dict]) -> dict[str, str]:
        """What a verify or delete (``data.file_ops``) found, carried into the file states;
        returns the verify results that are file states, by key."""
        found = {}
        for item in items:
            key, result = item["key"], item["result"]
            if key not in self.files:
                continue
            if kind == "verify" and result in FILE_STATES:
                self.set_local(key, result, item["bytes"])
                found[key] = result
                if result != "verified" and self.jobs.get(key, {}).get("state") == "done":
                    del self.jobs[key]  # the bytes changed since that download
            elif kind == "delete" and result in ("deleted", "absent"):
                self.set_local(key, "missing", 0)
                self.jobs.pop(key, None)
        return found

    # structure
    def groups(self) -> list[str]:
        return [g for g in GROUPS if g != "other" or self.catalog.other]

    def matching(self, group: str) -> list[CatalogSession]:
        sessions = self.catalog.ecephys if group == "ecephys" else self.catalog.behavior
        if not self.search:
            return list(sessions)
        text = self.search
        return [s for s in sessions if text in self._haystacks.get(s.session_id, "")]

    def visible(self) -> list[str]:
        """Row ids in display order, following expansion and the search text."""
        if self._visible is None:
            out: list[str] = []
            for group in self.groups():
                out.append(f"g:{group}")
                if f"g:{group}" not in self.expanded:
                    continue
                if group in ("metadata", "other"):
                    out += [f"f:{f.key}" for f in getattr(self.catalog, group)]
                    continue
                for s in self.matching(group):
                    out.append(f"s:{s.session_id}")
                    if f"s:{s.session_id}" in self.expanded:
                        out += [f"f:{f.key}" for f in s.files]
            self._visible = out
        return self._visible

    def parse(self, row_id: object) -> tuple[str, Any]:
        """("g", group) | ("s", session_id) | ("f", key); RowError naming a bad id."""
        if not isinstance(row_id, str) or len(row_id) > MAX_ROW_ID:
            raise RowError(f"a row id must be a string of at most {MAX_ROW_ID} characters")
        tag, _, rest = row_id.partition(":")
        if tag == "g" and rest in self.groups():
            return "g", rest
        if tag == "s" and rest.isdigit() and int(rest) in self.sessions:
            return "s", int(rest)
        if tag == "f" and rest in self.files:
            return "f", rest
        raise RowError(f"no row {row_id!r:.80} in {self.catalog.manifest_name}")

    def files_of(self, row_id: object) -> list[CatalogFile]:
        """The files a row stands for (a group: those of its sessions matching the search)."""
        tag, what = self.parse(row_id)
        if tag == "f":
            return [self.files[what]]
        if tag == "s":
            return list(self.sessions[what].files)
        if what in ("metadata", "other"):
            return list(getattr(self.catalog, what))
        return [f for s in self.matching(what) for f in s.files]

    def adopt(self, old: CacheTree) -> None:
        """Carry selection, expansion and search over from the tree of another version."""
        self.selected = old.selected & self.files.keys()
        sessions = {f"s:{i}" for i in self.sessions}
        self.expanded = {r for r in old.expanded if r[2:] in GROUPS or r in sessions}
        self.set_search(old.search)

    # user actions
    def toggle(self, row_id: object) -> bool:
        """Expand or collapse a group or session row; returns whether it is now expanded."""
        tag, _ = self.parse(row_id)
        if tag == "f":
            raise RowError(f"row {row_id!r:.80} is a file: it does not expand")
        assert isinstance(row_id, str)
        self.expanded ^= {row_id}
        self._visible = None
        return row_id in self.expanded

    def select(self, row_ids: Iterable[object], on: bool) -> None:
        keys = {f.key for r in list(row_ids) for f in self.files_of(r)}  # all checked first
        if on:
            self.selected |= keys
        else:
            self.selected -= keys

    def set_search(self, text: str) -> None:
        self.search = text.strip().lower()
        if self.search:  # show the matches
            self.expanded |= {"g:ecephys", "g:behavior"}
        self._visible = None

    # rows
    def rows(self, offset: int, limit: int) -> list[dict[str, Any]]:
        return [self.row(r) for r in self.visible()[offset : offset + limit]]

    def row(self, row_id: str) -> dict[str, Any]:
        tag, what = self.parse(row_id)
        if tag == "f":
            f = self.files[what]
            state, on_disk = self.local[what]
            level = 1 if f.session_id is None else 2
            return self._row(row_id, level, "file", f.label, [f], state=state, disk=on_disk)
        if tag == "s":
            s = self.sessions[what]
            meta = {
                "mouse_id": s.mouse_id,
                "genotype": s.genotype,
                "date": s.date,
                "experience_level": s.experience_level,
                "session_type": s.session_type,
            }
            return self._row(row_id, 1, "session", str(s.session_id), list(s.files), meta=meta)
        files = self.files_of(row_id)
        label = GROUPS[what]
        if what in ("ecephys", "behavior"):
            shown = len(self.matching(what))
            every = len(self.catalog.ecephys if what == "ecephys" else self.catalog.behavior)
            label += f" · {shown:,}" if shown == every else f" · {shown:,} of {every:,} match"
        else:
            label += f" · {len(files):,}"
        return self._row(row_id, 0, "group", label, files)

    def _row(
        self,
        row_id: str,
        level: int,
        kind: str,
        label: str,
        files: list[CatalogFile],
        *,
        state: str | None = None,
        disk: int | None = None,
        meta: dict | None = None,
    ) -> dict[str, Any]:
        keys = [f.key for f in files]
        chosen = sum(k in self.selected for k in keys)
        sizes = [self.sizes.get(k) for k in keys]
        expandable = kind != "file"
        return {
            "id": row_id,
            "level": level,
            "kind": kind,
            "label": label,
            "expandable": expandable,
            "expanded": expandable and row_id in self.expanded,
            "selected": "none" if not chosen else "all" if chosen == len(keys) else "some",
            "size": None if None in sizes else sum(sizes),  # type: ignore[arg-type]
            "state": state
            if state is not None
            else {
                "verified": sum(self.local[k][0] == "verified" for k in keys),
                "total": len(keys),
            },
            "bytes_on_disk": disk if disk is not None else sum(self.local[k][1] for k in keys),
            "meta": meta,
            "job": self._file_job(keys[0]) if kind == "file" else self._aggregate(keys),
        }

    def _file_job(self, key: str) -> dict[str, Any] | None:
        job = self.jobs.get(key)
        if job is not None and job["bytes_total"] is None and key in self.sizes:
            job = {**job, "bytes_total": self.sizes[key]}  # queued: not measured yet
        return job

    def _aggregate(self, keys: list[str]) -> dict[str, Any] | None:
        """One job for a session or group: bytes summed, running while any file runs."""
        jobs = [self._file_job(k) for k in keys if k in self.jobs]
        if not jobs:
            return None
        active = [j for j in jobs if j["state"] in ACTIVE]
        failed = [j for j in jobs if j["state"] == "failed"]
        if active:
            state = "running" if any(j["state"] == "running" for j in active) else "queued"
        elif failed:
            state = "failed"
        elif all(j["state"] == "done" for j in jobs):
            state = "done"
        else:
            state = "cancelled"
        done = sum(
            j["bytes_total"] or j["bytes_done"] if j["state"] == "done" else j["bytes_done"]
            for j in jobs
        )
        totals = [j["bytes_total"] for j in jobs]
        rates = [j["rate"] for j in active if j["rate"]]
        etas = [j["eta_s"] for j in active if j["eta_s"] is not None]
        return {
            "id": None,
            "state": state,
            "bytes_done": done,
            "bytes_total": None if None in totals else sum(totals),
            "rate": sum(rates) if rates else None,
            "eta_s": max(etas) if etas else None,
            "error": f"{len(failed)} of {len(jobs)} files failed" if failed else None,
            "error_kind": failed[0]["error_kind"] if failed else None,
        }
