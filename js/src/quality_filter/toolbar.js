// The bar above the rows: preset, live count, the export variable (replacing a value this widget
// did not write asks first), and save / load of the settings as JSON.
import { h } from "../lib/dom.js";

export const CUSTOM = "custom";

/**
 * @typedef {object} ToolbarActions
 * @property {(name: string) => void} preset
 * @property {(name: string, confirm: boolean) => Promise<{ needs_confirm: boolean, message: string }>} exportTo
 * @property {() => Promise<string>} save settings JSON text
 * @property {(text: string) => Promise<void>} load
 */

/** @param {string[]} presets @param {ToolbarActions} actions */
export function createToolbar(presets, actions) {
  const preset = h("select", { class: "vbn-qf-preset", "aria-label": "preset" }, ...[...presets, CUSTOM].map((p) => h("option", { value: p, text: p })));
  const count = h("div", { class: "vbn-qf-count", role: "status" });
  const name = h("input", { type: "text", class: "vbn-qf-export", spellcheck: "false", placeholder: "(not exported)", "aria-label": "export variable" });
  const exportNote = h("span", { class: "vbn-qf-note" });
  const yes = h("button", { type: "button", class: "vbn-qf-confirm", text: "replace" });
  const no = h("button", { type: "button", class: "vbn-qf-cancel", text: "keep it" });
  const confirmBox = h("span", { class: "vbn-qf-confirmbox", hidden: true }, yes, no);
  const save = h("button", { type: "button", class: "vbn-qf-save", text: "save settings" });
  const load = h("button", { type: "button", class: "vbn-qf-load", text: "load settings" });
  const json = h("textarea", { class: "vbn-qf-json", rows: 6, spellcheck: "false", placeholder: "settings JSON: save fills this box; paste and load applies it", hidden: true });
  const root = h(
    "div",
    { class: "vbn-qf-toolbar" },
    h("div", { class: "vbn-qf-bar" }, h("label", {}, "preset ", preset), count, h("label", { class: "vbn-qf-exportbox" }, "passing unit_ids in ", name), confirmBox, exportNote, save, load),
    json,
  );
  let exported = "";

  const askExport = async (/** @type {boolean} */ confirm) => {
    const wanted = name.value.trim();
    try {
      const reply = await actions.exportTo(wanted, confirm);
      confirmBox.hidden = !reply.needs_confirm;
      exportNote.textContent = reply.needs_confirm ? reply.message : "";
    } catch {
      name.value = exported; // refused: the error line says why
    }
  };
  const onName = () => {
    if (name.value.trim() !== exported) askExport(false);
  };
  const onNameKey = (/** @type {KeyboardEvent} */ e) => {
    if (e.key === "Enter") onName();
  };
  const onYes = () => askExport(true);
  const onNo = () => {
    confirmBox.hidden = true;
    exportNote.textContent = "";
    name.value = exported;
  };
  const onPreset = () => {
    if (preset.value !== CUSTOM) actions.preset(preset.value);
  };
  const onSave = async () => {
    json.hidden = false;
    json.value = await actions.save().catch(() => json.value);
    json.select();
  };
  const onLoad = () => {
    if (json.hidden || !json.value.trim()) {
      json.hidden = false;
      json.focus();
      return;
    }
    actions.load(json.value).catch(() => {});
  };
  const listeners = /** @type {[EventTarget, string, (e: any) => void][]} */ ([
    [name, "change", onName],
    [name, "keydown", onNameKey],
    [yes, "click", onYes],
    [no, "click", onNo],
    [preset, "change", onPreset],
    [save, "click", onSave],
    [load, "click", onLoad],
  ]);
  for (const [t, type, fn] of listeners) t.addEventListener(type, fn);

  return {
    root,
    count,
    /** @param {{ preset: string, passing: number, total: number, exportTo: string | null }} s */
    update(s) {
      preset.value = presets.includes(s.preset) ? s.preset : CUSTOM;
      count.textContent = `${s.passing.toLocaleString("en-US")} of ${s.total.toLocaleString("en-US")} units pass`;
      exported = s.exportTo ?? "";
      if (name.ownerDocument.activeElement !== name && confirmBox.hidden) name.value = exported;
    },
    dispose() {
      for (const [t, type, fn] of listeners) t.removeEventListener(type, fn);
    },
  };
}
