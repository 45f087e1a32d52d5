// Histogram of a number/date column: facet counts (under the other filters) drawn over the whole
// table's totals, an x axis labelled with the column's min and max (and the tallest bar's count),
// and a range brush (pointer drag) reporting [min, max] in data units.
// The maths is pure and exported for tests; createHistogram() builds the SVG.

/** @import { HistogramSummary } from "./protocol.js" */

const SVG_NS = "http://www.w3.org/2000/svg";
export const DAY_MS = 86_400_000;

/**
 * @param {number} value
 * @param {number} lo
 * @param {number} hi
 */
const clamp = (value, lo, hi) => Math.min(hi, Math.max(lo, value));

/**
 * Data value at a pixel of a linear axis [0, width] -> [lo, hi] (clamped to the axis).
 * @param {number} px
 * @param {number} width
 * @param {number} lo
 * @param {number} hi
 */
export function pxToValue(px, width, lo, hi) {
  if (!(width > 0)) return lo;
  return lo + ((hi - lo) * clamp(px, 0, width)) / width;
}

/**
 * Pixel of a data value on the same axis (clamped).
 * @param {number} value
 * @param {number} width
 * @param {number} lo
 * @param {number} hi
 */
export function valueToPx(value, width, lo, hi) {
  if (!(hi > lo)) return 0;
  return clamp(((value - lo) / (hi - lo)) * width, 0, width);
}

/**
 * Round down (or up) to a step of about 1/1000 of the span, so brushed bounds read well and
 * still cover the bins they were dragged over.
 * @param {number} value
 * @param {number} span
 * @param {"down" | "up"} direction
 */
export function roundToSpan(value, span, direction) {
  if (!(span > 0) || !Number.isFinite(value)) return value;
  const exponent = Math.floor(Math.log10(span)) - 3;
  const step = 10 ** exponent;
  const scaled = direction === "down" ? Math.floor(value / step + 1e-9) : Math.ceil(value / step - 1e-9);
  return Number((scaled * step).toFixed(Math.max(0, -exponent)));
}

/**
 * The [min, max] a drag from x0 to x1 selects, or null for a click (a drag under `minPx`).
 * Dates (ms) longer than a few days snap outwards to whole UTC days.
 * @param {number} x0
 * @param {number} x1
 * @param {number} width
 * @param {number} lo
 * @param {number} hi
 * @param {{ minPx?: number, dates?: boolean }} [options]
 * @returns {[number, number] | null}
 */
export function brushRange(x0, x1, width, lo, hi, options = {}) {
  if (Math.abs(x1 - x0) < (options.minPx ?? 3) || !(hi > lo)) return null;
  const a = pxToValue(Math.min(x0, x1), width, lo, hi);
  const b = pxToValue(Math.max(x0, x1), width, lo, hi);
  const span = hi - lo;
  if (options.dates) {
    if (span < 3 * DAY_MS) return [Math.round(a), Math.round(b)];
    return [Math.floor(a / DAY_MS) * DAY_MS, Math.ceil(b / DAY_MS) * DAY_MS];
  }
  return [Math.max(lo, roundToSpan(a, span, "down")), Math.min(hi, roundToSpan(b, span, "up"))];
}

/**
 * Bar geometry: one bar per bin, heights scaled by the largest total (so counts <= totals).
 * @param {ArrayLike<number>} counts
 * @param {ArrayLike<number>} totals
 * @param {number} width
 * @param {number} height
 * @returns {{ x: number, width: number, total: number, count: number }[]}
 */
export function barLayout(counts, totals, width, height) {
  const n = Math.max(counts.length, totals.length);
  if (n === 0) return [];
  const peak = peakOf(counts, totals);
  const w = width / n;
  const scale = peak > 0 ? height / peak : 0;
  return Array.from({ length: n }, (_, i) => ({
    x: i * w,
    width: Math.max(0, w - (w > 3 ? 1 : 0)),
    total: (totals[i] ?? 0) * scale,
    count: (counts[i] ?? 0) * scale,
  }));
}

/**
 * The tallest bar's count (the y axis' top).
 * @param {ArrayLike<number>} counts
 * @param {ArrayLike<number>} totals
 */
function peakOf(counts, totals) {
  let peak = 0;
  for (let i = 0; i < Math.max(counts.length, totals.length); i++) peak = Math.max(peak, totals[i] ?? 0, counts[i] ?? 0);
  return peak;
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 */
function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/**
 * @typedef {object} HistogramOptions
 * @property {(range: [number, number] | null, final: boolean) => void} onBrush
 * @property {(value: number) => string} [format] text of an edge in tooltips
 * @property {boolean} [dates] edges are ms since epoch
 * @property {number} [width]
 * @property {number} [height]
 */

/**
 * @param {HistogramOptions} options
 */
export function createHistogram(options) {
  const W = options.width ?? 260;
  const H = options.height ?? 64;
  const format = options.format ?? String;
  const svg = svgEl("svg", { class: "vbn-te-hist", viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", height: H });
  const bars = svgEl("g", {});
  const brush = svgEl("rect", { class: "vbn-te-hist-brush", x: 0, y: 0, width: 0, height: H });
  const axisLine = svgEl("line", { class: "vbn-te-hist-axis-line", x1: 0, x2: W, y1: H - 0.5, y2: H - 0.5 });
  svg.append(bars, axisLine, brush);
  const label = (/** @type {string} */ cls) => {
    const span = document.createElement("span");
    span.className = cls;
    return span;
  };
  const minLabel = label("vbn-te-hist-min");
  const peakLabel = label("vbn-te-hist-peak");
  const maxLabel = label("vbn-te-hist-max");
  const axis = document.createElement("div");
  axis.className = "vbn-te-hist-axis";
  axis.append(minLabel, peakLabel, maxLabel);
  const el = document.createElement("div");
  el.className = "vbn-te-hist-box";
  el.append(svg, axis);
  let lo = 0;
  let hi = 0;
  /** @type {number | null} */
  let dragStart = null;

  /** @param {PointerEvent} event */
  const localX = (event) => {
    const rect = svg.getBoundingClientRect();
    const x = event.clientX - rect.left;
    return rect.width > 0 ? (x * W) / rect.width : x;
  };
  /** @param {number} a @param {number} b */
  const showBrush = (a, b) => {
    brush.setAttribute("x", String(Math.min(a, b)));
    brush.setAttribute("width", String(Math.abs(b - a)));
  };
  /** @param {PointerEvent} event */
  const onMove = (event) => {
    if (dragStart === null) return;
    const x = localX(event);
    showBrush(dragStart, x);
    const range = brushRange(dragStart, x, W, lo, hi, { dates: options.dates });
    if (range) options.onBrush(range, false);
  };
  /** @param {PointerEvent} event */
  const onUp = (event) => {
    if (dragStart === null) return;
    const range = brushRange(dragStart, localX(event), W, lo, hi, { dates: options.dates });
    dragStart = null;
    stopListening();
    options.onBrush(range, true);
  };
  const stopListening = () => {
    window.removeEventListener("pointermove", onMove);
    window.removeEventListener("pointerup", onUp);
    window.removeEventListener("pointercancel", onUp);
  };
  el.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || !(hi > lo)) return;
    event.preventDefault();
    dragStart = localX(event);
    showBrush(dragStart, dragStart);
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
    window.addEventListener("pointercancel", onUp);
  });

  return {
    el,
    /** Whether a drag is in progress (the panel then leaves its state alone). */
    get dragging() {
      return dragStart !== null;
    },
    /**
     * @param {HistogramSummary | null} summary
     * @param {[number | null, number | null]} selection current bounds (null = open)
     */
    update(summary, selection) {
      if (summary && summary.edges.length >= 2) {
        lo = summary.edges[0];
        hi = summary.edges[summary.edges.length - 1];
        const edges = summary.edges;
        minLabel.textContent = format(lo);
        maxLabel.textContent = format(hi);
        peakLabel.textContent = `${peakOf(summary.counts, summary.totals).toLocaleString("en-US")} max`;
        bars.replaceChildren(
          ...barLayout(summary.counts, summary.totals, W, H).map((bar, i) => {
            const g = svgEl("g", {});
            const title = svgEl("title", {});
            title.textContent = `${format(edges[i])} – ${format(edges[i + 1])}: ${summary.counts[i] ?? 0} of ${summary.totals[i] ?? 0}`;
            g.append(
              title,
              svgEl("rect", { class: "vbn-te-hist-total", x: bar.x, y: H - bar.total, width: bar.width, height: bar.total }),
              svgEl("rect", { class: "vbn-te-hist-count", x: bar.x, y: H - bar.count, width: bar.width, height: bar.count }),
            );
            return g;
          }),
        );
      } else if (summary) {
        bars.replaceChildren();
        for (const span of [minLabel, peakLabel, maxLabel]) span.textContent = "";
      }
      if (dragStart !== null) return;
      const [min, max] = selection;
      if (min === null && max === null) showBrush(0, 0);
      else showBrush(valueToPx(min ?? lo, W, lo, hi), valueToPx(max ?? hi, W, lo, hi));
    },
    destroy() {
      dragStart = null;
      stopListening();
    },
  };
}
