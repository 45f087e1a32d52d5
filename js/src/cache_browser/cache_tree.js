// Pure helpers of the cache browser: wire types, human units, row texts, and a revisioned cache of
// row pages fetched by `rows` requests. No DOM here.

/** @import { Reply } from "../lib/envelope.js" */
/** @import { Backend, BatchInfo, CacheRow, Preview, RowJob, SessionMeta, TaskInfo, Totals, VersionInfo } from "./shapes.js" */
import { isActive } from "./jobs.js";

/** Rows per `rows` request (Python accepts up to messages.MAX_ROWS). */
export const PAGE_ROWS = 50;

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

export { isActive };

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
 * Text beside a row's bar: "42% · 1.20 MB/s · 1 min 20 s" ("42% · 1 min 20 s" when `short`).
 * @param {RowJob | null} job
 * @param {{ short?: boolean }} [options]
 */
export function jobText(job, { short = false } = {}) {
  if (!job) return "";
  if (job.state === "queued") return "queued";
  if (job.state === "cancelled") return "cancelled";
  if (job.state === "done") return "done";
  if (job.state === "failed") return job.error ?? "failed";
  const pct = job.bytes_total ? `${Math.floor((100 * job.bytes_done) / job.bytes_total)}%` : formatBytes(job.bytes_done);
  return [pct, !short && formatRate(job.rate), formatDuration(job.eta_s)].filter(Boolean).join(" · ");
}

/**
 * A session's details in one line: "mouse 524761 · Sst-IRES-Cre/wt · 2020-08-19 · Novel".
 * @param {SessionMeta | null} meta
 */
export function metaText(meta) {
  if (!meta) return "";
  return [meta.mouse_id && `mouse ${meta.mouse_id}`, meta.genotype, meta.date, meta.experience_level].filter(Boolean).join(" · ");
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

/**
 * One download request's line: "session 1043752325: 3 of 7 files · 1.20 GB of 2.50 GB · 12.0 MB/s · 1 min left".
 * @param {BatchInfo} b
 */
export function batchText(b) {
  const label = `${b.label}: `;
  if (b.state === "requested") return `${label}handing ${formatCount(b.files)} files to the Jupyter server…`;
  if (b.error && !b.files_done && !b.files_active) return `${label}${b.error}`;
  const files = `${formatCount(b.files_done)} of ${formatCount(b.files)} files`;
  const parts = [files, `${formatBytes(b.bytes_done)} of ${formatBytes(b.bytes_total)}`];
  if (b.verified) parts.push(`${formatCount(b.verified)} already verified`);
  if (b.files_failed) parts.push(`${formatCount(b.files_failed)} failed`);
  if (b.files_cancelled) parts.push(`${formatCount(b.files_cancelled)} cancelled`);
  if (b.state === "queued" || b.state === "running") {
    const rate = formatRate(b.rate);
    if (rate) parts.push(rate);
    const eta = formatDuration(b.eta_s);
    if (eta) parts.push(`${eta} left`);
    if (b.state === "queued") parts.push("queued");
  } else if (b.state === "done") parts.push("finished");
  else if (!b.files_failed && !b.files_cancelled) parts.push(b.state); // else the counts say it
  return label + parts.join(" · ");
}

/** @param {BatchInfo} b @returns {{ value: number, max: number }} */
export function batchProgress(b) {
  const max = Math.max(1, b.bytes_total);
  return { value: b.state === "done" ? max : Math.min(max, Math.max(0, b.bytes_done)), max };
}

const RESULT_WORDS = /** @type {Record<string, string>} */ ({
  verified: "verified",
  corrupt: "corrupt",
  missing: "missing",
  partial: "partial",
  deleted: "deleted",
  absent: "not on disk",
  downloading: "skipped (downloading)",
  refused: "refused",
  error: "failed",
});

/**
 * The last verify or delete, in words; a verify that found nothing wrong says so.
 * @param {TaskInfo | null | undefined} task
 */
export function taskText(task) {
  if (!task) return "";
  const verb = task.kind === "verify" ? "Verifying" : "Deleting";
  if (task.active) return `${verb} ${task.label}… ${formatCount(task.files_done)} of ${formatCount(task.files)} files`;
  const results = Object.entries(task.results).filter(([, n]) => n > 0);
  if (task.files === 1 && results.length === 1) {
    const [result] = results[0];
    if (task.kind === "verify" && result === "verified") return `${task.label}: still verified (its BLAKE2b matches the manifest)`;
    if (task.kind === "verify" && result === "corrupt") return `${task.label}: corrupt (its bytes differ from the manifest's): download it again to replace it`;
    return `${task.label}: ${RESULT_WORDS[result] ?? result}`;
  }
  const said = results.map(([result, n]) => `${formatCount(n)} ${RESULT_WORDS[result] ?? result}`).join(", ");
  const done = task.kind === "verify" ? "Verified" : "Deleted";
  const fix = task.results.corrupt ? ": download the corrupt files again to replace them" : "";
  return `${done} ${task.label}: ${said || "nothing to do"}${fix}`;
}

/** @param {Preview | null | undefined} p */
export function previewText(p) {
  if (!p) return "";
  const ids = p.unknown ?? [];
  const unknown = ids.length ? `; not in this release: ${ids.slice(0, 10).join(", ")}${ids.length > 10 ? ", …" : ""}` : "";
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
