// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import widget from "../../src/spike_explorer/spike_explorer.js";
import { fakeModel } from "../fake_model.js";

/** @param {ArrayBufferView} typed @param {string} dtype @param {number[]} shape */
const wire = (typed, dtype, shape) => ({ view: new DataView(typed.buffer, typed.byteOffset, typed.byteLength), dtype, shape });

/** A Python-like initial state; the heatmap holds arbitrary bytes (jsdom does not draw). */
function initial() {
  const rows = 4;
  const n = 150;
  const heat = new Uint8Array([1, 2, 3]);
  return /** @type {any} */ ({
    event: "changes",
    window: [-0.5, 1],
    bin_size: 0.01,
    grouping: "none",
    condition: null,
    sort: "area",
    scale: "rate",
    baseline_window: [-0.5, 0],
    response_window: [0.03, 0.25],
    colormap: "viridis",
    event_choices: [
      { key: "changes", label: "image changes", count: 50 },
      { key: "omissions", label: "omissions", count: 20 },
    ],
    event_info: {
      key: "changes", label: "image changes", description: "every image change", note: "display-lag corrected",
      count: 50, groupings: ["none", "block"], groups: ["all"], group_counts: [50], value_label: "rate (Hz)",
      scale_note: "rate", bins: { start: -0.5, stop: 1, width: 0.01, n }, units: rows, shown_events: 50,
    },
    heatmap: { shape: [rows, n], deflated: new DataView(heat.buffer, heat.byteOffset, heat.byteLength) },
    heatmap_range: [0, 40],
    rows: {
      unit_ids: wire(new Uint32Array([11, 12, 13, 14]), "uint32", [4]),
      areas: ["CA1", "VISp"],
      area_index: wire(new Uint8Array([1, 1, 0, 0]), "uint8", [4]),
      runs: [{ area: "VISp", start: 0, stop: 2 }, { area: "CA1", start: 2, stop: 4 }],
      selected: wire(new Uint32Array([]), "uint32", [0]),
    },
    area_psth: { areas: ["VISp", "CA1"], counts: [2, 2], values: wire(new Float32Array(2 * n), "float32", [2, n]) },
    unit_detail: null,
    selected_unit: null,
    selected_count: 0,
    title: "session 1",
    revision: 3,
    error: "",
  });
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 30));

describe("SpikeExplorer front end", () => {
  it("renders text, asks for view changes, and cleans up", async () => {
    const model = fakeModel(initial());
    const el = document.createElement("div");
    const cleanup = await widget.render({ model, el });
    await flush();
    expect(el.classList.contains("vbn-spike-explorer")).toBe(true);
    expect(el.querySelector(".vbn-se-note")?.textContent).toContain("display-lag corrected");
    const event = /** @type {HTMLSelectElement} */ (el.querySelector(".vbn-se-event"));
    expect(Array.from(event.options, (o) => o.text)).toEqual(["image changes (50)", "omissions (20)"]);
    event.value = "omissions";
    event.dispatchEvent(new Event("change"));
    expect(model.lastOf("set-view").changes).toEqual({ event: "omissions" });
    const bin = /** @type {HTMLSelectElement} */ (el.querySelector(".vbn-se-bin"));
    bin.value = "25";
    bin.dispatchEvent(new Event("change"));
    expect(model.lastOf("set-view").changes).toEqual({ bin_size: 0.025 });
    const start = /** @type {HTMLInputElement} */ (el.querySelector(".vbn-se-start"));
    start.value = "-0.25";
    start.dispatchEvent(new Event("change"));
    expect(model.lastOf("set-view").changes).toEqual({ window: [-0.25, 1] });
    start.value = "abc";
    start.dispatchEvent(new Event("change"));
    expect(model.sentOf("set-view")).toHaveLength(3);
    model.receive({ kind: "error", id: model.lastOf("set-view").id, message: "bad window" });
    await flush();
    expect(el.querySelector(".vbn-se-error")?.textContent).toBe("bad window");
    cleanup?.();
    expect(model.listenerCount()).toBe(0);
  });

  it("a click asks for the unit's raster, a drag ranks units by their response there", async () => {
    const model = fakeModel(initial());
    const el = document.createElement("div");
    const cleanup = await widget.render({ model, el });
    const canvas = /** @type {HTMLCanvasElement} */ (el.querySelector(".vbn-se-heatmap"));
    const at = (/** @type {string} */ type, /** @type {number} */ x, /** @type {number} */ y, shift = false) =>
      canvas.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, shiftKey: shift }));
    at("pointerdown", 200, 10);
    at("pointerup", 201, 10);
    expect(model.lastOf("select-unit")).toMatchObject({ row: 0, revision: 3 });
    at("pointerdown", 200, 300);
    at("pointermove", 400, 300);
    at("pointerup", 400, 300);
    const view = model.lastOf("set-view");
    expect(view.changes.sort).toBe("response");
    const [t0, t1] = view.changes.response_window;
    expect(t0).toBeLessThan(t1);
    expect(Math.abs(Math.round(t0 / 0.01) * 0.01 - t0)).toBeLessThan(1e-9);
    at("pointerdown", 20, 10);
    at("pointerup", 20, 350, true);
    expect(model.lastOf("select-rows")).toMatchObject({ op: "set", from: 0, to: 3, revision: 3 });
    cleanup?.();
  });

  it("asks before replacing a variable, then replaces it when told", async () => {
    const model = fakeModel(initial());
    const el = document.createElement("div");
    const cleanup = await widget.render({ model, el });
    const what = /** @type {HTMLSelectElement} */ (el.querySelector(".vbn-se-export-what"));
    what.value = "counts";
    what.dispatchEvent(new Event("change"));
    const name = /** @type {HTMLInputElement} */ (el.querySelector(".vbn-se-export-name"));
    expect(name.value).toBe("counts");
    /** @type {HTMLButtonElement} */ (el.querySelector(".vbn-se-export")).click();
    const first = model.lastOf("export");
    expect(first).toMatchObject({ what: "counts", name: "counts", replace: false });
    model.reply(first, { needs_confirm: true, name: "counts" });
    await flush();
    const confirm = /** @type {HTMLElement} */ (el.querySelector(".vbn-se-confirm"));
    expect(confirm.hidden).toBe(false);
    /** @type {HTMLButtonElement} */ (el.querySelector(".vbn-se-replace")).click();
    const second = model.lastOf("export");
    expect(second.replace).toBe(true);
    model.reply(second, { needs_confirm: false, name: "counts", summary: "BinnedCounts(4 units)" });
    await flush();
    expect(el.querySelector(".vbn-se-export-status")?.textContent).toBe("counts = BinnedCounts(4 units)");
    cleanup?.();
  });

  it("shows the chosen unit's panel only when there is one", async () => {
    const model = fakeModel(initial());
    const el = document.createElement("div");
    const cleanup = await widget.render({ model, el });
    await flush();
    expect(/** @type {HTMLElement} */ (el.querySelector(".vbn-se-unit")).hidden).toBe(true);
    model.set("unit_detail", {
      unit_id: 12, area: "VISp", depth: 3100, groups: ["all"], group_rows: [50],
      times: wire(new Float32Array([0.1, 0.2]), "float32", [2]),
      rows: wire(new Int32Array([0, 3]), "int32", [2]),
      mean: wire(new Float32Array(150), "float32", [1, 150]),
      sem: wire(new Float32Array(150), "float32", [1, 150]),
    });
    await flush();
    expect(el.querySelector(".vbn-se-unit-title")?.textContent).toBe("unit 12 (VISp, 3100 um): 50 events");
    expect(/** @type {HTMLElement} */ (el.querySelector(".vbn-se-unit")).hidden).toBe(false);
    cleanup?.();
    vi.restoreAllMocks();
  });
});
