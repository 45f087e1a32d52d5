import { describe, expect, it } from "vitest";
import { createServerLink } from "../../src/cache_browser/cache_server.js";
import {
  createRowPages,
  formatBytes,
  formatDuration,
  formatRate,
  jobText,
  previewText,
  progressOf,
  stateText,
  transferText,
  versionLabel,
} from "../../src/cache_browser/cache_tree.js";

/** @import { CacheRow, RowJob } from "../../src/cache_browser/cache_tree.js" */

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
    expect(progressOf(running)).toEqual({ value: 250, max: 1000 });
    expect(progressOf({ ...running, state: "done", bytes_done: 10 })).toEqual({ value: 1000, max: 1000 });
    expect(progressOf({ ...running, state: "failed" })).toBeNull();
    expect(progressOf(null)).toBeNull();
    expect(jobText({ ...running, state: "failed", error: "x.nwb: BLAKE2b mismatch" })).toBe("x.nwb: BLAKE2b mismatch");
    expect(versionLabel({ name: "n", version: "0.5.0", latest: true, current: true, downloaded: false })).toBe("v0.5.0 (latest, current)");
    expect(versionLabel({ name: "n", version: "0.4.0", latest: false, current: false, downloaded: false })).toBe("v0.4.0");
  });

  it("summarizes the transfer and a preview", () => {
    expect(transferText(null)).toBe("no downloads");
    const t = { active: true, files_total: 7, files_done: 2, files_failed: 1, bytes_done: 2e6, bytes_total: 8e6, rate: 1.5e6, eta_s: 4 };
    expect(transferText(t)).toBe("2 of 7 files · 2.00 MB of 8.00 MB · 1 failed · 1.50 MB/s · 4 s left");
    expect(transferText({ ...t, active: false })).toContain("finished");
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

describe("createServerLink", () => {
  it("polls while jobs are active, then stops; enqueue and cancel poll at once", async () => {
    /** @type {string[]} */
    const log = [];
    let listing = [{ id: "1", state: "running" }];
    const api = {
      enqueue: async (/** @type {any} */ plan) => void log.push(`enqueue ${plan.files.join(",")}`),
      jobs: async (/** @type {string} */ path) => {
        log.push(`jobs ${path}`);
        return { jobs: listing };
      },
      cancel: async (/** @type {string} */ id) => void log.push(`cancel ${id}`),
    };
    /** @type {any[][]} */
    const seen = [];
    const link = createServerLink({ api, cachePath: "/c", onJobs: (j) => seen.push(j), onError: (m) => log.push(`error ${m}`), intervalMs: 5 });
    await link.enqueue({ cache: "/c", manifest: "m", files: ["units", 7] });
    expect(log.slice(0, 2)).toEqual(["enqueue units,7", "jobs /c"]);
    expect(link.polling).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.filter((l) => l.startsWith("jobs")).length).toBeGreaterThan(1);
    listing = [{ id: "1", state: "done" }];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(link.polling).toBe(false);
    const count = log.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.length).toBe(count);
    await link.cancel(["1"]);
    expect(log.slice(-2)).toEqual(["cancel 1", "jobs /c"]);
    expect(seen.at(-1)).toEqual([{ id: "1", state: "done" }]);
    link.dispose();
  });
});
