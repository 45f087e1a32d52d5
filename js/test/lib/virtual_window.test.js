import { describe, expect, it } from "vitest";
import { computeWindow, MAX_SPACER_PX, pagesFor, rowsPerViewport, scrollTopForRow } from "../../src/lib/virtual_window.js";

const base = { viewportHeight: 400, rowHeight: 25, margin: 8 };

describe("computeWindow", () => {
  it("renders the visible rows plus the margin at the top", () => {
    const w = computeWindow({ ...base, scrollTop: 0, total: 1000 });
    expect([w.first, w.last]).toEqual([0, 15 + 8]);
    expect(w.top).toBe(0);
    expect(w.spacerHeight).toBe(25_000);
    expect(w.pages).toEqual([0]);
    expect(w.scale).toBe(1);
  });

  it("keeps margin rows above and below in the middle, with the right padding", () => {
    const w = computeWindow({ ...base, scrollTop: 2510, total: 1000 }); // row 100.4 at the top
    expect(w.first).toBe(100 - 8);
    expect(w.last).toBe(116 + 8);
    expect(w.top).toBe(92 * 25);
    expect(w.pages).toEqual([0, 1]);
  });

  it("clamps at the bottom and beyond it", () => {
    const end = computeWindow({ ...base, scrollTop: 1e9, total: 1000 });
    expect(end.last).toBe(999);
    expect(end.first).toBe(1000 - 16 - 8);
    expect(computeWindow({ ...base, scrollTop: -50, total: 1000 }).first).toBe(0);
  });

  it("handles tiny and empty tables", () => {
    expect(computeWindow({ ...base, scrollTop: 0, total: 0 })).toMatchObject({ first: 0, last: -1, pages: [], spacerHeight: 0 });
    expect(computeWindow({ ...base, scrollTop: 300, total: 3 })).toMatchObject({ first: 0, last: 2, pages: [0], spacerHeight: 75 });
  });

  it("stays bounded and reaches every row with 10 million rows (scaled spacer)", () => {
    const total = 10_000_000;
    const input = { ...base, rowHeight: 26, total };
    const top = computeWindow({ ...input, scrollTop: 0 });
    expect(top.spacerHeight).toBe(MAX_SPACER_PX);
    expect(top.scale).toBeGreaterThan(17);
    const physicalMax = MAX_SPACER_PX - 400;
    for (const scrollTop of [0, 1, 12345, physicalMax / 2, physicalMax - 1, physicalMax]) {
      const w = computeWindow({ ...input, scrollTop });
      expect(w.last - w.first + 1).toBeLessThanOrEqual(Math.ceil(400 / 26) + 1 + 16);
      // The first visible row sits at the viewport top: its physical top is within one row of scrollTop.
      const firstVisible = Math.min(w.first + 8, Math.floor(w.virtualTop / 26));
      expect(Math.abs(firstVisible * 26 + w.shift - scrollTop)).toBeLessThan(26);
      expect(w.pages.length).toBeLessThanOrEqual(2);
    }
    const bottom = computeWindow({ ...input, scrollTop: physicalMax });
    expect(bottom.last).toBe(total - 1);
    // The last row's bottom edge meets the spacer's bottom.
    expect(total * 26 + bottom.shift).toBeCloseTo(MAX_SPACER_PX, 3);
    expect(bottom.pages).toEqual([99_999]);
  });

  it("is not scaled just under the cap", () => {
    const w = computeWindow({ ...base, rowHeight: 10, total: MAX_SPACER_PX / 10, scrollTop: 5000 });
    expect(w.scale).toBe(1);
    expect(w.shift).toBe(0);
  });
});

describe("pagesFor / scrollTopForRow / rowsPerViewport", () => {
  it("lists the pages of a row range", () => {
    expect(pagesFor(0, 99)).toEqual([0]);
    expect(pagesFor(95, 205)).toEqual([0, 1, 2]);
    expect(pagesFor(5, 4)).toEqual([]);
  });

  it("scrolls the least needed to show a row", () => {
    const input = { ...base, total: 1000, scrollTop: 1000 }; // rows 40..55 visible
    expect(scrollTopForRow(45, input)).toBe(1000);
    expect(scrollTopForRow(10, input)).toBe(250);
    expect(scrollTopForRow(80, input)).toBe(81 * 25 - 400);
    expect(scrollTopForRow(5000, input)).toBe(1000 * 25 - 400);
  });

  it("finds rows in a scaled spacer too", () => {
    const input = { ...base, rowHeight: 26, total: 10_000_000, scrollTop: 0 };
    const scrollTop = scrollTopForRow(7_654_321, input);
    const w = computeWindow({ ...input, scrollTop });
    expect(w.first).toBeLessThanOrEqual(7_654_321);
    expect(w.last).toBeGreaterThanOrEqual(7_654_321);
    const rowTop = 7_654_321 * 26 + w.shift;
    expect(rowTop).toBeGreaterThanOrEqual(scrollTop - 1e-6);
    expect(rowTop + 26).toBeLessThanOrEqual(scrollTop + 400 + 1e-6);
  });

  it("counts rows per viewport", () => {
    expect(rowsPerViewport(400, 25)).toBe(16);
    expect(rowsPerViewport(10, 25)).toBe(1);
  });
});
