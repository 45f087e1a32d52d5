// The shapes of SpikeExplorer's structured traits: one `@typedef {object}` per TypedDict of
// vbn_widgets/spike_explorer/shapes.py, with the same keys (tests/test_spike_explorer_contract.py
// compares them; WireArray is lib/wire.js's). Types only: no code.

/** @import { WireArray } from "../lib/wire.js" */

/**
 * A named event (or "custom") with its count in this session.
 * @typedef {object} EventChoice
 * @property {string} key
 * @property {string} label
 * @property {number} count
 */

/**
 * @typedef {object} BinsInfo
 * @property {number} start
 * @property {number} stop
 * @property {number} width
 * @property {number} n
 */

/**
 * @typedef {object} EventInfo
 * @property {string} key
 * @property {string} label
 * @property {string} description
 * @property {string} note
 * @property {number} count
 * @property {string[]} groupings
 * @property {string[]} groups
 * @property {number[]} group_counts
 * @property {string} value_label
 * @property {string} scale_note
 * @property {BinsInfo} bins
 * @property {number} units
 * @property {number} shown_events
 */

/**
 * uint8 units x bins in display order, zlib-deflated.
 * @typedef {object} Heatmap
 * @property {number[]} shape
 * @property {DataView} deflated
 */

/**
 * Consecutive heatmap rows [start, stop) of one area.
 * @typedef {object} AreaRun
 * @property {string} area
 * @property {number} start
 * @property {number} stop
 */

/**
 * @typedef {object} RowsInfo
 * @property {WireArray | number[]} unit_ids
 * @property {string[]} areas
 * @property {WireArray} area_index
 * @property {AreaRun[]} runs
 * @property {WireArray} selected
 */

/**
 * @typedef {object} AreaInfo
 * @property {string[]} areas
 * @property {number[]} counts
 * @property {WireArray} values
 */

/**
 * @typedef {object} UnitDetail
 * @property {number} unit_id
 * @property {string} area
 * @property {number | null} depth
 * @property {WireArray} times
 * @property {WireArray} rows
 * @property {string[]} groups
 * @property {number[]} group_rows
 * @property {WireArray} mean
 * @property {WireArray} sem
 */

export {};
