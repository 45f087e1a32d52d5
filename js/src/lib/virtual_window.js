// Fixed-row-height virtual scrolling arithmetic: which rows (and which pages of rows) exist in the
// DOM for a given scroll position. Pure; no DOM.
//
// Browsers cap an element's height (~33.5M px in Chrome, less elsewhere), so when
// total * rowHeight exceeds MAX_SPACER_PX the spacer is capped and the physical scroll range is
// mapped linearly onto the virtual one. Rows are positioned at `i * rowHeight + shift`, where
// `shift = scrollTop - virtualTop` is 0 when nothing is scaled.

/** Rows per page request of a virtualized view. */
export const PAGE_SIZE = 100;

export const MAX_SPACER_PX = 15_000_000;
export const DEFAULT_MARGIN = 8;

/**
 * @typedef {object} WindowInput
 * @property {number} scrollTop physical scrollTop of the viewport (px)
 * @property {number} viewportHeight height available to rows (px)
 * @property {number} rowHeight fixed row height (px)
 * @property {number} total number of rows
 * @property {number} [margin] extra rows rendered above and below the visible ones
 * @property {number} [maxSpacer] cap on the spacer height (px)
 * @property {number} [pageSize] rows per page
 */

/**
 * @typedef {object} VirtualWindow
 * @property {number} first first row index to render (0 when there are no rows)
 * @property {number} last last row index to render, inclusive (-1 when there are no rows)
 * @property {number} spacerHeight height of the scrolling content (px), capped
 * @property {number} shift add to `row * rowHeight` to get the physical top of a row (px)
 * @property {number} top physical top of row `first` (px): the padding above the rendered rows
 * @property {number} virtualTop unscaled scroll position (px)
 * @property {number} scale virtual px per physical px (1 when not scaled)
 * @property {number[]} pages page numbers covering first..last
 */

/**
 * @param {number} value
 * @param {number} lo
 * @param {number} hi
 */
const clamp = (value, lo, hi) => Math.min(hi, Math.max(lo, value));

/**
 * Geometry shared by the window and the scroll-into-view computation.
 * @param {WindowInput} input
 */
function geometry(input) {
  const rowHeight = Math.max(1, input.rowHeight || 1);
  const total = Math.max(0, Math.floor(input.total || 0));
  const viewport = Math.max(0, input.viewportHeight || 0);
  const virtualHeight = total * rowHeight;
  const spacerHeight = Math.min(virtualHeight, input.maxSpacer ?? MAX_SPACER_PX);
  const physicalMax = Math.max(0, spacerHeight - viewport);
  const virtualMax = Math.max(0, virtualHeight - viewport);
  const scale = physicalMax > 0 ? virtualMax / physicalMax : 1;
  return { rowHeight, total, viewport, spacerHeight, physicalMax, virtualMax, scale };
}

/**
 * @param {WindowInput} input
 * @returns {VirtualWindow}
 */
export function computeWindow(input) {
  const g = geometry(input);
  const margin = Math.max(0, Math.floor(input.margin ?? DEFAULT_MARGIN));
  const scrollTop = clamp(input.scrollTop || 0, 0, g.physicalMax);
  const virtualTop = g.physicalMax > 0 ? scrollTop * g.scale : 0;
  const shift = scrollTop - virtualTop;
  if (g.total === 0) {
    return { first: 0, last: -1, spacerHeight: 0, shift: 0, top: 0, virtualTop: 0, scale: 1, pages: [] };
  }
  const firstVisible = clamp(Math.floor(virtualTop / g.rowHeight), 0, g.total - 1);
  const lastVisible = clamp(Math.ceil((virtualTop + g.viewport) / g.rowHeight) - 1, firstVisible, g.total - 1);
  const first = Math.max(0, firstVisible - margin);
  const last = Math.min(g.total - 1, lastVisible + margin);
  return {
    first,
    last,
    spacerHeight: g.spacerHeight,
    shift,
    top: first * g.rowHeight + shift,
    virtualTop,
    scale: g.scale,
    pages: pagesFor(first, last, input.pageSize ?? PAGE_SIZE),
  };
}

/**
 * Page numbers holding rows first..last (inclusive).
 * @param {number} first
 * @param {number} last
 * @param {number} [pageSize]
 * @returns {number[]}
 */
export function pagesFor(first, last, pageSize = PAGE_SIZE) {
  if (last < first || last < 0) return [];
  const pages = [];
  for (let p = Math.floor(Math.max(0, first) / pageSize); p <= Math.floor(last / pageSize); p++) pages.push(p);
  return pages;
}

/**
 * The physical scrollTop that brings `row` fully into view with the least movement
 * (the current scrollTop when it already is).
 * @param {number} row
 * @param {WindowInput} input
 * @returns {number}
 */
export function scrollTopForRow(row, input) {
  const g = geometry(input);
  if (g.total === 0) return 0;
  const scrollTop = clamp(input.scrollTop || 0, 0, g.physicalMax);
  let virtualTop = g.physicalMax > 0 ? scrollTop * g.scale : 0;
  const rowTop = clamp(row, 0, g.total - 1) * g.rowHeight;
  if (rowTop < virtualTop) virtualTop = rowTop;
  else if (rowTop + g.rowHeight > virtualTop + g.viewport) virtualTop = rowTop + g.rowHeight - g.viewport;
  else return scrollTop;
  virtualTop = clamp(virtualTop, 0, g.virtualMax);
  return g.physicalMax > 0 ? virtualTop / g.scale : 0;
}

/**
 * How many rows one viewport shows (for PageUp/PageDown).
 * @param {number} viewportHeight
 * @param {number} rowHeight
 */
export function rowsPerViewport(viewportHeight, rowHeight) {
  return Math.max(1, Math.floor(viewportHeight / Math.max(1, rowHeight)));
}
