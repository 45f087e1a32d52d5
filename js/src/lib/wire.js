// Numeric arrays travel from Python as {view, dtype, shape} with the bytes in a binary buffer
// (vbn_widgets/_serialization.py); this turns one back into a typed array without copying.

/** @typedef {"float32" | "float64" | "int8" | "int16" | "int32" | "uint8" | "uint16" | "uint32"} WireDtype */
/** @typedef {{ view: DataView, dtype: WireDtype, shape: number[] }} WireArray */

const TYPED = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

/**
 * @param {WireArray | null} wire
 * @returns {Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | null}
 */
export function fromWire(wire) {
  if (wire === null) return null;
  const Typed = TYPED[wire.dtype];
  if (!Typed) throw new TypeError(`unsupported wire dtype ${JSON.stringify(wire.dtype)}`);
  const { buffer, byteOffset, byteLength } = wire.view;
  if (byteLength % Typed.BYTES_PER_ELEMENT !== 0 || byteOffset % Typed.BYTES_PER_ELEMENT !== 0) {
    throw new RangeError(`buffer of ${byteLength} bytes at offset ${byteOffset} is not aligned to ${wire.dtype}`);
  }
  // Respect byteOffset: the DataView may be a window onto a larger message buffer.
  return new Typed(/** @type {ArrayBuffer} */ (buffer), byteOffset, byteLength / Typed.BYTES_PER_ELEMENT);
}
