// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import widget from "../../src/table_explorer/table_explorer.js";
import { fakeModel } from "../fake_model.js";

/** @import { ColumnInfo } from "../../src/table_explorer/protocol.js" */

/** @type {ColumnInfo[]} */
const COLUMNS = [
  { name: "id", kind: "number", dtype: "int64", index: true },
  { name: "name", kind: "text", dtype: "object", index: false },
  { name: "area", kind: "category", dtype: "category", index: false },
  { name: "snr", kind: "number", dtype: "float64", index: false },
];

const initial = () => ({
  columns: COLUMNS,
  row_count: 10_000,
  filtered_count: 5_000,
  selected_count: 0,
  /** @type {import("../../src/table_explorer/protocol.js").FilterSpec} */
  filters: { version: 1, filters: [] },
  /** @type {[string, "asc" | "desc"][]} */
  sort: [],
  revision: 0,
  error: "",
  row_height: 26,
  title: "units",
});

const frame = () => new Promise((resolve) => setTimeout(resolve, 40));

/**
 * Cells buffer + selected buffer for rows offset..offset+n-1 of the fake table.
 * @param {number} offset
 * @param {number} n
 * @param {{ revision?: number, selected?: number[] }} [options]
 */
function pageReply(offset, n, { revision = 0, selected = [] } = {}) {
  const rows = Array.from({ length: n }, (_, i) => {
    const id = offset + i;
    return [String(id), id === 1 ? "<img src=x onerror=alert(1)>" : `unit ${id}`, id % 2 ? "VISp" : "\u0015", "1.5"];
  });
  const bytes = Uint8Array.from(new TextEncoder().encode(rows.map((r) => r.join("\u001f")).join("\u001e")));
  const flags = new Uint8Array(n);
  for (const s of selected) flags[s - offset] = 1;
  return {
    fields: { revision, offset, total: 5000, n_rows: n, columns: COLUMNS.map((c) => c.name) },
    buffers: [new DataView(bytes.buffer), new DataView(flags.buffer)],
  };
}

const answered = new WeakSet();
/**
 * Answer every page request not answered yet.
 * @param {ReturnType<typeof fakeModel>} model
 * @param {{ revision?: number, selected?: number[] }} [opts]
 */
function answerPages(model, opts = {}) {
  for (const request of model.sentOf("page")) {
    if (answered.has(request)) continue;
    answered.add(request);
    const { fields, buffers } = pageReply(request.offset, Math.min(request.limit, 5000 - request.offset), opts);
    model.reply(request, fields, buffers);
  }
}

async function mount(overrides = {}) {
  const model = fakeModel({ ...initial(), ...overrides });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = /** @type {() => void} */ (await widget.render({ model, el }));
  return { model, el, cleanup, body: /** @type {HTMLElement} */ (el.querySelector(".vbn-te-body")) };
}

/** @param {Element} target @param {MouseEventInit} [init] */
const click = (target, init = {}) => target.dispatchEvent(new MouseEvent("click", { bubbles: true, ...init }));

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("TableExplorer render", () => {
  it("renders the header and status, and requests the first page", async () => {
    const { model, el, cleanup } = await mount();
    expect(el.classList.contains("vbn-table-explorer")).toBe(true);
    const headers = [...el.querySelectorAll(".vbn-te-header-cell")].map((c) => c.getAttribute("data-column"));
    expect(headers).toEqual(["id", "name", "area", "snr"]);
    expect(el.querySelectorAll(".vbn-te-filter-button")).toHaveLength(4);
    const status = /** @type {HTMLElement} */ (el.querySelector(".vbn-te-status"));
    expect(status.textContent).toContain("5,000 of 10,000 rows");
    expect(status.textContent).toContain("0 selected");
    expect(el.querySelector(".vbn-te-title")?.textContent).toBe("units");
    expect(el.style.getPropertyValue("--vbn-te-row-height")).toBe("26px");
    expect(model.sentOf("page")).toEqual([expect.objectContaining({ kind: "page", offset: 0, limit: 100, id: expect.any(String) })]);
    model.set("error", "no column 'x'");
    expect(status.textContent).toContain("no column 'x'");
    model.set("filtered_count", 1234);
    expect(status.textContent).toContain("1,234 of 10,000 rows");
    cleanup();
  });

  it("fills rows from a page reply, as text only", async () => {
    const { model, el, cleanup } = await mount();
    answerPages(model, { selected: [2] });
    await frame();
    const rows = [...el.querySelectorAll(".vbn-te-row")];
    expect(rows.length).toBeGreaterThan(10);
    expect(rows[0].getAttribute("data-row")).toBe("0");
    const cells = rows[1].querySelectorAll(".vbn-te-cell");
    expect(cells[1].textContent).toBe("<img src=x onerror=alert(1)>");
    expect(el.querySelector("img")).toBeNull();
    expect(rows[0].querySelectorAll(".vbn-te-cell")[2].classList.contains("vbn-te-missing")).toBe(true);
    expect(rows[0].querySelectorAll(".vbn-te-cell")[2].textContent).toBe("—");
    expect(rows[2].classList.contains("vbn-te-selected")).toBe(true);
    expect(rows[1].classList.contains("vbn-te-selected")).toBe(false);
    cleanup();
  });

  it("keeps the number of row elements bounded while scrolling 10 million rows", async () => {
    const { model, el, body, cleanup } = await mount({ filtered_count: 10_000_000, row_count: 10_000_000 });
    let scrollTop = 0;
    Object.defineProperty(body, "scrollTop", { get: () => scrollTop, set: (v) => (scrollTop = v), configurable: true });
    const counts = [];
    for (const y of [0, 5_000, 1_000_000, 7_000_000, 15_000_000]) {
      scrollTop = y;
      body.dispatchEvent(new Event("scroll"));
      await frame();
      counts.push(el.querySelectorAll(".vbn-te-row").length);
    }
    expect(Math.max(...counts)).toBeLessThanOrEqual(40);
    expect(Math.min(...counts)).toBeGreaterThan(10);
    const last = [...el.querySelectorAll(".vbn-te-row")].map((r) => Number(r.getAttribute("data-row")));
    expect(Math.max(...last)).toBe(9_999_999);
    expect(Number.parseFloat(/** @type {HTMLElement} */ (el.querySelector(".vbn-te-rows")).style.height)).toBeLessThanOrEqual(15_000_000);
    // Only pages around the places we stopped at were requested.
    expect(model.sentOf("page").length).toBeLessThanOrEqual(10);
    cleanup();
  });

  it("shows the first rows again when the filters change", async () => {
    const { model, body, cleanup } = await mount();
    body.scrollTop = 2_600;
    model.set("sort", [["snr", "desc"]]);
    expect(body.scrollTop).toBe(2_600); // a new sort keeps the place
    model.set("filters", { version: 1, filters: [{ column: "snr", kind: "range", min: 1, max: null, min_inclusive: true, max_inclusive: true, missing: "exclude" }] });
    expect(body.scrollTop).toBe(0);
    cleanup();
  });

  it("sends sort on header clicks: plain = this column only, shift = an extra key", async () => {
    const { model, el, cleanup } = await mount();
    const header = (/** @type {string} */ name) => /** @type {Element} */ (el.querySelector(`.vbn-te-header-cell[data-column="${name}"]`));
    click(header("name").querySelector(".vbn-te-name") ?? header("name"));
    expect(model.lastOf("sort").keys).toEqual([["name", "asc"]]);
    const before = header("name");
    model.set("sort", [["name", "asc"]]); // Python applies it
    expect(header("name")).toBe(before); // patched in place: a click in flight still lands
    expect(header("name").querySelector(".vbn-te-sort")?.textContent).toBe("▲");
    expect(header("name").getAttribute("aria-sort")).toBe("ascending");
    click(header("snr"), { shiftKey: true });
    expect(model.lastOf("sort").keys).toEqual([["name", "asc"], ["snr", "asc"]]);
    model.set("sort", [["name", "asc"], ["snr", "desc"]]);
    expect(header("snr").querySelector(".vbn-te-sort")?.textContent).toBe("▼2");
    click(header("name"));
    expect(model.lastOf("sort").keys).toEqual([["name", "asc"]]);
    cleanup();
  });

  it("sends select on row presses and keys", async () => {
    const { model, el, body, cleanup } = await mount();
    answerPages(model);
    await frame();
    const row = (/** @type {number} */ i) => /** @type {Element} */ (el.querySelector(`.vbn-te-row[data-row="${i}"]`));
    /** @param {Element} target @param {MouseEventInit} [init] */
    const press = (target, init = {}) => target.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, button: 0, ...init }));
    press(row(3).querySelector(".vbn-te-cell") ?? row(3));
    expect(model.lastOf("select")).toMatchObject({ op: "set", rows: [3] });
    press(row(5), { ctrlKey: true });
    expect(model.lastOf("select")).toMatchObject({ op: "toggle", rows: [5] });
    press(row(7), { button: 2 }); // right button: no selection change
    expect(model.sentOf("select")).toHaveLength(2);
    press(row(9), { shiftKey: true });
    expect(model.lastOf("select")).toMatchObject({ op: "range", from: 5, to: 9 });
    click(row(9), { shiftKey: true }); // the click that follows the press: not a second select
    expect(model.sentOf("select")).toHaveLength(3);
    click(row(4)); // a click with no press (element.click()) still selects
    expect(model.lastOf("select")).toMatchObject({ op: "set", rows: [4] });
    press(row(5), { ctrlKey: true });
    click(row(5), { ctrlKey: true });
    expect(model.lastOf("select")).toMatchObject({ op: "toggle", rows: [5] });
    press(row(9), { shiftKey: true });
    const key = (/** @type {string} */ k, shiftKey = false) => body.dispatchEvent(new KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true }));
    key("ArrowDown");
    await frame();
    expect(el.querySelector(".vbn-te-cursor")?.getAttribute("data-row")).toBe("10");
    key(" ");
    expect(model.lastOf("select")).toMatchObject({ op: "toggle", rows: [10] });
    key("ArrowDown", true);
    expect(model.lastOf("select")).toMatchObject({ op: "range", from: 10, to: 11 });
    click(/** @type {Element} */ (el.querySelector(".vbn-te-select-all")));
    expect(model.lastOf("select")).toMatchObject({ op: "all" });
    click(/** @type {Element} */ (el.querySelector(".vbn-te-select-none")));
    expect(model.lastOf("select")).toMatchObject({ op: "none" });
    // A new revision (selection changed) refetches the visible page.
    const before = model.sentOf("page").length;
    model.set("revision", 1);
    await frame();
    expect(model.sentOf("page").length).toBe(before + 1);
    answerPages(model, { revision: 1, selected: [3] });
    await frame();
    expect(row(3).classList.contains("vbn-te-selected")).toBe(true);
    cleanup();
  });

  it("opens a filter panel that requests a summary, shows facet counts and sends set-filter", async () => {
    const { model, el, cleanup } = await mount();
    click(/** @type {Element} */ (el.querySelector('.vbn-te-filter-button[data-column="area"]')));
    const panel = /** @type {HTMLElement} */ (el.querySelector(".vbn-te-panel"));
    expect(panel).not.toBeNull();
    const request = model.lastOf("summary");
    expect(request.columns).toEqual(["area"]);
    const i32 = (/** @type {number[]} */ xs) => new DataView(Int32Array.from(xs).buffer);
    model.reply(
      request,
      { revision: 0, summaries: [{ column: "area", type: "values", values: ["VISp", "CA1"], counts: 0, totals: 1, missing: 4, missing_total: 9, more: 3 }] },
      [i32([2500, 0]), i32([5000, 10])],
    );
    await frame();
    const items = [...panel.querySelectorAll(".vbn-te-value")].map((v) => v.textContent);
    expect(items).toEqual(["VISp2,500", "CA10"]);
    expect(panel.textContent).toContain("+3 more values not listed");
    const box = /** @type {HTMLInputElement} */ (panel.querySelector('input[data-role="value"]'));
    box.checked = true;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    expect(model.lastOf("set-filter").filter).toEqual({ column: "area", kind: "values", values: ["VISp"], missing: "exclude" });
    // Python applies it: chip appears; a new revision while open refetches the summary.
    model.set("filters", { version: 1, filters: [model.lastOf("set-filter").filter] });
    expect(el.querySelector(".vbn-te-active")?.textContent).toContain("area: VISp");
    expect(el.querySelector('.vbn-te-filter-button[data-column="area"]')?.classList.contains("vbn-te-filter-active")).toBe(true);
    model.set("revision", 1);
    expect(model.sentOf("summary")).toHaveLength(2);
    click(/** @type {Element} */ (el.querySelector(".vbn-te-chip-clear")));
    expect(model.lastOf("clear-filter")).toMatchObject({ column: "area" });
    click(/** @type {Element} */ (el.querySelector(".vbn-te-clear-filters")));
    expect(model.sentOf("clear-filters")).toHaveLength(1);
    el.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(el.querySelector(".vbn-te-panel")).toBeNull();
    cleanup();
  });

  it("debounces text filters and validates ranges before sending", async () => {
    vi.useFakeTimers();
    const { model, el, cleanup } = await mount();
    click(/** @type {Element} */ (el.querySelector('.vbn-te-filter-button[data-column="name"]')));
    const pattern = /** @type {HTMLInputElement} */ (el.querySelector('input[data-role="pattern"]'));
    for (const text of ["u", "un", "uni"]) {
      pattern.value = text;
      pattern.dispatchEvent(new Event("input", { bubbles: true }));
      vi.advanceTimersByTime(100);
    }
    expect(model.sentOf("set-filter")).toHaveLength(0);
    vi.advanceTimersByTime(250);
    expect(model.sentOf("set-filter").map((m) => m.filter.pattern)).toEqual(["uni"]);
    click(/** @type {Element} */ (el.querySelector('.vbn-te-filter-button[data-column="snr"]')));
    expect(el.querySelectorAll(".vbn-te-panel")).toHaveLength(1);
    const min = /** @type {HTMLInputElement} */ (el.querySelector('input[data-role="min"]'));
    const max = /** @type {HTMLInputElement} */ (el.querySelector('input[data-role="max"]'));
    min.value = "5";
    min.dispatchEvent(new Event("change", { bubbles: true }));
    expect(model.lastOf("set-filter").filter).toMatchObject({ column: "snr", kind: "range", min: 5, max: null });
    max.value = "2";
    max.dispatchEvent(new Event("change", { bubbles: true }));
    expect(model.sentOf("set-filter")).toHaveLength(2);
    expect(el.querySelector(".vbn-te-panel-error")?.textContent).toMatch(/greater than/);
    cleanup();
  });

  it("throttles the histogram brush to one set-filter per 150 ms, plus the final one", async () => {
    vi.useFakeTimers();
    const { model, el, cleanup } = await mount();
    click(/** @type {Element} */ (el.querySelector('.vbn-te-filter-button[data-column="snr"]')));
    const i32 = (/** @type {number[]} */ xs) => new DataView(Int32Array.from(xs).buffer);
    model.reply(
      model.lastOf("summary"),
      { revision: 0, summaries: [{ column: "snr", type: "histogram", edges: [0, 10, 20, 30, 40], counts: 0, totals: 1, missing: 0, missing_total: 0 }] },
      [i32([1, 2, 3, 4]), i32([2, 4, 6, 8])],
    );
    await vi.advanceTimersByTimeAsync(0);
    const svg = /** @type {Element} */ (el.querySelector(".vbn-te-hist"));
    const pointer = (/** @type {string} */ type, /** @type {number} */ x) => new MouseEvent(type, { clientX: x, button: 0, bubbles: true });
    svg.dispatchEvent(pointer("pointerdown", 26));
    for (let x = 40; x <= 200; x += 10) {
      window.dispatchEvent(pointer("pointermove", x));
      vi.advanceTimersByTime(20);
    }
    const during = model.sentOf("set-filter").length;
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(3);
    window.dispatchEvent(pointer("pointerup", 208));
    const final = model.lastOf("set-filter").filter;
    expect(final).toMatchObject({ column: "snr", kind: "range", min: 4, max: 32, min_inclusive: true, max_inclusive: true });
    vi.advanceTimersByTime(1000);
    expect(model.sentOf("set-filter")).toHaveLength(during + 1);
    cleanup();
  });

  it("cleans up: model and document listeners, pending requests, DOM", async () => {
    const addDoc = vi.spyOn(document, "addEventListener");
    const removeDoc = vi.spyOn(document, "removeEventListener");
    const { model, el, cleanup } = await mount();
    click(/** @type {Element} */ (el.querySelector('.vbn-te-filter-button[data-column="snr"]')));
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(removeDoc.mock.calls.length).toBe(addDoc.mock.calls.length);
    expect(el.childElementCount).toBe(0);
    expect(el.classList.contains("vbn-table-explorer")).toBe(false);
    // Replies after cleanup are ignored, and no frame runs any more.
    const sent = model.sent.length;
    answerPages(model);
    await frame();
    expect(model.sent.length).toBe(sent);
  });
});
