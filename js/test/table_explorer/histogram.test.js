import { afterEach, describe, expect, it, vi } from "vitest";
import { barLayout, brushRange, createHistogram, DAY_MS, pxToValue, roundToSpan, valueToPx } from "../../src/table_explorer/histogram.js";

describe("brush maths", () => {
  it("maps pixels to data units and back, clamped to the axis", () => {
    expect(pxToValue(50, 200, 10, 20)).toBe(12.5);
    expect(pxToValue(-5, 200, 10, 20)).toBe(10);
    expect(pxToValue(999, 200, 10, 20)).toBe(20);
    expect(valueToPx(12.5, 200, 10, 20)).toBe(50);
    expect(valueToPx(100, 200, 10, 20)).toBe(200);
    expect(valueToPx(5, 200, 10, 10)).toBe(0);
  });

  it("turns a drag into a sorted [min, max] and a click into null", () => {
    expect(brushRange(150, 50, 200, 0, 100)).toEqual([25, 75]);
    expect(brushRange(50, 51, 200, 0, 100)).toBeNull();
    expect(brushRange(-50, 500, 200, 0, 100)).toEqual([0, 100]);
    expect(brushRange(0, 100, 200, 5, 5)).toBeNull();
  });

  it("rounds outwards to about a thousandth of the span", () => {
    const [lo, hi] = /** @type {[number, number]} */ (brushRange(33, 67, 200, 0, 1));
    expect(lo).toBe(0.165);
    expect(hi).toBe(0.335);
    expect(roundToSpan(0.123456, 1, "down")).toBe(0.123);
    expect(roundToSpan(0.123456, 1, "up")).toBe(0.124);
    expect(roundToSpan(123456, 1e6, "down")).toBe(123000);
  });

  it("snaps long date ranges outwards to whole UTC days", () => {
    const lo = Date.UTC(2020, 0, 1);
    const hi = lo + 100 * DAY_MS;
    const [a, b] = /** @type {[number, number]} */ (brushRange(10, 30, 200, lo, hi, { dates: true }));
    expect(a % DAY_MS).toBe(0);
    expect(b % DAY_MS).toBe(0);
    expect(a).toBe(lo + 5 * DAY_MS);
    expect(b).toBe(lo + 15 * DAY_MS);
  });

  it("lays out bars with counts drawn no taller than totals", () => {
    const bars = barLayout([1, 0, 5], [2, 4, 10], 300, 100);
    expect(bars.map((b) => b.x)).toEqual([0, 100, 200]);
    expect(bars.map((b) => b.total)).toEqual([20, 40, 100]);
    expect(bars.map((b) => b.count)).toEqual([10, 0, 50]);
    expect(barLayout([], [], 100, 10)).toEqual([]);
    expect(barLayout([0], [0], 100, 10)[0].total).toBe(0);
  });
});

describe("createHistogram", () => {
  afterEach(() => vi.restoreAllMocks());
  const summary = {
    column: "x",
    type: /** @type {const} */ ("histogram"),
    edges: [0, 25, 50, 75, 100],
    counts: Int32Array.from([1, 2, 3, 4]),
    totals: Int32Array.from([2, 4, 6, 8]),
    missing: 0,
    missing_total: 0,
  };
  /** @param {string} type @param {number} clientX */
  const pointer = (type, clientX) => new MouseEvent(type, { clientX, button: 0, bubbles: true });

  it("draws totals under counts and reports a brushed range on drag end", () => {
    const onBrush = vi.fn();
    const hist = createHistogram({ onBrush, width: 200 });
    document.body.append(hist.el);
    hist.update(summary, [null, null]);
    expect(hist.el.querySelectorAll(".vbn-te-hist-total")).toHaveLength(4);
    expect(hist.el.querySelectorAll(".vbn-te-hist-count")).toHaveLength(4);
    const added = vi.spyOn(window, "addEventListener");
    const removed = vi.spyOn(window, "removeEventListener");
    hist.el.dispatchEvent(pointer("pointerdown", 20));
    expect(hist.dragging).toBe(true);
    window.dispatchEvent(pointer("pointermove", 60));
    expect(onBrush).toHaveBeenLastCalledWith([10, 30], false);
    window.dispatchEvent(pointer("pointerup", 100));
    expect(onBrush).toHaveBeenLastCalledWith([10, 50], true);
    expect(hist.dragging).toBe(false);
    expect(removed.mock.calls.length).toBe(added.mock.calls.length);
    hist.el.remove();
  });

  it("labels its axis with the column's min and max and the tallest bar's count", () => {
    const hist = createHistogram({ onBrush: vi.fn(), format: (v) => `${v} Hz` });
    const text = (/** @type {string} */ cls) => hist.el.querySelector(cls)?.textContent;
    expect([text(".vbn-te-hist-min"), text(".vbn-te-hist-max")]).toEqual(["", ""]);
    hist.update({ ...summary, totals: Int32Array.from([2, 4, 6, 1200]) }, [null, null]);
    expect([text(".vbn-te-hist-min"), text(".vbn-te-hist-max")]).toEqual(["0 Hz", "100 Hz"]);
    expect(text(".vbn-te-hist-peak")).toBe("1,200 max");
    expect(hist.el.querySelector(".vbn-te-hist-axis-line")).not.toBeNull();
  });

  it("clears on a click and removes window listeners on destroy mid-drag", () => {
    const onBrush = vi.fn();
    const hist = createHistogram({ onBrush, width: 200 });
    hist.update(summary, [25, null]);
    expect(hist.el.querySelector(".vbn-te-hist-brush")?.getAttribute("x")).toBe("50");
    hist.el.dispatchEvent(pointer("pointerdown", 20));
    window.dispatchEvent(pointer("pointerup", 21));
    expect(onBrush).toHaveBeenLastCalledWith(null, true);
    const removed = vi.spyOn(window, "removeEventListener");
    hist.el.dispatchEvent(pointer("pointerdown", 20));
    hist.destroy();
    expect(removed).toHaveBeenCalledTimes(3);
    window.dispatchEvent(pointer("pointerup", 150));
    expect(onBrush).toHaveBeenCalledTimes(1);
  });
});
