// Decoding of `page:ok` and `summary:ok` replies, and the page cache keyed by (revision, page).
// Pure; no DOM. Buffers may arrive as DataView (anywidget), ArrayBuffer or any typed array.

/** @import { FacetValue, Summary } from "./protocol.js" */

export const ROW_SEP = "\u001e";
export const CELL_SEP = "\u001f";
export const MISSING = "\u0015";

/**
 * @typedef {object} Page
 * @property {number} revision revision the rows were computed at
 * @property {number} offset position of the first row
 * @property {number} total filtered row count at that revision
 * @property {string[]} columns column names, in cell order
 * @property {string[][]} rows cell text ("" where missing)
 * @property {boolean[][]} missing true where the cell is a missing value
 * @property {boolean[]} selected one flag per row
 */

// ignoreBOM: a value may legitimately start with U+FEFF; invalid UTF-8 decodes to U+FFFD.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * View any binary buffer as bytes without copying.
 * @param {unknown} buf
 * @returns {Uint8Array}
 */
export function toBytes(buf) {
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  // Realm-independent ArrayBuffer test (jsdom, iframes).
  if (Object.prototype.toString.call(buf) === "[object ArrayBuffer]") return new Uint8Array(/** @type {ArrayBuffer} */ (buf));
  return new Uint8Array(0);
}

/**
 * Little-endian Int32 values of a buffer, whatever its alignment.
 * @param {unknown} buf
 * @returns {Int32Array}
 */
export function int32s(buf) {
  const bytes = toBytes(buf);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

/**
 * Split the cells text of a page into rows of `nColumns` cells.
 * @param {string} text
 * @param {number} nColumns
 * @param {number} [nRows] rows announced by the reply (disambiguates an empty text)
 * @returns {{ rows: string[][], missing: boolean[][] }}
 */
export function splitCells(text, nColumns, nRows) {
  /** @type {string[][]} */
  const rows = [];
  /** @type {boolean[][]} */
  const missing = [];
  if (nRows === 0 || (nRows === undefined && text === "")) return { rows, missing };
  const parts = text.split(ROW_SEP);
  // Tolerate one trailing row separator.
  if (parts.length > 1 && parts[parts.length - 1] === "" && (nRows === undefined || parts.length > nRows)) parts.pop();
  const count = nRows === undefined ? parts.length : Math.min(nRows, parts.length);
  for (let r = 0; r < count; r++) {
    const cells = parts[r].split(CELL_SEP);
    const row = new Array(nColumns);
    const flags = new Array(nColumns);
    for (let c = 0; c < nColumns; c++) {
      const cell = cells[c];
      const isMissing = cell === undefined || cell === MISSING;
      row[c] = isMissing ? "" : cell;
      flags[c] = isMissing;
    }
    rows.push(row);
    missing.push(flags);
  }
  return { rows, missing };
}

/**
 * Decode a `page:ok` reply and its `[cells, selected]` buffers.
 * @param {Record<string, any>} content
 * @param {unknown[]} buffers
 * @returns {Page}
 */
export function decodePage(content, buffers) {
  const columns = Array.isArray(content.columns) ? content.columns.map(String) : [];
  const nRows = Number.isInteger(content.n_rows) ? content.n_rows : undefined;
  const text = decoder.decode(toBytes(buffers[0]));
  const { rows, missing } = splitCells(text, columns.length, nRows);
  const flags = toBytes(buffers[1]);
  const selected = rows.map((_, i) => i < flags.length && flags[i] !== 0);
  return {
    revision: Number(content.revision) || 0,
    offset: Number(content.offset) || 0,
    total: Number(content.total) || 0,
    columns,
    rows,
    missing,
    selected,
  };
}

/**
 * Decode the summaries of a `summary:ok` reply, resolving buffer indexes to Int32Arrays.
 * @param {Record<string, any>} content
 * @param {unknown[]} buffers
 * @returns {Summary[]}
 */
export function decodeSummaries(content, buffers) {
  const list = Array.isArray(content.summaries) ? content.summaries : [];
  return list.map((/** @type {Record<string, any>} */ s) => {
    const base = { column: String(s.column), missing: Number(s.missing) || 0, missing_total: Number(s.missing_total) || 0 };
    const counts = int32s(buffers[s.counts]);
    const totals = int32s(buffers[s.totals]);
    if (s.type === "histogram") {
      return { ...base, type: /** @type {const} */ ("histogram"), edges: (s.edges ?? []).map(Number), counts, totals };
    }
    if (s.type === "values") {
      const values = /** @type {FacetValue[]} */ (s.values ?? []);
      return { ...base, type: /** @type {const} */ ("values"), values, counts, totals, more: Number(s.more) || 0 };
    }
    return { ...base, type: /** @type {const} */ ("none") };
  });
}

/**
 * Pages of the current revision, plus the previous revision's pages as a display fallback
 * while the new ones are on their way (rows are then marked stale, not blanked).
 */
export class PageCache {
  /**
   * @param {number} revision
   * @param {number} [limit] pages kept per revision (least recently used go first)
   */
  constructor(revision, limit = 64) {
    this.revision = revision;
    this.limit = limit;
    /** @type {Map<number, Page>} */
    this.pages = new Map();
    /** @type {Map<number, Page>} */
    this.stale = new Map();
  }

  /**
   * Move to a newer revision; older pages become the stale fallback. Returns whether it changed.
   * @param {number} revision
   */
  setRevision(revision) {
    if (!(revision > this.revision)) return false;
    this.revision = revision;
    if (this.pages.size > 0) this.stale = this.pages;
    this.pages = new Map();
    return true;
  }

  /**
   * Store a page computed at `revision`. Returns false (and stores nothing) when it is stale.
   * @param {number} revision
   * @param {number} page
   * @param {Page} data
   */
  put(revision, page, data) {
    if (revision < this.revision) return false;
    this.setRevision(revision);
    this.pages.delete(page);
    this.pages.set(page, data);
    this.stale.delete(page);
    while (this.pages.size > this.limit) this.pages.delete(/** @type {number} */ (this.pages.keys().next().value));
    return true;
  }

  /**
   * Fresh page (current revision) or undefined; refreshes its LRU position.
   * @param {number} page
   */
  get(page) {
    const data = this.pages.get(page);
    if (data) {
      this.pages.delete(page);
      this.pages.set(page, data);
    }
    return data;
  }

  /** @param {number} page */
  has(page) {
    return this.pages.has(page);
  }

  /**
   * What to show for a page: fresh if there is one, else the stale fallback.
   * @param {number} page
   * @returns {{ data: Page, stale: boolean } | undefined}
   */
  display(page) {
    const fresh = this.pages.get(page);
    if (fresh) return { data: fresh, stale: false };
    const old = this.stale.get(page);
    return old ? { data: old, stale: true } : undefined;
  }

  clear() {
    this.pages.clear();
    this.stale.clear();
  }
}
