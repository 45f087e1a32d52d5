// QualityFilter's wire contract, mirrored by vbn_widgets/quality_filter/protocol.py (shapes, kinds,
// limits), vbn_widgets/quality/grid.py (grid rules) and vbn_widgets/quality/binned.py (smoothing).
// tests/quality_filter/test_qf_protocol.py compares the files.
/** @import { WireArray } from "../lib/wire.js" */

/** @typedef {"above" | "below"} Keep */
/** @typedef {"fail" | "pass"} MissingRule */
/** @typedef {{ metric: string, keep: Keep, threshold: number, inclusive: boolean, active: boolean, missing: MissingRule }} Criterion */
/** @typedef {{ criteria: Criterion[], sessions: number[] | null, areas: string[] | null, good_label_only: boolean, preset: string }} Settings */
/** @typedef {{ log: boolean, lo: number, hi: number, step: number }} AxisInfo */
/** @typedef {{ name: string, description: string, axis: AxisInfo }} MetricInfo */
/** @typedef {{ groups: string[], bins: number, counts: WireArray | null, missing: WireArray | null }} Binned */
/** @typedef {{ criterion: string, metric: string, removed_alone: number, removed_cumulative: number, remaining: number }} AttritionRow */
/** @typedef {{ area: string, group: string, passing: number, total: number }} AreaRow */
/** @typedef {{ session: number, passing: number, total: number }} SessionRow */
/** @typedef {{ kept: number[], attrition: AttritionRow[], areas: AreaRow[], sessions: SessionRow[] }} Summary */
/** @typedef {{ value: number, label: string, count: number }} SessionOption */
/** @typedef {{ value: string, label: string, count: number }} AreaOption */
/** @typedef {{ sessions: SessionOption[], areas: AreaOption[], good_label: boolean }} Choices */
/** @typedef {{ needs_confirm: boolean, message: string }} ExportReply */

/** Requests the front end sends (Python answers `<kind>:ok` or `error`). */
export const KINDS = /** @type {const} */ ([
  "set-criterion",
  "set-restriction",
  "apply-preset",
  "load-settings",
  "settings-json",
  "set-export",
]);
/** Longest settings JSON text Python accepts (characters). */
export const MAX_SETTINGS_CHARS = 200000;
/** Most sessions or areas in one restriction request. */
export const MAX_RESTRICT_ITEMS = 5000;

/** Log axes draw v at log10(v + LOG_OFFSET). */
export const LOG_OFFSET = 1e-5;
/** Round values per decade. */
export const MANTISSAS = /** @type {const} */ ([1, 2, 5]);
/** A linear axis is labelled at about this many round values. */
export const TARGET_TICKS = 5;
/** Smallest Gaussian kernel width (bins) and how many widths the kernel reaches. */
export const SMOOTH_MIN_BINS = 0.5;
export const SMOOTH_SIGMAS = 4;
