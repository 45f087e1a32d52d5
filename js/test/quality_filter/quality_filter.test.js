// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import widget from "../../src/quality_filter/quality_filter.js";
import { fakeModel } from "../fake_model.js";

/** @import { Criterion, MetricInfo, Settings } from "../../src/quality_filter/protocol.js" */

const WEIRD = 'snr "x" <b>y</b>';

/** @type {MetricInfo[]} */
const METRICS = [
  { name: "presence_ratio", description: "Fraction of the recording in which the unit fired.", axis: { log: false, lo: 0, hi: 0.99, step: 0.01 } },
  { name: WEIRD, description: "<img src=x onerror=alert(1)>", axis: { log: false, lo: 0, hi: 29, step: 0.5 } },
  { name: "isi_violations", description: "Refractory-period violations.", axis: { log: true, lo: 0, hi: 200, step: 0 } },
];

/** @param {string} metric @param {Partial<Criterion>} [fields] @returns {Criterion} */
const criterion = (metric, fields = {}) => ({ metric, keep: "above", threshold: 1, inclusive: false, active: false, missing: "fail", ...fields });

/** @param {Criterion[]} criteria @returns {Settings} */
const spec = (criteria, preset = "custom") => ({ criteria, sessions: null, areas: null, good_label_only: false, preset });

function initial() {
  const counts = new Int32Array(3 * 5 * 100);
  for (let m = 0; m < 3; m++) for (let g = 0; g < 5; g++) for (let b = 30; b < 60; b++) counts[(m * 5 + g) * 100 + b] = 10 + b;
  return {
    metric_info: METRICS,
    binned: {
      groups: ["cortex", "thalamus", "hippocampus", "midbrain", "other"],
      bins: 100,
      counts: { view: new DataView(counts.buffer), dtype: /** @type {const} */ ("int32"), shape: [3, 5, 100] },
      missing: { view: new DataView(new Int32Array([0, 12, 3]).buffer), dtype: /** @type {const} */ ("int32"), shape: [3] },
    },
    spec: spec([criterion("presence_ratio", { threshold: 0.9, active: true }), criterion(WEIRD, { threshold: 2 }), criterion("isi_violations", { keep: "below", threshold: 0.5, active: true })], "Allen tutorial"),
    summary: { kept: [900, 800, 700], attrition: [{ criterion: "presence_ratio > 0.9", metric: "presence_ratio", removed_alone: 100, removed_cumulative: 100, remaining: 900 }], areas: [{ area: "VISp", group: "cortex", passing: 3, total: 9 }], sessions: [{ session: 1044385384, passing: 3, total: 9 }] },
    choices: {
      sessions: [{ value: 1044385384, label: "1044385384 · 6 probes", count: 9 }, { value: 1044594870, label: "1044594870 · 5 probes", count: 4 }],
      areas: [{ value: "VISp", label: "VISp · cortex", count: 9 }, { value: "CA1", label: "CA1 · hippocampus", count: 4 }, { value: "<i>x</i>", label: "<i>x</i> · other", count: 1 }],
      good_label: true,
    },
    presets: ["Allen tutorial", "AllenSDK defaults"],
    export_to: /** @type {string | null} */ ("good_units"),
    passing_count: 600,
    total_count: 1000,
    revision: 1,
    error: "",
  };
}

/** @type {(() => void)[]} */
const cleanups = [];
afterEach(() => cleanups.splice(0).forEach((fn) => fn()));

async function mount() {
  const model = fakeModel(initial());
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = /** @type {() => void} */ (await widget.render(/** @type {any} */ ({ model, el })));
  cleanups.push(() => {
    cleanup();
    el.remove();
  });
  const row = (/** @type {number} */ i) => /** @type {HTMLElement} */ (el.querySelector(`.vbn-qf-row[data-index="${i}"]`));
  const handle = (/** @type {number} */ i) => /** @type {HTMLElement} */ (row(i).querySelector(".vbn-qf-handle"));
  const press = (/** @type {number} */ i, /** @type {string} */ key) => handle(i).dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
  return { model, el, cleanup, row, handle, press };
}

describe("QualityFilter view", () => {
  it("shows every metric with its meaning, counts, curves and rule", async () => {
    const { el, row } = await mount();
    expect(el.querySelectorAll(".vbn-qf-row")).toHaveLength(3);
    expect(el.querySelector(".vbn-qf-count")?.textContent).toBe("600 of 1,000 units pass");
    expect(row(0).querySelector(".vbn-qf-description")?.textContent).toContain("Fraction of the recording");
    expect(row(1).querySelector(".vbn-qf-counts")?.textContent).toBe("keeps 800 of 1,000 · 12 NaN");
    expect(row(0).querySelectorAll(".vbn-qf-curve")).toHaveLength(5);
    expect(row(0).querySelector(".vbn-qf-rule")?.textContent).toBe("keep > 0.9");
    expect(row(2).querySelector(".vbn-qf-rule")?.textContent).toBe("keep < 0.5");
    expect(row(2).querySelector(".vbn-qf-axisnote")?.textContent).toBe("log scale");
    const labels = [...row(0).querySelectorAll(".vbn-qf-ticklabel")].map((t) => t.textContent);
    expect(labels).toEqual(["0", "0.2", "0.4", "0.6", "0.8"]);
    expect(/** @type {HTMLSelectElement} */ (el.querySelector(".vbn-qf-preset")).value).toBe("Allen tutorial");
    expect(el.querySelector(".vbn-qf-table caption")?.textContent).toBe("each active criterion, in turn");
  });

  it("treats a metric name with spaces, quotes and HTML as text", async () => {
    const { el, row, model, press } = await mount();
    expect(row(1).querySelector(".vbn-qf-name")?.textContent).toBe(WEIRD);
    expect(el.querySelector("img, i")).toBeNull();
    expect([...el.querySelectorAll("b")].map((b) => b.textContent)).toEqual(["sessions", "areas"]);
    expect(row(1).className).toBe("vbn-qf-row vbn-qf-inactive");
    press(1, "ArrowRight");
    expect(model.lastOf("set-criterion")).toMatchObject({ metric: WEIRD, threshold: 2.5 });
  });

  it("moves a threshold on the grid, shows the chosen value while asking, then follows Python", async () => {
    const { model, row, handle, press } = await mount();
    press(2, "ArrowRight"); // log axis: from 0.5 to the next 1-2-5 value
    expect(model.lastOf("set-criterion")).toMatchObject({ metric: "isi_violations", threshold: 1 });
    press(0, "ArrowRight");
    const first = model.lastOf("set-criterion");
    expect(first).toMatchObject({ kind: "set-criterion", metric: "presence_ratio", threshold: 0.91 });
    expect(handle(0).getAttribute("aria-valuenow")).toBe("0.91");
    press(0, "ArrowRight");
    const second = model.lastOf("set-criterion");
    expect(second.threshold).toBe(0.92);
    expect(row(0).querySelector(".vbn-qf-counts")?.textContent).toBe("0 NaN"); // no stale count
    // the first answer arrives while the second is in flight: the view keeps the latest choice
    model.set("spec", spec([criterion("presence_ratio", { threshold: 0.91, active: true })]));
    model.reply(first);
    await Promise.resolve();
    expect(handle(0).getAttribute("aria-valuenow")).toBe("0.92");
    press(0, "ArrowLeft");
    const third = model.lastOf("set-criterion");
    expect(third.threshold).toBe(0.91);
    model.set("spec", spec([criterion("presence_ratio", { threshold: 0.91, active: true })]));
    model.reply(second);
    model.reply(third);
    await new Promise((r) => setTimeout(r, 0));
    expect(handle(0).getAttribute("aria-valuenow")).toBe("0.91");
    expect(/** @type {HTMLInputElement} */ (row(0).querySelector(".vbn-qf-value")).value).toBe("0.91");
    press(0, "End");
    expect(model.lastOf("set-criterion").threshold).toBe(0.99);
  });

  it("snaps a drag to grid values and sends the last one when released", async () => {
    const { model, row } = await mount();
    const box = /** @type {HTMLElement} */ (row(1).querySelector(".vbn-qf-plotbox"));
    // jsdom has no layout: the plot is 480 px wide from x = 0, the axis spans 14..466 px
    const at = (/** @type {number} */ value) => 14 + (value / 29) * (480 - 28);
    const fire = (/** @type {string} */ type, /** @type {number} */ x) =>
      box.dispatchEvent(new MouseEvent(type, { clientX: x, button: 0, bubbles: true }));
    fire("pointerdown", at(7.1));
    expect(model.lastOf("set-criterion")).toMatchObject({ metric: WEIRD, threshold: 7 });
    fire("pointermove", at(7.3)); // throttled: the next one goes later
    fire("pointerup", at(7.3));
    expect(model.lastOf("set-criterion").threshold).toBe(7.5);
    const thresholds = model.sentOf("set-criterion").map((c) => c.threshold);
    expect(thresholds.every((t) => Number.isInteger(t * 2))).toBe(true);
  });

  it("shows a value set from Python exactly and sends a typed value exactly as typed", async () => {
    const { model, row, el } = await mount();
    model.set("spec", spec([criterion("presence_ratio", { threshold: 1.98081, active: true })]));
    const box = /** @type {HTMLInputElement} */ (row(0).querySelector(".vbn-qf-value"));
    expect(box.value).toBe("1.98081");
    expect(model.sentOf("set-criterion")).toHaveLength(0); // showing it sends nothing
    box.value = "0.123456789";
    box.dispatchEvent(new Event("change"));
    expect(model.lastOf("set-criterion").threshold).toBe(0.123456789);
    box.value = "5 units";
    box.dispatchEvent(new Event("change"));
    expect(model.sentOf("set-criterion")).toHaveLength(1);
    expect(el.querySelector(".vbn-qf-error")?.textContent).toContain("is not a number");
  });

  it("warns when an active criterion keeps no unit", async () => {
    const { model, row } = await mount();
    const warning = /** @type {HTMLElement} */ (row(0).querySelector(".vbn-qf-warning"));
    expect(warning.hidden).toBe(true);
    model.set("spec", spec([criterion("presence_ratio", { threshold: 5, active: true })]));
    model.set("summary", { ...model.get("summary"), kept: [0, 800, 700] });
    expect(warning.hidden).toBe(false);
    expect(warning.textContent).toContain("keeps 0 units");
    expect(warning.textContent).toContain("0 to 0.99");
  });

  it("asks Python for every other change and shows Python's errors", async () => {
    const { model, el, row } = await mount();
    const active = /** @type {HTMLInputElement} */ (row(1).querySelector(".vbn-qf-active"));
    active.checked = true;
    active.dispatchEvent(new Event("change"));
    expect(model.lastOf("set-criterion")).toMatchObject({ metric: WEIRD, active: true });
    const preset = /** @type {HTMLSelectElement} */ (el.querySelector(".vbn-qf-preset"));
    preset.value = "AllenSDK defaults";
    preset.dispatchEvent(new Event("change"));
    expect(model.lastOf("apply-preset").name).toBe("AllenSDK defaults");
    const search = /** @type {HTMLInputElement} */ (el.querySelectorAll(".vbn-qf-search")[1]);
    search.value = "hippo";
    search.dispatchEvent(new Event("input"));
    const options = el.querySelectorAll(".vbn-qf-picker")[1].querySelectorAll(".vbn-qf-option");
    expect([...options].map((o) => o.textContent)).toEqual(["CA1 · hippocampus4"]);
    const box = /** @type {HTMLInputElement} */ (options[0].querySelector("input"));
    box.checked = true;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    expect(model.lastOf("set-restriction").areas).toEqual(["CA1"]);
    expect(box.checked).toBe(false); // chosen once Python says so
    model.set("spec", { ...model.get("spec"), areas: ["CA1"] });
    expect(box.checked).toBe(true);
    expect(el.querySelector(".vbn-qf-chip")?.textContent).toBe("CA1 · hippocampus ×");
    model.set("error", "'metric' must be one of the widget's metrics");
    expect(el.querySelector(".vbn-qf-error")?.textContent).toBe("'metric' must be one of the widget's metrics");
  });

  it("asks before exporting over a value it did not write", async () => {
    const { model, el } = await mount();
    const name = /** @type {HTMLInputElement} */ (el.querySelector(".vbn-qf-export"));
    name.value = "mine";
    name.dispatchEvent(new Event("change"));
    const ask = model.lastOf("set-export");
    expect(ask).toMatchObject({ name: "mine", confirm: false });
    model.reply(ask, { needs_confirm: true, message: "mine already holds a value this widget did not write; replace it?" });
    await new Promise((r) => setTimeout(r, 0));
    const confirm = /** @type {HTMLElement} */ (el.querySelector(".vbn-qf-confirmbox"));
    expect(confirm.hidden).toBe(false);
    /** @type {HTMLButtonElement} */ (el.querySelector(".vbn-qf-confirm")).click();
    expect(model.lastOf("set-export")).toMatchObject({ name: "mine", confirm: true });
  });

  it("cleans up after itself", async () => {
    const { model, cleanup } = await mount();
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });
});
