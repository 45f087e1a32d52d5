// Canvas drawing of the heatmap (with gutter, axis, colour bar, brush) and of the line and
// raster plots. Functions take a 2D context, a layout and plain data; no model, no DOM queries.

/** @import { HeatLayout, Rect } from "./layout.js" */
/** @import { AreaRun, BinsInfo } from "./shapes.js" */
import { areaLabels, xOf } from "./layout.js";
import { linear, tickLabel, ticks } from "./scales.js";

/** @typedef {{ fg: string, muted: string, grid: string, bg: string, accent: string, font: string }} Theme */

/** Categorical colours for areas and groups (Tableau 10), readable on light and dark. */
export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/**
 * Theme colours from JupyterLab's CSS variables on `el` (fallbacks outside Lab).
 * @param {Element} el
 * @returns {Theme}
 */
export function themeOf(el) {
  const style = getComputedStyle(el);
  const v = (/** @type {string} */ name, /** @type {string} */ fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    fg: v("--jp-ui-font-color1", "#212121"),
    muted: v("--jp-ui-font-color2", "#616161"),
    grid: v("--jp-border-color2", "#e0e0e0"),
    bg: v("--jp-layout-color1", "#ffffff"),
    accent: v("--jp-brand-color1", "#1976d2"),
    font: `11px ${v("--jp-ui-font-family", "sans-serif")}`,
  };
}

/**
 * @typedef {object} HeatData
 * @property {CanvasImageSource | null} image units x bins, one pixel per value
 * @property {number} rows
 * @property {BinsInfo} bins
 * @property {AreaRun[]} runs
 * @property {string[]} areas area of each run, by name (for colours)
 * @property {boolean} labels draw area labels and separators (sorted by area)
 * @property {Uint8Array | null} selected 1 per selected row
 * @property {number} chosenRow the clicked unit's row, -1 for none
 * @property {[number, number]} response
 * @property {[number, number] | null} brush a drag in progress
 * @property {Uint8ClampedArray} lut
 * @property {[number, number]} range
 * @property {string} valueLabel
 */

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {HeatLayout} layout
 * @param {HeatData} d
 * @param {Theme} theme
 */
export function drawHeatmap(ctx, layout, d, theme) {
  const { heat, gutter, axis, bar } = layout;
  ctx.font = theme.font;
  if (d.image) {
    ctx.imageSmoothingEnabled = d.rows <= heat.height;
    ctx.drawImage(d.image, heat.x, heat.y, heat.width, heat.height);
  }
  const perRow = d.rows > 0 ? heat.height / d.rows : 0;
  // Area strip (every sort) and, sorted by area, separators and labels.
  for (const run of d.runs) {
    ctx.fillStyle = PALETTE[d.areas.indexOf(run.area) % PALETTE.length];
    ctx.fillRect(gutter.x + gutter.width - 7, heat.y + run.start * perRow, 5, Math.max(1, (run.stop - run.start) * perRow));
  }
  if (d.labels) {
    ctx.strokeStyle = "rgba(255,255,255,0.85)";
    ctx.lineWidth = 1;
    for (const run of d.runs.slice(1)) {
      const y = Math.round(heat.y + run.start * perRow) + 0.5;
      ctx.beginPath();
      ctx.moveTo(heat.x, y);
      ctx.lineTo(heat.x + heat.width, y);
      ctx.stroke();
    }
    ctx.fillStyle = theme.fg;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const label of areaLabels(d.runs, heat, d.rows)) ctx.fillText(label.area, gutter.x + gutter.width - 10, label.y);
  }
  if (d.selected) {
    ctx.fillStyle = theme.accent;
    for (let r = 0; r < d.selected.length; r++) {
      if (d.selected[r]) ctx.fillRect(gutter.x + 1, heat.y + r * perRow, 3, Math.max(1, perRow));
    }
  }
  if (d.chosenRow >= 0) {
    ctx.strokeStyle = theme.accent;
    ctx.lineWidth = 2;
    ctx.strokeRect(heat.x, heat.y + d.chosenRow * perRow - 1, heat.width, Math.max(2, perRow) + 2);
  }
  drawWindow(ctx, heat, d.bins, d.response, "rgba(255,255,255,0.9)", false);
  if (d.brush) drawWindow(ctx, heat, d.bins, d.brush, theme.accent, true);
  const zero = xOf(0, heat, d.bins);
  if (zero > heat.x && zero < heat.x + heat.width) {
    ctx.strokeStyle = "rgba(255,255,255,0.6)";
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(zero) + 0.5, heat.y);
    ctx.lineTo(Math.round(zero) + 0.5, heat.y + heat.height);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  drawTimeAxis(ctx, axis, [d.bins.start, d.bins.stop], theme);
  drawColorBar(ctx, bar, d.lut, d.range, d.valueLabel, theme);
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Rect} heat
 * @param {BinsInfo} bins
 * @param {[number, number]} window
 * @param {string} color
 * @param {boolean} dashed
 */
function drawWindow(ctx, heat, bins, window, color, dashed) {
  const a = Math.max(heat.x, xOf(window[0], heat, bins));
  const b = Math.min(heat.x + heat.width, xOf(window[1], heat, bins));
  if (!(b > a)) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.setLineDash(dashed ? [4, 3] : []);
  ctx.strokeRect(a, heat.y + 0.5, b - a, heat.height - 1);
  ctx.setLineDash([]);
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Rect} axis
 * @param {[number, number]} domain
 * @param {Theme} theme
 * @param {string} [title]
 */
export function drawTimeAxis(ctx, axis, domain, theme, title = "time from event (s)") {
  const x = linear(domain, [axis.x, axis.x + axis.width]);
  ctx.fillStyle = theme.muted;
  ctx.strokeStyle = theme.muted;
  ctx.font = theme.font;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of ticks(domain[0], domain[1], 6)) {
    const px = Math.round(x.to(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, axis.y);
    ctx.lineTo(px, axis.y + 4);
    ctx.stroke();
    ctx.fillText(tickLabel(t), px, axis.y + 5);
  }
  ctx.textAlign = "right";
  ctx.fillText(title, axis.x + axis.width, axis.y + 5 + 13);
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Rect} bar
 * @param {Uint8ClampedArray} lut
 * @param {[number, number]} range
 * @param {string} label
 * @param {Theme} theme
 */
function drawColorBar(ctx, bar, lut, range, label, theme) {
  for (let i = 0; i < bar.height; i++) {
    const byte = Math.round(255 * (1 - i / Math.max(1, bar.height - 1)));
    ctx.fillStyle = `rgb(${lut[byte * 4]},${lut[byte * 4 + 1]},${lut[byte * 4 + 2]})`;
    ctx.fillRect(bar.x, bar.y + i, bar.width, 1);
  }
  const y = linear(range, [bar.y + bar.height, bar.y]);
  ctx.fillStyle = theme.fg;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  for (const v of ticks(range[0], range[1], 4)) ctx.fillText(tickLabel(v), bar.x + bar.width + 3, y.to(v));
  ctx.save();
  ctx.translate(bar.x - 4, bar.y + bar.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(label, 0, 0);
  ctx.restore();
}

/**
 * @typedef {object} Series
 * @property {string} label
 * @property {string} color
 * @property {ArrayLike<number>} y
 * @property {ArrayLike<number>} [band] half-width of a shaded band (e.g. the SEM)
 */

/**
 * Lines over bin centres, with optional bands, y axis, legend and the window outline.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Rect} rect
 * @param {ArrayLike<number>} x
 * @param {Series[]} series
 * @param {{ domain: [number, number], yRange: [number, number], yLabel: string, theme: Theme, response?: [number, number] }} opts
 */
export function drawLines(ctx, rect, x, series, opts) {
  const { theme } = opts;
  const sx = linear(opts.domain, [rect.x, rect.x + rect.width]);
  const sy = linear(opts.yRange, [rect.y + rect.height, rect.y]);
  ctx.font = theme.font;
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.strokeRect(rect.x + 0.5, rect.y + 0.5, rect.width, rect.height);
  ctx.fillStyle = theme.muted;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of ticks(opts.yRange[0], opts.yRange[1], 3)) ctx.fillText(tickLabel(v), rect.x - 4, sy.to(v));
  ctx.save();
  ctx.translate(rect.x - 34, rect.y + rect.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.fillText(opts.yLabel, 0, 0);
  ctx.restore();
  if (opts.response) {
    ctx.fillStyle = "rgba(128,128,128,0.12)";
    const a = sx.to(opts.response[0]);
    ctx.fillRect(a, rect.y, sx.to(opts.response[1]) - a, rect.height);
  }
  for (const s of series) {
    if (s.band) {
      ctx.globalAlpha = 0.2;
      ctx.fillStyle = s.color;
      ctx.beginPath();
      for (let i = 0; i < x.length; i++) ctx.lineTo(sx.to(x[i]), sy.to(s.y[i] + s.band[i]));
      for (let i = x.length - 1; i >= 0; i--) ctx.lineTo(sx.to(x[i]), sy.to(s.y[i] - s.band[i]));
      ctx.closePath();
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < x.length; i++) ctx.lineTo(sx.to(x[i]), sy.to(s.y[i]));
    ctx.stroke();
  }
  drawLegend(ctx, rect, series, theme);
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Rect} rect
 * @param {{ label: string, color: string }[]} items
 * @param {Theme} theme
 */
function drawLegend(ctx, rect, items, theme) {
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  let x = rect.x + 6;
  let y = rect.y + 8;
  for (const item of items) {
    const w = ctx.measureText(item.label).width + 18;
    if (x + w > rect.x + rect.width) {
      x = rect.x + 6;
      y += 13;
    }
    ctx.fillStyle = item.color;
    ctx.fillRect(x, y - 3, 10, 6);
    ctx.fillStyle = theme.fg;
    ctx.fillText(item.label, x + 13, y);
    x += w;
  }
}

/**
 * A raster: one row per event (rows grouped by condition), a tick per spike.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Rect} rect
 * @param {{ times: Float32Array, rows: Int32Array, groupRows: number[], groups: string[], domain: [number, number], theme: Theme }} d
 */
export function drawRaster(ctx, rect, d) {
  const total = d.groupRows.reduce((a, b) => a + b, 0);
  const sx = linear(d.domain, [rect.x, rect.x + rect.width]);
  const per = total > 0 ? rect.height / total : 0;
  ctx.strokeStyle = d.theme.grid;
  ctx.strokeRect(rect.x + 0.5, rect.y + 0.5, rect.width, rect.height);
  const starts = [0];
  for (const n of d.groupRows) starts.push(starts[starts.length - 1] + n);
  ctx.font = d.theme.font;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (let g = 0; g < d.groupRows.length; g++) {
    if (d.groupRows.length > 1) {
      ctx.fillStyle = PALETTE[g % PALETTE.length];
      ctx.fillRect(rect.x - 6, rect.y + starts[g] * per, 4, d.groupRows[g] * per);
    }
  }
  const h = Math.max(1, Math.min(per, 3));
  for (let i = 0; i < d.times.length; i++) {
    const row = d.rows[i];
    let g = 0;
    while (g + 1 < starts.length - 1 && row >= starts[g + 1]) g++;
    ctx.fillStyle = d.groupRows.length > 1 ? PALETTE[g % PALETTE.length] : d.theme.fg;
    ctx.fillRect(Math.round(sx.to(d.times[i])), rect.y + row * per, 1, h);
  }
}
