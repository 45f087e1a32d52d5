// QualityFilter front end. Traits are read-only here; every user action is a request
// (lib/envelope.js) that Python validates and answers; the view follows the traits. While a
// threshold change is in flight its row shows the value the user chose (never a rounded echo).
/** @import { AnyModel, RenderProps } from "@anywidget/types" */
/** @import { Binned, Choices, Criterion, MetricInfo, Settings, Summary } from "./protocol.js" */
/** @import { CriterionChange } from "./metric_row.js" */
/**
 * Synced state; mirrors the sync=True traits of vbn_widgets.quality_filter.QualityFilter.
 * @typedef {object} Model
 * @property {MetricInfo[]} metric_info
 * @property {Binned} binned
 * @property {Settings} spec
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
import { createEnvelope } from "../lib/envelope.js";
import { throttle } from "../lib/timing.js";
import { metricCounts, smooth } from "./density.js";
import { createMetricRow } from "./metric_row.js";
import { createPicker } from "./picker.js";
import { span } from "./scale.js";
import { summaryTables } from "./tables.js";
import { createToolbar } from "./toolbar.js";

/** Plot width when layout is unknown (jsdom, a hidden output). */
const FALLBACK_WIDTH = 480;
/** Requests per second at most while a handle is dragged. */
const DRAG_MS = 50;

/** @param {Pick<RenderProps<Model>, "model" | "el">} props */
function render({ model, el }) {
  const teardown = createTeardown();
  const env = createEnvelope(/** @type {AnyModel<Model>} */ (model));
  teardown.add(() => env.dispose());
  el.classList.add("vbn-quality-filter", "vbn-controls");
  let localError = "";
  const error = h("div", { class: "vbn-qf-error", role: "alert" });
  const showError = () => {
    error.textContent = localError || model.get("error") || "";
    error.hidden = !error.textContent;
  };
  /** Send a request; a refusal shows through the `error` trait (a timeout locally). */
  const send = (/** @type {string} */ kind, /** @type {Record<string, unknown>} */ fields = {}) => {
    const pending = env.request(kind, fields);
    pending.then(
      () => {
        localError = "";
        showError();
      },
      (/** @type {any} */ err) => {
        if (err?.code === "timeout") {
          localError = err.message;
          showError();
        }
      },
    );
    return pending;
  };

  const infos = model.get("metric_info") ?? [];
  const names = infos.map((m) => m.name);
  /** @type {Map<number, { criterion: Criterion, seq: number }>} */
  const local = new Map();
  let seq = 0;
  /** @type {{ index: number, y: Float64Array }[][]} */
  let curves = [];
  /** @type {number[]} */
  let missing = [];

  const specOf = (/** @type {number} */ i) =>
    (model.get("spec")?.criteria ?? []).find((c) => c.metric === names[i]) ??
    /** @type {Criterion} */ ({ metric: names[i], keep: "above", threshold: infos[i].axis.lo, inclusive: false, active: false, missing: "fail" });

  const throttles = infos.map((_, i) =>
    throttle((/** @type {CriterionChange} */ change, /** @type {number} */ mark) => request(i, change, mark), DRAG_MS),
  );
  teardown.add(() => throttles.forEach((t) => t.cancel()));

  /** @param {number} i @param {CriterionChange} change @param {number} mark */
  function request(i, change, mark) {
    const settle = () => {
      if (local.get(i)?.seq === mark) {
        local.delete(i);
        drawRow(i);
      }
    };
    send("set-criterion", { metric: names[i], ...change }).then(settle, settle);
  }
  /** @param {number} i @param {CriterionChange} change @param {boolean} final */
  function change(i, change, final) {
    const base = local.get(i)?.criterion ?? specOf(i);
    seq += 1;
    local.set(i, { criterion: { ...base, ...change }, seq });
    drawRow(i);
    if (final) {
      throttles[i].cancel();
      request(i, change, seq);
    } else throttles[i].call(change, seq);
  }

  const rows = infos.map((info, i) =>
    createMetricRow(info, i, {
      onChange: (c, final) => change(i, c, final),
      onInvalid: (message) => {
        localError = message;
        showError();
      },
    }),
  );
  teardown.add(() => rows.forEach((r) => r.dispose()));
  const plotWidth = () => {
    const box = rows[0]?.root.querySelector(".vbn-qf-plotbox");
    return box && box.clientWidth > 0 ? box.clientWidth : FALLBACK_WIDTH;
  };
  /** @param {number} i */
  function drawRow(i) {
    const pending = local.get(i);
    // While a change is in flight the count belongs to the old rule: show none.
    const kept = pending ? null : model.get("summary")?.kept?.[i];
    rows[i].update({
      criterion: pending?.criterion ?? specOf(i),
      curves: curves[i] ?? [],
      kept: kept ?? null,
      missing: missing[i] ?? 0,
      total: model.get("total_count") ?? 0,
      width: plotWidth(),
    });
  }
  const drawRows = () => rows.forEach((_, i) => drawRow(i));

  function computeCurves() {
    const binned = model.get("binned");
    curves = infos.map((info, i) => {
      const counts = metricCounts(binned, i);
      const [a, b] = span(info.axis);
      return (counts?.groups ?? []).flatMap((g) => {
        const y = smooth(g.counts, b - a);
        return y ? [{ index: g.index, y }] : [];
      });
    });
    missing = infos.map((_, i) => metricCounts(binned, i)?.missing ?? 0);
    legend.replaceChildren(
      ...(binned?.groups ?? []).map((g, i) => h("span", { class: "vbn-qf-legenditem" }, h("span", { class: `vbn-qf-swatch vbn-qf-g${i}` }), g)),
    );
  }

  const toolbar = createToolbar(model.get("presets") ?? [], {
    preset: (name) => void send("apply-preset", { name }).catch(() => {}),
    exportTo: (name, confirm) => send("set-export", { name, confirm }).then((r) => /** @type {any} */ (r.content)),
    save: () => send("settings-json").then((r) => String(r.content.text)),
    load: (text) => send("load-settings", { text }).then(() => {}),
  });
  teardown.add(() => toolbar.dispose());
  const choices = model.get("choices") ?? { sessions: [], areas: [], good_label: false };
  const restrict = (/** @type {Record<string, unknown>} */ fields) => void send("set-restriction", fields).catch(() => {});
  const sessions = createPicker({ label: "sessions", options: choices.sessions, onChange: (v) => restrict({ sessions: v }) });
  const areas = createPicker({ label: "areas", options: choices.areas, onChange: (v) => restrict({ areas: v }) });
  const good = h("input", { type: "checkbox", class: "vbn-qf-good", disabled: !choices.good_label });
  const onGood = () => restrict({ good_label_only: good.checked });
  teardown.listen(good, "change", onGood);
  teardown.add(() => {
    sessions.dispose();
    areas.dispose();
  });
  const legend = h("div", { class: "vbn-qf-legend" });
  const tables = h("div", { class: "vbn-qf-tables" });
  const restriction = h(
    "details",
    { class: "vbn-qf-restriction" },
    h("summary", { text: "restrict the units considered (sessions, areas, label)" }),
    h("div", { class: "vbn-qf-pickers" }, sessions.root, areas.root),
    h("label", { class: "vbn-qf-goodbox" }, good, ' quality == "good" only'),
  );
  const note = h("div", {
    class: "vbn-qf-note",
    text: 'A unit whose metric is NaN fails an active criterion unless its row says "NaN passes". Arrow keys and drags move thresholds on round values; type any value in the box.',
  });
  el.replaceChildren(toolbar.root, restriction, error, legend, h("div", { class: "vbn-qf-rows" }, ...rows.map((r) => r.root)), note, h("details", { class: "vbn-qf-counts-box", open: true }, h("summary", { text: "counts" }), tables));

  function showState() {
    const spec = model.get("spec");
    toolbar.update({ preset: spec?.preset ?? "custom", passing: model.get("passing_count") ?? 0, total: model.get("total_count") ?? 0, exportTo: model.get("export_to") });
    sessions.update(spec?.sessions ?? null);
    areas.update(spec?.areas ?? null);
    good.checked = Boolean(spec?.good_label_only);
    const summary = model.get("summary");
    if (summary?.attrition) tables.replaceChildren(...summaryTables(summary));
    drawRows();
  }
  teardown.watch(model, ["change:binned"], () => {
    computeCurves();
    drawRows();
  });
  teardown.watch(model, ["change:spec", "change:summary", "change:passing_count", "change:total_count", "change:export_to"], showState);
  teardown.watch(model, ["change:error"], showError);
  if (typeof ResizeObserver === "function") {
    const observer = new ResizeObserver(() => drawRows());
    observer.observe(el);
    teardown.add(() => observer.disconnect());
  }
  computeCurves();
  showState();
  showError();
  return () => teardown.dispose();
}

export default { render };
