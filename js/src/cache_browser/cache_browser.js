// CacheBrowser front end: manifest versions, a virtualized tree of the release's files with their
// size, state and download progress, and the controls that act on them. Traits are read-only
// here; every action is a request (lib/envelope.js) that calls the Python method of the same
// name. When the Jupyter server's download manager can reach this cache, the kernel asks this
// page to start and cancel downloads there (cache_server.js); progress comes through the kernel.
/** @import { AnyModel, RenderProps } from "@anywidget/types" */
/** @import { Backend, CacheRow, Comparison, JobInfo, Preview, SourceInfo, TaskInfo, Totals, Transfer, VersionInfo } from "./shapes.js" */
/**
 * Synced state; mirrors the sync=True traits of vbn_widgets.cache_browser.CacheBrowser.
 * @typedef {object} Model
 * @property {VersionInfo[]} versions
 * @property {string} current
 * @property {SourceInfo} source
 * @property {string} cache_dir
 * @property {number} row_count
 * @property {number} revision
 * @property {Totals} totals
 * @property {Transfer} transfer
 * @property {JobInfo[]} jobs
 * @property {Comparison | null} comparison
 * @property {Preview | null} preview_summary
 * @property {TaskInfo | null} task
 * @property {Backend} backend
 * @property {string} error
 * @property {number} row_height
 * @property {string} title
 */

import "../lib/controls.css";
import "./cache_browser.css";
import { createServerLink } from "./cache_server.js";
import { backendText, createRowPages, formatCount, previewText, selectionText, taskText, totalsText } from "./cache_tree.js";
import { fillBatches, fillComparison, fillVersions, rowElement, skeleton, updateRow } from "./cache_view.js";
import { closestIn, createTeardown } from "../lib/dom.js";
import { createEnvelope } from "../lib/envelope.js";
import { detectServer } from "./server_api.js";
import { debounce, nextFrame } from "../lib/timing.js";
import { computeWindow } from "../lib/virtual_window.js";

/** Tree viewport height when layout is unknown (jsdom, hidden output); matches the CSS. */
const VIEWPORT_PX = 420;
const SEARCH_DEBOUNCE_MS = 250;

/** @param {Pick<RenderProps<Model>, "model" | "el">} props */
function render({ model, el }) {
  const teardown = createTeardown();
  const { listen } = teardown;
  const watch = (/** @type {string[]} */ names, /** @type {() => void} */ fn) => teardown.watch(model, names, fn);
  const env = createEnvelope(/** @type {AnyModel<Model>} */ (model), { prefix: `cb${Math.random().toString(36).slice(2, 9)}` });
  const ui = skeleton();
  /** @type {Map<number, HTMLElement>} */
  let rendered = new Map();
  /** @type {(() => void) | null} */
  let cancelFrame = null;
  /** @type {ReturnType<typeof createServerLink> | null} */
  let server = null;
  let serverNote = "";
  let localError = "";
  /** @type {string | null} row id (or "selection") waiting for a second click to delete */
  let confirmDelete = null;
  let disposed = false;

  el.classList.add("vbn-cache-browser", "vbn-controls");
  el.replaceChildren(...ui.parts);

  const rowHeight = () => Math.max(16, model.get("row_height") || 28);
  const total = () => Math.max(0, model.get("row_count") ?? 0);
  const readOnly = () => model.get("backend") === "read-only";
  const schedule = () => {
    cancelFrame ??= nextFrame(update);
  };
  const showLocalError = (/** @type {string} */ message) => {
    localError = message;
    renderError();
  };
  /** Fire a request; a refusal shows through the `error` trait, a timeout here until the next reply. */
  const send = (/** @type {string} */ kind, /** @type {Record<string, unknown>} */ fields = {}) =>
    env.request(kind, fields).then(
      (reply) => {
        if (localError) showLocalError("");
        return reply.content;
      },
      (/** @type {any} */ err) => {
        if (err?.code === "timeout") showLocalError(err.message);
        return null;
      },
    );

  const pages = createRowPages({ fetch: (fields) => env.request("rows", fields), onLoaded: schedule });

  /** Lay out the rows of the current scroll window, reusing row elements by position. */
  function update() {
    cancelFrame?.();
    cancelFrame = null;
    const body = ui.body;
    const head = body.firstElementChild instanceof HTMLElement ? body.firstElementChild.offsetHeight : 0;
    const viewport = Math.max(rowHeight(), (body.clientHeight > 0 ? body.clientHeight : VIEWPORT_PX) - (head || rowHeight()));
    const win = computeWindow({ scrollTop: body.scrollTop, viewportHeight: viewport, rowHeight: rowHeight(), total: total() });
    ui.rows.style.height = `${win.spacerHeight}px`;
    pages.ensure(win.first, win.last);
    /** @type {Map<number, HTMLElement>} */
    const next = new Map();
    const opts = { readOnly: readOnly(), confirmDelete, position: 0 };
    for (let i = win.first; i <= win.last; i++) {
      const row = rendered.get(i) ?? rowElement();
      opts.position = i;
      updateRow(row, pages.row(i), opts);
      row.style.top = `${i * rowHeight() + win.shift}px`;
      next.set(i, row);
    }
    for (const [i, row] of rendered) if (!next.has(i)) row.remove();
    for (const row of next.values()) if (row.parentNode !== ui.rows) ui.rows.append(row);
    rendered = next;
  }

  function renderHeader() {
    const text = model.get("title") ?? "";
    ui.title.textContent = text;
    ui.title.hidden = !text;
    const source = model.get("source");
    ui.source.textContent = `${source?.description ?? ""} → ${model.get("cache_dir") ?? ""}`;
    ui.backend.textContent = backendText(model.get("backend"));
    ui.backend.dataset.backend = model.get("backend");
    ui.backend.title = serverNote;
    el.classList.toggle("vbn-cb-read-only", readOnly());
    for (const b of [ui.download, ui.remove, ui.cancelAll]) b.hidden = readOnly();
    el.style.setProperty("--vbn-cb-row-height", `${rowHeight()}px`);
  }
  function renderVersions() {
    const versions = model.get("versions") ?? [];
    fillVersions(ui.versionSelect, versions, model.get("current"));
    // Default pair: the version before the latest -> the latest.
    const names = versions.map((v) => v.name);
    const latest = versions.find((v) => v.latest)?.name ?? model.get("current");
    const before = names[names.indexOf(latest) - 1] ?? latest;
    fillVersions(ui.compareA, versions, ui.compareA.value || before);
    fillVersions(ui.compareB, versions, ui.compareB.value || latest);
  }
  function renderTotals() {
    const totals = model.get("totals");
    ui.totals.textContent = totalsText(totals);
    ui.selection.textContent = selectionText(totals);
    const selected = totals?.selected_files ?? 0;
    ui.checkAll.checked = !!selected && selected === totals?.files;
    ui.checkAll.indeterminate = !!selected && selected !== totals?.files;
    ui.download.disabled = !totals?.to_download_files;
    ui.verify.disabled = ui.remove.disabled = ui.clearSelection.disabled = !selected;
    if (confirmDelete === "selection" && !selected) confirmDelete = null;
    ui.remove.textContent = confirmDelete === "selection" ? `Confirm: delete ${formatCount(selected)} files` : "Delete selection";
  }
  function renderTransfer() {
    const transfer = model.get("transfer");
    fillBatches(ui.batches, transfer?.batches ?? []);
    ui.cancelAll.disabled = !transfer?.active;
  }
  function renderTask() {
    const task = model.get("task");
    ui.task.hidden = !task;
    ui.task.textContent = taskText(task);
    ui.task.dataset.kind = task?.kind ?? "";
    ui.task.dataset.active = String(!!task?.active);
    ui.task.dataset.corrupt = String(!!task?.results?.corrupt);
  }
  function renderPreview() {
    const preview = model.get("preview_summary");
    ui.preview.hidden = !preview?.files && !preview?.unknown?.length;
    ui.previewText.textContent = previewText(preview);
  }
  function renderError() {
    ui.error.textContent = model.get("error") || localError;
    ui.error.hidden = !ui.error.textContent;
  }
  /** A delete acts on the second click; any other click forgets the first. */
  const armDelete = (/** @type {string | null} */ what) => {
    confirmDelete = what;
    renderTotals();
    schedule();
  };

  listen(ui.body, "scroll", schedule, { passive: true });
  listen(ui.rows, "click", (/** @type {MouseEvent} */ event) => {
    const rowEl = closestIn(event.target, ".vbn-cb-row", ui.rows);
    const id = rowEl?.dataset.row;
    if (!rowEl || !id) return;
    const check = closestIn(event.target, ".vbn-cb-check", rowEl);
    if (check instanceof HTMLInputElement) return void send("select", { rows: [id], on: check.checked });
    if (closestIn(event.target, ".vbn-cb-expander", rowEl)) return void send("toggle", { row: id });
    const action = closestIn(event.target, "[data-action]", rowEl)?.dataset.action;
    if (action === "delete") {
      if (confirmDelete === id) send("delete", { rows: [id] });
      return armDelete(confirmDelete === id ? null : id);
    }
    if (confirmDelete) armDelete(null);
    if (action === "download" || action === "cancel" || action === "verify") send(action, { rows: [id] });
  });
  listen(ui.rows, "dblclick", (/** @type {MouseEvent} */ event) => {
    const rowEl = closestIn(event.target, ".vbn-cb-row", ui.rows);
    if (rowEl?.dataset.row && !closestIn(event.target, "button, input", rowEl) && rowEl.getAttribute("aria-expanded") !== null) {
      send("toggle", { row: rowEl.dataset.row });
    }
  });
  listen(ui.checkAll, "change", () => send("select", { rows: ["g:metadata", "g:ecephys", "g:behavior"], on: ui.checkAll.checked }));
  const search = debounce((/** @type {string} */ text) => send("search", { text }), SEARCH_DEBOUNCE_MS);
  teardown.add(() => search.cancel());
  listen(ui.search, "input", () => search.call(ui.search.value));
  listen(ui.versionSelect, "change", () => send("set-manifest", { name: ui.versionSelect.value }));
  listen(el, "click", (/** @type {MouseEvent} */ event) => {
    const target = event.target;
    const on = (/** @type {string} */ selector) => !!closestIn(target, selector, el);
    if (on(".vbn-cb-delete-selection")) {
      if (confirmDelete === "selection") send("delete");
      return armDelete(confirmDelete === "selection" ? null : "selection");
    }
    if (confirmDelete === "selection" && !on(".vbn-cb-rows")) armDelete(null);
    if (on(".vbn-cb-compare")) send("compare", { a: ui.compareA.value, b: ui.compareB.value });
    else if (on(".vbn-cb-clear-preview")) send("clear-preview");
    else if (on(".vbn-cb-clear-selection")) send("clear-selection");
    else if (on(".vbn-cb-download-selection")) send("download");
    else if (on(".vbn-cb-verify-selection")) send("verify");
    else if (on(".vbn-cb-cancel-all")) send("cancel");
  });
  // One-shot events from Python: start or cancel downloads in the Jupyter server.
  const onCustom = (/** @type {any} */ msg) => void server?.handle(msg);
  model.on("msg:custom", onCustom);
  teardown.add(() => model.off("msg:custom", onCustom));
  if (typeof ResizeObserver === "function") {
    const observer = new ResizeObserver(schedule);
    observer.observe(ui.body);
    teardown.add(() => observer.disconnect());
  }

  watch(["change:revision"], () => {
    pages.setRevision(model.get("revision") ?? 0);
    schedule();
  });
  watch(["change:row_count"], schedule);
  watch(["change:totals"], renderTotals);
  watch(["change:transfer"], renderTransfer);
  watch(["change:task"], renderTask);
  watch(["change:versions", "change:current"], renderVersions);
  watch(["change:comparison"], () => fillComparison(ui.comparison, model.get("comparison")));
  watch(["change:preview_summary"], renderPreview);
  watch(["change:error"], () => {
    localError = "";
    renderError();
  });
  watch(["change:title", "change:source", "change:cache_dir", "change:backend", "change:row_height"], () => {
    renderHeader();
    schedule();
  });

  renderHeader();
  renderVersions();
  renderTotals();
  renderTransfer();
  renderTask();
  renderPreview();
  renderError();
  fillComparison(ui.comparison, model.get("comparison"));
  pages.setRevision(model.get("revision") ?? 0);
  update();

  if (!readOnly()) {
    detectServer(model.get("cache_dir") ?? "").then((found) => {
      if (disposed) return;
      if (!found.api) {
        serverNote = found.reason;
        renderHeader();
        return;
      }
      serverNote = `Jupyter server ${found.info.version}: downloads survive kernel restarts`;
      server = createServerLink({ api: found.api, cachePath: model.get("cache_dir"), answer: (fields) => send("server-answer", fields) });
      send("backend", { server: true });
    });
  }

  return () => {
    disposed = true;
    cancelFrame?.();
    server?.dispose();
    teardown.dispose();
    env.dispose();
    el.replaceChildren();
    el.classList.remove("vbn-cache-browser", "vbn-cb-read-only");
    el.style.removeProperty("--vbn-cb-row-height");
  };
}

export default { render };
