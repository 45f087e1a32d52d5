// @vitest-environment jsdom
import { expect, it } from "vitest";
import { createPicker, matching, SHOWN } from "../../src/quality_filter/picker.js";

const options = Array.from({ length: 1000 }, (_, i) => ({ value: 1040000000 + i, label: `${1040000000 + i} · ${i % 6} probes`, count: i }));

it("matches every word of the search, case-insensitively", () => {
  expect(matching(options, "")).toBe(options);
  expect(matching(options, "104000001")).toHaveLength(10); // 1040000010 .. 1040000019
  expect(matching(options, "  5 PROBES 10400009 ").map((o) => o.value)).toEqual(
    options.filter((o) => ["5", "probes", "10400009"].every((w) => o.label.includes(w))).map((o) => o.value),
  );
  expect(matching([{ value: "<b>", label: "<b> · other", count: 1 }], "<B>")).toHaveLength(1);
});

it("shows at most SHOWN matches, asks for changes and shows what it is given", () => {
  /** @type {(number[] | null)[]} */
  const asked = [];
  const picker = createPicker({ label: "sessions", options, onChange: (v) => asked.push(v) });
  expect(picker.root.querySelectorAll(".vbn-qf-option")).toHaveLength(SHOWN);
  expect(picker.root.querySelector(".vbn-qf-more")?.textContent).toBe(`${1000 - SHOWN} more: refine the search`);
  picker.search.value = "1040000999";
  picker.search.dispatchEvent(new Event("input"));
  const box = /** @type {HTMLInputElement} */ (picker.root.querySelector(".vbn-qf-option input"));
  box.checked = true;
  box.dispatchEvent(new Event("change", { bubbles: true }));
  expect(asked).toEqual([[1040000999]]);
  picker.update([1040000999, 1040000001]);
  expect([...picker.root.querySelectorAll(".vbn-qf-chip")].map((c) => c.textContent)).toEqual([
    "1040000001 · 1 probes ×",
    "1040000999 · 3 probes ×",
  ]);
  /** @type {HTMLElement} */ (picker.root.querySelector(".vbn-qf-chip")).click();
  expect(asked.at(-1)).toEqual([1040000999]);
  /** @type {HTMLButtonElement} */ (picker.root.querySelector(".vbn-qf-clear")).click();
  expect(asked.at(-1)).toBeNull();
  picker.dispose();
});
