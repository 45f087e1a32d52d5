import { describe, expect, it } from "vitest";
import {
  emptyState,
  filterLabel,
  findFilter,
  isoFromMs,
  parseDate,
  searchValues,
  stateFromFilter,
  toggleValue,
  toRequest,
} from "../../src/table_explorer/filter_state.js";

/** @import { Filter } from "../../src/table_explorer/protocol.js" */
/** @import { FilterState } from "../../src/table_explorer/filter_state.js" */

/** @type {[import("../../src/table_explorer/protocol.js").ColumnKind, Filter][]} */
const ROUND_TRIPS = [
  ["number", { column: "snr", kind: "range", min: 1.5, max: null, min_inclusive: false, max_inclusive: true, missing: "exclude" }],
  ["number", { column: "snr", kind: "range", min: -3, max: 7, min_inclusive: true, max_inclusive: false, missing: "include" }],
  ["category", { column: "area", kind: "values", values: ["VISp", 3, true], missing: "exclude" }],
  ["text", { column: "name", kind: "text", pattern: "^ab+c", regex: true, case_sensitive: true, missing: "exclude" }],
  ["text", { column: "name", kind: "text", pattern: "a.b", regex: false, case_sensitive: false, missing: "include" }],
  ["list", { column: "acr", kind: "list", values: ["CA1", "VISp"], mode: "all", missing: "exclude" }],
  ["list", { column: "acr", kind: "list", values: ["LP"], mode: "any", missing: "include" }],
  ["date", { column: "when", kind: "date", start: "2019-05-01", end: null, missing: "exclude" }],
  ["date", { column: "when", kind: "date", start: "2019-05-01T10:00:00+00:00", end: "2020-01-01", missing: "include" }],
  ["bool", { column: "ok", kind: "bool", value: false, missing: "exclude" }],
  ["bool", { column: "ok", kind: "bool", value: true, missing: "include" }],
];

describe("filter state round trips", () => {
  it.each(ROUND_TRIPS)("%s: filter -> state -> the same filter", (kind, filter) => {
    const state = stateFromFilter(kind, filter);
    expect(toRequest(filter.column, state)).toEqual({ ok: true, filter });
  });

  it.each(["number", "category", "text", "list", "date", "bool"])("%s: the empty state clears the filter", (kind) => {
    const state = emptyState(/** @type {any} */ (kind));
    expect(toRequest("c", state)).toEqual({ ok: true, filter: null });
    expect(stateFromFilter(/** @type {any} */ (kind), undefined)).toEqual(state);
  });

  it("ignores a filter of the wrong kind for the column", () => {
    const wrong = ROUND_TRIPS[0][1];
    expect(stateFromFilter("text", wrong)).toEqual(emptyState("text"));
  });

  it("copies arrays so the trait's objects are never mutated", () => {
    const filter = /** @type {import("../../src/table_explorer/protocol.js").ValuesFilter} */ (ROUND_TRIPS[2][1]);
    const state = stateFromFilter("category", filter);
    expect(state.kind === "values" && state.values).not.toBe(filter.values);
  });
});

describe("validation", () => {
  /** @param {FilterState} state */
  const error = (state) => {
    const r = toRequest("c", state);
    return r.ok ? null : r.error;
  };
  const range = /** @type {import("../../src/table_explorer/filter_state.js").RangeState} */ (emptyState("number"));
  const date = /** @type {import("../../src/table_explorer/filter_state.js").DateState} */ (emptyState("date"));
  const text = /** @type {import("../../src/table_explorer/filter_state.js").TextState} */ (emptyState("text"));

  it("requires numbers and min <= max", () => {
    expect(error({ ...range, min: "abc" })).toMatch(/not a number/);
    expect(error({ ...range, max: "1e" })).toMatch(/not a number/);
    expect(error({ ...range, min: "5", max: "2" })).toMatch(/greater than/);
    expect(error({ ...range, min: "2", max: "2" })).toBeNull();
    expect(error({ ...range, min: "2", max: "2", maxInclusive: false })).toMatch(/empty/);
    expect(toRequest("c", { ...range, min: " 1e3 ", max: "" })).toMatchObject({ ok: true, filter: { min: 1000, max: null } });
  });

  it("requires ISO dates with start before the (exclusive) end", () => {
    expect(error({ ...date, start: "May 1" })).toMatch(/ISO-8601/);
    expect(error({ ...date, start: "2020-01-02", end: "2020-01-01" })).toMatch(/before/);
    expect(error({ ...date, start: "2020-01-01", end: "2020-01-01" })).toMatch(/before/);
    expect(error({ ...date, start: "2020-01-01", end: "2020-01-01T00:00:01Z" })).toBeNull();
  });

  it("leaves regular expressions to the kernel, which runs them (RE2), so the two cannot disagree", () => {
    // JS's RegExp would accept a lookahead RE2 refuses, and refuse `(?P<a>x)` RE2 accepts.
    for (const pattern of ["(unclosed", "a(?=b)", "(?P<a>x)", "(?<n>x)\\k<n>"]) {
      expect(toRequest("name", { ...text, pattern, regex: true })).toEqual({
        ok: true,
        filter: { column: "name", kind: "text", pattern, regex: true, case_sensitive: false, missing: "exclude" },
      });
    }
  });
});

describe("helpers", () => {
  it("toggles typed values without confusing 1 and '1'", () => {
    /** @type {import("../../src/table_explorer/protocol.js").FacetValue[]} */
    const values = ["a", 1];
    expect(toggleValue(values, "1")).toEqual(["a", 1, "1"]);
    expect(toggleValue(values, 1)).toEqual(["a"]);
  });

  it("searches the value list case-insensitively", () => {
    expect(searchValues(["VISp", "VISl", "CA1", true], "vis")).toEqual([0, 1]);
    expect(searchValues(["a", "b"], "  ")).toEqual([0, 1]);
    expect(searchValues([true, false], "TRU")).toEqual([0]);
  });

  it("formats and parses dates as UTC", () => {
    expect(isoFromMs(Date.UTC(2020, 0, 2))).toBe("2020-01-02");
    expect(isoFromMs(Date.UTC(2020, 0, 2, 3, 4, 5))).toBe("2020-01-02T03:04:05+00:00");
    expect(parseDate("2020-01-02")).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate("2020-01-02T03:04:05+00:00")).toBe(Date.UTC(2020, 0, 2, 3, 4, 5));
    expect(parseDate("")).toBeNull();
    expect(parseDate("tomorrow")).toBeUndefined();
  });

  it("finds a column's filter and labels chips", () => {
    const spec = { version: /** @type {1} */ (1), filters: ROUND_TRIPS.map(([, f]) => f) };
    expect(findFilter(spec, "acr")).toBe(ROUND_TRIPS[5][1]);
    expect(findFilter(null, "acr")).toBeUndefined();
    expect(ROUND_TRIPS.map(([, f]) => filterLabel(f))).toEqual([
      "1.5 < snr",
      "-3 ≤ snr < 7 (+ missing)",
      "area: VISp, 3, true",
      "name ~ /^ab+c/ (Aa)",
      'name ∋ "a.b" (+ missing)',
      "acr ∋ all of CA1, VISp",
      "acr ∋ any of LP (+ missing)",
      "when: 2019-05-01 → …",
      "when: 2019-05-01T10:00:00+00:00 → 2020-01-01 (+ missing)",
      "ok = false",
      "ok = true (+ missing)",
    ]);
    expect(filterLabel({ column: "c", kind: "values", values: ["a", "b", "c", "d", "e"], missing: "exclude" })).toBe("c: a, b, c +2");
  });
});
