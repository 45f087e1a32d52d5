import { describe, expect, it } from "vitest";
import { fromWire } from "../../src/lib/wire.js";

describe("fromWire", () => {
  it("reads a window of a larger buffer without copying", () => {
    const backing = new Float32Array([9, 1.5, 2.5, 9]);
    const view = new DataView(backing.buffer, 4, 8);
    const arr = fromWire({ view, dtype: "float32", shape: [2] });
    expect(Array.from(arr ?? [])).toEqual([1.5, 2.5]);
    expect(arr?.buffer).toBe(backing.buffer);
  });

  it("passes null through", () => {
    expect(fromWire(null)).toBeNull();
  });

  it("rejects an unknown dtype and a misaligned buffer", () => {
    const view = new DataView(new ArrayBuffer(8));
    // @ts-expect-error: deliberately wrong dtype, as a malformed message would carry
    expect(() => fromWire({ view, dtype: "int64", shape: [1] })).toThrow(/unsupported wire dtype/);
    expect(() => fromWire({ view: new DataView(new ArrayBuffer(8), 0, 6), dtype: "int32", shape: [1] })).toThrow(
      RangeError,
    );
  });
});
