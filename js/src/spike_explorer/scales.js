// Linear scales and readable ticks for the heatmap, the colour bar and the line plots.

/**
 * A linear map from [d0, d1] to [r0, r1] and back.
 * @param {[number, number]} domain
 * @param {[number, number]} range
 */
export function linear(domain, range) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return {
    /** @param {number} v */
    to: (v) => r0 + (v - d0) * k,
    /** @param {number} p */
    from: (p) => (k === 0 ? d0 : d0 + (p - r0) / k),
  };
}

/**
 * About `count` round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 x 10^n).
 * @param {number} lo
 * @param {number} hi
 * @param {number} [count]
 * @returns {number[]}
 */
export function ticks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Number(v.toFixed(Math.max(0, -Math.floor(Math.log10(step)) + 1))));
  }
  return out;
}

/**
 * A tick label: few digits, "0" for tiny values.
 * @param {number} v
 */
export function tickLabel(v) {
  if (Math.abs(v) < 1e-9) return "0";
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return String(Number(v.toFixed(digits)));
}

/**
 * The value a heatmap byte stands for (0 -> low, 255 -> high).
 * @param {number} byte
 * @param {[number, number]} range
 */
export function byteValue(byte, range) {
  return range[0] + ((range[1] - range[0]) * byte) / 255;
}

/**
 * Min and max of the finite values of some arrays (null when there are none).
 * @param {ArrayLike<number>[]} arrays
 * @returns {[number, number] | null}
 */
export function extent(arrays) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}
