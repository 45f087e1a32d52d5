import { afterEach, describe, expect, it, vi } from "vitest";
import { clickSelection, columnWidths, formatCount, keyNavigation, nextSort, rowsText, selectedText, sortIndicator } from "../../src/table_explorer/grid_state.js";
import { debounce, throttle } from "../../src/lib/timing.js";

/** @import { SortKey } from "../../src/table_explorer/protocol.js" */

describe("nextSort", () => {
  /** @type {SortKey[]} */
  const none = [];
  it("plain click cycles asc -> desc -> none on this column only", () => {
    const asc = nextSort(none, "a", false);
    expect(asc).toEqual([["a", "asc"]]);
    const desc = nextSort(asc, "a", false);
    expect(desc).toEqual([["a", "desc"]]);
    expect(nextSort(desc, "a", false)).toEqual([]);
    expect(nextSort([["a", "desc"], ["b", "asc"]], "a", false)).toEqual([["a", "asc"]]);
    expect(nextSort([["b", "asc"]], "a", false)).toEqual([["a", "asc"]]);
  });

  it("shift-click adds, flips, then removes an extra key", () => {
    /** @type {SortKey[]} */
    const one = [["a", "asc"]];
    const two = nextSort(one, "b", true);
    expect(two).toEqual([["a", "asc"], ["b", "asc"]]);
    expect(nextSort(two, "b", true)).toEqual([["a", "asc"], ["b", "desc"]]);
    expect(nextSort([["a", "asc"], ["b", "desc"]], "b", true)).toEqual([["a", "asc"]]);
    expect(one).toEqual([["a", "asc"]]); // input untouched
  });

  it("stops at 8 keys", () => {
    /** @type {SortKey[]} */
    const eight = Array.from({ length: 8 }, (_, i) => [`c${i}`, "asc"]);
    expect(nextSort(eight, "new", true)).toHaveLength(8);
  });

  it("reports direction and priority", () => {
    expect(sortIndicator([["a", "asc"], ["b", "desc"]], "b")).toEqual({ direction: "desc", priority: 2 });
    expect(sortIndicator([], "b")).toBeNull();
  });
});

describe("selection", () => {
  it("maps clicks to select requests", () => {
    expect(clickSelection(5, { shift: false, toggle: false }, null)).toEqual({ request: { op: "set", rows: [5] }, anchor: 5 });
    expect(clickSelection(5, { shift: false, toggle: true }, 2)).toEqual({ request: { op: "toggle", rows: [5] }, anchor: 5 });
    expect(clickSelection(2, { shift: true, toggle: false }, 9)).toEqual({ request: { op: "range", from: 2, to: 9 }, anchor: 9 });
    expect(clickSelection(4, { shift: true, toggle: false }, null)).toEqual({ request: { op: "range", from: 4, to: 4 }, anchor: 4 });
  });

  it("moves the cursor with keys, extends with Shift, toggles with Space", () => {
    const s = { cursor: -1, anchor: null, total: 100, pageRows: 10 };
    expect(keyNavigation({ key: "ArrowDown", shift: false }, s)).toMatchObject({ cursor: 0, request: null, handled: true });
    expect(keyNavigation({ key: "ArrowUp", shift: false }, { ...s, cursor: 0 })).toMatchObject({ cursor: 0 });
    expect(keyNavigation({ key: "PageDown", shift: false }, { ...s, cursor: 95 })).toMatchObject({ cursor: 99 });
    expect(keyNavigation({ key: "Home", shift: false }, { ...s, cursor: 50 })).toMatchObject({ cursor: 0 });
    expect(keyNavigation({ key: "End", shift: false }, { ...s, cursor: 50 })).toMatchObject({ cursor: 99 });
    expect(keyNavigation({ key: "ArrowDown", shift: true }, { ...s, cursor: 5, anchor: 3 })).toEqual({
      cursor: 6,
      anchor: 3,
      request: { op: "range", from: 3, to: 6 },
      handled: true,
    });
    expect(keyNavigation({ key: " ", shift: false }, { ...s, cursor: 7 })).toMatchObject({ request: { op: "toggle", rows: [7] } });
    expect(keyNavigation({ key: "x", shift: false }, s).handled).toBe(false);
    expect(keyNavigation({ key: "ArrowDown", shift: false }, { ...s, total: 0 }).handled).toBe(false);
  });
});

describe("text and layout", () => {
  it("formats counts with thousands separators", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1000)).toBe("1,000");
    expect(formatCount(10_000_000)).toBe("10,000,000");
    expect(formatCount(-1234567)).toBe("-1,234,567");
    expect(rowsText(1234, 319013)).toBe("1,234 of 319,013 rows");
    expect(selectedText(12)).toBe("12 selected");
  });

  it("sizes columns by kind and name", () => {
    const [num, long] = columnWidths([
      { name: "x", kind: "number", dtype: "float64", index: false },
      { name: "a_really_long_column_name_here", kind: "bool", dtype: "bool", index: false },
    ]);
    expect(num).toBe(96);
    expect(long).toBeGreaterThan(200);
  });
});

describe("timing", () => {
  afterEach(() => vi.useRealTimers());

  it("debounces to the last call, and can flush or cancel", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 250);
    d.call(1);
    d.call(2);
    vi.advanceTimersByTime(249);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledExactlyOnceWith(2);
    d.call(3);
    d.flush();
    expect(fn).toHaveBeenLastCalledWith(3);
    d.call(4);
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("throttles to one call per interval with a trailing call", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const t = throttle(fn, 150);
    t.call(1);
    expect(fn).toHaveBeenCalledTimes(1);
    t.call(2);
    t.call(3);
    expect(t.pending).toBe(true);
    vi.advanceTimersByTime(150);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(fn).toHaveBeenLastCalledWith(3);
    t.call(4);
    t.flush();
    expect(fn).toHaveBeenLastCalledWith(4);
    t.cancel();
    expect(t.pending).toBe(false);
  });
});
