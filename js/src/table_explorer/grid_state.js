// Grid decisions that need no DOM: sort-key cycling, selection requests from clicks and keys,
// column widths, and status text.

/** @import { ColumnInfo, ColumnKind, SortKey } from "./protocol.js" */
import { MAX_SORT_KEYS } from "./protocol.js";

/**
 * Sort keys after a header click.
 * Plain click: sort by this column only, cycling asc -> desc -> none (a column that is not the
 * only key starts at asc). Additive (shift) click: append the column as an extra asc key, or flip
 * it asc -> desc in place, or remove it after desc.
 * @param {SortKey[]} keys
 * @param {string} column
 * @param {boolean} additive
 * @returns {SortKey[]}
 */
export function nextSort(keys, column, additive) {
  /** @type {SortKey[]} */
  const copy = keys.map(([name, dir]) => [name, dir]);
  const at = copy.findIndex(([name]) => name === column);
  if (!additive) {
    if (copy.length === 1 && at === 0) return copy[0][1] === "asc" ? [[column, "desc"]] : [];
    return [[column, "asc"]];
  }
  if (at < 0) return copy.length >= MAX_SORT_KEYS ? copy : [...copy, [column, "asc"]];
  if (copy[at][1] === "asc") {
    copy[at] = [column, "desc"];
    return copy;
  }
  return copy.filter((_, i) => i !== at);
}

/**
 * Direction and 1-based priority of a column in the sort keys, or null.
 * @param {SortKey[]} keys
 * @param {string} column
 * @returns {{ direction: "asc" | "desc", priority: number } | null}
 */
export function sortIndicator(keys, column) {
  const at = keys.findIndex(([name]) => name === column);
  return at < 0 ? null : { direction: keys[at][1], priority: at + 1 };
}

/** @typedef {{ op: "set" | "toggle" | "add", rows: number[] } | { op: "range", from: number, to: number } | { op: "all" } | { op: "none" }} SelectOp */

/**
 * The `select` request for a click on row `position`, and the new anchor.
 * Click: select only it. Ctrl/Cmd-click: toggle it. Shift-click: add the range from the anchor.
 * @param {number} position
 * @param {{ shift: boolean, toggle: boolean }} modifiers
 * @param {number | null} anchor
 * @returns {{ request: SelectOp, anchor: number }}
 */
export function clickSelection(position, modifiers, anchor) {
  if (modifiers.shift) {
    const from = anchor ?? position;
    return { request: { op: "range", from: Math.min(from, position), to: Math.max(from, position) }, anchor: from };
  }
  if (modifiers.toggle) return { request: { op: "toggle", rows: [position] }, anchor: position };
  return { request: { op: "set", rows: [position] }, anchor: position };
}

/** @typedef {{ cursor: number, anchor: number | null, request: SelectOp | null, handled: boolean }} KeyOutcome */

/**
 * Keyboard navigation of the cursor row. ArrowUp/Down, PageUp/Down, Home/End move it;
 * Shift+movement also adds the range from the anchor; Space toggles the cursor row.
 * @param {{ key: string, shift: boolean }} key
 * @param {{ cursor: number, anchor: number | null, total: number, pageRows: number }} state
 * @returns {KeyOutcome}
 */
export function keyNavigation(key, state) {
  const { cursor, anchor, total, pageRows } = state;
  const none = { cursor, anchor, request: null, handled: false };
  if (total <= 0) return none;
  if (key.key === " " || key.key === "Spacebar") {
    const row = cursor < 0 ? 0 : Math.min(cursor, total - 1);
    return { cursor: row, anchor: row, request: { op: "toggle", rows: [row] }, handled: true };
  }
  /** @type {Record<string, number>} */
  const deltas = { ArrowDown: 1, ArrowUp: -1, PageDown: pageRows, PageUp: -pageRows, End: total, Home: -total };
  const delta = deltas[key.key];
  if (delta === undefined) return none;
  const start = cursor < 0 ? (delta > 0 ? -1 : 0) : cursor;
  const next = Math.max(0, Math.min(total - 1, start + delta));
  if (key.shift) {
    const from = anchor ?? Math.max(0, start);
    return { cursor: next, anchor: from, request: { op: "range", from: Math.min(from, next), to: Math.max(from, next) }, handled: true };
  }
  return { cursor: next, anchor: next, request: null, handled: true };
}

/**
 * 1234567 -> "1,234,567" (locale-independent, so tests and screenshots agree).
 * @param {number} n
 */
export function formatCount(n) {
  const sign = n < 0 ? "-" : "";
  return sign + String(Math.trunc(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * @param {number} filtered
 * @param {number} total
 */
export const rowsText = (filtered, total) => `${formatCount(filtered)} of ${formatCount(total)} rows`;

/** @param {number} selected */
export const selectedText = (selected) => `${formatCount(selected)} selected`;

/** @type {Record<ColumnKind, number>} */
const KIND_WIDTH = { number: 96, category: 130, text: 200, list: 200, date: 168, bool: 72 };

/** @type {Record<ColumnKind, string>} */
export const KIND_ICON = { number: "#", category: "◆", text: "T", list: "≡", date: "◷", bool: "◐" };

/**
 * Column widths in px: by kind, widened so that the header (name + icons) fits.
 * @param {ColumnInfo[]} columns
 * @returns {number[]}
 */
export function columnWidths(columns) {
  return columns.map((c) => Math.min(360, Math.max(KIND_WIDTH[c.kind] ?? 140, c.name.length * 7.5 + 64)));
}
