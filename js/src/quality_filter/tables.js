// The count tables under the rows: attrition per criterion, passing per area and per session.
/** @import { Summary } from "./protocol.js" */
import { h } from "../lib/dom.js";

const fmt = (/** @type {number} */ n) => n.toLocaleString("en-US");

/**
 * A captioned table of text cells (numbers right-aligned).
 * @param {string} caption
 * @param {string[]} head
 * @param {(string | number)[][]} rows
 */
export function table(caption, head, rows) {
  return h(
    "table",
    { class: "vbn-qf-table" },
    h("caption", { text: caption }),
    h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { text: c })))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", { class: typeof c === "number" ? "vbn-qf-num" : "", text: typeof c === "number" ? fmt(c) : c }))))),
  );
}

/** @param {Summary} summary */
export function summaryTables(summary) {
  const attrition = summary.attrition.length
    ? table(
        "each active criterion, in turn",
        ["criterion", "removes alone", "removes in turn", "remaining"],
        summary.attrition.map((r) => [r.criterion, r.removed_alone, r.removed_cumulative, r.remaining]),
      )
    : h("p", { class: "vbn-qf-note", text: "no active criterion: every unit in the restriction passes" });
  const areas = table(
    `passing per area (${summary.areas.length})`,
    ["area", "group", "passing", "total"],
    summary.areas.map((r) => [r.area, r.group, r.passing, r.total]),
  );
  const sessions = table(
    `passing per session (top ${summary.sessions.length})`,
    ["session", "passing", "total"],
    summary.sessions.map((r) => [String(r.session), r.passing, r.total]),
  );
  return [attrition, h("div", { class: "vbn-qf-scroll" }, areas), h("div", { class: "vbn-qf-scroll" }, sessions)];
}
