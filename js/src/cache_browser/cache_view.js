// DOM of the cache browser: the fixed panels and one tree row, patched in place so that a click
// that lands while a progress update re-renders the row still hits the same button. Text only
// ever goes in through textContent (lib/dom.js).

/** @import { BatchInfo, CacheRow, Comparison, VersionInfo } from "./shapes.js" */
import { h } from "../lib/dom.js";
import { batchProgress, batchText, formatBytes, formatCount, isActive, jobText, metaText, progressOf, stateText, versionLabel } from "./cache_tree.js";

const COLUMNS = ["", "Name", "Session", "Size", "State", "Progress", "Actions"];

/** The widget's fixed parts. */
export function skeleton() {
  const button = (/** @type {string} */ cls, /** @type {string} */ text, /** @type {string} */ title = "") =>
    h("button", { type: "button", class: cls, text, title: title || null });
  const title = h("div", { class: "vbn-cb-title" });
  const backend = h("span", { class: "vbn-cb-backend", role: "status" });
  const source = h("span", { class: "vbn-cb-source" });
  const versionSelect = h("select", { class: "vbn-cb-version-select", "aria-label": "Current manifest" });
  const compareA = h("select", { class: "vbn-cb-compare-a", "aria-label": "Compare from" });
  const compareB = h("select", { class: "vbn-cb-compare-b", "aria-label": "Compare to" });
  const compare = button("vbn-cb-compare", "Compare");
  const comparison = h("details", { class: "vbn-cb-comparison", open: true });
  comparison.hidden = true;
  const previewText = h("span", { class: "vbn-cb-preview-text" });
  const preview = h("div", { class: "vbn-cb-preview", role: "status" }, h("strong", { text: "Preview: " }), previewText, button("vbn-cb-clear-preview", "×", "Close the preview"));
  preview.hidden = true;
  const search = h("input", { type: "search", class: "vbn-cb-search", placeholder: "Search sessions", title: "Session id, mouse id, genotype or session type", "aria-label": "Search sessions" });
  const download = button("vbn-cb-download vbn-cb-download-selection", "Download selection", "Download the ticked files and sessions");
  const verify = button("vbn-cb-verify-selection", "Verify selection", "Re-hash the ticked files that are on disk");
  const remove = button("vbn-cb-delete-selection", "Delete selection", "Delete the ticked files from the cache");
  const clearSelection = button("vbn-cb-clear-selection", "Clear selection");
  const cancelAll = button("vbn-cb-cancel vbn-cb-cancel-all", "Cancel all", "Cancel every queued and running download of this cache");
  const totals = h("span", { class: "vbn-cb-totals-text" });
  const selection = h("span", { class: "vbn-cb-selection-text" });
  const batches = h("div", { class: "vbn-cb-batches", role: "status", "aria-label": "Downloads" });
  const task = h("div", { class: "vbn-cb-task", role: "status" });
  task.hidden = true;
  const checkAll = h("input", { type: "checkbox", class: "vbn-cb-check-all", "aria-label": "Select every file shown" });
  const header = h(
    "div",
    { class: "vbn-cb-head", role: "row" },
    h("span", { class: "vbn-cb-cell", role: "columnheader" }, checkAll),
    ...COLUMNS.slice(1).map((text) => h("span", { class: "vbn-cb-cell", role: "columnheader", text })),
  );
  const rows = h("div", { class: "vbn-cb-rows", role: "rowgroup" });
  const body = h("div", { class: "vbn-cb-body", role: "treegrid", tabindex: 0, "data-lm-suppress-shortcuts": "true" }, header, rows);
  const error = h("div", { class: "vbn-cb-status-error", role: "alert" });
  error.hidden = true;
  const parts = [
    h("div", { class: "vbn-cb-header" }, title, backend, source),
    h(
      "div",
      { class: "vbn-cb-versions" },
      h("label", { text: "Manifest " }, versionSelect),
      h("span", { class: "vbn-cb-compare-pick" }, h("span", { text: "Compare " }), compareA, h("span", { text: " → " }), compareB, compare),
    ),
    comparison,
    preview,
    h("div", { class: "vbn-cb-toolbar" }, search, download, verify, remove, clearSelection, cancelAll),
    h("div", { class: "vbn-cb-totals" }, totals, selection),
    batches,
    task,
    body,
    error,
  ];
  return { title, backend, source, versionSelect, compareA, compareB, comparison, preview, previewText, search, download, verify, remove, clearSelection, cancelAll, totals, selection, batches, task, checkAll, rows, body, error, parts };
}

/**
 * Fill a <select> with the versions, keeping the chosen value when it still exists.
 * @param {HTMLSelectElement} select
 * @param {VersionInfo[]} versions
 * @param {string} chosen
 */
export function fillVersions(select, versions, chosen) {
  select.replaceChildren(...versions.map((v) => h("option", { value: v.name, text: versionLabel(v) })));
  if (versions.some((v) => v.name === chosen)) select.value = chosen;
}

/**
 * One line per download request, newest first: a bar and what it says.
 * @param {HTMLElement} panel
 * @param {BatchInfo[]} batches
 */
export function fillBatches(panel, batches) {
  panel.hidden = !batches.length;
  const lines = batches.map((b) => {
    const { value, max } = batchProgress(b);
    const bar = h("progress", { class: "vbn-cb-total-progress", max, value, "aria-label": b.label });
    return h("div", { class: "vbn-cb-batch", "data-state": b.state, "data-batch": b.id }, bar, h("span", { class: "vbn-cb-batch-text", text: batchText(b) }));
  });
  panel.replaceChildren(...lines);
}

/**
 * The compare panel's content: counts, then a collapsible list per kind of change.
 * @param {HTMLDetailsElement} panel
 * @param {Comparison | null} diff
 */
export function fillComparison(panel, diff) {
  panel.hidden = !diff?.counts;
  if (!diff?.counts) return panel.replaceChildren();
  const c = diff.counts;
  const summary = h("summary", { text: `${diff.a} → ${diff.b}: ${formatCount(c.changed)} changed, ${formatCount(c.added)} added, ${formatCount(c.removed)} removed, ${formatCount(c.renamed)} renamed, ${formatCount(c.unchanged)} unchanged` });
  /** @param {string} kind @param {string[]} items @param {number} total */
  const list = (kind, items, total) =>
    h(
      "details",
      { class: `vbn-cb-diff vbn-cb-diff-${kind}`, "data-kind": kind },
      h("summary", { text: `${kind} (${formatCount(total)})` }),
      h("ul", {}, ...items.map((text) => h("li", { text })), ...(total > items.length ? [h("li", { class: "vbn-cb-more", text: `… ${formatCount(total - items.length)} more` })] : [])),
    );
  panel.replaceChildren(
    summary,
    list("changed", diff.changed, c.changed),
    list("added", diff.added, c.added),
    list("removed", diff.removed, c.removed),
    list("renamed", diff.renamed.map(([a, b]) => `${a} → ${b}`), c.renamed),
  );
}

/** An empty row element with every cell in place. */
export function rowElement() {
  const cell = (/** @type {string} */ cls) => h("span", { class: `vbn-cb-cell ${cls}`, role: "gridcell" });
  const check = h("input", { type: "checkbox", class: "vbn-cb-check", "aria-label": "Select" });
  const expander = h("button", { type: "button", class: "vbn-cb-expander", "aria-label": "Expand" });
  const label = h("span", { class: "vbn-cb-label" });
  const name = cell("vbn-cb-name");
  name.append(expander, label);
  const select = cell("vbn-cb-select");
  select.append(check);
  const row = h("div", { class: "vbn-cb-row vbn-cb-loading", role: "row" });
  row.append(select, name, ...["vbn-cb-meta", "vbn-cb-size", "vbn-cb-state", "vbn-cb-job", "vbn-cb-actions"].map(cell));
  return row;
}

/** @param {Element} cell @param {string} text @param {string} [tip] */
function setText(cell, text, tip = text) {
  if (cell.textContent !== text) cell.textContent = text;
  if (tip && tip.length > 14) cell.setAttribute("title", tip);
  else cell.removeAttribute("title");
}

/**
 * Which action buttons a row gets: the same for a file, a session and a group.
 * @param {CacheRow} row
 * @param {boolean} readOnly
 */
export function rowActions(row, readOnly) {
  const active = isActive(row.job);
  /** @type {string[]} */
  const out = [];
  const whole = typeof row.state === "string" ? row.state === "verified" || row.state === "unchecked" : row.state.verified === row.state.total;
  if (!readOnly && !active && !whole) out.push("download");
  if (active) out.push("cancel");
  if (row.bytes_on_disk > 0 || row.state === "corrupt") out.push("verify");
  if (!readOnly && !active && row.bytes_on_disk > 0) out.push("delete");
  return out;
}

const ACTION_TEXT = /** @type {Record<string, [string, string]>} */ ({
  download: ["Download", "Download what is not verified yet"],
  cancel: ["Cancel", "Cancel the download"],
  verify: ["Verify", "Re-hash against the manifest"],
  delete: ["Delete", "Delete from the cache (click twice)"],
});

/**
 * Bring a row element up to date with a row (or a loading placeholder when `row` is undefined).
 * @param {HTMLElement} el
 * @param {CacheRow | undefined} row
 * @param {{ readOnly: boolean, confirmDelete: string | null, position: number }} opts
 */
export function updateRow(el, row, opts) {
  const cells = /** @type {HTMLElement[]} */ ([...el.children]);
  const [select, name, meta, size, state, job, actions] = cells;
  el.setAttribute("aria-rowindex", String(opts.position + 2));
  if (!row) {
    el.className = "vbn-cb-row vbn-cb-loading";
    el.removeAttribute("data-row");
    for (const c of cells.slice(2)) setText(c, "");
    return;
  }
  el.className = `vbn-cb-row vbn-cb-${row.kind}`;
  el.dataset.row = row.id;
  el.dataset.level = String(row.level);
  el.setAttribute("aria-level", String(row.level + 1));
  if (row.expandable) el.setAttribute("aria-expanded", String(row.expanded));
  else el.removeAttribute("aria-expanded");
  const check = /** @type {HTMLInputElement} */ (select.firstElementChild);
  check.checked = row.selected === "all";
  check.indeterminate = row.selected === "some";
  check.setAttribute("aria-label", `Select ${row.label}`);
  const expander = /** @type {HTMLButtonElement} */ (name.firstElementChild);
  expander.hidden = !row.expandable;
  expander.textContent = row.expanded ? "▾" : "▸";
  expander.setAttribute("aria-label", `${row.expanded ? "Collapse" : "Expand"} ${row.label}`);
  setText(/** @type {Element} */ (name.lastElementChild), row.label);
  setText(meta, metaText(row.meta));
  setText(size, row.size == null ? "…" : formatBytes(row.size));
  setText(state, stateText(row));
  state.dataset.state = typeof row.state === "string" ? row.state : row.state.verified === row.state.total ? "verified" : "some";
  updateJob(job, row);
  const wanted = rowActions(row, opts.readOnly);
  const have = [...actions.children].map((b) => /** @type {HTMLElement} */ (b).dataset.action);
  if (have.join() !== wanted.join()) {
    actions.replaceChildren(...wanted.map((a) => h("button", { type: "button", class: `vbn-cb-${a}`, "data-action": a, text: ACTION_TEXT[a][0], title: ACTION_TEXT[a][1] })));
  }
  const del = actions.querySelector(".vbn-cb-delete");
  if (del) del.textContent = opts.confirmDelete === row.id ? "Confirm" : "Delete";
}

/** @param {HTMLElement} cell @param {CacheRow} row */
function updateJob(cell, row) {
  const job = row.job;
  const bar = progressOf(job);
  const failed = job?.state === "failed";
  const want = bar ? "progress" : failed ? "error" : job ? "text" : "none";
  if (cell.dataset.show !== want) {
    cell.dataset.show = want;
    if (want === "progress") cell.replaceChildren(h("progress", { class: "vbn-cb-progress" }), h("span", { class: "vbn-cb-job-text" }));
    else if (want === "error") cell.replaceChildren(h("span", { class: "vbn-cb-error", role: "alert" }));
    else if (want === "text") cell.replaceChildren(h("span", { class: "vbn-cb-job-text" }));
    else cell.replaceChildren();
  }
  if (bar) {
    const progress = /** @type {HTMLProgressElement} */ (cell.firstElementChild);
    progress.max = bar.max;
    progress.value = bar.value;
    progress.setAttribute("aria-label", `${row.label}: ${jobText(job)}`);
  }
  const text = cell.lastElementChild;
  if (text) {
    const message = failed ? (row.kind === "file" ? (job?.error ?? "failed") : `failed: ${job?.error ?? ""}`) : jobText(job);
    setText(text, failed ? message : jobText(job, { short: true }), message);
  }
}
