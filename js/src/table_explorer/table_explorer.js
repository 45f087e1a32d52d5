// TableExplorer front end: a virtualized grid over rows that stay in the kernel. Traits are
// read-only here; every user action is a request (lib/envelope.js) that Python validates.
/** @import { AnyModel, RenderProps } from "@anywidget/types" */
/** @import { ColumnInfo, FilterSpec, SortKey } from "./protocol.js" */
/**
 * Synced state; mirrors the sync=True traits of vbn_widgets.table_explorer.TableExplorer.
 * @typedef {object} Model
 * @property {ColumnInfo[]} columns
 * @property {number} row_count
 * @property {number} filtered_count
 * @property {number} selected_count
 * @property {FilterSpec} filters
 * @property {SortKey[]} sort
 * @property {number} revision
 * @property {string} error
 * @property {number} row_height
 * @property {string} title
 */

import "../lib/controls.css";
import "./table_explorer.css";
import { closestIn, createTeardown } from "../lib/dom.js";
import { createEnvelope } from "../lib/envelope.js";
import { createFilterPanel } from "./filter_panel.js";
import { findFilter } from "./filter_state.js";
import { clickSelection, columnWidths, keyNavigation, nextSort, rowsText, selectedText } from "./grid_state.js";
import { filterChips, rowElement, skeleton, updateHeader } from "./grid_view.js";
import { decodeSummaries } from "./page_codec.js";
import { createPageLoader } from "./page_loader.js";
import { PAGE_SIZE } from "./protocol.js";
import { nextFrame } from "../lib/timing.js";
import { computeWindow, rowsPerViewport, scrollTopForRow } from "../lib/virtual_window.js";

/** Grid viewport height when layout is unknown (jsdom, hidden output); matches the CSS. */
const VIEWPORT_PX = 420;

/** @param {Pick<RenderProps<Model>, "model" | "el">} props */
function render({ model, el }) {
  const teardown = createTeardown();
  const { listen } = teardown;
  const watch = (/** @type {string[]} */ names, /** @type {() => void} */ fn) => teardown.watch(model, names, fn);
  const env = createEnvelope(/** @type {AnyModel<Model>} */ (model));
  /** @type {Map<number, { el: HTMLElement, key: unknown[] }>} */
  let rendered = new Map();
  let cursor = -1;
  /** @type {number | null} */
  let anchor = null;
  let localError = "";
  /** @type {ReturnType<typeof createFilterPanel> | null} */
  let panel = null;
  /** @type {AbortController | null} */
  let summaryAbort = null;
  /** @type {(() => void) | null} */
  let cancelFrame = null;

  const columns = () => model.get("columns") ?? [];
  const rowHeight = () => Math.max(8, model.get("row_height") || 26);
  const total = () => Math.max(0, model.get("filtered_count") ?? 0);

  el.classList.add("vbn-table-explorer", "vbn-controls");
  const { title, chips, clearAll, header, rows, body, count, selected, error, status, parts } = skeleton();
  el.replaceChildren(...parts);

  /** A request; a refusal shows through the `error` trait (a timeout locally), and rejects. */
  const ask = (/** @type {string} */ kind, /** @type {Record<string, unknown>} */ fields = {}) =>
    env.request(kind, fields).then(
      () => {},
      (/** @type {any} */ err) => {
        if (err?.code === "timeout") {
          localError = err.message;
          renderStatus();
        }
        throw err;
      },
    );
  /** Fire and forget: failures show up through the `error` trait. */
  const send = (/** @type {string} */ kind, /** @type {Record<string, unknown>} */ fields = {}) => void ask(kind, fields).catch(() => {});

  const viewportHeight = () => {
    const height = body.clientHeight > 0 ? body.clientHeight : VIEWPORT_PX;
    return Math.max(rowHeight(), height - (header.offsetHeight || rowHeight()));
  };
  const windowInput = () => ({ scrollTop: body.scrollTop, viewportHeight: viewportHeight(), rowHeight: rowHeight(), total: total() });
  const schedule = () => {
    cancelFrame ??= nextFrame(update);
  };

  const pages = createPageLoader({
    fetch: (fields) => env.request("page", fields),
    revision: model.get("revision") ?? 0,
    onLoaded: schedule,
  });

  /** Lay out the window of rows for the current scroll position, reusing unchanged rows. */
  function update() {
    cancelFrame?.();
    cancelFrame = null;
    const win = computeWindow(windowInput());
    rows.style.height = `${win.spacerHeight}px`;
    body.setAttribute("aria-rowcount", String(total() + 1));
    pages.ensure(win.pages);
    const names = columns().map((c) => c.name);
    const rh = rowHeight();
    /** @type {typeof rendered} */
    const next = new Map();
    for (let i = win.first; i <= win.last; i++) {
      const shown = pages.display(Math.floor(i / PAGE_SIZE));
      const key = [shown?.data, shown?.stale, i === cursor];
      const old = rendered.get(i);
      const same = old && old.key.every((k, j) => k === key[j]);
      const row = same ? old.el : rowElement(i, shown, names, i === cursor);
      row.style.top = `${i * rh + win.shift}px`;
      next.set(i, { el: row, key });
    }
    for (const [i, old] of rendered) if (next.get(i)?.el !== old.el) old.el.remove();
    for (const { el: row } of next.values()) if (row.parentNode !== rows) rows.append(row);
    rendered = next;
  }

  function renderHeader() {
    const cols = columns();
    el.style.setProperty("--vbn-te-cols", columnWidths(cols).map((w) => `${w}px`).join(" ") || "1fr");
    updateHeader(header, cols, model.get("sort") ?? [], model.get("filters"), panel?.column ?? null);
  }
  function renderStatus() {
    count.textContent = rowsText(total(), model.get("row_count") ?? 0);
    selected.textContent = selectedText(model.get("selected_count") ?? 0);
    error.textContent = model.get("error") || localError;
    error.hidden = !error.textContent;
  }
  function renderFilters() {
    const spec = model.get("filters");
    chips.replaceChildren(...filterChips(spec));
    clearAll.disabled = chips.childElementCount === 0;
    if (panel) panel.setFilter(findFilter(spec, panel.column));
    renderHeader();
  }
  function renderLayout() {
    el.style.setProperty("--vbn-te-row-height", `${rowHeight()}px`);
    const text = model.get("title") ?? "";
    title.textContent = text;
    title.hidden = !text;
    rendered = new Map();
    rows.replaceChildren();
    schedule();
  }

  function requestSummary() {
    const target = panel;
    if (!target) return;
    summaryAbort?.abort();
    const controller = (summaryAbort = new AbortController());
    env.request("summary", { columns: [target.column] }, { signal: controller.signal }).then(
      ({ content, buffers }) => {
        const summary = decodeSummaries(content, buffers).find((s) => s.column === target.column);
        if (panel === target && summary) target.setSummary(summary);
      },
      () => {},
    );
  }
  /** @param {boolean} [flush] send what the panel still holds back (not on teardown) */
  function closePanel(flush = true) {
    if (!panel) return;
    summaryAbort?.abort();
    if (flush) panel.flush();
    panel.destroy();
    panel = null;
    markOpen();
  }
  /** Flag the open panel's button in place: rebuilding the header between a pointerdown (which
   * closes the panel) and its click would swallow a click on a header cell. */
  function markOpen() {
    for (const button of header.querySelectorAll(".vbn-te-filter-button")) {
      button.setAttribute("aria-expanded", String(button instanceof HTMLElement && button.dataset.column === panel?.column));
    }
  }
  function positionPanel() {
    if (!panel) return;
    const name = panel.column;
    const cell = [...header.children].find((c) => c instanceof HTMLElement && c.dataset.column === name);
    const left = body.offsetLeft + (cell instanceof HTMLElement ? cell.offsetLeft - body.scrollLeft : 0);
    panel.el.style.left = `${Math.max(0, Math.min(left, el.clientWidth - 300))}px`;
    panel.el.style.top = `${body.offsetTop + (header.offsetHeight || rowHeight())}px`;
  }
  /** @param {string} name */
  function togglePanel(name) {
    const open = panel?.column === name;
    closePanel();
    const column = columns().find((c) => c.name === name);
    if (open || !column) return;
    panel = createFilterPanel({
      column,
      filter: findFilter(model.get("filters"), name),
      onSubmit: (filter) => ask(filter ? "set-filter" : "clear-filter", filter ? { filter } : { column: name }),
      onClose: () => {
        closePanel();
        body.focus();
      },
    });
    el.append(panel.el);
    panel.el.querySelector("input")?.focus({ preventScroll: true });
    positionPanel();
    markOpen();
    requestSummary();
  }

  listen(body, "scroll", () => {
    schedule();
    positionPanel();
  }, { passive: true });
  /** @param {HTMLElement} row @param {MouseEvent} event */
  const selectRow = (row, event) => {
    const position = Number(row.dataset.row);
    const outcome = clickSelection(position, { shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey }, anchor);
    anchor = outcome.anchor;
    cursor = position;
    send("select", outcome.request);
    schedule();
  };
  // Rows select on the press: a refetched page replaces row elements, and a click whose mousedown
  // and mouseup hit different elements would be lost. A click without a press (element.click(),
  // assistive technology) selects too.
  let pressed = false;
  listen(body, "mousedown", (/** @type {MouseEvent} */ event) => {
    // Shift-click extends a selection: keep the browser from selecting text instead.
    if (event.shiftKey && closestIn(event.target, ".vbn-te-row, .vbn-te-header-cell", body)) event.preventDefault();
    const row = event.button === 0 ? closestIn(event.target, ".vbn-te-row", body) : null;
    pressed = !!row;
    if (row) selectRow(row, event);
  });
  listen(body, "click", (/** @type {MouseEvent} */ event) => {
    const wasPressed = pressed;
    pressed = false;
    const button = closestIn(event.target, ".vbn-te-filter-button", body);
    if (button) return togglePanel(button.dataset.column ?? "");
    const head = closestIn(event.target, ".vbn-te-header-cell", body);
    if (head) return void send("sort", { keys: nextSort(model.get("sort") ?? [], head.dataset.column ?? "", event.shiftKey) });
    const row = closestIn(event.target, ".vbn-te-row", body);
    if (row && !wasPressed) selectRow(row, event);
  });
  listen(body, "keydown", (/** @type {KeyboardEvent} */ event) => {
    if (event.target !== body || event.altKey || event.ctrlKey || event.metaKey) return;
    const state = { cursor, anchor, total: total(), pageRows: rowsPerViewport(viewportHeight(), rowHeight()) };
    const outcome = keyNavigation({ key: event.key, shift: event.shiftKey }, state);
    if (!outcome.handled) return;
    event.preventDefault();
    ({ cursor, anchor } = outcome);
    if (outcome.request) send("select", outcome.request);
    body.scrollTop = scrollTopForRow(cursor, windowInput());
    schedule();
  });
  listen(el, "keydown", (/** @type {KeyboardEvent} */ event) => {
    if (event.key === "Escape" && panel) {
      closePanel();
      body.focus();
    }
  });
  listen(el, "click", (/** @type {MouseEvent} */ event) => {
    const chip = closestIn(event.target, ".vbn-te-chip-clear", chips);
    if (chip) send("clear-filter", { column: chip.dataset.column ?? "" });
    else if (closestIn(event.target, ".vbn-te-clear-filters", el)) send("clear-filters");
    const op = closestIn(event.target, "[data-op]", status)?.dataset.op;
    if (op) send("select", { op });
  });
  // A press outside the open panel (and outside its button) closes it.
  listen(document, "pointerdown", (/** @type {PointerEvent} */ event) => {
    const target = /** @type {Node} */ (event.target);
    if (panel && !panel.el.contains(target) && !closestIn(target, ".vbn-te-filter-button", header)) closePanel();
  }, { capture: true });
  if (typeof ResizeObserver === "function") {
    const observer = new ResizeObserver(schedule);
    observer.observe(body);
    teardown.add(() => observer.disconnect());
  }

  watch(["change:revision"], () => {
    pages.setRevision(model.get("revision") ?? 0);
    requestSummary();
    schedule();
  });
  watch(["change:filtered_count"], () => {
    pages.retryFailed();
    cursor = Math.min(cursor, total() - 1);
    renderStatus();
    schedule();
  });
  watch(["change:row_count", "change:selected_count", "change:error"], () => {
    localError = "";
    renderStatus();
  });
  // Positions mean other rows once filters or sort change: a shift-range must start afresh.
  watch(["change:filters", "change:sort"], () => {
    anchor = null;
  });
  // Other rows match now: show the first of them, not rows far down the old order.
  watch(["change:filters"], () => {
    body.scrollTop = 0;
    cursor = -1;
    renderFilters();
  });
  watch(["change:sort"], renderHeader);
  watch(["change:row_height", "change:title"], renderLayout);
  watch(["change:columns"], () => {
    if (panel && !columns().some((c) => c.name === panel?.column)) closePanel(false);
    pages.reset();
    renderFilters();
    renderLayout();
  });

  renderFilters();
  renderStatus();
  renderLayout();
  update();

  return () => {
    cancelFrame?.();
    closePanel(false);
    teardown.dispose();
    env.dispose();
    el.replaceChildren();
    el.classList.remove("vbn-table-explorer");
    el.style.removeProperty("--vbn-te-cols");
    el.style.removeProperty("--vbn-te-row-height");
  };
}

export default { render };
