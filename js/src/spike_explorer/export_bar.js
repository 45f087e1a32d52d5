// Export row: a variable name, what to write (selected units, every unit, counts, code) and a
// button; asks before replacing a variable the widget did not write itself.

import { h } from "../lib/dom.js";

export const EXPORTS = [
  ["selected", "selected units"],
  ["units", "all shown units (ranked)"],
  ["counts", "counts (units x events x bins)"],
  ["code", "numpy/pandas code"],
];
const DEFAULT_NAMES = /** @type {Record<string, string>} */ ({ selected: "units", units: "unit_table", counts: "counts", code: "counts_code" });

/**
 * @param {(kind: string, fields: Record<string, unknown>) => Promise<{ content: Record<string, any> } | null>} send
 */
export function createExportBar(send) {
  const name = h("input", { type: "text", class: "vbn-se-export-name", value: "units", "aria-label": "variable name", spellcheck: "false" });
  const what = h("select", { class: "vbn-se-export-what", "aria-label": "what to export" }, ...EXPORTS.map(([v, t]) => h("option", { value: v, text: t })));
  const button = h("button", { type: "button", class: "vbn-se-export", text: "export" });
  const count = h("span", { class: "vbn-se-selected-count" });
  const status = h("span", { class: "vbn-se-export-status", role: "status" });
  const replace = h("button", { type: "button", class: "vbn-se-replace", text: "replace it" });
  const cancel = h("button", { type: "button", class: "vbn-se-cancel", text: "cancel" });
  const confirm = h("span", { class: "vbn-se-confirm" }, replace, cancel);
  confirm.hidden = true;
  let disposed = false;
  let lastDefault = "units";

  const run = async (/** @type {boolean} */ force) => {
    confirm.hidden = true;
    status.textContent = "...";
    const reply = await send("export", { what: what.value, name: name.value.trim(), replace: force });
    if (disposed) return;
    if (!reply) {
      status.textContent = "";
      return;
    }
    if (reply.content.needs_confirm) {
      status.textContent = `${reply.content.name} already holds something else:`;
      confirm.hidden = false;
      return;
    }
    status.textContent = `${reply.content.name} = ${reply.content.summary}`;
  };
  const onClick = () => void run(false);
  const onReplace = () => void run(true);
  const onCancel = () => {
    confirm.hidden = true;
    status.textContent = "not exported";
  };
  const onWhat = () => {
    if (name.value === lastDefault) name.value = DEFAULT_NAMES[what.value];
    lastDefault = DEFAULT_NAMES[what.value];
  };
  button.addEventListener("click", onClick);
  replace.addEventListener("click", onReplace);
  cancel.addEventListener("click", onCancel);
  what.addEventListener("change", onWhat);

  return {
    element: h("div", { class: "vbn-se-export-bar" }, count, what, h("span", { text: "to" }), name, button, status, confirm),
    /** @param {number} n */
    setCount(n) {
      count.textContent = `${n.toLocaleString()} selected`;
    },
    dispose() {
      disposed = true;
      button.removeEventListener("click", onClick);
      replace.removeEventListener("click", onReplace);
      cancel.removeEventListener("click", onCancel);
      what.removeEventListener("change", onWhat);
    },
  };
}
