// QualityFilter front end. Traits are read-only here; every user action is a request
// (lib/envelope.js) that Python validates; the view follows the traits.
/** @import { RenderProps } from "@anywidget/types" */
/** @import { Binned, Choices, MetricInfo, SettingsJSON, Summary } from "./protocol.js" */
/**
 * Synced state; mirrors the sync=True traits of vbn_widgets.quality_filter.QualityFilter.
 * @typedef {object} Model
 * @property {MetricInfo[]} metric_info
 * @property {Binned} binned
 * @property {SettingsJSON} spec
 * @property {Summary} summary
 * @property {Choices} choices
 * @property {string[]} presets
 * @property {string | null} export_to
 * @property {number} passing_count
 * @property {number} total_count
 * @property {number} revision
 * @property {string} error
 */

import "../lib/controls.css";
import "./quality_filter.css";
import { createTeardown, h } from "../lib/dom.js";

/** @param {Pick<RenderProps<Model>, "model" | "el">} props */
function render({ model, el }) {
  const teardown = createTeardown();
  el.classList.add("vbn-quality-filter", "vbn-controls");
  const count = h("div", { class: "vbn-qf-count" });
  const error = h("div", { class: "vbn-qf-error", role: "alert" });
  el.replaceChildren(count, error);
  const show = () => {
    count.textContent = `${model.get("passing_count").toLocaleString("en-US")} of ${model.get("total_count").toLocaleString("en-US")} units pass`;
    error.textContent = model.get("error");
    error.hidden = !error.textContent;
  };
  teardown.watch(model, ["change:passing_count", "change:total_count", "change:error"], show);
  show();
  return () => teardown.dispose();
}

export default { render };
