// Pure helpers of the cache browser: wire types, human units, row texts, and a revisioned cache of
// row pages fetched by `rows` requests. No DOM here.

/** @import { Reply } from "../lib/envelope.js" */

/** @typedef {"queued" | "running" | "done" | "failed" | "cancelled"} JobStateName */
/** @typedef {{ id: string | null, state: JobStateName, bytes_done: number, bytes_total: number | null, rate: number | null, eta_s: number | null, error: string | null, error_kind: string | null, ids?: string[] }} RowJob */
/** @typedef {{ mouse_id: string | null, genotype: string | null, date: string | null, experience_level: string | null, session_type: string | null }} SessionMeta */
/** @typedef {"missing" | "partial" | "verified" | "corrupt" | "unchecked"} FileStateName */
/** @typedef {{ verified: number, total: number }} StateCounts */
/** @typedef {{ id: string, level: number, kind: "group" | "session" | "file", label: string, expandable: boolean, expanded: boolean, selected: "all" | "some" | "none", size: number | null, state: FileStateName | StateCounts, bytes_on_disk: number, meta: SessionMeta | null, job: RowJob | null }} CacheRow */
/** @typedef {{ name: string, version: string, latest: boolean, current: boolean, downloaded: boolean }} VersionInfo */
/** @typedef {{ kind: "s3" | "mirror" | "static" | "local", description: string, read_only: boolean }} SourceInfo */
/** @typedef {{ files: number, files_on_disk: number, bytes_on_disk: number, bytes_known: number, sizes_pending: number, selected_files: number, selected_bytes: number, to_download_files: number, to_download_bytes: number }} Totals */
/** @typedef {{ active: boolean, files_total: number, files_done: number, files_failed: number, bytes_done: number, bytes_total: number, rate: number | null, eta_s: number | null }} Transfer */
/** @typedef {{ id: string, key: string, ref: string | number, manifest: string, state: JobStateName, bytes_done: number, bytes_total: number | null, rate: number | null, eta_s: number | null, error: string | null, error_kind: string | null }} JobInfo */
/** @typedef {{ changed: number, added: number, removed: number, renamed: number, unchanged: number }} DiffCounts */
/** @typedef {{ a: string, b: string, changed: string[], added: string[], removed: string[], renamed: [string, string][], counts: DiffCounts, text: string }} Comparison */
/** @typedef {{ sessions: number, unknown: number[], files: number, bytes: number, to_download_files: number, to_download_bytes: number, bytes_unknown: number }} Preview */
/** @typedef {{ cache: string, manifest: string, files: (string | number)[] }} Plan */
/** @typedef {"kernel" | "server" | "read-only"} Backend */

/** Rows per `rows` request (Python accepts up to 200). */
export const PAGE_ROWS = 50;
export const ACTIVE_STATES = new Set(["queued", "running"]);

const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/**
 * Decimal units, three significant digits: 950 B, 1.50 kB, 12.3 MB, 524 GB.
 * @param {number | null | undefined} bytes
 */
export function formatBytes(bytes) {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return "…";
  let value = bytes;
  let unit = 0;
  while (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value >= 99.95 ? 0 : value >= 9.995 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** @param {number | null | undefined} rate bytes per second */
export function formatRate(rate) {
  return rate == null || !Number.isFinite(rate) || rate <= 0 ? "" : `${formatBytes(rate)}/s`;
}

/**
 * "< 1 s", "45 s", "1 min 20 s", "2 h 5 min"; "" when unknown.
 * @param {number | null | undefined} seconds
 */
export function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 1) return "< 1 s";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return rest ? `${Math.floor(s / 60)} min ${rest} s` : `${s / 60} min`;
  }
  const minutes = Math.round((s % 3600) / 60);
  const hours = Math.floor(s / 3600) + (minutes === 60 ? 1 : 0);
  return minutes && minutes !== 60 ? `${hours} h ${minutes} min` : `${hours} h`;
}

/** @param {number} n */
export const formatCount = (n) => (Number.isFinite(n) ? n.toLocaleString("en-US") : "0");

/** @param {RowJob | JobInfo | null | undefined} job */
export const isActive = (job) => !!job && ACTIVE_STATES.has(job.state);

/** @param {CacheRow} row */
export function stateText(row) {
  const state = row.state;
  if (typeof state === "string") return state;
  return `${formatCount(state.verified)}/${formatCount(state.total)} verified`;
}

/**
 * The <progress> a row shows: its job's bytes, or null when it has no job worth a bar.
 * @param {RowJob | null} job
 * @returns {{ value: number, max: number } | null}
 */
export function progressOf(job) {
  if (!job || job.state === "failed" || job.state === "cancelled") return null;
  const max = Math.max(1, job.bytes_total ?? 0);
  const value = job.state === "done" ? max : Math.min(max, Math.max(0, job.bytes_done));
  return { value, max };
}

/**
 * Text beside a row's bar: "42% · 1.20 MB/s · 1 min 20 s".
 * @param {RowJob | null} job
 */
export function jobText(job) {
  if (!job) return "";
  if (job.state === "queued") return "queued";
  if (job.state === "cancelled") return "cancelled";
  if (job.state === "done") return "done";
  if (job.state === "failed") return job.error ?? "failed";
  const pct = job.bytes_total ? `${Math.floor((100 * job.bytes_done) / job.bytes_total)}%` : formatBytes(job.bytes_done);
  return [pct, formatRate(job.rate), formatDuration(job.eta_s)].filter(Boolean).join(" · ");
}

/** @param {SessionMeta | null} meta */
export function metaCells(meta) {
  return [meta?.mouse_id ?? "", meta?.genotype ?? "", meta?.date ?? "", meta?.experience_level ?? ""];
}

/** @param {VersionInfo} v */
export function versionLabel(v) {
  const marks = [v.latest && "latest", v.current && "current", v.downloaded && "on disk"].filter(Boolean);
  return marks.length ? `v${v.version} (${marks.join(", ")})` : `v${v.version}`;
}

/** @param {Totals | null | undefined} t */
export function totalsText(t) {
  if (!t) return "";
  const pending = t.sizes_pending ? ` (sizes of ${formatCount(t.sizes_pending)} files pending)` : "";
  return `${formatCount(t.files)} files, ${formatCount(t.files_on_disk)} on disk (${formatBytes(t.bytes_on_disk)}), release ${formatBytes(t.bytes_known)}${pending}`;
}

/** @param {Totals | null | undefined} t */
export function selectionText(t) {
  if (!t || !t.selected_files) return "nothing selected";
  return `${formatCount(t.selected_files)} selected (${formatBytes(t.selected_bytes)}), ${formatCount(t.to_download_files)} to download (${formatBytes(t.to_download_bytes)})`;
}

/** @param {Transfer | null | undefined} t */
export function transferText(t) {
  if (!t || !t.files_total) return "no downloads";
  const parts = [`${formatCount(t.files_done)} of ${formatCount(t.files_total)} files`, `${formatBytes(t.bytes_done)} of ${formatBytes(t.bytes_total)}`];
  if (t.files_failed) parts.push(`${formatCount(t.files_failed)} failed`);
  if (t.active) {
    const rate = formatRate(t.rate);
    if (rate) parts.push(rate);
    const eta = formatDuration(t.eta_s);
    if (eta) parts.push(`${eta} left`);
  } else parts.push("finished");
  return parts.join(" · ");
}

/** @param {Preview | null | undefined} p */
export function previewText(p) {
  if (!p) return "";
  const unknown = p.unknown.length ? `; not in this release: ${p.unknown.slice(0, 10).join(", ")}${p.unknown.length > 10 ? ", …" : ""}` : "";
  const pending = p.bytes_unknown ? ` (+${formatCount(p.bytes_unknown)} files of unknown size)` : "";
  return `${formatCount(p.sessions)} sessions: ${formatCount(p.files)} files, ${formatBytes(p.bytes)}${pending}; to download: ${formatCount(p.to_download_files)} files, ${formatBytes(p.to_download_bytes)}${unknown}`;
}

/** @param {Backend} backend */
export function backendText(backend) {
  if (backend === "server") return "downloads: Jupyter server";
  if (backend === "read-only") return "read-only cache: no downloads";
  return "downloads: this kernel";
}

/**
 * Pages of rows by revision: a page fetched at an older revision stays on display (stale) until
 * its refetch lands; at most one request per page and revision.
 * @param {{ fetch: (fields: { offset: number, limit: number }) => Promise<Reply>, onLoaded: () => void, pageSize?: number }} options
 */
export function createRowPages({ fetch, onLoaded, pageSize = PAGE_ROWS }) {
  /** @type {Map<number, { revision: number, rows: CacheRow[] }>} */
  const pages = new Map();
  /** @type {Map<number, number>} page -> revision it was requested at */
  const inflight = new Map();
  /** @type {Set<number>} pages Python refused at this revision */
  const failed = new Set();
  let revision = 0;

  /** @param {number} page */
  function load(page) {
    const have = pages.get(page);
    if ((have && have.revision >= revision) || inflight.get(page) === revision || failed.has(page)) return;
    const asked = revision;
    inflight.set(page, asked);
    fetch({ offset: page * pageSize, limit: pageSize }).then(
      ({ content }) => {
        if (inflight.get(page) === asked) inflight.delete(page);
        const got = Number(content.revision);
        const old = pages.get(page);
        if (Array.isArray(content.rows) && (!old || got >= old.revision)) pages.set(page, { revision: got, rows: content.rows });
        if (got > revision) revision = got;
        onLoaded();
      },
      (/** @type {any} */ err) => {
        if (inflight.get(page) !== asked) return;
        inflight.delete(page);
        if (err?.code === "error" && asked === revision) failed.add(page); // refused: no loop
      },
    );
  }

  return {
    /** @param {number} first @param {number} last row positions (inclusive) */
    ensure(first, last) {
      if (last < first) return;
      for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); p++) load(p);
    },
    /** @param {number} position @returns {CacheRow | undefined} */
    row(position) {
      const page = pages.get(Math.floor(position / pageSize));
      return page?.rows[position % pageSize];
    },
    /** @param {number} next */
    setRevision(next) {
      if (next <= revision) return;
      revision = next;
      failed.clear();
    },
    get revision() {
      return revision;
    },
    get pending() {
      return inflight.size;
    },
  };
}
