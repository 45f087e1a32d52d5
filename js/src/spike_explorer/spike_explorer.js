// SpikeExplorer front end: a population heatmap on a canvas (one byte per unit and bin, sent as a
// binary buffer), the mean per area under it, and the clicked unit's raster and PSTH. Traits are
// read-only here; every user action is a request (lib/envelope.js) that Python validates.
/** @import { AnyModel, RenderProps } from "@anywidget/types" */
/** @import { AreaInfo, BinsInfo, EventChoice, EventInfo, Heatmap, RowsInfo, UnitDetail } from "./shapes.js" */
/**
 * Synced state; mirrors the sync=True traits of vbn_widgets.spike_explorer.SpikeExplorer.
 * @typedef {object} Model
 * @property {string} event
 * @property {[number, number]} window
 * @property {number} bin_size
 * @property {string} grouping
 * @property {string | null} condition
 * @property {string} sort
 * @property {string} scale
 * @property {[number, number]} baseline_window
 * @property {[number, number]} response_window
 * @property {string} colormap
 * @property {EventChoice[]} event_choices
 * @property {EventInfo} event_info
 * @property {Heatmap | null} heatmap
 * @property {[number, number]} heatmap_range
 * @property {RowsInfo} rows
 * @property {AreaInfo} area_psth
 * @property {UnitDetail | null} unit_detail
 * @property {number | null} selected_unit
 * @property {number} selected_count
 * @property {string} title
 * @property {number} revision
 * @property {string} error
 */

import "../lib/controls.css";
import "./spike_explorer.css";
import { createTeardown, h } from "../lib/dom.js";
import { createEnvelope } from "../lib/envelope.js";
import { nextFrame } from "../lib/timing.js";
import { fromWire } from "../lib/wire.js";
import { colorize, lookupTable } from "./colormap.js";
import { createControls } from "./controls.js";
import { PALETTE, drawHeatmap, drawLines, drawRaster, drawTimeAxis, themeOf } from "./draw.js";
import { brushWindow, heatLayout, rowAt, timeAt } from "./layout.js";
import { byteValue, extent } from "./scales.js";
import { createExportBar } from "./export_bar.js";
import { inflate, rowMask } from "./inflate.js";

const HEAT_PX = 380;
const PLOT_PX = 150;

/**
 * A canvas sized for the device: returns its 2D context (null where there is none, e.g. jsdom).
 * @param {HTMLCanvasElement} canvas
 * @param {number} width
 * @param {number} height
 */
function prepare(canvas, width, height) {
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.height = `${height}px`;
  let ctx = null;
  try {
    ctx = canvas.getContext("2d");
  } catch {
    ctx = null;
  }
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** @param {Pick<RenderProps<Model>, "model" | "el">} props */
function render({ model, el }) {
  const teardown = createTeardown();
  const env = createEnvelope(/** @type {AnyModel<Model>} */ (model));
  el.classList.add("vbn-spike-explorer", "vbn-controls");
  /** @type {{ key: unknown, image: HTMLCanvasElement | null }} */
  let image = { key: null, image: null };
  /** @type {{ wire: Heatmap | null, bytes: Uint8Array | null }} */
  let heat = { wire: null, bytes: null };
  /** @type {[number, number] | null} */
  let brush = null;
  /** @type {{ kind: "brush" | "rows", x0: number, row0: number, shift: boolean } | null} */
  let drag = null;
  let localError = "";
  let changedAt = 0;
  let answered = false;
  /** @type {(() => void) | null} */
  let cancelFrame = null;

  const title = h("div", { class: "vbn-se-title" });
  const summary = h("div", { class: "vbn-se-summary" });
  const note = h("div", { class: "vbn-se-note" });
  const error = h("div", { class: "vbn-se-error", role: "alert" });
  const heatCanvas = h("canvas", { class: "vbn-se-heatmap" });
  const tooltip = h("div", { class: "vbn-se-tooltip" });
  const areaCanvas = h("canvas", { class: "vbn-se-areas" });
  const unitTitle = h("div", { class: "vbn-se-unit-title" });
  const rasterCanvas = h("canvas", { class: "vbn-se-raster" });
  const psthCanvas = h("canvas", { class: "vbn-se-psth" });
  const unitPanel = h("div", { class: "vbn-se-unit" }, unitTitle, rasterCanvas, psthCanvas);
  tooltip.hidden = true;

  const send = (/** @type {string} */ kind, /** @type {Record<string, unknown>} */ fields) =>
    env.request(kind, fields).then(
      (reply) => {
        localError = "";
        return reply;
      },
      (/** @type {any} */ err) => {
        if (err?.code !== "disposed") localError = err?.message ?? String(err);
        renderText();
        return null;
      },
    );
  /** A view change: timed from here to the first redraw of the kernel's answer. */
  const changeView = (/** @type {Record<string, unknown>} */ changes) => {
    changedAt = performance.now();
    answered = false;
    send("set-view", { changes });
  };
  const controls = createControls(changeView);
  const exportBar = createExportBar(send);
  el.replaceChildren(
    title,
    controls.element,
    summary,
    note,
    error,
    h("div", { class: "vbn-se-heat-wrap" }, heatCanvas, tooltip),
    areaCanvas,
    unitPanel,
    exportBar.element,
  );

  const info = () => model.get("event_info");
  const rowsInfo = () => model.get("rows");
  const nRows = () => model.get("heatmap")?.shape[0] ?? 0;
  const width = () => Math.max(320, el.clientWidth || 760);

  /** Inflate a new heatmap, then draw (a newer one arriving meanwhile wins). */
  function decode() {
    const wire = model.get("heatmap");
    if (wire === heat.wire) return;
    heat = { wire, bytes: null };
    if (!wire) return;
    inflate(wire).then(
      (bytes) => {
        if (heat.wire !== wire) return;
        heat.bytes = bytes;
        cancelFrame ??= nextFrame(draw);
      },
      (/** @type {any} */ err) => {
        localError = `cannot read the heatmap: ${err?.message ?? err}`;
        renderText();
      },
    );
  }

  function heatImage() {
    const wire = heat.bytes ? heat.wire : null;
    const key = [wire, model.get("colormap")];
    if (image.key && /** @type {unknown[]} */ (image.key).every((k, i) => k === key[i])) return image.image;
    image = { key, image: null };
    if (!wire || !heat.bytes || typeof document === "undefined") return null;
    const [rows, cols] = wire.shape;
    const canvas = document.createElement("canvas");
    canvas.width = cols;
    canvas.height = rows;
    const ctx = rows && cols ? safeContext(canvas) : null;
    if (!ctx) return null;
    const pixels = colorize(heat.bytes, lookupTable(model.get("colormap")));
    ctx.putImageData(new ImageData(pixels, cols, rows), 0, 0);
    image.image = canvas;
    return canvas;
  }

  function draw() {
    cancelFrame = null;
    const theme = themeOf(el);
    const w = width();
    const ev = info();
    const rows = rowsInfo();
    const bins = ev?.bins ?? { start: -0.5, stop: 1, width: 0.01, n: 150 };
    const layout = heatLayout(w, HEAT_PX);
    const ctx = prepare(heatCanvas, w, HEAT_PX);
    if (ctx && ev && rows) {
      drawHeatmap(ctx, layout, {
        image: heatImage(),
        rows: nRows(),
        bins,
        runs: rows.runs,
        areas: model.get("area_psth")?.areas ?? [],
        labels: model.get("sort") === "area",
        selected: rowMask(fromWire(rows.selected), nRows()),
        chosenRow: chosenRow(),
        response: model.get("response_window"),
        brush,
        lut: lookupTable(model.get("colormap")),
        range: model.get("heatmap_range"),
        valueLabel: ev.value_label,
      }, theme);
    }
    drawAreas(theme, w, layout, bins);
    drawUnit(theme, w, layout, bins);
    if (changedAt && answered && heat.bytes && heat.wire === model.get("heatmap")) {
      el.dataset.redrawMs = String(Math.round(performance.now() - changedAt));
      changedAt = 0;
    }
    el.dataset.revision = String(model.get("revision"));
  }

  function drawAreas(/** @type {import("./draw.js").Theme} */ theme, /** @type {number} */ w, /** @type {import("./layout.js").HeatLayout} */ layout, /** @type {BinsInfo} */ bins) {
    const areas = model.get("area_psth");
    const ctx = prepare(areaCanvas, w, PLOT_PX);
    if (!ctx || !areas) return;
    const values = /** @type {Float32Array} */ (fromWire(areas.values));
    const n = bins.n;
    const x = Array.from({ length: n }, (_, i) => bins.start + (i + 0.5) * bins.width);
    const series = areas.areas.map((area, a) => ({
      label: `${area} (${areas.counts[a]})`,
      color: PALETTE[a % PALETTE.length],
      y: values.subarray(a * n, (a + 1) * n),
    }));
    const rect = { x: layout.heat.x, y: 4, width: layout.heat.width, height: PLOT_PX - 36 };
    const yRange = extent(series.map((s) => s.y)) ?? [0, 1];
    drawLines(ctx, rect, x, series, { domain: [bins.start, bins.stop], yRange, yLabel: `mean ${info().value_label}`, theme, response: model.get("response_window") });
    drawTimeAxis(ctx, { x: rect.x, y: rect.y + rect.height, width: rect.width, height: 20 }, [bins.start, bins.stop], theme);
  }

  function drawUnit(/** @type {import("./draw.js").Theme} */ theme, /** @type {number} */ w, /** @type {import("./layout.js").HeatLayout} */ layout, /** @type {BinsInfo} */ bins) {
    const d = model.get("unit_detail");
    unitPanel.hidden = !d;
    if (!d) return;
    const depth = d.depth === null ? "" : `, ${Math.round(d.depth)} um`;
    unitTitle.textContent = `unit ${d.unit_id} (${d.area}${depth}): ${d.group_rows.reduce((a, b) => a + b, 0)} events`;
    const domain = /** @type {[number, number]} */ ([bins.start, bins.stop]);
    const rect = { x: layout.heat.x, y: 4, width: layout.heat.width, height: 160 };
    const ctx = prepare(rasterCanvas, w, rect.height + 30);
    if (ctx) {
      drawRaster(ctx, rect, {
        times: /** @type {Float32Array} */ (fromWire(d.times)),
        rows: /** @type {Int32Array} */ (fromWire(d.rows)),
        groupRows: d.group_rows,
        groups: d.groups,
        domain,
        theme,
      });
      drawTimeAxis(ctx, { x: rect.x, y: rect.y + rect.height, width: rect.width, height: 20 }, domain, theme);
    }
    const pctx = prepare(psthCanvas, w, PLOT_PX);
    if (!pctx) return;
    const mean = /** @type {Float32Array} */ (fromWire(d.mean));
    const sem = /** @type {Float32Array} */ (fromWire(d.sem));
    const n = bins.n;
    const x = Array.from({ length: n }, (_, i) => bins.start + (i + 0.5) * bins.width);
    const series = d.groups.map((g, i) => ({
      label: g,
      color: d.groups.length > 1 ? PALETTE[i % PALETTE.length] : theme.fg,
      y: mean.subarray(i * n, (i + 1) * n),
      band: sem.subarray(i * n, (i + 1) * n),
    }));
    const prect = { x: rect.x, y: 4, width: rect.width, height: PLOT_PX - 36 };
    const hi = extent(series.map((s) => Array.from(s.y, (v, i) => v + s.band[i]))) ?? [0, 1];
    drawLines(pctx, prect, x, series, { domain, yRange: [0, Math.max(1, hi[1])], yLabel: "rate (Hz) +- SEM", theme });
    drawTimeAxis(pctx, { x: prect.x, y: prect.y + prect.height, width: prect.width, height: 20 }, domain, theme);
  }

  function chosenRow() {
    const unit = model.get("selected_unit");
    const ids = rowsInfo()?.unit_ids;
    if (unit === null || !ids) return -1;
    const list = Array.isArray(ids) ? ids : fromWire(ids);
    return list ? Array.prototype.indexOf.call(list, unit) : -1;
  }

  function renderText() {
    const ev = info();
    title.textContent = model.get("title") ?? "";
    title.hidden = !title.textContent;
    if (ev) {
      summary.textContent = `${ev.units.toLocaleString()} units x ${ev.shown_events.toLocaleString()} of ${ev.count.toLocaleString()} ${ev.label}; ${ev.description}`;
      note.textContent = [ev.note, ev.scale_note, "drag across the heatmap to rank units by their response there; drag down the left edge to select units"].filter(Boolean).join(" · ");
      controls.sync({
        choices: model.get("event_choices") ?? [],
        event: model.get("event"),
        groupings: ev.groupings,
        grouping: model.get("grouping"),
        groups: ev.groups,
        condition: model.get("condition"),
        window: model.get("window"),
        binSize: model.get("bin_size"),
        sort: model.get("sort"),
        scale: model.get("scale"),
        colormap: model.get("colormap"),
        baseline: model.get("baseline_window"),
      });
    }
    exportBar.setCount(model.get("selected_count") ?? 0);
    error.textContent = model.get("error") || localError;
    error.hidden = !error.textContent;
  }

  const schedule = () => {
    renderText();
    cancelFrame ??= nextFrame(draw);
  };

  // ---- pointer: click a row, brush a time window, drag rows in the gutter -----------------------
  const local = (/** @type {PointerEvent} */ e) => {
    const box = heatCanvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  };
  teardown.listen(heatCanvas, "pointerdown", (/** @type {PointerEvent} */ e) => {
    const { x, y } = local(e);
    const layout = heatLayout(width(), HEAT_PX);
    const row = rowAt(y, layout.heat, nRows());
    if (row < 0) return;
    drag = { kind: x < layout.heat.x ? "rows" : "brush", x0: x, row0: row, shift: e.shiftKey };
    heatCanvas.setPointerCapture?.(e.pointerId);
  });
  teardown.listen(heatCanvas, "pointermove", (/** @type {PointerEvent} */ e) => {
    const { x, y } = local(e);
    const layout = heatLayout(width(), HEAT_PX);
    if (drag?.kind === "brush") {
      brush = brushWindow(drag.x0, x, layout.heat, info().bins);
      cancelFrame ??= nextFrame(draw);
    }
    showTooltip(x, y, layout);
  });
  teardown.listen(heatCanvas, "pointerleave", () => {
    tooltip.hidden = true;
  });
  teardown.listen(heatCanvas, "pointerup", (/** @type {PointerEvent} */ e) => {
    const start = drag;
    drag = null;
    if (!start) return;
    const { x, y } = local(e);
    const layout = heatLayout(width(), HEAT_PX);
    const revision = model.get("revision");
    if (start.kind === "rows") {
      const row = Math.max(0, rowAt(Math.min(Math.max(y, layout.heat.y), layout.heat.y + layout.heat.height - 1), layout.heat, nRows()));
      send("select-rows", { op: start.shift ? "add" : "set", from: start.row0, to: row, revision });
      return;
    }
    const picked = brushWindow(start.x0, x, layout.heat, info().bins);
    brush = null;
    if (picked) {
      changeView({ response_window: picked, sort: "response" });
    } else {
      send("select-unit", { row: start.row0, revision });
    }
    cancelFrame ??= nextFrame(draw);
  });

  function showTooltip(/** @type {number} */ x, /** @type {number} */ y, /** @type {import("./layout.js").HeatLayout} */ layout) {
    const rows = rowsInfo();
    const bytes = heat.bytes;
    const row = rowAt(y, layout.heat, nRows());
    if (!rows || !bytes || row < 0 || x < layout.heat.x || x > layout.heat.x + layout.heat.width) {
      tooltip.hidden = true;
      return;
    }
    const bins = info().bins;
    const t = timeAt(x, layout.heat, bins);
    const col = Math.min(bins.n - 1, Math.max(0, Math.floor((t - bins.start) / bins.width)));
    const ids = Array.isArray(rows.unit_ids) ? rows.unit_ids : fromWire(rows.unit_ids);
    const area = rows.areas[/** @type {Uint8Array} */ (fromWire(rows.area_index))[row]];
    const value = byteValue(bytes[row * bins.n + col], model.get("heatmap_range"));
    tooltip.textContent = `unit ${ids?.[row]} · ${area} · ${t.toFixed(3)} s · ${value.toFixed(2)} ${info().value_label}`;
    tooltip.style.left = `${Math.min(x + 12, width() - 220)}px`;
    tooltip.style.top = `${y + 12}px`;
    tooltip.hidden = false;
  }

  // ---- wiring ----------------------------------------------------------------------------------
  teardown.watch(model, ["change:heatmap"], decode);
  teardown.watch(model, ["change:revision", "change:colormap", "change:heatmap", "change:error"], () => {
    answered = true;
  });
  teardown.watch(model, ["change:rows", "change:area_psth", "change:unit_detail", "change:colormap", "change:response_window", "change:revision", "change:selected_unit"], () => {
    cancelFrame ??= nextFrame(draw);
  });
  const viewTraits = ["event", "window", "bin_size", "grouping", "condition", "sort", "scale", "baseline_window", "colormap"];
  teardown.watch(model, ["event_info", "error", "title", "selected_count", "event_choices", ...viewTraits].map((n) => `change:${n}`), schedule);
  if (typeof ResizeObserver === "function") {
    const observer = new ResizeObserver(() => {
      cancelFrame ??= nextFrame(draw);
    });
    observer.observe(el);
    teardown.add(() => observer.disconnect());
  }
  if (typeof MutationObserver === "function" && typeof document !== "undefined") {
    // JupyterLab switches themes by an attribute on <body>: redraw the canvases in the new colours.
    const themes = new MutationObserver(() => {
      cancelFrame ??= nextFrame(draw);
    });
    themes.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
    teardown.add(() => themes.disconnect());
  }
  decode();
  schedule();

  return () => {
    cancelFrame?.();
    env.dispose();
    exportBar.dispose();
    teardown.dispose();
  };
}

/** @param {HTMLCanvasElement} canvas */
function safeContext(canvas) {
  try {
    return canvas.getContext("2d");
  } catch {
    return null;
  }
}

export default { render };
