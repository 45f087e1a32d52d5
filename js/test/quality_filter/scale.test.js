import { describe, expect, it } from "vitest";
import { at, formatValue, gridValues, labelsThatFit, nearest, niceStep, pixelScale, position, stepFrom, ticks } from "../../src/quality_filter/scale.js";

/** @import { AxisInfo } from "../../src/quality_filter/protocol.js" */

/** @type {AxisInfo} */
const PRESENCE = { log: false, lo: 0, hi: 0.99, step: 0.01 };
/** @type {AxisInfo} */
const SNR = { log: false, lo: 0, hi: 29, step: 0.5 };
/** @type {AxisInfo} */
const ISI = { log: true, lo: 0, hi: 200, step: 0 };

describe("the grid", () => {
  it("writes linear values with the step's decimals", () => {
    const grid = gridValues(PRESENCE);
    expect(grid).toHaveLength(100);
    expect(grid.slice(28, 31)).toEqual([0.28, 0.29, 0.3]);
    expect(grid.every((v) => String(v).length <= 4)).toBe(true);
    expect(at(3, 0.1)).toBe(0.3);
  });

  it("offers 0 and the 1-2-5 values of each decade on log axes", () => {
    const grid = gridValues(ISI);
    expect(grid.slice(0, 5)).toEqual([0, 1e-5, 2e-5, 5e-5, 1e-4]);
    expect(grid.slice(-4)).toEqual([20, 50, 100, 200]);
    expect(gridValues({ log: true, lo: 0.02, hi: 200, step: 0 })[0]).toBe(0.02);
  });

  it("picks the same nice steps as Python", () => {
    // vbn_widgets/quality/grid.py: nice_step(span) for the same spans (tests/quality/test_quality_grid.py)
    const cases = [[0.99, 0.01], [0.5, 0.005], [149, 2], [28.4, 0.2], [668, 5], [10.07, 0.1]];
    for (const [span, step] of cases) expect(niceStep(span, 100)).toBe(step);
  });

  it("labels round values only", () => {
    expect(ticks(PRESENCE)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(ticks(ISI)).toEqual([0, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1, 10, 100]);
  });
});

describe("moving a threshold", () => {
  const grid = gridValues(SNR);

  it("goes right then left back to exactly where it was", () => {
    const right = stepFrom(grid, 2, 1);
    expect(right).toBe(2.5);
    expect(stepFrom(grid, right, -1)).toBe(2);
  });

  it("leaves a value between grid values for its neighbour on that side", () => {
    expect(stepFrom(grid, 1.98081, 1)).toBe(2);
    expect(stepFrom(grid, 1.98081, -1)).toBe(1.5);
    expect(stepFrom(gridValues(PRESENCE), 0.9, 1)).toBe(0.91);
    expect(stepFrom(gridValues(PRESENCE), 0.9, -1, 10)).toBe(0.8);
  });

  it("stops at the ends", () => {
    expect(stepFrom(grid, 29, 1)).toBe(29);
    expect(stepFrom(grid, 100, 1)).toBe(29);
    expect(stepFrom(grid, 0, -1)).toBe(0);
    expect(stepFrom(grid, -3, -1)).toBe(0);
  });

  it("snaps a pointer position to the nearest grid value on the axis' scale", () => {
    const isi = gridValues(ISI);
    expect(nearest(ISI, isi, position(ISI, 0.45))).toBe(0.5);
    expect(nearest(ISI, isi, position(ISI, 0.3))).toBe(0.2);
    expect(nearest(SNR, grid, 2.2)).toBe(2);
    const scale = pixelScale(SNR, 10, 300);
    expect(scale.toPx(0)).toBe(10);
    expect(scale.fromPx(300)).toBeCloseTo(29);
    expect(scale.ofValue(1000)).toBe(300);
  });
});

it("formats numbers as they round-trip and thins labels that would overlap", () => {
  expect(formatValue(0.30000000000000004)).toBe("0.30000000000000004");
  expect(formatValue(1.98081)).toBe("1.98081");
  expect(formatValue(-0)).toBe("0");
  expect(labelsThatFit([0, 5, 100, 104], ["0", "0.5", "10", "12"])).toEqual([0, 2]);
});
