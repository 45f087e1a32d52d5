// Layout of the heatmap canvas: where the image, the area gutter, the time axis and the colour
// bar go; which row and time a pixel is; a brush as a window snapped to whole bins.

/** @typedef {{ x: number, y: number, width: number, height: number }} Rect */
/** @typedef {{ heat: Rect, gutter: Rect, axis: Rect, bar: Rect }} HeatLayout */
/** @import { BinsInfo } from "./shapes.js" */

export const GUTTER_PX = 64;
export const AXIS_PX = 32;
export const BAR_PX = 56;

/**
 * @param {number} width canvas width (CSS px)
 * @param {number} height canvas height (CSS px)
 * @returns {HeatLayout}
 */
export function heatLayout(width, height) {
  const heatWidth = Math.max(10, width - GUTTER_PX - BAR_PX);
  const heatHeight = Math.max(10, height - AXIS_PX - 4);
  return {
    gutter: { x: 0, y: 4, width: GUTTER_PX, height: heatHeight },
    heat: { x: GUTTER_PX, y: 4, width: heatWidth, height: heatHeight },
    axis: { x: GUTTER_PX, y: 4 + heatHeight, width: heatWidth, height: AXIS_PX },
    bar: { x: GUTTER_PX + heatWidth + 12, y: 4, width: 12, height: heatHeight },
  };
}

/**
 * The row under y (or -1 outside the image).
 * @param {number} y
 * @param {Rect} heat
 * @param {number} rows
 */
export function rowAt(y, heat, rows) {
  if (rows <= 0 || y < heat.y || y >= heat.y + heat.height) return -1;
  return Math.min(rows - 1, Math.floor(((y - heat.y) / heat.height) * rows));
}

/**
 * Time (s) at x on the heatmap (clamped to the window).
 * @param {number} x
 * @param {Rect} heat
 * @param {BinsInfo} bins
 */
export function timeAt(x, heat, bins) {
  const f = Math.min(1, Math.max(0, (x - heat.x) / heat.width));
  return bins.start + f * (bins.stop - bins.start);
}

/**
 * x of a time on the heatmap.
 * @param {number} t
 * @param {Rect} heat
 * @param {BinsInfo} bins
 */
export function xOf(t, heat, bins) {
  return heat.x + ((t - bins.start) / (bins.stop - bins.start)) * heat.width;
}

/**
 * The response window a drag from x0 to x1 selects, widened to whole bins; null for a click.
 * @param {number} x0
 * @param {number} x1
 * @param {Rect} heat
 * @param {BinsInfo} bins
 * @returns {[number, number] | null}
 */
export function brushWindow(x0, x1, heat, bins) {
  if (Math.abs(x1 - x0) < 4) return null;
  const a = timeAt(Math.min(x0, x1), heat, bins);
  const b = timeAt(Math.max(x0, x1), heat, bins);
  const first = Math.max(0, Math.floor((a - bins.start) / bins.width + 1e-9));
  const last = Math.min(bins.n, Math.ceil((b - bins.start) / bins.width - 1e-9));
  const round = (/** @type {number} */ v) => Number(v.toFixed(6));
  return [round(bins.start + first * bins.width), round(bins.start + Math.max(last, first + 1) * bins.width)];
}

/**
 * Area labels that fit: each centred on its run of rows, dropped when it would overlap the
 * previous one or its run is thinner than `minPx`.
 * @param {{ area: string, start: number, stop: number }[]} runs
 * @param {Rect} heat
 * @param {number} rows
 * @param {number} [minPx]
 * @returns {{ area: string, y: number }[]}
 */
export function areaLabels(runs, heat, rows, minPx = 10) {
  const per = rows > 0 ? heat.height / rows : 0;
  /** @type {{ area: string, y: number }[]} */
  const out = [];
  let last = -Infinity;
  for (const run of runs) {
    const y = heat.y + ((run.start + run.stop) / 2) * per;
    if ((run.stop - run.start) * per < minPx && runs.length > 1) continue;
    if (y - last < 11) continue;
    out.push({ area: run.area, y });
    last = y;
  }
  return out;
}
