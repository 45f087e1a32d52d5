// The control bar: events, grouping, the group shown, window, bins, sort, scale, colormap,
// baseline. Builds the elements, fills them from the synced state, and reports user changes as
// `{trait: value}` (the same names as the Python traits and the set-view request).

import { h } from "../lib/dom.js";

export const BIN_SIZES_MS = [1, 2, 5, 10, 20, 25, 50, 100];
export const SORTS = [
  ["area", "area, then depth"],
  ["response", "response size"],
  ["latency", "latency"],
];
export const SCALES = [
  ["rate", "rate (Hz)"],
  ["zscore", "z-score vs baseline"],
];
export const COLORMAP_NAMES = ["viridis", "cividis"];

/** @import { EventChoice } from "./shapes.js" */
/**
 * @typedef {object} ControlState
 * @property {EventChoice[]} choices
 * @property {string} event
 * @property {string[]} groupings
 * @property {string} grouping
 * @property {string[]} groups
 * @property {string | null} condition
 * @property {[number, number]} window
 * @property {number} binSize
 * @property {string} sort
 * @property {string} scale
 * @property {string} colormap
 * @property {[number, number]} baseline
 */

/**
 * @param {HTMLSelectElement} select
 * @param {[string, string][]} options value, text
 * @param {string} value
 */
export function fillSelect(select, options, value) {
  const same =
    select.options.length === options.length && options.every(([v, t], i) => select.options[i].value === v && select.options[i].text === t);
  if (!same) select.replaceChildren(...options.map(([v, t]) => h("option", { value: v, text: t })));
  select.value = value;
}

/**
 * Parse a number input; NaN when empty or not a number.
 * @param {HTMLInputElement} input
 */
const num = (input) => (input.value.trim() === "" ? Number.NaN : Number(input.value));

/**
 * @param {(changes: Record<string, unknown>) => void} onChange
 */
export function createControls(onChange) {
  const labelled = (/** @type {string} */ text, /** @type {HTMLElement} */ control) => h("label", { class: "vbn-se-field" }, text, control);
  const event = h("select", { class: "vbn-se-event", "aria-label": "events" });
  const grouping = h("select", { class: "vbn-se-grouping", "aria-label": "group events by" });
  const condition = h("select", { class: "vbn-se-condition", "aria-label": "group shown" });
  const start = h("input", { type: "number", step: "0.05", class: "vbn-se-start", "aria-label": "window start (s)" });
  const stop = h("input", { type: "number", step: "0.05", class: "vbn-se-stop", "aria-label": "window stop (s)" });
  const bin = h("select", { class: "vbn-se-bin", "aria-label": "bin size" });
  const sort = h("select", { class: "vbn-se-sort", "aria-label": "sort units by" });
  const scale = h("select", { class: "vbn-se-scale", "aria-label": "scale" });
  const colormap = h("select", { class: "vbn-se-colormap", "aria-label": "colormap" });
  const baseStart = h("input", { type: "number", step: "0.05", class: "vbn-se-base-start", "aria-label": "baseline start (s)" });
  const baseStop = h("input", { type: "number", step: "0.05", class: "vbn-se-base-stop", "aria-label": "baseline stop (s)" });
  fillSelect(sort, /** @type {[string, string][]} */ (SORTS), "area");
  fillSelect(scale, /** @type {[string, string][]} */ (SCALES), "rate");
  fillSelect(colormap, COLORMAP_NAMES.map((n) => [n, n]), "viridis");

  event.addEventListener("change", () => onChange({ event: event.value }));
  grouping.addEventListener("change", () => onChange({ grouping: grouping.value }));
  condition.addEventListener("change", () => onChange({ condition: condition.value === "" ? null : condition.value }));
  bin.addEventListener("change", () => onChange({ bin_size: Number(bin.value) / 1000 }));
  sort.addEventListener("change", () => onChange({ sort: sort.value }));
  scale.addEventListener("change", () => onChange({ scale: scale.value }));
  colormap.addEventListener("change", () => onChange({ colormap: colormap.value }));
  const windowChanged = () => {
    const w = [num(start), num(stop)];
    if (w.every(Number.isFinite)) onChange({ window: w });
  };
  const baselineChanged = () => {
    const w = [num(baseStart), num(baseStop)];
    if (w.every(Number.isFinite)) onChange({ baseline_window: w });
  };
  start.addEventListener("change", windowChanged);
  stop.addEventListener("change", windowChanged);
  baseStart.addEventListener("change", baselineChanged);
  baseStop.addEventListener("change", baselineChanged);

  const element = h(
    "div",
    { class: "vbn-se-controls" },
    labelled("events", event),
    labelled("group by", grouping),
    labelled("show", condition),
    labelled("window (s)", h("span", { class: "vbn-se-pair" }, start, stop)),
    labelled("bin", bin),
    labelled("sort", sort),
    labelled("scale", scale),
    labelled("baseline (s)", h("span", { class: "vbn-se-pair" }, baseStart, baseStop)),
    labelled("colours", colormap),
  );

  /** @param {ControlState} s */
  function sync(s) {
    fillSelect(event, s.choices.map((c) => [c.key, `${c.label} (${c.count})`]), s.event);
    fillSelect(grouping, s.groupings.map((g) => [g, g]), s.grouping);
    fillSelect(condition, [["", "all events"], ...s.groups.map((g) => /** @type {[string, string]} */ ([g, g]))], s.condition ?? "");
    condition.disabled = s.groups.length <= 1;
    const ms = Math.round(s.binSize * 1e6) / 1e3;
    const sizes = BIN_SIZES_MS.includes(ms) ? BIN_SIZES_MS : [...BIN_SIZES_MS, ms].sort((a, b) => a - b);
    fillSelect(bin, sizes.map((v) => [String(v), `${v} ms`]), String(ms));
    sort.value = s.sort;
    scale.value = s.scale;
    colormap.value = s.colormap;
    for (const [input, value] of /** @type {[HTMLInputElement, number][]} */ ([
      [start, s.window[0]],
      [stop, s.window[1]],
      [baseStart, s.baseline[0]],
      [baseStop, s.baseline[1]],
    ])) {
      if (document.activeElement !== input) input.value = String(value);
    }
  }

  return { element, sync };
}
