import { expect, it } from "vitest";
import { linePath, metricCounts, smooth } from "../../src/quality_filter/density.js";

it("smooths counts into a density of area 1 close to the Gaussian it came from", () => {
  const bins = 100;
  const counts = Array.from({ length: bins }, (_, i) => Math.round(20000 * 0.01 * Math.exp(-0.5 * (((i + 0.5) / bins - 0.5) / 0.1) ** 2) / (0.1 * Math.sqrt(2 * Math.PI))));
  const y = /** @type {Float64Array} */ (smooth(counts, 1));
  const area = y.reduce((a, b) => a + b, 0) / bins;
  expect(area).toBeCloseTo(1, 6);
  const peak = Math.max(...y);
  expect(peak).toBeGreaterThan(3.6);
  expect(peak).toBeLessThan(4.1); // 1 / (0.1 sqrt(2 pi)) = 3.99, a little lower once smoothed
  expect(y.indexOf(peak)).toBeGreaterThanOrEqual(48);
  expect(y.indexOf(peak)).toBeLessThanOrEqual(51);
  expect(smooth([0, 1, 0], 1)).toBeNull();
});

it("reads one metric's groups out of the int32 [metric, group, bin] buffer", () => {
  const shape = [2, 3, 4];
  const data = Int32Array.from({ length: 24 }, (_, i) => i);
  const padded = new Uint8Array(8 + data.byteLength); // a window onto a larger message buffer
  padded.set(new Uint8Array(data.buffer), 8);
  const binned = {
    groups: ["cortex", "thalamus", "other"],
    bins: 4,
    counts: { view: new DataView(padded.buffer, 8, data.byteLength), dtype: /** @type {const} */ ("int32"), shape },
    missing: { view: new DataView(new Int32Array([5, 7]).buffer), dtype: /** @type {const} */ ("int32"), shape: [2] },
  };
  const second = /** @type {NonNullable<ReturnType<typeof metricCounts>>} */ (metricCounts(binned, 1));
  expect(second.groups.map((g) => g.name)).toEqual(["cortex", "thalamus", "other"]);
  expect([...second.groups[0].counts]).toEqual([12, 13, 14, 15]);
  expect(second.missing).toBe(7);
  expect(second.units).toBe(7 + [...data.slice(12)].reduce((a, b) => a + b, 0));
  expect(metricCounts(binned, 2)).toBeNull();
  expect(metricCounts({ groups: [], bins: 0, counts: null, missing: null }, 0)).toBeNull();
  expect(linePath([0, 1.26], [2, 3])).toBe("M0.0,2.0L1.3,3.0");
});
