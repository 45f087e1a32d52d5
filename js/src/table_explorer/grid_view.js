// DOM builders of the grid: header cells, body rows, active-filter chips. Text goes in through
// textContent only (lib/dom.js), so cell data can never become markup.

/** @import { ColumnInfo, FilterSpec, SortKey } from "./protocol.js" */
/** @import { Page } from "./page_codec.js" */
import { h } from "../lib/dom.js";
import { filterLabel, findFilter } from "./filter_state.js";
import { KIND_ICON, sortIndicator } from "./grid_state.js";

export const MISSING_TEXT = "—";

/** The widget's fixed elements: toolbar (title, filter chips), grid (header + rows), status line. */
export function skeleton() {
  const title = h("div", { class: "vbn-te-title" });
  const chips = h("div", { class: "vbn-te-active", "aria-label": "Active filters" });
  const clearAll = h("button", { type: "button", class: "vbn-te-clear-filters", text: "Clear all filters" });
  const header = h("div", { class: "vbn-te-header", role: "row" });
  const rows = h("div", { class: "vbn-te-rows", role: "rowgroup" });
  // data-lm-suppress-shortcuts: JupyterLab must not take the grid's arrow keys and Space (cell
  // navigation in command mode); Lumino stops its shortcut lookup at this attribute.
  const body = h(
    "div",
    { class: "vbn-te-body", tabindex: 0, role: "grid", "aria-multiselectable": "true", "data-lm-suppress-shortcuts": "true" },
    header,
    rows,
  );
  const count = h("span", { class: "vbn-te-count-text" });
  const selected = h("span", { class: "vbn-te-selected-text" });
  const error = h("span", { class: "vbn-te-error", role: "alert" });
  const status = h(
    "div",
    { class: "vbn-te-status" },
    count,
    selected,
    h("button", { type: "button", class: "vbn-te-select-all", "data-op": "all", text: "Select all filtered" }),
    h("button", { type: "button", class: "vbn-te-select-none", "data-op": "none", text: "Clear selection" }),
    error,
  );
  const toolbar = h("div", { class: "vbn-te-toolbar" }, title, chips, clearAll);
  return { title, chips, clearAll, header, rows, body, count, selected, error, status, parts: [toolbar, body, status] };
}

/**
 * @param {ColumnInfo[]} columns
 * @param {SortKey[]} keys
 * @param {FilterSpec | null | undefined} spec
 * @param {string | null} openColumn column whose filter panel is open
 * @returns {HTMLElement[]}
 */
export function headerCells(columns, keys, spec, openColumn) {
  return columns.map((c) => {
    const sort = sortIndicator(keys, c.name);
    const filtered = !!findFilter(spec, c.name);
    const arrow = sort ? (sort.direction === "asc" ? "▲" : "▼") : "";
    return h(
      "div",
      {
        class: c.index ? "vbn-te-header-cell vbn-te-index" : "vbn-te-header-cell",
        role: "columnheader",
        "data-column": c.name,
        "aria-sort": sort ? (sort.direction === "asc" ? "ascending" : "descending") : "none",
        title: `${c.name} (${c.dtype}): click to sort, shift-click to add a sort key`,
      },
      h("span", { class: "vbn-te-kind", "aria-hidden": "true", text: KIND_ICON[c.kind] ?? "?" }),
      h("span", { class: "vbn-te-name", text: c.name }),
      h("span", { class: "vbn-te-sort", text: sort && keys.length > 1 ? `${arrow}${sort.priority}` : arrow }),
      h("button", {
        type: "button",
        class: filtered ? "vbn-te-filter-button vbn-te-filter-active" : "vbn-te-filter-button",
        "data-column": c.name,
        "aria-label": `Filter ${c.name}`,
        "aria-expanded": String(openColumn === c.name),
        "aria-haspopup": "dialog",
        text: "▾",
      }),
    );
  });
}

/**
 * Bring the header up to date. When the columns are unchanged the cells are patched in place, so
 * a click whose pointerdown came before a sort/filter echo still lands on a header cell.
 * @param {HTMLElement} header
 * @param {ColumnInfo[]} columns
 * @param {SortKey[]} keys
 * @param {FilterSpec | null | undefined} spec
 * @param {string | null} openColumn
 */
export function updateHeader(header, columns, keys, spec, openColumn) {
  const fresh = headerCells(columns, keys, spec, openColumn);
  const old = [...header.children];
  const same = old.length === fresh.length && old.every((cell, i) => cell.getAttribute("data-column") === columns[i].name);
  if (!same) return header.replaceChildren(...fresh);
  old.forEach((cell, i) => {
    const next = fresh[i];
    for (const name of ["class", "aria-sort", "title"]) cell.setAttribute(name, next.getAttribute(name) ?? "");
    const parts = [...cell.children];
    [...next.children].forEach((part, j) => {
      const target = parts[j];
      if (!target) return;
      target.className = part.className;
      if (target.textContent !== part.textContent) target.textContent = part.textContent;
      for (const name of ["aria-expanded", "aria-label"]) if (part.hasAttribute(name)) target.setAttribute(name, part.getAttribute(name) ?? "");
    });
  });
}

/** @type {WeakMap<Page, Map<string, number[]>>} */
const orders = new WeakMap();

/**
 * Index in the page's cells of each displayed column (-1 when the page lacks it).
 * @param {Page} page
 * @param {string[]} names
 */
function columnOrder(page, names) {
  const key = names.join("\u001f");
  let byNames = orders.get(page);
  if (!byNames) orders.set(page, (byNames = new Map()));
  let order = byNames.get(key);
  if (!order) byNames.set(key, (order = names.map((n) => page.columns.indexOf(n))));
  return order;
}

/**
 * One body row. Without data (page not loaded yet) it is an empty placeholder row.
 * @param {number} position row position in the filtered, sorted order
 * @param {{ data: Page, stale: boolean } | undefined} shown
 * @param {string[]} names displayed column names, in order
 * @param {boolean} cursor
 */
export function rowElement(position, shown, names, cursor) {
  const page = shown?.data;
  const r = page ? position - page.offset : -1;
  const has = !!page && r >= 0 && r < page.rows.length;
  const selected = has && page.selected[r];
  let cls = "vbn-te-row";
  if (selected) cls += " vbn-te-selected";
  if (cursor) cls += " vbn-te-cursor";
  if (!has) cls += " vbn-te-loading";
  else if (shown?.stale) cls += " vbn-te-stale";
  const row = h("div", { class: cls, role: "row", "data-row": position, "aria-rowindex": position + 2, "aria-selected": String(selected) });
  if (!has) {
    for (let c = 0; c < names.length; c++) row.append(h("div", { class: "vbn-te-cell", role: "gridcell" }));
    return row;
  }
  const order = columnOrder(page, names);
  const cells = page.rows[r];
  const missing = page.missing[r];
  for (const at of order) {
    const isMissing = at < 0 || missing[at];
    const text = isMissing ? MISSING_TEXT : cells[at];
    row.append(
      h("div", {
        class: isMissing ? "vbn-te-cell vbn-te-missing" : "vbn-te-cell",
        role: "gridcell",
        title: text.length > 24 ? text : null,
        text,
      }),
    );
  }
  return row;
}

/**
 * Active-filter chips, each with a clear (×) button carrying its column.
 * @param {FilterSpec | null | undefined} spec
 */
export function filterChips(spec) {
  return (spec?.filters ?? []).map((f) => {
    const label = filterLabel(f);
    return h(
      "span",
      { class: "vbn-te-chip", title: label },
      h("span", { class: "vbn-te-chip-text", text: label }),
      h("button", { type: "button", class: "vbn-te-chip-clear", "data-column": f.column, "aria-label": `Clear filter on ${f.column}`, text: "×" }),
    );
  });
}
