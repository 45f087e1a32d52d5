// A searchable multi-select (sessions, areas): a search box filtering the options by substring,
// checkboxes for the matches (at most SHOWN at a time), the chosen ones as removable chips.
// The picker never changes its own selection: it asks (onChange) and shows what it is given.
import { h } from "../lib/dom.js";

/** @template {string | number} V @typedef {{ value: V, label: string, count: number }} Option */

export const SHOWN = 200;

/**
 * Options whose label contains every word of the query (case-insensitive), in order.
 * @template {string | number} V
 * @param {Option<V>[]} options
 * @param {string} query
 */
export function matching(options, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return options;
  return options.filter((o) => {
    const label = o.label.toLowerCase();
    return words.every((w) => label.includes(w));
  });
}

/**
 * @template {string | number} V
 * @param {{ label: string, options: Option<V>[], onChange: (values: V[] | null) => void }} props
 */
export function createPicker({ label, options, onChange }) {
  const search = h("input", { type: "search", class: "vbn-qf-search", placeholder: `search ${options.length} ${label}`, "aria-label": `search ${label}` });
  const clear = h("button", { type: "button", class: "vbn-qf-clear", text: "all" });
  const chips = h("div", { class: "vbn-qf-chips" });
  const list = h("div", { class: "vbn-qf-options", role: "group", "aria-label": label });
  const more = h("div", { class: "vbn-qf-more" });
  const root = h("div", { class: "vbn-qf-picker" }, h("div", { class: "vbn-qf-pickerhead" }, h("b", { text: label }), search, clear), chips, list, more);
  /** @type {Set<V>} */
  let chosen = new Set();
  const byKey = new Map(options.map((o, i) => [String(i), o]));
  const keyOf = new Map(options.map((o, i) => [o, String(i)]));

  const ask = (/** @type {Set<V>} */ next) => onChange(next.size ? options.map((o) => o.value).filter((v) => next.has(v)) : null);

  function renderList() {
    const found = matching(options, search.value);
    const rows = found.slice(0, SHOWN).map((o) => {
      const box = h("input", { type: "checkbox", "data-key": keyOf.get(o) });
      box.checked = chosen.has(o.value);
      return h("label", { class: "vbn-qf-option" }, box, h("span", { text: o.label }), h("span", { class: "vbn-qf-n", text: o.count.toLocaleString("en-US") }));
    });
    list.replaceChildren(...rows);
    more.textContent = found.length > SHOWN ? `${found.length - SHOWN} more: refine the search` : found.length ? "" : "no match";
  }
  function renderChips() {
    const picked = options.filter((o) => chosen.has(o.value));
    chips.replaceChildren(
      ...(picked.length
        ? picked.map((o) => h("button", { type: "button", class: "vbn-qf-chip", "data-key": keyOf.get(o), title: `remove ${o.label}`, text: `${o.label} ×` }))
        : [h("span", { class: "vbn-qf-all", text: `all ${label}` })]),
    );
    clear.disabled = picked.length === 0;
  }

  const onInput = () => renderList();
  const onToggle = (/** @type {Event} */ event) => {
    const box = /** @type {HTMLInputElement} */ (event.target);
    const option = byKey.get(box.dataset.key ?? "");
    if (!option) return;
    const next = new Set(chosen);
    if (box.checked) next.add(option.value);
    else next.delete(option.value);
    box.checked = chosen.has(option.value); // shown as chosen once Python says so
    ask(next);
  };
  const onChip = (/** @type {Event} */ event) => {
    const chip = /** @type {HTMLElement} */ (event.target).closest("[data-key]");
    const option = chip ? byKey.get(/** @type {HTMLElement} */ (chip).dataset.key ?? "") : undefined;
    if (!option) return;
    const next = new Set(chosen);
    next.delete(option.value);
    ask(next);
  };
  const onClear = () => onChange(null);
  search.addEventListener("input", onInput);
  list.addEventListener("change", onToggle);
  chips.addEventListener("click", onChip);
  clear.addEventListener("click", onClear);
  renderList();
  renderChips();

  return {
    root,
    search,
    /** @param {V[] | null} values the restriction in force */
    update(values) {
      chosen = new Set(values ?? []);
      renderChips();
      for (const box of list.querySelectorAll("input[data-key]")) {
        const option = byKey.get(/** @type {HTMLInputElement} */ (box).dataset.key ?? "");
        if (option) /** @type {HTMLInputElement} */ (box).checked = chosen.has(option.value);
      }
    },
    dispose() {
      search.removeEventListener("input", onInput);
      list.removeEventListener("change", onToggle);
      chips.removeEventListener("click", onChip);
      clear.removeEventListener("click", onClear);
    },
  };
}
