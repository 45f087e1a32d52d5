// One criterion row: what the metric means, its rule (keep above/below, a typed threshold kept
// exactly as typed, inclusive, NaN rule), how many units it keeps and how many are NaN, a warning
// when it keeps none, and its density panel with the slider. Names are data, never markup or
// class names: every text goes in through textContent.
/** @import { Criterion, MetricInfo } from "./protocol.js" */
import { h } from "../lib/dom.js";
import { createPlot } from "./plot.js";
import { formatValue, gridValues } from "./scale.js";

/** @typedef {Partial<Omit<Criterion, "metric">>} CriterionChange */

/**
 * @typedef {object} RowState
 * @property {Criterion} criterion the criterion to show (local while a change is in flight)
 * @property {{ index: number, y: Float64Array }[]} curves
 * @property {number | null} kept units of the restriction the criterion keeps on its own
 * @property {number} missing units whose metric is NaN (in the restriction)
 * @property {number} total units in the restriction
 * @property {number} width plot width, px
 */

const fmt = (/** @type {number} */ n) => n.toLocaleString("en-US");

/**
 * @param {MetricInfo} info
 * @param {number} index position in metric_info
 * @param {{ onChange: (change: CriterionChange, final: boolean) => void, onInvalid: (message: string) => void }} handlers
 */
export function createMetricRow(info, index, { onChange, onInvalid }) {
  const grid = gridValues(info.axis);
  const active = h("input", { type: "checkbox", class: "vbn-qf-active" });
  const name = h("span", { class: "vbn-qf-name", text: info.name });
  const description = h("div", { class: "vbn-qf-description", text: info.description, title: info.description });
  const keep = h("select", { class: "vbn-qf-keep", "aria-label": `${info.name}: keep units` }, h("option", { value: "above", text: "keep >" }), h("option", { value: "below", text: "keep <" }));
  const value = h("input", { type: "text", inputmode: "decimal", class: "vbn-qf-value", spellcheck: "false", "aria-label": `${info.name} threshold` });
  const inclusive = h("input", { type: "checkbox", class: "vbn-qf-inclusive" });
  const missing = h("select", { class: "vbn-qf-missing", "aria-label": `${info.name}: units with NaN` }, h("option", { value: "fail", text: "NaN fails" }), h("option", { value: "pass", text: "NaN passes" }));
  const counts = h("div", { class: "vbn-qf-counts" });
  const warning = h("div", { class: "vbn-qf-warning", role: "status" });
  const plot = createPlot({ onPick: (v, final) => onChange({ threshold: v }, final) });
  const side = h(
    "div",
    { class: "vbn-qf-side" },
    h("label", { class: "vbn-qf-title" }, active, name),
    description,
    h("div", { class: "vbn-qf-rulebox" }, keep, value, h("label", { class: "vbn-qf-incl", title: "count units equal to the threshold as passing" }, inclusive, "incl."), missing),
    counts,
    warning,
  );
  const root = h("div", { class: "vbn-qf-row", "data-index": index }, side, plot.root);
  /** @type {RowState | null} */
  let shown = null;

  const commitTyped = () => {
    const text = value.value.trim();
    const number = text === "" ? NaN : Number(text);
    if (!Number.isFinite(number)) {
      onInvalid(`${info.name}: ${JSON.stringify(text.slice(0, 40))} is not a number`);
      value.classList.add("vbn-qf-invalid");
      return;
    }
    value.classList.remove("vbn-qf-invalid");
    if (number !== shown?.criterion.threshold) onChange({ threshold: number }, true);
  };
  const onKey = (/** @type {KeyboardEvent} */ event) => {
    if (event.key === "Enter") commitTyped();
    if (event.key === "Escape" && shown) {
      value.value = formatValue(shown.criterion.threshold);
      value.classList.remove("vbn-qf-invalid");
    }
  };
  const listeners = /** @type {[EventTarget, string, (e: any) => void][]} */ ([
    [active, "change", () => onChange({ active: active.checked }, true)],
    [keep, "change", () => onChange({ keep: /** @type {"above" | "below"} */ (keep.value) }, true)],
    [inclusive, "change", () => onChange({ inclusive: inclusive.checked }, true)],
    [missing, "change", () => onChange({ missing: /** @type {"fail" | "pass"} */ (missing.value) }, true)],
    [value, "change", commitTyped],
    [value, "keydown", onKey],
  ]);
  for (const [target, type, fn] of listeners) target.addEventListener(type, fn);

  /** @param {RowState} state */
  function update(state) {
    shown = state;
    const c = state.criterion;
    active.checked = c.active;
    keep.value = c.keep;
    inclusive.checked = c.inclusive;
    missing.value = c.missing;
    // What the user is typing stays; otherwise the field shows the threshold exactly.
    if (value.ownerDocument.activeElement !== value) {
      value.value = formatValue(c.threshold);
      value.classList.remove("vbn-qf-invalid");
    }
    root.classList.toggle("vbn-qf-inactive", !c.active);
    const keptText = state.kept === null ? "" : `keeps ${fmt(state.kept)} of ${fmt(state.total)}`;
    counts.textContent = [keptText, `${fmt(state.missing)} NaN`].filter(Boolean).join(" · ");
    const none = c.active && state.kept === 0 && state.total > 0;
    warning.textContent = none
      ? `keeps 0 units: ${info.name} ${c.keep === "above" ? ">" : "<"} ${formatValue(c.threshold)} matches none (the axis spans ${formatValue(info.axis.lo)} to ${formatValue(info.axis.hi)})`
      : "";
    warning.hidden = !none;
    plot.draw({ axis: info.axis, grid, curves: state.curves, threshold: c.threshold, active: c.active, keep: c.keep, inclusive: c.inclusive, width: state.width, name: info.name });
  }

  return {
    root,
    handle: plot.handle,
    valueInput: value,
    update,
    dispose() {
      for (const [target, type, fn] of listeners) target.removeEventListener(type, fn);
      plot.dispose();
    },
  };
}
