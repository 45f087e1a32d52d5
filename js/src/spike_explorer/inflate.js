// The heatmap travels zlib-deflated (vbn_widgets/spike_explorer/payloads.py): inflate it with the
// browser's own DecompressionStream (no library, no network).

/** @import { Heatmap } from "./shapes.js" */

/**
 * The heatmap's bytes (rows x bins, row-major).
 * @param {Heatmap} heatmap
 * @returns {Promise<Uint8Array>}
 */
export async function inflate(heatmap) {
  const { buffer, byteOffset, byteLength } = heatmap.deflated;
  const input = new Uint8Array(/** @type {ArrayBuffer} */ (buffer), byteOffset, byteLength);
  const source = new ReadableStream({
    start(controller) {
      controller.enqueue(input);
      controller.close();
    },
  });
  const stream = source.pipeThrough(new DecompressionStream("deflate"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  const expected = heatmap.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) throw new RangeError(`heatmap: ${bytes.length} bytes, expected ${expected}`);
  return bytes;
}

/**
 * A mask with 1 at each listed row.
 * @param {ArrayLike<number> | null} rows
 * @param {number} n
 */
export function rowMask(rows, n) {
  const mask = new Uint8Array(n);
  if (rows) for (let i = 0; i < rows.length; i++) if (rows[i] < n) mask[rows[i]] = 1;
  return mask;
}
