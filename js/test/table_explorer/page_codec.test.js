import { describe, expect, it } from "vitest";
import { decodePage, decodeSummaries, int32s, PageCache, splitCells, toBytes } from "../../src/table_explorer/page_codec.js";

const RS = "\u001e";
const US = "\u001f";
const NA = "\u0015";
const utf8 = (/** @type {string} */ text) => Uint8Array.from(new TextEncoder().encode(text));

/** @param {string[][]} rows @param {number[]} selected */
function pageBuffers(rows, selected) {
  const bytes = utf8(rows.map((r) => r.join(US)).join(RS));
  return [new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), new DataView(Uint8Array.from(selected).buffer)];
}

describe("splitCells", () => {
  it("splits rows and cells and flags missing values", () => {
    const { rows, missing } = splitCells(`1${US}a${RS}2${US}${NA}${RS}3${US}`, 2, 3);
    expect(rows).toEqual([["1", "a"], ["2", ""], ["3", ""]]);
    expect(missing).toEqual([[false, false], [false, true], [false, false]]);
  });

  it("uses n_rows to tell no rows from one empty cell, and tolerates a trailing separator", () => {
    expect(splitCells("", 1, 0).rows).toEqual([]);
    expect(splitCells("", 1, 1).rows).toEqual([[""]]);
    expect(splitCells(`a${RS}b${RS}`, 1, 2).rows).toEqual([["a"], ["b"]]);
    expect(splitCells(`a${RS}`, 1, 2).rows).toEqual([["a"], [""]]);
  });

  it("pads short rows with missing cells", () => {
    const { rows, missing } = splitCells("only", 3, 1);
    expect(rows).toEqual([["only", "", ""]]);
    expect(missing).toEqual([[false, true, true]]);
  });
});

describe("decodePage", () => {
  it("decodes multi-byte UTF-8, replacement characters and the selected flags", () => {
    const rows = [
      ["0", "Ωmega ✓ 🧠", "VISp"],
      ["1", "a\uFFFDb", NA],
      ["2", "\uFEFFbom", "<img src=x onerror=alert(1)>"],
    ];
    const page = decodePage(
      { kind: "page:ok", id: "x", revision: 3, offset: 200, total: 1234, n_rows: 3, columns: ["id", "name", "area"] },
      pageBuffers(rows, [0, 1, 0]),
    );
    expect(page.rows).toEqual([
      ["0", "Ωmega ✓ 🧠", "VISp"],
      ["1", "a\uFFFDb", ""],
      ["2", "\uFEFFbom", "<img src=x onerror=alert(1)>"],
    ]);
    expect(page.missing[1]).toEqual([false, false, true]);
    expect(page.selected).toEqual([false, true, false]);
    expect(page).toMatchObject({ revision: 3, offset: 200, total: 1234, columns: ["id", "name", "area"] });
  });

  it("accepts ArrayBuffers and windows onto larger buffers", () => {
    const bytes = utf8(`x${US}y`);
    const backing = new Uint8Array(bytes.length + 3);
    backing.set(bytes, 3);
    const page = decodePage({ n_rows: 1, columns: ["a", "b"] }, [new DataView(backing.buffer, 3), Uint8Array.from([1]).buffer]);
    expect(page.rows).toEqual([["x", "y"]]);
    expect(page.selected).toEqual([true]);
  });

  it("turns invalid UTF-8 into U+FFFD rather than failing", () => {
    const page = decodePage({ n_rows: 1, columns: ["a"] }, [Uint8Array.from([0x61, 0xff, 0x62]), new Uint8Array(1)]);
    expect(page.rows[0][0]).toBe("a\uFFFDb");
  });
});

describe("summaries and buffers", () => {
  it("reads little-endian int32 at any alignment", () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setInt32(1, 70000, true);
    new DataView(bytes.buffer).setInt32(5, -2, true);
    expect(Array.from(int32s(new DataView(bytes.buffer, 1, 8)))).toEqual([70000, -2]);
    expect(toBytes("nope").length).toBe(0);
  });

  it("resolves buffer indexes of each summary type", () => {
    const b = (/** @type {number[]} */ xs) => new DataView(Int32Array.from(xs).buffer);
    const summaries = decodeSummaries(
      {
        kind: "summary:ok",
        revision: 1,
        summaries: [
          { column: "x", type: "histogram", edges: [0, 1, 2], counts: 1, totals: 0, missing: 2, missing_total: 5 },
          { column: "c", type: "values", values: ["a", "b"], counts: 2, totals: 3, missing: 0, missing_total: 0, more: 7 },
          { column: "t", type: "none", missing: 1, missing_total: 1 },
        ],
      },
      [b([5, 6]), b([1, 2]), b([3, 0]), b([4, 4])],
    );
    expect(summaries[0]).toMatchObject({ type: "histogram", edges: [0, 1, 2], missing: 2, missing_total: 5 });
    expect(summaries[0].type === "histogram" && Array.from(summaries[0].counts)).toEqual([1, 2]);
    expect(summaries[0].type === "histogram" && Array.from(summaries[0].totals)).toEqual([5, 6]);
    expect(summaries[1]).toMatchObject({ type: "values", values: ["a", "b"], more: 7 });
    expect(summaries[1].type === "values" && Array.from(summaries[1].counts)).toEqual([3, 0]);
    expect(summaries[2]).toEqual({ column: "t", type: "none", missing: 1, missing_total: 1 });
  });
});

describe("PageCache", () => {
  const page = (/** @type {number} */ revision) => decodePage({ revision, n_rows: 0, columns: [] }, []);

  it("keys pages by revision and page number, dropping older revisions", () => {
    const cache = new PageCache(1);
    const p0 = page(1);
    expect(cache.put(1, 0, p0)).toBe(true);
    expect(cache.get(0)).toBe(p0);
    expect(cache.put(0, 1, page(0))).toBe(false); // stale reply
    expect(cache.has(1)).toBe(false);
    expect(cache.setRevision(2)).toBe(true);
    expect(cache.setRevision(2)).toBe(false);
    expect(cache.has(0)).toBe(false);
    expect(cache.display(0)).toEqual({ data: p0, stale: true }); // shown dimmed until refetched
    expect(cache.put(1, 0, page(1))).toBe(false);
    const fresh = page(2);
    cache.put(2, 0, fresh);
    expect(cache.display(0)).toEqual({ data: fresh, stale: false });
  });

  it("moves forward when a reply is newer than the known revision", () => {
    const cache = new PageCache(1);
    cache.put(1, 0, page(1));
    cache.put(3, 1, page(3));
    expect(cache.revision).toBe(3);
    expect(cache.has(0)).toBe(false);
    expect(cache.has(1)).toBe(true);
  });

  it("evicts the least recently used pages beyond its limit", () => {
    const cache = new PageCache(0, 2);
    cache.put(0, 0, page(0));
    cache.put(0, 1, page(0));
    cache.get(0);
    cache.put(0, 2, page(0));
    expect([cache.has(0), cache.has(1), cache.has(2)]).toEqual([true, false, true]);
    cache.clear();
    expect(cache.display(0)).toBeUndefined();
  });
});
