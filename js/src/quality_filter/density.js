// Pure density math: the binned counts Python sends (int32 [metric, group, bin]) smoothed into one
// curve per region group, exactly as vbn_widgets/quality/binned.py:smooth does for the figure.
/** @import { Binned } from "./protocol.js" */
import { fromWire } from "../lib/wire.js";
import { SMOOTH_MIN_BINS, SMOOTH_SIGMAS } from "./protocol.js";

/**
 * A density with area 1 over an axis `width` wide, from one group's bin counts: a Gaussian
 * kernel of Scott's-rule width in bins (at least SMOOTH_MIN_BINS); null below 2 units.
 * @param {ArrayLike<number>} counts
 * @param {number} width
 * @returns {Float64Array | null}
 */
export function smooth(counts, width) {
  const bins = counts.length;
  let n = 0;
  let sum = 0;
  for (let i = 0; i < bins; i++) {
    n += counts[i];
    sum += counts[i] * (i + 0.5);
  }
  if (n < 2) return null;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < bins; i++) sq += counts[i] * (i + 0.5 - mean) ** 2;
  const sigma = Math.max(Math.sqrt(sq / (n - 1)) * n ** (-1 / 5), SMOOTH_MIN_BINS);
  const half = Math.min(Math.ceil(SMOOTH_SIGMAS * sigma), bins - 1);
  const kernel = new Float64Array(2 * half + 1);
  for (let o = -half; o <= half; o++) kernel[o + half] = Math.exp(-0.5 * (o / sigma) ** 2);
  const y = new Float64Array(bins);
  let total = 0;
  for (let j = 0; j < bins; j++) {
    let acc = 0;
    const from = Math.max(0, j - half);
    const to = Math.min(bins - 1, j + half);
    for (let k = from; k <= to; k++) acc += counts[k] * kernel[j - k + half];
    y[j] = acc;
    total += acc;
  }
  const area = (total * width) / bins;
  if (area > 0) for (let j = 0; j < bins; j++) y[j] /= area;
  return y;
}

/**
 * The counts of one metric as a view per group, and the metric's NaN count.
 * @param {Binned | null | undefined} binned
 * @param {number} metric index in metric_info order
 * @returns {{ groups: { name: string, index: number, counts: Int32Array }[], missing: number, units: number } | null}
 */
export function metricCounts(binned, metric) {
  if (!binned || !binned.counts) return null;
  const counts = /** @type {Int32Array} */ (fromWire(binned.counts));
  const missing = /** @type {Int32Array} */ (fromWire(binned.missing));
  const [, groups, bins] = binned.counts.shape;
  if (metric >= binned.counts.shape[0]) return null;
  const out = [];
  let units = missing[metric];
  for (let g = 0; g < groups; g++) {
    const start = (metric * groups + g) * bins;
    const view = counts.subarray(start, start + bins);
    for (let i = 0; i < bins; i++) units += view[i];
    out.push({ name: binned.groups[g] ?? `group ${g}`, index: g, counts: view });
  }
  return { groups: out, missing: missing[metric], units };
}

/**
 * SVG path data through points (x[i], y[i]) already in pixels.
 * @param {ArrayLike<number>} xs
 * @param {ArrayLike<number>} ys
 */
export function linePath(xs, ys) {
  let d = "";
  for (let i = 0; i < xs.length; i++) d += `${i ? "L" : "M"}${xs[i].toFixed(1)},${ys[i].toFixed(1)}`;
  return d;
}
