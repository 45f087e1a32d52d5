// Pure axis and grid math for QualityFilter (no DOM). The grid is the one Python describes
// (vbn_widgets/quality/grid.py): multiples of `step` written with the step's decimals on linear
// axes, the 1-2-5 values of each decade (plus 0) on log axes. Keyboard and drag only ever land
// on grid values; a threshold set elsewhere is shown as it is and left only when the user moves.
/** @import { AxisInfo } from "./protocol.js" */
import { LOG_OFFSET, MANTISSAS, TARGET_TICKS } from "./protocol.js";

/**
 * Axis coordinate of a data value (log10(v + LOG_OFFSET) on log axes).
 * @param {AxisInfo} axis
 * @param {number} v
 */
export function position(axis, v) {
  return axis.log ? Math.log10(v + LOG_OFFSET) : v;
}

/** @param {AxisInfo} axis @returns {[number, number]} */
export function span(axis) {
  return [position(axis, axis.lo), position(axis, axis.hi)];
}

/** Digits after the point that write every multiple of `step` exactly. @param {number} step */
export function decimals(step) {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** `i * step` written with the step's decimals. @param {number} i @param {number} step */
export function at(i, step) {
  return Number((i * step).toFixed(decimals(step)));
}

/** @param {number} m @param {number} k */
const roundValue = (m, k) => Number(`${m}e${k}`);

/** The 1-2-5 value nearest `spanWidth / target` on a log scale (ties: the larger). */
export function niceStep(/** @type {number} */ spanWidth, /** @type {number} */ target) {
  const raw = spanWidth > 0 ? spanWidth / target : 1;
  const k = Math.floor(Math.log10(raw));
  let best = roundValue(1, k);
  let bestDistance = Infinity;
  for (const kk of [k, k + 1]) {
    for (const m of MANTISSAS) {
      const value = roundValue(m, kk);
      const distance = Math.abs(Math.log10(value / raw));
      if (distance < bestDistance - 1e-12 || (Math.abs(distance - bestDistance) <= 1e-12 && value > best)) {
        best = value;
        bestDistance = distance;
      }
    }
  }
  return best;
}

/**
 * Every grid value of the axis, ascending.
 * @param {AxisInfo} axis
 * @returns {number[]}
 */
export function gridValues(axis) {
  if (!axis.log) {
    const first = Math.round(axis.lo / axis.step);
    const last = Math.round(axis.hi / axis.step);
    const out = [];
    for (let i = first; i <= last; i++) out.push(at(i, axis.step));
    return out;
  }
  const out = axis.lo === 0 ? [0] : [];
  const floor = Math.max(axis.lo, LOG_OFFSET);
  for (let k = Math.floor(Math.log10(floor)); k < 400; k++) {
    for (const m of MANTISSAS) {
      const value = roundValue(m, k);
      if (value > axis.hi * (1 + 1e-12)) return out;
      if (value >= floor * (1 - 1e-12)) out.push(value);
    }
  }
  return out;
}

/**
 * Round values to label: multiples of a 1-2-5 step on linear axes; 0 and powers of ten on log axes.
 * @param {AxisInfo} axis
 * @param {number[]} [grid] the axis' grid values, when already computed
 */
export function ticks(axis, grid = gridValues(axis)) {
  if (axis.log) return grid.filter((v) => v === 0 || Number.isInteger(Math.log10(v)));
  const step = niceStep(axis.hi - axis.lo, TARGET_TICKS);
  const out = [];
  const last = Math.floor(axis.hi / step + 1e-9);
  for (let i = Math.ceil(axis.lo / step - 1e-9); i <= last; i++) out.push(at(i, step));
  return out;
}

/**
 * The grid value `count` positions past `value` in `direction` (+1 up, -1 down), clamped to the
 * grid's ends. A value between grid values moves to the neighbour on that side first.
 * @param {number[]} grid ascending
 * @param {number} value
 * @param {1 | -1} direction
 * @param {number} [count]
 */
export function stepFrom(grid, value, direction, count = 1) {
  if (grid.length === 0) return value;
  let i;
  if (direction > 0) {
    i = grid.findIndex((g) => g > value);
    if (i < 0) return grid[grid.length - 1];
    i += count - 1;
  } else {
    i = findLastIndex(grid, (g) => g < value);
    if (i < 0) return grid[0];
    i -= count - 1;
  }
  return grid[Math.min(grid.length - 1, Math.max(0, i))];
}

/**
 * @param {number[]} values
 * @param {(v: number) => boolean} test
 */
function findLastIndex(values, test) {
  for (let i = values.length - 1; i >= 0; i--) if (test(values[i])) return i;
  return -1;
}

/**
 * The grid value whose axis position is nearest `x` (an axis coordinate).
 * @param {AxisInfo} axis
 * @param {number[]} grid ascending, non-empty
 * @param {number} x
 */
export function nearest(axis, grid, x) {
  let lo = 0;
  let hi = grid.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (position(axis, grid[mid]) < x) lo = mid;
    else hi = mid;
  }
  const dLo = Math.abs(position(axis, grid[lo]) - x);
  const dHi = Math.abs(position(axis, grid[hi]) - x);
  return dHi < dLo ? grid[hi] : grid[lo];
}

/**
 * Linear map between axis coordinates and pixels [left, right].
 * @param {AxisInfo} axis
 * @param {number} left
 * @param {number} right
 */
export function pixelScale(axis, left, right) {
  const [a, b] = span(axis);
  const k = (right - left) / (b - a || 1);
  return {
    /** @param {number} x axis coordinate */
    toPx: (x) => left + (x - a) * k,
    /** @param {number} px */
    fromPx: (px) => a + (px - left) / k,
    /** px of a data value, clamped to the axis */
    ofValue: (/** @type {number} */ v) => left + (Math.min(b, Math.max(a, position(axis, v))) - a) * k,
  };
}

/** A number as the user reads and types it: the shortest text that round-trips. */
export function formatValue(/** @type {number} */ v) {
  return Object.is(v, -0) ? "0" : String(v);
}

/**
 * Which labels (by index) fit side by side: each needs its text width plus `gap` px.
 * @param {number[]} px label centres, ascending
 * @param {string[]} texts
 * @param {number} charPx
 * @param {number} gap
 */
export function labelsThatFit(px, texts, charPx = 6.5, gap = 8) {
  const keep = [];
  let right = -Infinity;
  for (let i = 0; i < px.length; i++) {
    const half = (texts[i].length * charPx) / 2;
    if (px[i] - half >= right + gap) {
      keep.push(i);
      right = px[i] + half;
    }
  }
  return keep;
}
