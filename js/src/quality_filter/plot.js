// One metric's density panel (SVG): a curve per region group, the excluded side shaded, the
// threshold line with its rule as a label, a horizontal tick axis in real values; and the slider
// handle on the line (keyboard and drag move on the grid only).
/** @import { AxisInfo } from "./protocol.js" */
import { linePath } from "./density.js";
import { formatValue, labelsThatFit, nearest, pixelScale, position, span, stepFrom, ticks } from "./scale.js";

const SVG = "http://www.w3.org/2000/svg";
export const PLOT = { height: 112, top: 20, bottom: 84, pad: 14 };

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 */
function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/**
 * @typedef {object} PlotView
 * @property {AxisInfo} axis
 * @property {number[]} grid
 * @property {{ index: number, y: Float64Array }[]} curves
 * @property {number} threshold
 * @property {boolean} active
 * @property {"above" | "below"} keep
 * @property {boolean} inclusive
 * @property {number} width px
 * @property {string} name metric name (for the slider's accessible label)
 */

/** @param {{ onPick: (value: number, final: boolean) => void }} options */
export function createPlot({ onPick }) {
  const root = document.createElement("div");
  root.className = "vbn-qf-plotbox";
  const chart = svg("svg", { class: "vbn-qf-plot", height: PLOT.height });
  const handle = document.createElement("div");
  handle.className = "vbn-qf-handle";
  handle.tabIndex = 0;
  handle.setAttribute("role", "slider");
  root.append(chart, handle);
  /** @type {PlotView | null} */
  let view = null;
  let dragging = false;

  /** @param {PlotView} v */
  function draw(v) {
    view = v;
    const { axis, width } = v;
    const scale = pixelScale(axis, PLOT.pad, width - PLOT.pad);
    const [a, b] = span(axis);
    chart.setAttribute("width", String(width));
    chart.setAttribute("viewBox", `0 0 ${width} ${PLOT.height}`);
    const parts = [];
    const tx = v.threshold;
    const lineX = scale.ofValue(tx);
    if (v.active) {
      const [x0, x1] = v.keep === "above" ? [PLOT.pad, lineX] : [lineX, width - PLOT.pad];
      parts.push(svg("rect", { class: "vbn-qf-excluded", x: x0, y: PLOT.top, width: Math.max(0, x1 - x0), height: PLOT.bottom - PLOT.top }));
    }
    let ymax = 0;
    for (const c of v.curves) for (const y of c.y) ymax = Math.max(ymax, y);
    for (const c of v.curves) {
      const bins = c.y.length;
      const xs = Array.from({ length: bins }, (_, i) => scale.toPx(a + ((i + 0.5) * (b - a)) / bins));
      const ys = Array.from(c.y, (y) => PLOT.bottom - (ymax > 0 ? (y / ymax) * (PLOT.bottom - PLOT.top - 4) : 0));
      parts.push(svg("path", { class: `vbn-qf-curve vbn-qf-g${c.index}`, d: linePath(xs, ys) }));
    }
    parts.push(svg("line", { class: "vbn-qf-axis", x1: PLOT.pad, x2: width - PLOT.pad, y1: PLOT.bottom, y2: PLOT.bottom }));
    const values = ticks(axis, v.grid);
    const px = values.map((t) => scale.toPx(position(axis, t)));
    const texts = values.map(formatValue);
    for (const i of labelsThatFit(px, texts)) {
      parts.push(svg("line", { class: "vbn-qf-tick", x1: px[i], x2: px[i], y1: PLOT.bottom, y2: PLOT.bottom + 4 }));
      const label = svg("text", { class: "vbn-qf-ticklabel", x: px[i], y: PLOT.bottom + 16, "text-anchor": "middle" });
      label.textContent = texts[i];
      parts.push(label);
    }
    if (axis.log) {
      const note = svg("text", { class: "vbn-qf-axisnote", x: width - PLOT.pad, y: PLOT.height - 2, "text-anchor": "end" });
      note.textContent = "log scale";
      parts.push(note);
    }
    const rule = `${v.keep === "above" ? ">" : "<"}${v.inclusive ? "=" : ""} ${formatValue(tx)}`;
    const line = svg("line", { class: `vbn-qf-threshold${v.active ? "" : " vbn-qf-off"}`, x1: lineX, x2: lineX, y1: PLOT.top - 6, y2: PLOT.bottom });
    const text = svg("text", { class: "vbn-qf-rule", x: lineX + (lineX > width / 2 ? -10 : 10), y: PLOT.top - 8, "text-anchor": lineX > width / 2 ? "end" : "start" });
    text.textContent = v.active ? `keep ${rule}` : `${rule} (off)`;
    parts.push(line, text);
    chart.replaceChildren(...parts);
    handle.style.left = `${lineX}px`;
    handle.style.top = `${PLOT.top - 6}px`;
    handle.classList.toggle("vbn-qf-off", !v.active);
    handle.setAttribute("aria-label", `${v.name} threshold`);
    handle.setAttribute("aria-valuemin", String(axis.lo));
    handle.setAttribute("aria-valuemax", String(axis.hi));
    handle.setAttribute("aria-valuenow", String(tx));
    handle.setAttribute("aria-valuetext", rule);
  }

  const KEYS = /** @type {Record<string, [1 | -1, number]>} */ ({
    ArrowRight: [1, 1],
    ArrowUp: [1, 1],
    ArrowLeft: [-1, 1],
    ArrowDown: [-1, 1],
    PageUp: [1, 10],
    PageDown: [-1, 10],
  });

  /** @param {KeyboardEvent} event */
  function onKey(event) {
    if (!view || view.grid.length === 0) return;
    const grid = view.grid;
    let next;
    if (event.key === "Home") next = grid[0];
    else if (event.key === "End") next = grid[grid.length - 1];
    else if (KEYS[event.key]) next = stepFrom(grid, view.threshold, ...KEYS[event.key]);
    else return;
    event.preventDefault();
    if (next !== view.threshold) onPick(next, true);
  }

  /** @param {PointerEvent} event */
  function valueAt(event) {
    if (!view || view.grid.length === 0) return null;
    const box = root.getBoundingClientRect();
    const scale = pixelScale(view.axis, PLOT.pad, view.width - PLOT.pad);
    return nearest(view.axis, view.grid, scale.fromPx(event.clientX - box.left));
  }
  /** @param {PointerEvent} event */
  function onDown(event) {
    if (event.button !== 0) return;
    const value = valueAt(event);
    if (value === null) return;
    dragging = true;
    root.setPointerCapture?.(event.pointerId);
    handle.focus();
    event.preventDefault();
    if (value !== view?.threshold) onPick(value, false);
  }
  /** @param {PointerEvent} event */
  function onMove(event) {
    if (!dragging) return;
    const value = valueAt(event);
    if (value !== null && value !== view?.threshold) onPick(value, false);
  }
  /** @param {PointerEvent} event */
  function onUp(event) {
    if (!dragging) return;
    dragging = false;
    root.releasePointerCapture?.(event.pointerId);
    const value = valueAt(event);
    if (value !== null) onPick(value, true);
  }
  handle.addEventListener("keydown", onKey);
  root.addEventListener("pointerdown", onDown);
  root.addEventListener("pointermove", onMove);
  root.addEventListener("pointerup", onUp);
  root.addEventListener("pointercancel", onUp);

  return {
    root,
    handle,
    draw,
    dispose() {
      handle.removeEventListener("keydown", onKey);
      root.removeEventListener("pointerdown", onDown);
      root.removeEventListener("pointermove", onMove);
      root.removeEventListener("pointerup", onUp);
      root.removeEventListener("pointercancel", onUp);
    },
  };
}
