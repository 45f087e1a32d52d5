import { describe, expect, it } from "vitest";
import { COLORMAPS, colorize, hexToRgb, lookupTable } from "../../src/spike_explorer/colormap.js";
import { inflate, rowMask } from "../../src/spike_explorer/inflate.js";
import { areaLabels, brushWindow, heatLayout, rowAt, timeAt, xOf } from "../../src/spike_explorer/layout.js";
import { byteValue, extent, linear, tickLabel, ticks } from "../../src/spike_explorer/scales.js";

/** zlib-deflate bytes as Python's zlib.compress does (the browser's own CompressionStream). */
async function deflate(/** @type {Uint8Array} */ bytes) {
  const source = new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  return new Uint8Array(await new Response(source.pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
}

describe("colormap", () => {
  it("runs from the first stop to the last, through every stop", () => {
    for (const name of Object.keys(COLORMAPS)) {
      const stops = COLORMAPS[/** @type {"viridis"} */ (name)];
      const lut = lookupTable(name);
      expect(Array.from(lut.slice(0, 3))).toEqual(hexToRgb(stops[0]));
      expect(Array.from(lut.slice(255 * 4, 255 * 4 + 3))).toEqual(hexToRgb(stops[stops.length - 1]));
      expect(lut[3]).toBe(255);
    }
  });
  it("maps bytes to RGBA pixels through the table", () => {
    const lut = lookupTable("cividis");
    const pixels = colorize(new Uint8Array([0, 255, 128]), lut);
    expect(pixels.length).toBe(12);
    expect(Array.from(pixels.slice(4, 8))).toEqual(Array.from(lut.slice(255 * 4, 256 * 4)));
    expect(Array.from(pixels.slice(8, 12))).toEqual(Array.from(lut.slice(128 * 4, 129 * 4)));
  });
  it("falls back to viridis for an unknown name", () => {
    expect(lookupTable("jet")).toEqual(lookupTable("viridis"));
  });
});

describe("scales", () => {
  it("maps both ways", () => {
    const s = linear([-0.5, 1], [0, 300]);
    expect(s.to(0)).toBe(100);
    expect(s.from(300)).toBe(1);
  });
  it("gives round ticks inside the range", () => {
    expect(ticks(-0.5, 1, 6)).toEqual([-0.5, -0.25, 0, 0.25, 0.5, 0.75, 1]);
    expect(ticks(0, 37, 4)).toEqual([0, 10, 20, 30]);
    expect(ticks(1, 1)).toEqual([1]);
    expect(tickLabel(1e-12)).toBe("0");
    expect(tickLabel(123.456)).toBe("123");
  });
  it("decodes a heatmap byte and finds the extent", () => {
    expect(byteValue(0, [-3, 3])).toBe(-3);
    expect(byteValue(255, [-3, 3])).toBe(3);
    expect(extent([new Float32Array([2, NaN, -1]), [5]])).toEqual([-1, 5]);
    expect(extent([[]])).toBeNull();
  });
});

describe("layout", () => {
  const layout = heatLayout(800, 380);
  const bins = { start: -0.5, stop: 1, width: 0.01, n: 150 };
  it("finds rows and times under the pointer", () => {
    expect(rowAt(layout.heat.y, layout.heat, 2000)).toBe(0);
    expect(rowAt(layout.heat.y + layout.heat.height - 0.01, layout.heat, 2000)).toBe(1999);
    expect(rowAt(layout.heat.y - 1, layout.heat, 2000)).toBe(-1);
    expect(timeAt(layout.heat.x, layout.heat, bins)).toBe(-0.5);
    expect(timeAt(xOf(0.25, layout.heat, bins), layout.heat, bins)).toBeCloseTo(0.25, 9);
  });
  it("snaps a brush outwards to whole bins and ignores a click", () => {
    const a = xOf(0.033, layout.heat, bins);
    const b = xOf(0.2449, layout.heat, bins);
    expect(brushWindow(a, b, layout.heat, bins)).toEqual([0.03, 0.25]);
    expect(brushWindow(b, a, layout.heat, bins)).toEqual([0.03, 0.25]);
    expect(brushWindow(a, a + 2, layout.heat, bins)).toBeNull();
  });
  it("drops area labels that would overlap", () => {
    const runs = [
      { area: "VISp", start: 0, stop: 300 },
      { area: "VISl", start: 300, stop: 302 },
      { area: "CA1", start: 302, stop: 900 },
    ];
    const labels = areaLabels(runs, layout.heat, 900);
    expect(labels.map((l) => l.area)).toEqual(["VISp", "CA1"]);
  });
});

describe("inflate", () => {
  it("restores the deflated heatmap and checks its size", async () => {
    const bytes = Uint8Array.from({ length: 600 }, (_, i) => i % 251);
    const deflated = await deflate(bytes);
    const view = new DataView(deflated.buffer, deflated.byteOffset, deflated.byteLength);
    expect(await inflate({ shape: [4, 150], deflated: view })).toEqual(bytes);
    await expect(inflate({ shape: [5, 150], deflated: view })).rejects.toThrow(/600 bytes/);
  });
  it("turns selected rows into a mask", () => {
    expect(Array.from(rowMask(new Uint32Array([0, 2, 9]), 4))).toEqual([1, 0, 1, 0]);
    expect(Array.from(rowMask(null, 2))).toEqual([0, 0]);
  });
});
