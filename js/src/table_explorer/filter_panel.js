// The filter panel of one column: the UI of its filter kind, fed by `summary` replies (histogram
// or facet counts, which follow the other filters) and by the `filters` trait. It owns the UI
// state (filter_state.js), checks what it can, and hands finished filters to `onSubmit`; the
// entry turns them into set-filter / clear-filter requests, and what the kernel refuses (a regex
// RE2 cannot run, a value no row holds) comes back here as the panel's error.
//
// Value rows are patched in place, never rebuilt under the pointer: a list rebuilt between a
// checkbox's mousedown and mouseup (the search box's change event fires on that mousedown)
// would swallow the click.

/** @import { ColumnInfo, FacetValue, Filter, Summary, HistogramSummary, ValuesSummary } from "./protocol.js" */
/** @import { FilterState } from "./filter_state.js" */
import { h } from "../lib/dom.js";
import { isoFromMs, parseDate, searchValues, stateFromFilter, toggleValue, toRequest, valueKey } from "./filter_state.js";
import { formatCount } from "./grid_state.js";
import { createHistogram } from "./histogram.js";
import { debounce, throttle } from "../lib/timing.js";

export const TEXT_DEBOUNCE_MS = 250;
export const BRUSH_THROTTLE_MS = 150;

/** @param {string} text */
const numberOrNull = (text) => {
  const value = text.trim() === "" ? Number.NaN : Number(text);
  return Number.isFinite(value) ? value : null;
};
/** @param {number} v */
const formatNumber = (v) => String(Number(v.toPrecision(6)));

/**
 * @typedef {object} PanelOptions
 * @property {ColumnInfo} column
 * @property {Filter | undefined} filter the column's current filter (from the `filters` trait)
 * @property {(filter: Filter | null) => Promise<unknown> | void} onSubmit a valid filter, or null
 *   to clear it; a rejected promise's message is shown in the panel
 * @property {() => void} onClose
 */

/** @param {PanelOptions} options */
export function createFilterPanel({ column, filter, onSubmit, onClose }) {
  const name = column.name;
  /** @type {FilterState} */
  let state = stateFromFilter(column.kind, filter);
  /** @type {Summary | null} */
  let summary = null;
  let lastSent = JSON.stringify(filter ?? null);
  let submissions = 0;
  let destroyed = false;

  const error = h("div", { class: "vbn-te-panel-error", role: "alert" });
  const submit = () => {
    const request = toRequest(name, state);
    if (!request.ok) {
      error.textContent = request.error;
      return;
    }
    error.textContent = "";
    const json = JSON.stringify(request.filter);
    if (json === lastSent) return;
    const previous = lastSent;
    lastSent = json;
    const mine = ++submissions;
    Promise.resolve(onSubmit(request.filter)).catch((/** @type {any} */ err) => {
      if (destroyed || mine !== submissions || err?.code === "disposed" || err?.code === "abort") return;
      lastSent = previous; // the kernel kept the filter it had
      error.textContent = String(err?.message ?? err);
    });
  };
  const typing = debounce(submit, TEXT_DEBOUNCE_MS);
  const brushing = throttle(submit, BRUSH_THROTTLE_MS);

  const input = (/** @type {string} */ role, /** @type {string} */ placeholder) =>
    h("input", { type: "text", "data-role": role, placeholder, spellcheck: "false", "aria-label": placeholder });
  const checkbox = (/** @type {string} */ role, /** @type {string} */ label) => {
    const box = h("input", { type: "checkbox", "data-role": role });
    return { box, label: h("label", { class: "vbn-te-check" }, box, label) };
  };

  const el = h("div", { class: "vbn-te-panel", role: "dialog", "aria-label": `Filter ${name}`, "data-column": name, "data-lm-suppress-shortcuts": "true" });
  const body = h("div", { class: "vbn-te-panel-body" });
  const missing = checkbox("missing", "include missing");
  const missingCount = h("span", { class: "vbn-te-count" });
  missing.label.append(" ", missingCount);
  el.append(
    h(
      "div",
      { class: "vbn-te-panel-head" },
      h("span", { class: "vbn-te-panel-title", text: name }),
      h("button", { type: "button", class: "vbn-te-panel-clear", "data-role": "clear", text: "Clear" }),
      h("button", { type: "button", class: "vbn-te-panel-close", "data-role": "close", "aria-label": "Close", text: "×" }),
    ),
    body,
    h("div", { class: "vbn-te-panel-foot" }, missing.label),
    error,
  );

  // Kind-specific controls; `refresh` pushes state and summary into them.
  /** @type {Record<string, HTMLInputElement>} */
  const inputs = {};
  /** @type {ReturnType<typeof createHistogram> | null} */
  let histogram = null;
  const values = h("div", { class: "vbn-te-values" });
  const chips = h("div", { class: "vbn-te-chips" });
  const more = h("div", { class: "vbn-te-more" });

  if (state.kind === "range" || state.kind === "date") {
    const dates = state.kind === "date";
    histogram = createHistogram({
      dates,
      format: dates ? isoFromMs : formatNumber,
      onBrush(range, final) {
        if (state.kind === "range") {
          state = { ...state, min: range ? formatNumber(range[0]) : "", max: range ? formatNumber(range[1]) : "", minInclusive: true, maxInclusive: true };
        } else if (state.kind === "date") {
          state = { ...state, start: range ? isoFromMs(range[0]) : "", end: range ? isoFromMs(range[1]) : "" };
        }
        refreshInputs();
        if (final) {
          brushing.cancel();
          submit();
        } else brushing.call();
      },
    });
    inputs.min = input("min", dates ? "from YYYY-MM-DD" : "min");
    inputs.max = input("max", dates ? "before YYYY-MM-DD" : "max");
    const row = h("div", { class: "vbn-te-bounds" }, inputs.min, h("span", { text: "–" }), inputs.max);
    if (!dates) {
      const lo = checkbox("min-incl", "incl.");
      const hi = checkbox("max-incl", "incl.");
      inputs.minIncl = lo.box;
      inputs.maxIncl = hi.box;
      row.replaceChildren(inputs.min, lo.label, h("span", { text: "–" }), inputs.max, hi.label);
    }
    body.append(histogram.el, row);
  } else if (state.kind === "text") {
    inputs.pattern = input("pattern", "contains…");
    const regex = checkbox("regex", "regex");
    const cased = checkbox("case", "match case");
    inputs.regex = regex.box;
    inputs.case = cased.box;
    body.append(inputs.pattern, h("div", { class: "vbn-te-options" }, regex.label, cased.label));
  } else if (state.kind === "bool") {
    body.append(values);
  } else {
    inputs.search = input("search", "search values…");
    body.append(inputs.search);
    if (state.kind === "list") {
      const mode = h("div", { class: "vbn-te-modes", role: "group", "aria-label": "match" });
      for (const m of ["any", "all"]) mode.append(h("button", { type: "button", class: "vbn-te-mode", "data-role": "mode", "data-mode": m, text: m }));
      body.append(mode, chips);
    }
    body.append(values, more);
  }

  /**
   * Push the state into the inputs.
   * @param {boolean} [keepFocused] leave the focused input alone (the user is typing in it)
   */
  function refreshInputs(keepFocused = false) {
    /** @type {(key: string, value: string | boolean) => void} */
    const put = (key, value) => {
      const node = inputs[key];
      if (!node || (keepFocused && node === document.activeElement)) return;
      if (typeof value === "boolean") node.checked = value;
      else node.value = value;
    };
    missing.box.checked = state.includeMissing;
    if (state.kind === "range") {
      put("min", state.min);
      put("max", state.max);
      put("minIncl", state.minInclusive);
      put("maxIncl", state.maxInclusive);
      histogram?.update(null, currentBounds());
    } else if (state.kind === "date") {
      put("min", state.start);
      put("max", state.end);
      histogram?.update(null, currentBounds());
    } else if (state.kind === "text") {
      put("pattern", state.pattern);
      put("regex", state.regex);
      put("case", state.caseSensitive);
    } else if (state.kind === "list" || state.kind === "values") {
      put("search", state.search);
    }
    if (state.kind === "list") {
      const mode = state.mode;
      for (const b of el.querySelectorAll(".vbn-te-mode")) b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === mode));
      renderChips();
    }
    renderValues();
  }

  /** The chosen values of a list filter, each removable. */
  function renderChips() {
    if (state.kind !== "list") return;
    chips.replaceChildren(
      ...state.values.map((v, i) =>
        h("span", { class: "vbn-te-chip" }, String(v), h("button", { type: "button", "data-role": "chip", "data-i": i, "aria-label": `remove ${v}`, text: "×" })),
      ),
    );
  }

  /** @type {FacetValue[]} values currently listed, indexed by the checkboxes' data-i */
  let listed = [];
  /** @type {Map<string, { label: HTMLElement, box: HTMLInputElement, count: HTMLElement }>} */
  const rows = new Map();
  /**
   * The row of a value (or of a bool choice), made once and reused.
   * @param {string} key
   * @param {string} text
   * @param {"value" | "bool"} role
   */
  function valueRow(key, text, role) {
    let row = rows.get(key);
    if (!row) {
      const box = role === "bool" ? h("input", { type: "radio", name: `vbn-te-bool-${name}`, "data-role": "bool" }) : h("input", { type: "checkbox", "data-role": "value" });
      const count = h("span", { class: "vbn-te-count" });
      row = { label: h("label", { class: "vbn-te-value" }, box, h("span", { class: "vbn-te-value-text", text }), count), box, count };
      rows.set(key, row);
    }
    return row;
  }
  /** Show `labels` in this order, moving nodes only when the order changed. @param {HTMLElement[]} labels */
  function showRows(labels) {
    const now = values.children;
    if (labels.length !== now.length || labels.some((n, j) => now[j] !== n)) values.replaceChildren(...labels);
  }

  function renderValues() {
    more.textContent = "";
    if (state.kind === "bool") {
      const s = summary?.type === "values" ? summary : null;
      const current = state.value;
      showRows(
        [null, true, false].map((v) => {
          const row = valueRow(`bool:${v}`, v === null ? "any" : String(v), "bool");
          const at = v === null || !s ? -1 : s.values.findIndex((x) => valueKey(x) === valueKey(v));
          row.box.setAttribute("data-value", String(v));
          row.box.checked = current === v;
          row.count.textContent = at >= 0 && s ? formatCount(s.counts[at] ?? 0) : "";
          return row.label;
        }),
      );
      return;
    }
    if (state.kind !== "values" && state.kind !== "list") return;
    const s = /** @type {ValuesSummary | null} */ (summary?.type === "values" ? summary : null);
    const known = new Set((s?.values ?? []).map(valueKey));
    const chosen = new Set(state.values.map(valueKey));
    listed = [...state.values.filter((v) => !known.has(valueKey(v))), ...(s?.values ?? [])];
    const offset = listed.length - (s?.values.length ?? 0);
    const keys = new Set(listed.map(valueKey));
    for (const key of rows.keys()) if (!keys.has(key)) rows.delete(key);
    showRows(
      searchValues(listed, state.search).map((i) => {
        const row = valueRow(valueKey(listed[i]), String(listed[i]), "value");
        row.box.setAttribute("data-i", String(i));
        row.box.checked = chosen.has(valueKey(listed[i]));
        const j = i - offset;
        const count = s && j >= 0 ? s.counts[j] ?? 0 : null;
        const total = s && j >= 0 ? s.totals[j] ?? 0 : null;
        row.label.className = count === 0 ? "vbn-te-value vbn-te-zero" : "vbn-te-value";
        row.count.textContent = count === null ? "" : formatCount(count);
        if (total === null) row.count.removeAttribute("title");
        else row.count.title = `${formatCount(total)} in the whole table`;
        return row.label;
      }),
    );
    if (s && s.more > 0) more.textContent = `+${formatCount(s.more)} more values not listed`;
  }

  /** @param {Event} event */
  const onEvent = (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const role = target.getAttribute("data-role");
    const box = /** @type {HTMLInputElement} */ (target);
    const s = state;
    if (event.type === "click") {
      if (role === "close") onClose();
      else if (role === "clear") {
        typing.cancel();
        brushing.cancel();
        state = { ...stateFromFilter(column.kind, null), ...("search" in s ? { search: s.search } : {}) };
        refreshInputs();
        submit();
      } else if (role === "mode" && s.kind === "list") {
        state = { ...s, mode: target.getAttribute("data-mode") === "all" ? "all" : "any" };
        refreshInputs();
        submit();
      } else if (role === "chip" && s.kind === "list") {
        state = { ...s, values: s.values.filter((_, i) => i !== Number(target.getAttribute("data-i"))) };
        refreshInputs();
        submit();
      }
      return;
    }
    const text = event.type === "input";
    if (text && box.type !== "text") return; // checkboxes and radios: act on "change" only
    if (role === "missing") state = { ...s, includeMissing: box.checked };
    else if (role === "min" && s.kind === "range") state = { ...s, min: box.value };
    else if (role === "max" && s.kind === "range") state = { ...s, max: box.value };
    else if (role === "min" && s.kind === "date") state = { ...s, start: box.value };
    else if (role === "max" && s.kind === "date") state = { ...s, end: box.value };
    else if (role === "min-incl" && s.kind === "range") state = { ...s, minInclusive: box.checked };
    else if (role === "max-incl" && s.kind === "range") state = { ...s, maxInclusive: box.checked };
    else if (role === "pattern" && s.kind === "text") state = { ...s, pattern: box.value };
    else if (role === "regex" && s.kind === "text") state = { ...s, regex: box.checked };
    else if (role === "case" && s.kind === "text") state = { ...s, caseSensitive: box.checked };
    else if (role === "search" && (s.kind === "values" || s.kind === "list")) {
      if (box.value === s.search) return; // the change event after typing: nothing new
      state = { ...s, search: box.value };
      renderValues();
      return;
    } else if (role === "value" && s.kind === "values") state = { ...s, values: toggleValue(s.values, listed[Number(box.getAttribute("data-i"))]) };
    else if (role === "value" && s.kind === "list") state = { ...s, values: toggleValue(s.values, String(listed[Number(box.getAttribute("data-i"))])) };
    else if (role === "bool" && s.kind === "bool") {
      const v = box.getAttribute("data-value");
      state = { ...s, value: v === "true" ? true : v === "false" ? false : null };
    } else return;
    if (role === "min" || role === "max" || role === "pattern") {
      if (text) {
        typing.call();
        histogram?.update(null, currentBounds());
        return;
      }
      typing.cancel(); // "change" (Enter or leaving the field): send now
    }
    if (role === "value") renderChips(); // the checkbox already shows it: keep focus in the list
    submit();
  };
  el.addEventListener("click", onEvent);
  el.addEventListener("input", onEvent);
  el.addEventListener("change", onEvent);
  refreshInputs();

  return {
    el,
    column: name,
    /** @param {Summary} next a summary of this column */
    setSummary(next) {
      summary = next;
      missingCount.textContent = `(${formatCount(next.missing)})`;
      if (histogram && next.type === "histogram") histogram.update(/** @type {HistogramSummary} */ (next), currentBounds());
      renderValues();
    },
    /** @param {Filter | undefined} next the column's filter from the trait */
    setFilter(next) {
      if (typing.pending || brushing.pending || histogram?.dragging) return;
      lastSent = JSON.stringify(next ?? null);
      error.textContent = "";
      const search = "search" in state ? state.search : "";
      state = stateFromFilter(column.kind, next);
      if ("search" in state) state = { ...state, search };
      refreshInputs(true);
    },
    /** Send what is pending (debounced text, throttled brush) now. */
    flush() {
      typing.flush();
      brushing.flush();
    },
    destroy() {
      destroyed = true;
      typing.cancel();
      brushing.cancel();
      histogram?.destroy();
      el.remove();
    },
  };

  /** @returns {[number | null, number | null]} */
  function currentBounds() {
    if (state.kind === "range") return [numberOrNull(state.min), numberOrNull(state.max)];
    if (state.kind === "date") return [parseDate(state.start) ?? null, parseDate(state.end) ?? null];
    return [null, null];
  }
}

/** @typedef {ReturnType<typeof createFilterPanel>} FilterPanel */
