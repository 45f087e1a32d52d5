import { describe, expect, it } from "vitest";
import {
  batchProgress,
  batchText,
  createRowPages,
  formatBytes,
  formatDuration,
  formatRate,
  jobText,
  metaText,
  previewText,
  progressOf,
  stateText,
  taskText,
  versionLabel,
} from "../../src/cache_browser/cache_tree.js";

/** @import { BatchInfo, CacheRow, RowJob, TaskInfo } from "../../src/cache_browser/shapes.js" */

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("human units", () => {
  it("formats bytes in decimal units with three significant digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1000)).toBe("1.00 kB");
    expect(formatBytes(1_536_000)).toBe("1.54 MB");
    expect(formatBytes(12_345_678)).toBe("12.3 MB");
    expect(formatBytes(524e9)).toBe("524 GB");
    expect(formatBytes(999_999)).toBe("1.00 MB");
    expect(formatBytes(null)).toBe("…");
    expect(formatBytes(-1)).toBe("…");
  });

  it("formats rates and durations", () => {
    expect(formatRate(2_500_000)).toBe("2.50 MB/s");
    expect(formatRate(null)).toBe("");
    expect(formatRate(0)).toBe("");
    expect(formatDuration(0.4)).toBe("< 1 s");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(80)).toBe("1 min 20 s");
    expect(formatDuration(120)).toBe("2 min");
    expect(formatDuration(3600 * 2 + 300)).toBe("2 h 5 min");
    expect(formatDuration(3599.6)).toBe("1 h");
    expect(formatDuration(null)).toBe("");
    expect(formatDuration(Number.NaN)).toBe("");
  });
});

describe("row texts", () => {
  /** @type {RowJob} */
  const running = { id: "a".repeat(32), state: "running", bytes_done: 250, bytes_total: 1000, rate: 1_000_000, eta_s: 80, error: null, error_kind: null };

  it("describes states, jobs and progress", () => {
    const row = /** @type {CacheRow} */ ({ state: { verified: 2, total: 7 } });
    expect(stateText(row)).toBe("2/7 verified");
    expect(stateText(/** @type {CacheRow} */ ({ state: "corrupt" }))).toBe("corrupt");
    expect(jobText(running)).toBe("25% · 1.00 MB/s · 1 min 20 s");
    expect(jobText(running, { short: true })).toBe("25% · 1 min 20 s");
    expect(progressOf(running)).toEqual({ value: 250, max: 1000 });
    expect(progressOf({ ...running, state: "done", bytes_done: 10 })).toEqual({ value: 1000, max: 1000 });
    expect(progressOf({ ...running, state: "failed" })).toBeNull();
    expect(progressOf(null)).toBeNull();
    expect(jobText({ ...running, state: "failed", error: "x.nwb: BLAKE2b mismatch" })).toBe("x.nwb: BLAKE2b mismatch");
    expect(versionLabel({ name: "n", version: "0.5.0", latest: true, current: true, downloaded: false })).toBe("v0.5.0 (latest, current)");
    expect(versionLabel({ name: "n", version: "0.4.0", latest: false, current: false, downloaded: false })).toBe("v0.4.0");
  });

  it("puts a session's details on one line", () => {
    const meta = { mouse_id: "524761", genotype: "Sst-IRES-Cre/wt", date: "2020-08-19", experience_level: "Novel", session_type: "EPHYS_1" };
    expect(metaText(meta)).toBe("mouse 524761 · Sst-IRES-Cre/wt · 2020-08-19 · Novel");
    expect(metaText({ ...meta, genotype: null, experience_level: null })).toBe("mouse 524761 · 2020-08-19");
    expect(metaText(null)).toBe("");
  });

  it("describes each download request by itself", () => {
    /** @type {BatchInfo} */
    const b = { id: "b".repeat(32), label: "Behavior-only sessions", origin: "kernel", state: "running", files: 3271, verified: 0, files_done: 1045, files_failed: 1, files_cancelled: 0, files_active: 2225, bytes_done: 2.1e9, bytes_total: 6.5e9, sized: 1100, rate: 1.2e7, eta_s: 200, submitted: 1, error: null };
    expect(batchText(b)).toBe("Behavior-only sessions: 1,045 of 3,271 files · 2.10 GB of 6.50 GB · 1 failed · 12.0 MB/s · 3 min 20 s left");
    expect(batchProgress(b)).toEqual({ value: 2.1e9, max: 6.5e9 });
    const done = { ...b, state: /** @type {const} */ ("done"), files_done: 3271, files_failed: 0, files_active: 0, bytes_done: 6.5e9, rate: null, eta_s: null };
    expect(batchText(done)).toBe("Behavior-only sessions: 3,271 of 3,271 files · 6.50 GB of 6.50 GB · finished");
    const cancelled = { ...b, state: /** @type {const} */ ("cancelled"), files_cancelled: 2225, files_active: 0, files_failed: 0 };
    expect(batchText(cancelled)).toBe("Behavior-only sessions: 1,045 of 3,271 files · 2.10 GB of 6.50 GB · 2,225 cancelled");
    expect(batchText({ ...b, state: "requested", files_done: 0 })).toBe("Behavior-only sessions: handing 3,271 files to the Jupyter server…");
    expect(batchText({ ...b, state: "failed", files_done: 0, files_active: 0, error: "the server said no" })).toBe("Behavior-only sessions: the server said no");
  });

  it("says what a verify found, even when nothing changed", () => {
    /** @type {TaskInfo} */
    const one = { kind: "verify", label: "units.csv", active: false, files: 1, files_done: 1, results: { verified: 1 }, error: null };
    expect(taskText(one)).toBe("units.csv: still verified (its BLAKE2b matches the manifest)");
    expect(taskText({ ...one, results: { corrupt: 1 } })).toContain("units.csv: corrupt");
    expect(taskText({ ...one, results: { corrupt: 1 } })).toContain("download it again");
    expect(taskText({ ...one, active: true, files_done: 0 })).toBe("Verifying units.csv… 0 of 1 files");
    const many = { ...one, label: "300 files", files: 300, files_done: 300, results: { verified: 298, corrupt: 2 } };
    expect(taskText(many)).toBe("Verified 300 files: 298 verified, 2 corrupt: download the corrupt files again to replace them");
    expect(taskText({ ...many, kind: "delete", results: { deleted: 290, absent: 10 } })).toBe("Deleted 300 files: 290 deleted, 10 not on disk");
    expect(taskText(null)).toBe("");
  });

  it("summarizes a preview", () => {
    const p = { sessions: 2, unknown: [12, 13], files: 14, bytes: 3e9, to_download_files: 7, to_download_bytes: 1.5e9, bytes_unknown: 0 };
    expect(previewText(p)).toBe("2 sessions: 14 files, 3.00 GB; to download: 7 files, 1.50 GB; not in this release: 12, 13");
  });
});

describe("createRowPages", () => {
  it("fetches each page once per revision and keeps stale rows until the refetch lands", async () => {
    /** @type {{ fields: { offset: number, limit: number }, resolve: (v: any) => void, reject: (e: any) => void }[]} */
    const calls = [];
    let loaded = 0;
    const pages = createRowPages({
      fetch: (fields) => new Promise((resolve, reject) => calls.push({ fields, resolve, reject })),
      onLoaded: () => void (loaded += 1),
      pageSize: 10,
    });
    pages.ensure(0, 14);
    pages.ensure(3, 12);
    expect(calls.map((c) => c.fields)).toEqual([{ offset: 0, limit: 10 }, { offset: 10, limit: 10 }]);
    const rows = (/** @type {number} */ from, /** @type {string} */ tag) => Array.from({ length: 10 }, (_, i) => ({ id: `${tag}${from + i}` }));
    calls[0].resolve({ content: { revision: 0, rows: rows(0, "a") }, buffers: [] });
    await tick();
    expect(pages.row(3)?.id).toBe("a3");
    expect(pages.row(12)).toBeUndefined();
    expect(loaded).toBe(1);
    pages.setRevision(2);
    pages.ensure(0, 5);
    expect(calls).toHaveLength(3);
    expect(pages.row(3)?.id).toBe("a3"); // stale, still shown
    calls[2].resolve({ content: { revision: 2, rows: rows(0, "b") }, buffers: [] });
    await tick();
    expect(pages.row(3)?.id).toBe("b3");
    // a late reply of an older revision does not overwrite newer rows
    calls[1].reject({ code: "error" });
    await tick();
    pages.ensure(10, 12);
    expect(calls).toHaveLength(4); // the refused page is asked again at the new revision
  });
});
