// The heatmap's perceptually uniform colormaps: ten evenly spaced stops, interpolated linearly.
// The Python copy is vbn_widgets/spikes/colormaps.py; a test checks that the two agree.

/** @typedef {"viridis" | "cividis"} ColormapName */

/** @type {Record<ColormapName, string[]>} */
export const COLORMAPS = {
  viridis: ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"],
  cividis: ["#00224e", "#123570", "#3b496c", "#575d6d", "#707173", "#8a8678", "#a59c74", "#c3b369", "#e1cc55", "#fee838"],
};

/**
 * @param {string} hex "#rrggbb"
 * @returns {[number, number, number]}
 */
export function hexToRgb(hex) {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/**
 * 256 RGBA entries (a lookup table for byte values 0..255) of a colormap.
 * @param {string} name
 * @returns {Uint8ClampedArray}
 */
export function lookupTable(name) {
  const stops = (COLORMAPS[/** @type {ColormapName} */ (name)] ?? COLORMAPS.viridis).map(hexToRgb);
  const lut = new Uint8ClampedArray(256 * 4);
  const last = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * last;
    const k = Math.min(Math.floor(x), last - 1);
    const f = x - k;
    for (let c = 0; c < 3; c++) lut[i * 4 + c] = Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f);
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

/**
 * RGBA pixels of a units x bins byte image through a lookup table (row-major, like the buffer).
 * @param {Uint8Array} bytes
 * @param {Uint8ClampedArray} lut
 * @returns {Uint8ClampedArray<ArrayBuffer>}
 */
export function colorize(bytes, lut) {
  const out = new Uint8ClampedArray(bytes.length * 4);
  const words = new Uint32Array(out.buffer);
  const table = new Uint32Array(lut.buffer, lut.byteOffset, 256);
  for (let i = 0; i < bytes.length; i++) words[i] = table[bytes[i]];
  return out;
}
