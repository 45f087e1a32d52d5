// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import widget from "../../src/cache_browser/cache_browser.js";
import { fakeModel } from "../fake_model.js";

/** @import { BatchInfo, CacheRow } from "../../src/cache_browser/shapes.js" */

const XSS = "<img src=x onerror=alert(1)>";
const M4 = "visual-behavior-neuropixels_project_manifest_v0.4.0.json";
const M5 = "visual-behavior-neuropixels_project_manifest_v0.5.0.json";
const JOB = "0123456789abcdef0123456789abcdef";

const initial = () => ({
  versions: [
    { name: M4, version: "0.4.0", latest: false, current: false, downloaded: true },
    { name: M5, version: "0.5.0", latest: true, current: true, downloaded: true },
  ],
  current: M5,
  source: { kind: /** @type {const} */ ("mirror"), description: "mirror /data/release", read_only: false },
  cache_dir: "/tmp/cache",
  row_count: 4,
  revision: 1,
  totals: { files: 40, files_on_disk: 3, bytes_on_disk: 3_000_000, bytes_known: 9e9, sizes_pending: 0, selected_files: 0, selected_bytes: 0, to_download_files: 0, to_download_bytes: 0 },
  transfer: { active: false, batches: /** @type {BatchInfo[]} */ ([]) },
  /** @type {any} */
  task: null,
  /** @type {any[]} */
  jobs: [],
  /** @type {any} */
  comparison: null,
  /** @type {any} */
  preview_summary: null,
  backend: /** @type {"kernel" | "server" | "read-only"} */ ("kernel"),
  error: "",
  row_height: 28,
  title: "VBN cache",
});

/** @param {Partial<CacheRow>} fields @returns {CacheRow} */
const row = (fields) => ({
  id: "f:x",
  level: 2,
  kind: "file",
  label: "x",
  expandable: false,
  expanded: false,
  selected: "none",
  size: 1000,
  state: "missing",
  bytes_on_disk: 0,
  meta: null,
  job: null,
  ...fields,
});

const ROWS = [
  row({ id: "g:metadata", level: 0, kind: "group", label: "Metadata tables · 5", expandable: true, expanded: true, state: { verified: 5, total: 5 }, size: 5000, bytes_on_disk: 5000 }),
  row({ id: "f:p/units.csv", level: 1, label: "units.csv", state: "verified", bytes_on_disk: 1000 }),
  row({ id: "g:ecephys", level: 0, kind: "group", label: "Ecephys sessions · 3", expandable: true, state: { verified: 0, total: 21 }, size: null }),
  row({
    id: "s:1043752325",
    level: 1,
    kind: "session",
    label: XSS,
    expandable: true,
    state: { verified: 1, total: 7 },
    size: 2_500_000,
    meta: { mouse_id: "524761", genotype: "Sst-IRES-Cre/wt", date: "2020-08-19", experience_level: "Novel", session_type: "EPHYS_1" },
  }),
];

const flush = () => new Promise((resolve) => setTimeout(resolve, 30));

/** @param {Record<string, unknown>} [overrides] */
async function mount(overrides = {}) {
  const model = fakeModel({ ...initial(), ...overrides });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = /** @type {() => void} */ (await widget.render({ model, el }));
  return { model, el, cleanup };
}

/** Answer every unanswered rows request with slices of `rows`. */
function answerRows(/** @type {ReturnType<typeof fakeModel>} */ model, /** @type {CacheRow[]} */ rows = ROWS, revision = 1) {
  for (const request of model.sentOf("rows")) {
    if (request.answered) continue;
    request.answered = true;
    model.reply(request, { revision, offset: request.offset, rows: rows.slice(request.offset, request.offset + request.limit) });
  }
}

/** @param {Element} el @param {string} id */
const rowEl = (el, id) => /** @type {HTMLElement} */ (el.querySelector(`.vbn-cb-row[data-row="${id}"]`));
/** @param {Element | null} target */
const click = (target) => /** @type {Element} */ (target).dispatchEvent(new MouseEvent("click", { bubbles: true }));

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("CacheBrowser render", () => {
  it("shows versions, backend, totals and asks for the first rows", async () => {
    const { model, el, cleanup } = await mount();
    expect(el.classList.contains("vbn-cache-browser")).toBe(true);
    expect(el.querySelector(".vbn-cb-title")?.textContent).toBe("VBN cache");
    expect(el.querySelector(".vbn-cb-backend")?.textContent).toBe("downloads: this kernel");
    const options = [...el.querySelectorAll(".vbn-cb-version-select option")].map((o) => o.textContent);
    expect(options).toEqual(["v0.4.0 (on disk)", "v0.5.0 (latest, current, on disk)"]);
    expect(/** @type {HTMLSelectElement} */ (el.querySelector(".vbn-cb-version-select")).value).toBe(M5);
    expect(el.querySelector(".vbn-cb-totals-text")?.textContent).toBe("40 files, 3 on disk (3.00 MB), release 9.00 GB");
    expect(el.querySelector(".vbn-cb-selection-text")?.textContent).toBe("nothing selected");
    expect(model.sentOf("rows")).toEqual([expect.objectContaining({ offset: 0, limit: 50 })]);
    cleanup();
  });

  it("renders rows from the reply as text, with sizes, states and session metadata", async () => {
    const { model, el, cleanup } = await mount();
    answerRows(model);
    await flush();
    expect([...el.querySelectorAll(".vbn-cb-row")].map((r) => r.getAttribute("data-row"))).toEqual(ROWS.map((r) => r.id));
    const session = rowEl(el, "s:1043752325");
    expect(session.querySelector(".vbn-cb-label")?.textContent).toBe(XSS);
    expect(el.querySelector("img")).toBeNull();
    expect(session.querySelector(".vbn-cb-meta")?.textContent).toBe("mouse 524761 · Sst-IRES-Cre/wt · 2020-08-19 · Novel");
    expect(session.querySelector(".vbn-cb-size")?.textContent).toBe("2.50 MB");
    expect(session.querySelector(".vbn-cb-state")?.textContent).toBe("1/7 verified");
    expect(rowEl(el, "g:ecephys").querySelector(".vbn-cb-size")?.textContent).toBe("…");
    expect(rowEl(el, "f:p/units.csv").querySelector(".vbn-cb-state")?.textContent).toBe("verified");
    expect(rowEl(el, "g:metadata").getAttribute("aria-expanded")).toBe("true");
    // actions: a session that is not complete can be downloaded; a verified file verified/deleted;
    // a group too (the same actions on all of its files)
    expect(session.querySelector(".vbn-cb-download")).not.toBeNull();
    const group = [...rowEl(el, "g:metadata").querySelectorAll(".vbn-cb-actions button")];
    expect(group.map((b) => b.textContent)).toEqual(["Verify", "Delete"]);
    const file = rowEl(el, "f:p/units.csv");
    expect([...file.querySelectorAll(".vbn-cb-actions button")].map((b) => b.textContent)).toEqual(["Verify", "Delete"]);
    cleanup();
  });

  it("sends toggle, select, download, verify, delete, search, set-manifest, compare", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "requestAnimationFrame", "cancelAnimationFrame"] });
    const { model, el, cleanup } = await mount();
    answerRows(model);
    await vi.advanceTimersByTimeAsync(40);
    const session = rowEl(el, "s:1043752325");
    click(session.querySelector(".vbn-cb-expander"));
    expect(model.lastOf("toggle")).toMatchObject({ row: "s:1043752325" });
    const box = /** @type {HTMLInputElement} */ (session.querySelector(".vbn-cb-check"));
    box.click();
    expect(model.lastOf("select")).toMatchObject({ rows: ["s:1043752325"], on: true });
    click(session.querySelector(".vbn-cb-download"));
    expect(model.lastOf("download")).toMatchObject({ rows: ["s:1043752325"] });
    const file = rowEl(el, "f:p/units.csv");
    click(file.querySelector(".vbn-cb-verify"));
    expect(model.lastOf("verify")).toMatchObject({ rows: ["f:p/units.csv"] });
    click(file.querySelector(".vbn-cb-delete"));
    await vi.advanceTimersByTimeAsync(40);
    expect(model.sentOf("delete")).toHaveLength(0); // first click asks for a confirmation
    expect(file.querySelector(".vbn-cb-delete")?.textContent).toBe("Confirm");
    click(file.querySelector(".vbn-cb-delete"));
    expect(model.lastOf("delete")).toMatchObject({ rows: ["f:p/units.csv"] });
    click(rowEl(el, "g:metadata").querySelector(".vbn-cb-verify"));
    expect(model.lastOf("verify")).toMatchObject({ rows: ["g:metadata"] }); // a whole group, one request
    // toolbar: the selection, in one request each
    const verifySelection = /** @type {HTMLButtonElement} */ (el.querySelector(".vbn-cb-verify-selection"));
    expect(verifySelection.disabled).toBe(true);
    model.set("totals", { ...model.get("totals"), selected_files: 7, selected_bytes: 2e6, to_download_files: 6, to_download_bytes: 1e6 });
    expect(el.querySelector(".vbn-cb-selection-text")?.textContent).toBe("7 selected (2.00 MB), 6 to download (1.00 MB)");
    click(el.querySelector(".vbn-cb-download-selection"));
    expect(model.lastOf("download").rows).toBeUndefined();
    click(verifySelection);
    expect(model.lastOf("verify").rows).toBeUndefined();
    const deleteSelection = /** @type {HTMLButtonElement} */ (el.querySelector(".vbn-cb-delete-selection"));
    click(deleteSelection);
    expect(deleteSelection.textContent).toBe("Confirm: delete 7 files");
    expect(model.sentOf("delete")).toHaveLength(1);
    click(deleteSelection);
    expect(model.sentOf("delete")).toHaveLength(2);
    expect(model.lastOf("delete").rows).toBeUndefined();
    expect(deleteSelection.textContent).toBe("Delete selection");
    click(el.querySelector(".vbn-cb-check-all"));
    expect(model.lastOf("select")).toMatchObject({ rows: ["g:metadata", "g:ecephys", "g:behavior"], on: true });
    click(el.querySelector(".vbn-cb-clear-selection"));
    expect(model.sentOf("clear-selection")).toHaveLength(1);
    const search = /** @type {HTMLInputElement} */ (el.querySelector(".vbn-cb-search"));
    for (const text of ["5", "52", "524"]) {
      search.value = text;
      search.dispatchEvent(new Event("input"));
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(model.sentOf("search")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(300);
    expect(model.sentOf("search").map((m) => m.text)).toEqual(["524"]);
    const select = /** @type {HTMLSelectElement} */ (el.querySelector(".vbn-cb-version-select"));
    select.value = M4;
    select.dispatchEvent(new Event("change"));
    expect(model.lastOf("set-manifest")).toMatchObject({ name: M4 });
    /** @type {HTMLSelectElement} */ (el.querySelector(".vbn-cb-compare-a")).value = M4;
    click(el.querySelector(".vbn-cb-compare"));
    expect(model.lastOf("compare")).toMatchObject({ a: M4, b: M5 });
    cleanup();
  });

  it("renders progress per row and in total, errors against the file, and cancels", async () => {
    const { model, el, cleanup } = await mount();
    const running = { id: JOB, state: "running", bytes_done: 500_000, bytes_total: 2_000_000, rate: 1_500_000, eta_s: 80, error: null, error_kind: null };
    const failed = { ...running, id: "f".repeat(32), state: "failed", error: `${XSS}.nwb: BLAKE2b mismatch; the file was discarded`, error_kind: "hash-mismatch" };
    const rows = [
      ROWS[0],
      row({ id: "f:p/units.csv", label: "units.csv", job: /** @type {any} */ (running) }),
      row({ id: "f:p/probes.csv", label: "probes.csv", state: "corrupt", bytes_on_disk: 1000, job: /** @type {any} */ (failed) }),
    ];
    model.set("row_count", 3);
    answerRows(model, rows);
    await flush();
    const bar = /** @type {HTMLProgressElement} */ (rowEl(el, "f:p/units.csv").querySelector(".vbn-cb-progress"));
    expect(bar.value).toBe(500_000);
    expect(bar.max).toBe(2_000_000);
    const text = rowEl(el, "f:p/units.csv").querySelector(".vbn-cb-job-text");
    expect(text?.textContent).toBe("25% · 1 min 20 s"); // the rate is in the tooltip and the request's line
    expect(text?.getAttribute("title")).toBe("25% · 1.50 MB/s · 1 min 20 s");
    const error = rowEl(el, "f:p/probes.csv").querySelector(".vbn-cb-error");
    expect(error?.textContent).toBe(`${XSS}.nwb: BLAKE2b mismatch; the file was discarded`);
    expect(el.querySelector("img")).toBeNull();
    expect(rowEl(el, "f:p/probes.csv").querySelector(".vbn-cb-state")?.textContent).toBe("corrupt");
    click(rowEl(el, "f:p/units.csv").querySelector(".vbn-cb-cancel"));
    expect(model.lastOf("cancel")).toMatchObject({ rows: ["f:p/units.csv"] });
    // a corrupt file with a failed download still offers Download, Verify and Delete
    const actions = [...rowEl(el, "f:p/probes.csv").querySelectorAll(".vbn-cb-actions button")];
    expect(actions.map((b) => b.textContent)).toEqual(["Download", "Verify", "Delete"]);
    // the same bar element is patched in place on the next revision
    model.set("revision", 2);
    await flush();
    answerRows(model, [rows[0], row({ ...rows[1], job: /** @type {any} */ ({ ...running, bytes_done: 2_000_000, state: "done" }) }), rows[2]], 2);
    await flush();
    expect(rowEl(el, "f:p/units.csv").querySelector(".vbn-cb-progress")).toBe(bar);
    expect(bar.value).toBe(bar.max);
    /** @type {BatchInfo} */
    const batch = { id: JOB, label: "session 1043752325", origin: "kernel", state: "running", files: 7, verified: 0, files_done: 2, files_failed: 1, files_cancelled: 0, files_active: 4, bytes_done: 2e6, bytes_total: 8e6, sized: 7, rate: 1.5e6, eta_s: 80, submitted: 2, error: null };
    /** @type {BatchInfo} */
    const earlier = { ...batch, id: "e".repeat(32), label: "units.csv", state: "done", files: 1, files_done: 1, files_failed: 0, files_active: 0, bytes_done: 5e5, bytes_total: 5e5, submitted: 1 };
    model.set("transfer", { active: true, batches: [batch, earlier] });
    const lines = [...el.querySelectorAll(".vbn-cb-batch")];
    expect(lines.map((l) => l.getAttribute("data-state"))).toEqual(["running", "done"]);
    const total = /** @type {HTMLProgressElement} */ (lines[0].querySelector(".vbn-cb-total-progress"));
    expect([total.value, total.max]).toEqual([2e6, 8e6]);
    expect(lines[0].textContent).toBe("session 1043752325: 2 of 7 files · 2.00 MB of 8.00 MB · 1 failed · 1.50 MB/s · 1 min 20 s left");
    expect(lines[1].textContent).toBe("units.csv: 1 of 1 files · 500 kB of 500 kB · finished");
    click(el.querySelector(".vbn-cb-cancel-all"));
    expect(model.lastOf("cancel")).toEqual({ kind: "cancel", id: expect.any(String) }); // everything, one request
    model.set("task", { kind: "verify", label: "units.csv", active: false, files: 1, files_done: 1, results: { verified: 1 }, error: null });
    expect(el.querySelector(".vbn-cb-task")?.textContent).toBe("units.csv: still verified (its BLAKE2b matches the manifest)");
    model.set("error", "no row 'f:zzz'");
    expect(el.querySelector(".vbn-cb-status-error")?.textContent).toBe("no row 'f:zzz'");
    cleanup();
  });

  it("shows comparison and preview panels", async () => {
    const { model, el, cleanup } = await mount();
    model.set("comparison", {
      a: M4,
      b: M5,
      changed: ["project_metadata/units.csv"],
      added: [],
      removed: [XSS],
      renamed: [["a.nwb", "b.nwb"]],
      counts: { changed: 1, added: 0, removed: 250, renamed: 1, unchanged: 90 },
      text: "",
    });
    const panel = /** @type {HTMLElement} */ (el.querySelector(".vbn-cb-comparison"));
    expect(panel.hidden).toBe(false);
    expect(panel.querySelector("summary")?.textContent).toContain("1 changed, 0 added, 250 removed, 1 renamed, 90 unchanged");
    expect(panel.querySelector('[data-kind="removed"] li')?.textContent).toBe(XSS);
    expect(panel.querySelector('[data-kind="removed"] .vbn-cb-more')?.textContent).toBe("… 249 more");
    expect(panel.querySelector('[data-kind="renamed"] li')?.textContent).toBe("a.nwb → b.nwb");
    expect(el.querySelector("img")).toBeNull();
    model.set("preview_summary", { sessions: 2, unknown: [99], files: 14, bytes: 3e9, to_download_files: 7, to_download_bytes: 1.5e9, bytes_unknown: 0 });
    const preview = /** @type {HTMLElement} */ (el.querySelector(".vbn-cb-preview"));
    expect(preview.hidden).toBe(false);
    expect(preview.textContent).toContain("2 sessions: 14 files, 3.00 GB; to download: 7 files, 1.50 GB; not in this release: 99");
    click(preview.querySelector(".vbn-cb-clear-preview"));
    expect(model.sentOf("clear-preview")).toHaveLength(1);
    model.set("preview_summary", null);
    expect(preview.hidden).toBe(true);
    cleanup();
  });

  it("hides download and delete on a read-only cache", async () => {
    const { model, el, cleanup } = await mount({ backend: "read-only", source: { kind: "static", description: "static /data", read_only: true }, row_count: 5 });
    answerRows(model, [...ROWS, row({ id: "f:mount/x.nwb", state: "unchecked", bytes_on_disk: 5 })]);
    await flush();
    const unchecked = rowEl(el, "f:mount/x.nwb");
    expect(unchecked.querySelector(".vbn-cb-state")?.textContent).toBe("unchecked");
    expect([...unchecked.querySelectorAll(".vbn-cb-actions button")].map((b) => b.textContent)).toEqual(["Verify"]);
    expect(el.querySelector(".vbn-cb-backend")?.textContent).toBe("read-only cache: no downloads");
    expect(/** @type {HTMLElement} */ (el.querySelector(".vbn-cb-download-selection")).hidden).toBe(true);
    expect(el.querySelectorAll(".vbn-cb-rows .vbn-cb-download, .vbn-cb-delete")).toHaveLength(0);
    expect(rowEl(el, "f:p/units.csv").querySelector(".vbn-cb-verify")).not.toBeNull();
    cleanup();
  });

  it("keeps the number of row elements bounded for 3,400 sessions", async () => {
    const { model, el, cleanup } = await mount({ row_count: 3_500 });
    const body = /** @type {HTMLElement} */ (el.querySelector(".vbn-cb-body"));
    let scrollTop = 0;
    Object.defineProperty(body, "scrollTop", { get: () => scrollTop, set: (v) => (scrollTop = v), configurable: true });
    const many = Array.from({ length: 3500 }, (_, i) => row({ id: `s:${i}`, kind: "session", level: 1, label: `${i}` }));
    for (const y of [0, 20_000, 1_000_000]) {
      scrollTop = y;
      body.dispatchEvent(new Event("scroll"));
      await flush();
      answerRows(model, many);
      await flush();
      expect(el.querySelectorAll(".vbn-cb-row").length).toBeLessThanOrEqual(40);
    }
    expect(rowEl(el, "s:3499")).not.toBeNull();
    expect(model.sentOf("rows").length).toBeLessThanOrEqual(6);
    cleanup();
  });

  it("cleans up every listener, timer and element", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "requestAnimationFrame", "cancelAnimationFrame"] });
    const addDoc = vi.spyOn(document, "addEventListener");
    const removeDoc = vi.spyOn(document, "removeEventListener");
    const { model, el, cleanup } = await mount();
    answerRows(model);
    await vi.advanceTimersByTimeAsync(40);
    const search = /** @type {HTMLInputElement} */ (el.querySelector(".vbn-cb-search"));
    search.value = "x";
    search.dispatchEvent(new Event("input")); // a pending debounce
    model.set("revision", 5); // a pending rows request and frame
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(removeDoc.mock.calls.length).toBe(addDoc.mock.calls.length);
    expect(vi.getTimerCount()).toBe(0);
    expect(el.childElementCount).toBe(0);
    expect(el.classList.contains("vbn-cache-browser")).toBe(false);
    const sent = model.sent.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(model.sent.length).toBe(sent);
  });
});

describe("CacheBrowser with the Jupyter server's download manager", () => {
  /** Page config + a fake server answering the REST API. */
  function fakeServer() {
    const config = document.createElement("script");
    config.id = "jupyter-config-data";
    config.type = "application/json";
    config.textContent = JSON.stringify({ baseUrl: "/lab-base/", token: "t0k" });
    document.head.append(config);
    /** @type {{ method: string, url: string, body: any }[]} */
    const calls = [];
    const fetch = vi.fn(async (/** @type {string} */ url, /** @type {any} */ init) => {
      calls.push({ method: init.method, url, body: init.body ? JSON.parse(init.body) : null });
      /** @type {any} */
      let data = {};
      if (url.includes("/status")) data = { version: "0.1.0", api: 2, cache_roots: ["/tmp"], max_workers: 2 };
      else if (url.includes("/cache?")) data = { path: "/tmp/cache", manifests: [M5], current: M5, source: { kind: "mirror", root: "/m" }, jobs: [] };
      else if (url.endsWith("/downloads")) data = { batch: { id: BATCH }, jobs: [], verified: [] };
      else if (url.endsWith("/cancel")) data = { cancelled: 3, finished: 0, unknown: [] };
      return new Response(JSON.stringify(data), { status: 200, headers: { "Content-Type": "application/json" } });
    });
    vi.stubGlobal("fetch", fetch);
    return { calls, remove: () => config.remove() };
  }
  const BATCH = "b".repeat(32);

  it("switches to the server, then starts and cancels there what the kernel asks, one call each", async () => {
    const server = fakeServer();
    const { model, el, cleanup } = await mount();
    await flush();
    expect(model.lastOf("backend")).toMatchObject({ server: true });
    model.reply(model.lastOf("backend"));
    model.set("backend", "server");
    expect(el.querySelector(".vbn-cb-backend")?.textContent).toBe("downloads: Jupyter server");
    const plan = { cache: "/tmp/cache", manifest: M5, files: [7, 8] };
    model.receive({ kind: "server-request", request: "r1", action: "enqueue", plan });
    await flush();
    const post = server.calls.filter((c) => c.method === "POST");
    expect(post.map((c) => c.url)).toEqual(["/lab-base/vbn-widgets/api/downloads"]);
    expect(post[0].body).toEqual({ ...plan, answer: "batch" });
    expect(model.lastOf("server-answer")).toMatchObject({ request: "r1", batch: BATCH });
    model.receive({ kind: "server-request", request: "r2", action: "cancel", all: true });
    await flush();
    const cancel = server.calls.filter((c) => c.url.endsWith("/cancel"));
    expect(cancel.map((c) => c.body)).toEqual([{ cache: "/tmp/cache" }]);
    const count = server.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(server.calls.length).toBe(count); // the page never polls: the kernel reads the job board
    cleanup();
    model.receive({ kind: "server-request", request: "r3", action: "cancel", all: true });
    await flush();
    expect(server.calls.length).toBe(count);
    server.remove();
  });
});
