// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFilterPanel } from "../../src/table_explorer/filter_panel.js";

/** @import { ColumnKind, Filter, Summary } from "../../src/table_explorer/protocol.js" */

/**
 * @param {ColumnKind} kind
 * @param {Filter} [filter]
 */
function open(kind, filter) {
  const onSubmit = vi.fn();
  const onClose = vi.fn();
  const panel = createFilterPanel({ column: { name: "c", kind, dtype: "x", index: false }, filter, onSubmit, onClose });
  document.body.append(panel.el);
  /** @param {string} selector */
  const q = (selector) => /** @type {HTMLInputElement} */ (panel.el.querySelector(selector));
  /** @param {string} selector @param {string | boolean} value */
  const change = (selector, value) => {
    const node = q(selector);
    if (typeof value === "boolean") node.checked = value;
    else node.value = value;
    node.dispatchEvent(new Event("change", { bubbles: true }));
  };
  return { panel, onSubmit, onClose, q, change };
}

/** @param {unknown[]} values @param {number[]} counts */
const values = (values, counts) =>
  /** @type {Summary} */ ({ column: "c", type: "values", values, counts: Int32Array.from(counts), totals: Int32Array.from(counts), missing: 2, missing_total: 5, more: 0 });

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe("filter panel", () => {
  it("list: chips, any/all mode, remove a chip", () => {
    const { panel, onSubmit, q } = open("list");
    panel.setSummary(values(["VISp", "CA1", "LP"], [5, 3, 0]));
    expect(panel.el.querySelectorAll(".vbn-te-zero")).toHaveLength(1);
    for (const i of [0, 1]) {
      const box = /** @type {HTMLInputElement} */ (panel.el.querySelectorAll('input[data-role="value"]')[i]);
      box.checked = true;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
    expect(onSubmit).toHaveBeenLastCalledWith({ column: "c", kind: "list", values: ["VISp", "CA1"], mode: "any", missing: "exclude" });
    q('[data-mode="all"]').click();
    expect(onSubmit).toHaveBeenLastCalledWith(expect.objectContaining({ mode: "all" }));
    expect([...panel.el.querySelectorAll(".vbn-te-chip")].map((c) => c.firstChild?.textContent)).toEqual(["VISp", "CA1"]);
    q('[data-role="chip"][data-i="0"]').click();
    expect(onSubmit).toHaveBeenLastCalledWith(expect.objectContaining({ values: ["CA1"], mode: "all" }));
  });

  it("values: search narrows the list without sending; missing toggle qualifies the filter", () => {
    const { panel, onSubmit, q, change } = open("category", { column: "c", kind: "values", values: ["gone"], missing: "exclude" });
    panel.setSummary(values(["VISp", "VISl", "CA1"], [5, 3, 1]));
    // A chosen value the summary no longer lists is still shown (checked, at the top).
    const labels = () => [...panel.el.querySelectorAll(".vbn-te-value-text")].map((n) => n.textContent);
    expect(labels()).toEqual(["gone", "VISp", "VISl", "CA1"]);
    const search = q('input[data-role="search"]');
    search.value = "vis";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    expect(labels()).toEqual(["VISp", "VISl"]);
    expect(onSubmit).not.toHaveBeenCalled();
    change('input[data-role="missing"]', true);
    expect(onSubmit).toHaveBeenLastCalledWith({ column: "c", kind: "values", values: ["gone"], missing: "include" });
    expect(panel.el.textContent).toContain("(2)");
  });

  it("bool: any/true/false radios with counts", () => {
    const { panel, onSubmit, change } = open("bool");
    panel.setSummary(values([true, false], [7, 3]));
    expect(panel.el.textContent).toContain("true7");
    change('input[data-value="false"]', true);
    expect(onSubmit).toHaveBeenLastCalledWith({ column: "c", kind: "bool", value: false, missing: "exclude" });
    change('input[data-value="null"]', true);
    expect(onSubmit).toHaveBeenLastCalledWith(null);
  });

  it("date: typed bounds are validated, sent as ISO strings, and cleared", () => {
    const { panel, onSubmit, q, change } = open("date");
    change('input[data-role="min"]', "2020-01-01");
    expect(onSubmit).toHaveBeenLastCalledWith({ column: "c", kind: "date", start: "2020-01-01", end: null, missing: "exclude" });
    change('input[data-role="max"]', "2019-01-01");
    expect(onSubmit).toHaveBeenCalledTimes(1);
    expect(panel.el.querySelector(".vbn-te-panel-error")?.textContent).toMatch(/before/);
    q('[data-role="clear"]').click();
    expect(onSubmit).toHaveBeenLastCalledWith(null);
    expect(q('input[data-role="min"]').value).toBe("");
    expect(panel.el.querySelector(".vbn-te-panel-error")?.textContent).toBe("");
  });

  it("text: regex toggle sends at once; typing is debounced; flush sends what is pending", () => {
    vi.useFakeTimers();
    const { panel, onSubmit, q, change } = open("text");
    const pattern = q('input[data-role="pattern"]');
    pattern.value = "ab";
    pattern.dispatchEvent(new Event("input", { bubbles: true }));
    expect(onSubmit).not.toHaveBeenCalled();
    panel.flush();
    expect(onSubmit).toHaveBeenLastCalledWith({ column: "c", kind: "text", pattern: "ab", regex: false, case_sensitive: false, missing: "exclude" });
    change('input[data-role="regex"]', true);
    expect(onSubmit).toHaveBeenLastCalledWith(expect.objectContaining({ regex: true }));
    pattern.value = "(";
    pattern.dispatchEvent(new Event("input", { bubbles: true }));
    vi.advanceTimersByTime(300);
    expect(onSubmit).toHaveBeenCalledTimes(3); // the kernel checks the regex, not the browser
    expect(onSubmit).toHaveBeenLastCalledWith(expect.objectContaining({ pattern: "(", regex: true }));
  });

  it("shows the kernel's refusal in the panel that sent it; the kernel kept its filter", async () => {
    const refusal = Object.assign(new Error("filter on column 'c', field 'pattern': invalid regular expression '(': missing ): ("), { code: "error" });
    const { panel, onSubmit, change } = open("text");
    onSubmit.mockReturnValueOnce(Promise.resolve()).mockReturnValueOnce(Promise.reject(refusal));
    change('input[data-role="regex"]', true);
    change('input[data-role="pattern"]', "a");
    change('input[data-role="pattern"]', "(");
    const error = () => panel.el.querySelector(".vbn-te-panel-error")?.textContent;
    await vi.waitFor(() => expect(error()).toMatch(/missing \)/));
    change('input[data-role="pattern"]', "b");
    expect(onSubmit).toHaveBeenLastCalledWith(expect.objectContaining({ pattern: "b" }));
    expect(error()).toBe("");
    change('input[data-role="pattern"]', "a"); // what the kernel has after "b": sent again
    expect(onSubmit).toHaveBeenCalledTimes(4);
  });

  it("a checkbox clicked right after typing a search keeps its click (no rebuild on change)", () => {
    const { panel, onSubmit, q } = open("category");
    panel.setSummary(values(["VISp", "VISl", "CA1"], [5, 3, 1]));
    const search = q('input[data-role="search"]');
    search.value = "visl";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    const [box] = /** @type {HTMLInputElement[]} */ ([...panel.el.querySelectorAll('input[data-role="value"]')]);
    // The press on the checkbox blurs the search box first: its change event fires between the
    // checkbox's mousedown and mouseup. The box must still be the one in the list afterwards.
    search.dispatchEvent(new Event("change", { bubbles: true }));
    panel.setSummary(values(["VISp", "VISl", "CA1"], [4, 3, 1])); // a summary reply, same moment
    expect(box.isConnected).toBe(true);
    box.click();
    expect(onSubmit).toHaveBeenLastCalledWith({ column: "c", kind: "values", values: ["VISl"], missing: "exclude" });
  });

  it("follows the filters trait unless the user has a send pending; close and destroy", () => {
    vi.useFakeTimers();
    const { panel, onClose, q } = open("number");
    panel.setFilter({ column: "c", kind: "range", min: 1, max: 2, min_inclusive: false, max_inclusive: true, missing: "exclude" });
    expect([q('input[data-role="min"]').value, q('input[data-role="max"]').value]).toEqual(["1", "2"]);
    expect(q('input[data-role="min-incl"]').checked).toBe(false);
    const min = q('input[data-role="min"]');
    min.value = "1.5";
    min.dispatchEvent(new Event("input", { bubbles: true }));
    panel.setFilter(undefined); // arrives while typing: ignored
    expect(min.value).toBe("1.5");
    q('[data-role="close"]').click();
    expect(onClose).toHaveBeenCalled();
    panel.destroy();
    vi.advanceTimersByTime(1000);
    expect(document.body.contains(panel.el)).toBe(false);
  });
});
