// Wire types of the TableExplorer protocol, mirrored by vbn_widgets/engine/protocol.py (the
// `<Name>JSON` TypedDicts). Types only, plus the few constants both sides agree on.

/** @typedef {"number" | "category" | "text" | "list" | "date" | "bool"} ColumnKind */
/** @typedef {{ name: string, kind: ColumnKind, dtype: string, index: boolean }} ColumnInfo */
/** @typedef {"asc" | "desc"} SortDirection */
/** @typedef {[string, SortDirection]} SortKey */
/** @typedef {"exclude" | "include"} MissingMode */
/** @typedef {string | number | boolean} FacetValue */

/** @typedef {{ column: string, kind: "range", min: number | null, max: number | null, min_inclusive: boolean, max_inclusive: boolean, missing: MissingMode }} RangeFilter */
/** @typedef {{ column: string, kind: "values", values: FacetValue[], missing: MissingMode }} ValuesFilter */
/** @typedef {{ column: string, kind: "text", pattern: string, regex: boolean, case_sensitive: boolean, missing: MissingMode }} TextFilter */
/** @typedef {{ column: string, kind: "list", values: string[], mode: "any" | "all", missing: MissingMode }} ListFilter */
/** @typedef {{ column: string, kind: "date", start: string | null, end: string | null, missing: MissingMode }} DateFilter */
/** @typedef {{ column: string, kind: "bool", value: boolean, missing: MissingMode }} BoolFilter */
/** @typedef {RangeFilter | ValuesFilter | TextFilter | ListFilter | DateFilter | BoolFilter} Filter */
/** @typedef {{ version: 1, filters: Filter[] }} FilterSpec */

/** Decoded summaries (the Int32 buffers already resolved to arrays). */
/** @typedef {{ column: string, type: "histogram", edges: number[], counts: Int32Array, totals: Int32Array, missing: number, missing_total: number }} HistogramSummary */
/** @typedef {{ column: string, type: "values", values: FacetValue[], counts: Int32Array, totals: Int32Array, missing: number, missing_total: number, more: number }} ValuesSummary */
/** @typedef {{ column: string, type: "none", missing: number, missing_total: number }} NoSummary */
/** @typedef {HistogramSummary | ValuesSummary | NoSummary} Summary */

/** Rows per `page` request; the window arithmetic and the cache agree on it (<= MAX_PAGE). */
export { PAGE_SIZE } from "../lib/virtual_window.js";
/** Protocol limits (requests beyond them get an error reply); vbn_widgets/engine/protocol.py
 * defines the same, tests/test_contract.py compares them. */
export const MAX_SORT_KEYS = 8;

/** Filter kind used for each column kind. */
export const FILTER_KIND = /** @type {const} */ ({
  number: "range",
  category: "values",
  text: "text",
  list: "list",
  date: "date",
  bool: "bool",
});
