// Per-column filter UI state, its conversion to and from protocol Filter objects, validation
// before sending, and the labels of the active-filter chips. Pure; no DOM.
//
// A state with no constraint (no bound, no value, empty pattern, "any" bool) is *inactive*: it
// converts to a clear-filter request rather than to a filter, so the "include missing" toggle only
// qualifies an active filter.

/** @import { ColumnKind, FacetValue, Filter, FilterSpec, MissingMode } from "./protocol.js" */
import { FILTER_KIND } from "./protocol.js";

/** @typedef {{ kind: "range", min: string, max: string, minInclusive: boolean, maxInclusive: boolean, includeMissing: boolean }} RangeState */
/** @typedef {{ kind: "values", values: FacetValue[], search: string, includeMissing: boolean }} ValuesState */
/** @typedef {{ kind: "text", pattern: string, regex: boolean, caseSensitive: boolean, includeMissing: boolean }} TextState */
/** @typedef {{ kind: "list", values: string[], mode: "any" | "all", search: string, includeMissing: boolean }} ListState */
/** @typedef {{ kind: "date", start: string, end: string, includeMissing: boolean }} DateState */
/** @typedef {{ kind: "bool", value: boolean | null, includeMissing: boolean }} BoolState */
/** @typedef {RangeState | ValuesState | TextState | ListState | DateState | BoolState} FilterState */
/** @typedef {{ ok: true, filter: Filter | null } | { ok: false, error: string }} FilterRequest */

/**
 * @param {boolean} include
 * @returns {MissingMode}
 */
const missingMode = (include) => (include ? "include" : "exclude");

/**
 * UI state of a column with no filter.
 * @param {ColumnKind} kind
 * @returns {FilterState}
 */
export function emptyState(kind) {
  const includeMissing = false;
  switch (FILTER_KIND[kind]) {
    case "range":
      return { kind: "range", min: "", max: "", minInclusive: true, maxInclusive: true, includeMissing };
    case "values":
      return { kind: "values", values: [], search: "", includeMissing };
    case "list":
      return { kind: "list", values: [], mode: "any", search: "", includeMissing };
    case "date":
      return { kind: "date", start: "", end: "", includeMissing };
    case "bool":
      return { kind: "bool", value: null, includeMissing };
    default:
      return { kind: "text", pattern: "", regex: false, caseSensitive: false, includeMissing };
  }
}

/**
 * UI state for a column from its protocol filter (or the empty state when there is none or it
 * does not fit the column's kind).
 * @param {ColumnKind} kind
 * @param {Filter | undefined | null} filter
 * @returns {FilterState}
 */
export function stateFromFilter(kind, filter) {
  const state = emptyState(kind);
  if (!filter || filter.kind !== state.kind) return state;
  const includeMissing = filter.missing === "include";
  switch (filter.kind) {
    case "range":
      return {
        kind: "range",
        min: filter.min === null || filter.min === undefined ? "" : String(filter.min),
        max: filter.max === null || filter.max === undefined ? "" : String(filter.max),
        minInclusive: filter.min_inclusive !== false,
        maxInclusive: filter.max_inclusive !== false,
        includeMissing,
      };
    case "values":
      return { kind: "values", values: [...filter.values], search: "", includeMissing };
    case "text":
      return { kind: "text", pattern: filter.pattern, regex: !!filter.regex, caseSensitive: !!filter.case_sensitive, includeMissing };
    case "list":
      return { kind: "list", values: [...filter.values], mode: filter.mode === "all" ? "all" : "any", search: "", includeMissing };
    case "date":
      return { kind: "date", start: filter.start ?? "", end: filter.end ?? "", includeMissing };
    case "bool":
      return { kind: "bool", value: !!filter.value, includeMissing };
  }
}

/**
 * @param {string} text
 * @returns {number | null | undefined} null when blank, undefined when not a number
 */
function parseNumber(text) {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Milliseconds since epoch of an ISO-8601 date or date-time (date-only strings are UTC days).
 * @param {string} text
 * @returns {number | null | undefined} null when blank, undefined when unparseable
 */
export function parseDate(text) {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed.replace(" ", "T"));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * ISO-8601 text for a time in ms: "YYYY-MM-DD" at UTC midnight, else "YYYY-MM-DDTHH:MM:SS+00:00".
 * @param {number} ms
 */
export function isoFromMs(ms) {
  const iso = new Date(ms).toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : `${iso.slice(0, 19)}+00:00`;
}

/**
 * Convert UI state to what to send: a filter, null (clear the column's filter), or an error.
 * @param {string} column
 * @param {FilterState} state
 * @returns {FilterRequest}
 */
export function toRequest(column, state) {
  const missing = missingMode(state.includeMissing);
  switch (state.kind) {
    case "range": {
      const min = parseNumber(state.min);
      const max = parseNumber(state.max);
      if (min === undefined) return { ok: false, error: `minimum "${state.min}" is not a number` };
      if (max === undefined) return { ok: false, error: `maximum "${state.max}" is not a number` };
      if (min === null && max === null) return { ok: true, filter: null };
      if (min !== null && max !== null) {
        if (min > max) return { ok: false, error: `minimum ${min} is greater than maximum ${max}` };
        if (min === max && !(state.minInclusive && state.maxInclusive)) {
          return { ok: false, error: "the range is empty: make both ends inclusive or widen it" };
        }
      }
      return {
        ok: true,
        filter: { column, kind: "range", min, max, min_inclusive: state.minInclusive, max_inclusive: state.maxInclusive, missing },
      };
    }
    case "values":
      return { ok: true, filter: state.values.length ? { column, kind: "values", values: [...state.values], missing } : null };
    case "list":
      return {
        ok: true,
        filter: state.values.length ? { column, kind: "list", values: [...state.values], mode: state.mode, missing } : null,
      };
    case "text": {
      // A regex is checked by the kernel, which runs it (RE2): its error comes back to the panel.
      if (state.pattern === "") return { ok: true, filter: null };
      return {
        ok: true,
        filter: { column, kind: "text", pattern: state.pattern, regex: state.regex, case_sensitive: state.caseSensitive, missing },
      };
    }
    case "date": {
      const start = parseDate(state.start);
      const end = parseDate(state.end);
      if (start === undefined) return { ok: false, error: `start "${state.start}" is not an ISO-8601 date` };
      if (end === undefined) return { ok: false, error: `end "${state.end}" is not an ISO-8601 date` };
      if (start === null && end === null) return { ok: true, filter: null };
      if (start !== null && end !== null && start >= end) {
        return { ok: false, error: "the start must be before the end (the end is exclusive)" };
      }
      const trimmed = (/** @type {string} */ text) => (text.trim() === "" ? null : text.trim());
      return { ok: true, filter: { column, kind: "date", start: trimmed(state.start), end: trimmed(state.end), missing } };
    }
    case "bool":
      return { ok: true, filter: state.value === null ? null : { column, kind: "bool", value: state.value, missing } };
  }
}

/**
 * Stable identity of a facet value ("1" the string and 1 the number differ).
 * @param {FacetValue} value
 */
export const valueKey = (value) => `${typeof value}:${String(value)}`;

/**
 * Add the value if absent, remove it if present (returns a new array).
 * @template {FacetValue} T
 * @param {T[]} values
 * @param {T} value
 * @returns {T[]}
 */
export function toggleValue(values, value) {
  const key = valueKey(value);
  return values.some((v) => valueKey(v) === key) ? values.filter((v) => valueKey(v) !== key) : [...values, value];
}

/**
 * Indexes of the values whose text contains the search (case-insensitive), in their order.
 * @param {FacetValue[]} values
 * @param {string} search
 * @returns {number[]}
 */
export function searchValues(values, search) {
  const needle = search.trim().toLowerCase();
  const out = [];
  for (let i = 0; i < values.length; i++) if (!needle || String(values[i]).toLowerCase().includes(needle)) out.push(i);
  return out;
}

/**
 * The filter on a column, if any.
 * @param {FilterSpec | null | undefined} spec
 * @param {string} column
 */
export function findFilter(spec, column) {
  return spec?.filters?.find((f) => f.column === column);
}

/**
 * @param {FacetValue[]} values
 * @param {number} [shown]
 */
function listText(values, shown = 3) {
  const head = values.slice(0, shown).map(String).join(", ");
  return values.length > shown ? `${head} +${values.length - shown}` : head;
}

/**
 * Short text of an active-filter chip.
 * @param {Filter} filter
 */
export function filterLabel(filter) {
  const c = filter.column;
  let text;
  switch (filter.kind) {
    case "range": {
      const lo = filter.min === null ? "" : `${filter.min} ${filter.min_inclusive ? "≤" : "<"} `;
      const hi = filter.max === null ? "" : ` ${filter.max_inclusive ? "≤" : "<"} ${filter.max}`;
      text = `${lo}${c}${hi}`;
      break;
    }
    case "values":
      text = `${c}: ${listText(filter.values)}`;
      break;
    case "text":
      text = filter.regex ? `${c} ~ /${filter.pattern}/` : `${c} ∋ "${filter.pattern}"`;
      if (filter.case_sensitive) text += " (Aa)";
      break;
    case "list":
      text = `${c} ∋ ${filter.mode} of ${listText(filter.values)}`;
      break;
    case "date":
      text = `${c}: ${filter.start ?? "…"} → ${filter.end ?? "…"}`;
      break;
    case "bool":
      text = `${c} = ${filter.value}`;
      break;
    default:
      text = c;
  }
  return filter.missing === "include" ? `${text} (+ missing)` : text;
}
