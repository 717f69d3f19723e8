// The explorer page: one self-contained HTML document (styles, the Vega libraries and the
// application inline; the only requests it makes are to the explorer's own /api/dose).
#include <fstream>
#include <iterator>
#include <sstream>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/paths.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/policy.hpp"
#include "ldnsim/report/html.hpp"
#include "ldnsim/server/explorer.hpp"
#include "ldnsim/server/json_output.hpp"

namespace ldnsim::server {

namespace {



std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

constexpr const char* kHead = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="@CSP@">
<meta name="color-scheme" content="light">
<meta name="generator" content="ldnsim @VERSION@">
<title>ldnsim explorer: low-dose naltrexone over 24 hours</title>
<style>
:root {
  --fg: #1c2230; --muted: #586174; --rule: #d8dce4; --accent: #1f5fa8; --panel: #f6f7f9;
  --warning: #b42318; --warning-bg: #fdeceb; --caution: #8a5a00; --caution-line: #d99a00; --caution-bg: #fff6df;
}
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--fg); font-size: 16px; line-height: 1.5;
       font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', 'Liberation Sans', sans-serif; }
main { max-width: 74rem; margin: 0 auto; padding: 1.6rem 1.25rem 3rem; }
h1 { font-size: 1.7rem; line-height: 1.2; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 0 0 .6rem; }
.subtitle { color: var(--muted); margin: 0 0 1.2rem; }
.layout { display: grid; grid-template-columns: 21rem 1fr; gap: 1.5rem; align-items: start; }
@media (max-width: 62rem) { .layout { grid-template-columns: 1fr; } }
.controls { position: sticky; top: 1rem; background: var(--panel); border: 1px solid var(--rule); border-radius: 8px; padding: 1rem 1.1rem; }
.control { margin: 0 0 1.1rem; }
.control > label, .control legend { display: block; font-weight: 600; margin-bottom: .3rem; }
.control .hint { color: var(--muted); font-size: .85rem; margin: .25rem 0 0; }
input[type=range] { width: 100%; accent-color: var(--accent); }
.row { display: flex; gap: .5rem; align-items: center; }
input[type=number], select { font: inherit; padding: .25rem .4rem; border: 1px solid #a9b0bc; border-radius: 4px; background: #fff; }
input[type=number] { width: 6.5rem; }
.readout { font-variant-numeric: tabular-nums; font-size: 1.25rem; font-weight: 600; }
.presets { display: flex; flex-wrap: wrap; gap: .35rem; margin-top: .45rem; }
.presets button { font: inherit; font-size: .85rem; padding: .15rem .55rem; border: 1px solid #a9b0bc; border-radius: 999px; background: #fff; cursor: pointer; }
.presets button:hover { border-color: var(--accent); color: var(--accent); }
fieldset { border: 0; padding: 0; margin: 0 0 1.1rem; }
fieldset label { display: block; font-weight: normal; margin: .1rem 0; }
#status { font-size: .88rem; color: var(--muted); min-height: 1.3rem; margin: .4rem 0 0; }
#status.busy::before { content: "computing… "; }
#error { display: none; border: 1px solid var(--warning); border-left-width: 5px; background: var(--warning-bg); color: var(--warning);
         border-radius: 4px; padding: .5rem .75rem; font-size: .92rem; margin: .6rem 0 0; }
#error.shown { display: block; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(11.5rem, 1fr)); gap: .6rem; margin: 0 0 1rem; }
.figure { border: 1px solid var(--rule); border-radius: 6px; padding: .5rem .7rem .55rem; background: #fff; }
.figure .label { font-size: .85rem; color: var(--muted); }
.figure .value { font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.figure .unit { color: var(--muted); margin-left: .2rem; }
.figure .more { font-size: .8rem; color: var(--muted); font-variant-numeric: tabular-nums; min-height: 1.1rem; }
.basis { font-size: .68rem; font-weight: 700; letter-spacing: .05em; border-radius: 3px; padding: 0 .3rem; margin-left: .3rem; vertical-align: middle; }
.basis-PK, .basis-MOR { background: #edf3fb; color: var(--accent); }
.basis-ASSUMED { background: var(--caution-bg); color: var(--caution); }
.group-title { font-size: .8rem; font-weight: 700; letter-spacing: .07em; text-transform: uppercase; color: var(--muted); margin: 1rem 0 .4rem; }
.summary-line { margin: .2rem 0 1rem; }
.callout { border: 1px solid var(--caution-line); border-left-width: 5px; background: var(--caution-bg); border-radius: 4px; padding: .55rem .85rem; margin: .8rem 0; font-size: .92rem; }
.callout strong { color: var(--caution); }
figure { margin: 1.1rem 0 1.4rem; }
.chart { min-height: 240px; }
figure + .callout { margin-top: -.2rem; }
.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .88rem; }
details { margin: 1rem 0; font-size: .92rem; }
details li { margin: .2rem 0; }
footer { margin-top: 2rem; padding-top: .8rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: .82rem; }
code { font-size: .9em; }
</style>
</head>
<body>
<main>
<header>
<h1>LDN explorer: one day on low-dose naltrexone</h1>
<p class="subtitle">The 24-hour cycle at steady state for a typical patient (model <code>@MODEL@</code>), computed by ldnsim as you move the controls. A research model, not medical advice.</p>
</header>
<div class="layout">
<form class="controls" id="controls" autocomplete="off" onsubmit="return false">
  <div class="control">
    <label for="dose-slider">Nightly dose</label>
    <div class="row"><input type="range" id="dose-slider" min="0.5" max="16" step="0.25" value="4.5" aria-describedby="dose-hint"></div>
    <div class="row"><input type="number" id="dose-input" min="0.1" max="@MAX_DOSE_MG@" step="any" value="4.5" aria-label="dose in mg"> <span>mg</span></div>
    <div class="presets" id="presets">
      <button type="button" data-mg="1.5">1.5 mg</button><button type="button" data-mg="3">3 mg</button><button type="button" data-mg="4.5">4.5 mg</button><button type="button" data-mg="50">50 mg (standard naltrexone)</button>
    </div>
    <p class="hint" id="dose-hint">The slider covers 0.5–16 mg; type any dose up to @MAX_DOSE_MG@ mg in the box.</p>
  </div>
  <div class="control">
    <label for="time-slider">Time of the dose</label>
    <div class="row"><input type="range" id="time-slider" min="0" max="1425" step="15" value="1320"><span class="readout" id="time-label">22:00</span></div>
    <p class="hint">Bedtime is usual; the model has no body clock, so the time only shifts the cycle.</p>
  </div>
  <fieldset class="control">
    <legend>The mg on the label are</legend>
    <label><input type="radio" name="form" value="hcl" checked> naltrexone HCl (tablets, compounded LDN)</label>
    <label><input type="radio" name="form" value="base"> naltrexone base (×1/0.904 the HCl dose)</label>
  </fieldset>
  <div class="control">
    <label for="missed">Missed doses</label>
    <select id="missed">
      <option value="0" selected>none: the steady-state cycle</option>
      <option value="1">1: the day after a missed dose</option>
      <option value="2">2 in a row: the second day without</option>
      <option value="3">3 in a row: the third day without</option>
    </select>
  </div>
  <p id="status" role="status" aria-live="polite"></p>
  <p id="error" role="alert"></p>
</form>
<section aria-label="Results">
  <p class="summary-line" id="summary"></p>
  <div id="figures"></div>
  <div class="callout" id="missed-note" hidden></div>
  <figure><div id="chart-1" class="chart" aria-label="plasma concentrations"></div>
  <figcaption>Plasma naltrexone and its main metabolite 6β-naltrexol over the day (ng/mL).</figcaption></figure>
  <figure><div id="chart-2" class="chart" aria-label="MOR occupancy"></div>
  <figcaption>Share of brain mu-opioid receptors (MOR) blocked; dashed lines at 50% and 90%.</figcaption></figure>
  <div class="callout"><strong>Assumed mechanism.</strong> The opioid growth factor (OGF) rebound and the lymphocyte proliferation below rest on assumptions with no human data; see <code>ldnsim sensitivity</code>.</div>
  <figure><div id="chart-3" class="chart" aria-label="OGF signalling"></div>
  <figcaption>Signalling of the opioid growth factor (OGF) through its receptor, relative to an untreated baseline (1 = no change).</figcaption></figure>
  <figure><div id="chart-4" class="chart" aria-label="lymphocyte proliferation"></div>
  <figcaption>T- and B-cell proliferation relative to an untreated baseline (1 = no change). The T-cell curve is drawn wide under the B-cell curve: with the model's typical values they coincide.</figcaption></figure>
  <details id="evidence"><summary>What these numbers rest on</summary><ul id="evidence-list"></ul></details>
</section>
</div>
<footer>ldnsim @VERSION@ · served from this computer; the page makes no request beyond it. The same numbers as <code>ldnsim dose DOSE --at HH:MM --json</code>; API: <code>/api/dose?mg=4.5&amp;at=22:00&amp;form=hcl&amp;missed=0</code>.</footer>
</main>
)html";

constexpr const char* kApp = R"js(
(function () {
  "use strict";
  var FONTS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', 'Liberation Sans', sans-serif";
  var SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
  var GROUPS = [
    ["Plasma", [["cmax_ntx", "Naltrexone peak", "cmax_ntx_nm"], ["trough_ntx", "Naltrexone trough", "trough_ntx_nm"],
                ["cmax_nol", "6β-naltrexol peak", "cmax_nol_nm"], ["trough_nol", "6β-naltrexol trough", "trough_nol_nm"]]],
    ["Receptor blockade (MOR)", [["occ_peak", "Occupancy peak"], ["occ_trough", "Occupancy trough"],
                ["hours50", "Hours/day ≥ 50% blocked"], ["hours90", "Hours/day ≥ 90% blocked"]]],
    ["Rebound and lymphocytes (assumed)", [["rebound_hours", "Hours/day OGF signal above baseline"],
                ["signal_mean", "OGF signal, daily mean"], ["t_change", "T-cell proliferation"], ["b_change", "B-cell proliferation"]]]
  ];
  var SIGNED = { t_change: true, b_change: true };
  var views = {};
  var explorer = { views: views, renders: 0, requests: 0, last: null, query: null, error: null, ready: null };
  var firstRender;
  var readyPromise = new Promise(function (resolve) { firstRender = resolve; });
  explorer.ready = readyPromise;
  window.ldnsimExplorer = explorer;
  // The same interface as ldnsim's HTML reports, for the generic browser checker.
  window.ldnsimReport = { views: views, ready: readyPromise };

  var $ = function (id) { return document.getElementById(id); };
  var doseSlider = $("dose-slider"), doseInput = $("dose-input"), timeSlider = $("time-slider");
  var missedSelect = $("missed");

  // As ldnsim dose prints them.
  function fmt(v) {
    if (!isFinite(v)) return "n/a";
    var a = Math.abs(v);
    if (a !== 0 && a < 0.01) return v.toExponential(2).replace(/e([+-])(\d)$/, "e$10$2");
    if (a < 10) return String(Number(v.toPrecision(3)));
    return v.toFixed(1);
  }
  function clock(minutes) {
    var h = Math.floor(minutes / 60), m = minutes % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }
  function form() { return document.querySelector("input[name=form]:checked").value; }

  // ---- state <-> controls <-> address bar ----
  function readAddress() {
    var p = new URLSearchParams(window.location.search);
    var mg = Number(p.get("mg"));
    if (p.has("mg") && mg >= 0.001 && mg <= @MAX_DOSE_MG@) setDose(mg);
    var at = /^(\d{1,2}):(\d{2})$/.exec(p.get("at") || "");
    if (at && Number(at[1]) < 24 && Number(at[2]) < 60) setTime(Number(at[1]) * 60 + Number(at[2]));
    if (p.get("form") === "base" || p.get("form") === "hcl")
      document.querySelector("input[name=form][value=" + p.get("form") + "]").checked = true;
    if (/^[0-3]$/.test(p.get("missed") || "")) missedSelect.value = p.get("missed");
  }
  function setDose(mg) {
    doseInput.value = String(mg);
    doseSlider.value = String(Math.min(Number(doseSlider.max), Math.max(Number(doseSlider.min), mg)));
  }
  function setTime(minutes) {
    timeSlider.value = String(minutes);
    $("time-label").textContent = clock(minutes);
  }
  function query() {
    return "mg=" + encodeURIComponent(doseInput.value.trim()) + "&at=" + clock(Number(timeSlider.value)) +
           "&form=" + form() + "&missed=" + missedSelect.value;
  }

  // ---- requests ----
  var timer = null, controller = null, sequence = 0;
  function schedule(delay) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(update, delay);
  }
  function showError(message) {
    explorer.error = message;
    $("error").textContent = message;
    $("error").classList.toggle("shown", !!message);
  }
  function update() {
    timer = null;
    var text = doseInput.value.trim(), mg = Number(text);
    if (text === "" || !isFinite(mg) || mg < 0.001 || mg > @MAX_DOSE_MG@) {
      showError("Dose: expected a number of mg from 0.001 to @MAX_DOSE_MG@ (got '" + text + "').");
      return;
    }
    var q = query(), mine = ++sequence;
    if (controller) controller.abort();
    controller = typeof AbortController === "function" ? new AbortController() : null;
    $("status").classList.add("busy");
    explorer.requests++;
    var started = performance.now();
    return fetch("/api/dose?" + q, { signal: controller ? controller.signal : undefined })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (mine !== sequence) return;
        if (!answer.ok) throw new Error(answer.body.error || "the server refused the request");
        return render(answer.body).then(function () {
          if (mine !== sequence) return;
          showError(null);
          explorer.last = answer.body;
          explorer.query = q;
          explorer.renders++;
          $("status").classList.remove("busy");
          $("status").textContent = "updated in " + Math.round(performance.now() - started) + " ms";
          if (window.history && history.replaceState) history.replaceState(null, "", "?" + q);
          firstRender(true);
        });
      })
      .catch(function (e) {
        if (e && e.name === "AbortError") return;
        if (mine !== sequence) return;
        $("status").classList.remove("busy");
        $("status").textContent = "";
        showError(String(e && e.message || e));
      });
  }

  // ---- figures ----
  function buildFigures() {
    var html = "";
    GROUPS.forEach(function (group) {
      html += '<div class="group-title">' + group[0] + '</div><div class="figures">';
      group[1].forEach(function (f) {
        html += '<div class="figure"><div class="label">' + f[1] + '<span class="basis" data-basis-of="' + f[0] +
                '"></span></div><div><span class="value" data-metric="' + f[0] + '">–</span><span class="unit" data-unit-of="' +
                f[0] + '"></span></div><div class="more" data-more-of="' + f[0] + '"></div></div>';
      });
      html += "</div>";
    });
    $("figures").innerHTML = html;
  }
  // On the cards: three significant digits without exponents (0.000253, not 2.53e-04).
  function card(v) {
    if (!isFinite(v)) return "n/a";
    var a = Math.abs(v);
    if (a !== 0 && a < 0.01) return String(Number(v.toPrecision(3)));
    return fmt(v);
  }
  function showFigures(body) {
    var m = body.results.metrics, ref = body.results.steady_state_reference;
    GROUPS.forEach(function (group) {
      group[1].forEach(function (f) {
        var key = f[0], metric = m[key];
        var value = document.querySelector('[data-metric="' + key + '"]');
        var shown = metric.unit === "%" && SIGNED[key] && metric.value > 0 ? "+" + card(metric.value) : card(metric.value);
        value.textContent = shown;
        value.setAttribute("data-raw", String(metric.value));
        document.querySelector('[data-unit-of="' + key + '"]').textContent = metric.unit === "x" ? "× baseline" : metric.unit;
        var basis = document.querySelector('[data-basis-of="' + key + '"]');
        basis.textContent = metric.basis;
        basis.className = "basis basis-" + metric.basis;
        var more = [];
        if (f[2]) more.push(card(m[f[2]].value) + " nM");
        if (ref) more.push("steady state " + card(ref.metrics[key].value) + (metric.unit === "x" ? "" : " " + metric.unit));
        document.querySelector('[data-more-of="' + key + '"]').textContent = more.join(" · ");
      });
    });
    var i = body.inputs, r = body.results;
    $("summary").textContent = i.mg + " mg " + (i.form === "hcl" ? "naltrexone HCl" : "naltrexone base") + " at " + i.at +
      (i.missed ? ", " + i.missed + " missed" : ", every night") + ". Peaks: naltrexone " + r.peaks.naltrexone +
      ", MOR occupancy " + r.peaks.occupancy + ". Blockade-free window: " + r.blockade_free_window + ".";
    var note = $("missed-note");
    note.hidden = !ref;
    if (ref) note.textContent = "Showing " + r.window.description + ". Dashed lines: the steady-state cycle with every dose taken.";
    $("evidence-list").innerHTML = "";
    body.warnings.concat(body.evidence).forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      $("evidence-list").appendChild(li);
    });
  }

  // ---- charts ----
  var REFERENCE = "steady state";
  function mainLabel(results) { return results.window.steady_state ? "steady state" : "day without a dose"; }
  function rows(results, fields) {
    var out = [];
    function add(cycle, which) {
      fields.forEach(function (f) {
        for (var i = 0; i < cycle.t_h.length; i++)
          out.push({ clock: cycle.clock_h[i], hours: cycle.t_h[i], value: cycle[f[0]][i], series: f[1], day: which,
                     tip: i % 4 === 0 });
      });
    }
    add(results.cycle, mainLabel(results));
    if (results.steady_state_reference) add(results.steady_state_reference.cycle, REFERENCE);
    return out;
  }
  // Clock-time axis: a tick at the dose and every 3 h after it.
  function lineChart(title, yTitle, data, series, colours, options) {
    var start = data.length ? data[0].clock : 0;
    var ticks = [];
    for (var k = 0; k <= 8; k++) ticks.push(start + 3 * k);
    var x = { field: "clock", type: "quantitative", title: "clock time",
              scale: { domain: [start, start + 24], nice: false, zero: false },
              axis: { values: ticks, grid: true,
                      labelExpr: "format(floor(datum.value % 24), '02d') + ':' + format(round((datum.value % 1) * 60), '02d')" } };
    var y = { field: "value", type: "quantitative", title: yTitle, scale: options.yScale || { zero: true } };
    var color = { field: "series", type: "nominal", title: null, scale: { domain: series, range: colours },
                  legend: { orient: "top", direction: "horizontal", labelLimit: 240 } };
    var dash = { field: "day", type: "nominal", title: null,
                 scale: { domain: [options.main, REFERENCE], range: [[1, 0], [5, 4]] },
                 legend: options.reference ? { orient: "top", labelLimit: 240 } : null };
    var line = function (width, filter) {
      var layer = { mark: { type: "line", strokeWidth: width }, encoding: { x: x, y: y, color: color, strokeDash: dash } };
      if (filter) layer.transform = [{ filter: filter }];
      return layer;
    };
    // A curve that can coincide with another (T and B cells) is drawn wide, under the rest.
    var lines = options.wide
      ? [line(5.5, { field: "series", equal: options.wide }), line(2.2, { not: { field: "series", equal: options.wide } })]
      : [line(2.2)];
    var layers = lines.concat([
      // invisible hover targets every 0.2 h carry the tooltips
      { mark: { type: "point", opacity: 0, size: 60 }, transform: [{ filter: { field: "tip", equal: true } }],
        encoding: { x: x, y: y,
                    tooltip: [{ field: "series", title: "curve" }, { field: "day", title: "cycle" },
                              { field: "hours", title: "hours after the dose", format: ".2f" },
                              { field: "value", title: yTitle, format: ".3~g" }] } }
    ]);
    if (options.rules)
      layers.push({ data: { values: options.rules.map(function (v) { return { level: v }; }) },
                    mark: { type: "rule", strokeDash: [4, 4], color: "#80868f" },
                    encoding: { y: { field: "level", type: "quantitative" } } });
    return { $schema: SCHEMA, width: "container", height: 230, autosize: { type: "fit-x", contains: "padding" },
             title: { text: title, anchor: "start", fontSize: 14 }, data: { values: data }, layer: layers,
             config: { font: FONTS, axis: { labelFontSize: 12, titleFontSize: 12 }, legend: { labelFontSize: 12 } } };
  }
  function render(body) {
    var r = body.results, reference = !!r.steady_state_reference, main = mainLabel(r);
    var specs = {
      "chart-1": lineChart("Plasma concentrations", "ng/mL",
                           rows(r, [["naltrexone_ng_ml", "naltrexone"], ["naltrexol_ng_ml", "6β-naltrexol"]]),
                           ["naltrexone", "6β-naltrexol"], ["#1f5fa8", "#d9822b"], { reference: reference, main: main }),
      "chart-2": lineChart("MOR occupancy", "% of receptors blocked",
                           rows(r, [["occupancy_pct", "MOR occupancy"]]), ["MOR occupancy"], ["#7b3fa0"],
                           { reference: reference, main: main, rules: [50, 90], yScale: { domain: [0, 100] } }),
      "chart-3": lineChart("OGF-OGF receptor signalling", "× baseline",
                           rows(r, [["ogf_signal", "OGF-OGFr signal"]]), ["OGF-OGFr signal"], ["#2a9d8f"],
                           { reference: reference, main: main, rules: [1], yScale: { zero: false } }),
      "chart-4": lineChart("Lymphocyte proliferation", "× baseline",
                           rows(r, [["t_proliferation", "T-cell proliferation"], ["b_proliferation", "B-cell proliferation"]]),
                           ["T-cell proliferation", "B-cell proliferation"], ["#e07a7a", "#5b2a86"],
                           { reference: reference, main: main, rules: [1], yScale: { zero: false }, wide: "T-cell proliferation" })
    };
    showFigures(body);
    var options = { mode: "vega-lite", renderer: "svg", ast: true,
                    actions: { export: true, source: false, compiled: false, editor: false } };
    return Promise.all(Object.keys(specs).map(function (id) {
      var element = $(id);
      return vegaEmbed(element, specs[id], options).then(function (result) {
        if (views[id]) views[id].finalize();
        views[id] = result.view;
        element.setAttribute("data-rendered", "true");
        element.removeAttribute("data-error");
      }, function (error) {
        var message = String(error && error.message || error);
        element.setAttribute("data-error", message);
        console.error("ldnsim explorer: " + id + ": " + message);
      });
    }));
  }

  // ---- wiring ----
  buildFigures();
  readAddress();
  doseSlider.addEventListener("input", function () { doseInput.value = doseSlider.value; schedule(120); });
  doseInput.addEventListener("input", function () {
    var mg = Number(doseInput.value);
    if (mg > 0) doseSlider.value = String(Math.min(Number(doseSlider.max), Math.max(Number(doseSlider.min), mg)));
    schedule(300);
  });
  timeSlider.addEventListener("input", function () { $("time-label").textContent = clock(Number(timeSlider.value)); schedule(120); });
  Array.prototype.forEach.call(document.querySelectorAll("input[name=form]"), function (r) {
    r.addEventListener("change", function () { schedule(0); });
  });
  missedSelect.addEventListener("change", function () { schedule(0); });
  Array.prototype.forEach.call(document.querySelectorAll("#presets button"), function (b) {
    b.addEventListener("click", function () { setDose(Number(b.getAttribute("data-mg"))); schedule(0); });
  });
  if (typeof vegaEmbed !== "function") showError("the chart library did not load");
  else update();
})();
)js";

}  // namespace

std::string explorer_page(const std::string& model_name, const std::string& node_modules_dir) {
  std::string page = kHead;
  page = replace_all(page, "@CSP@", kExplorerContentSecurityPolicy);
  page = replace_all(page, "@VERSION@", report::escape_html(json_output::version()));
  page = replace_all(page, "@MODEL@", report::escape_html(model_name));
  for (const std::string& code : report::chart_library_code(node_modules_dir)) page += "<script>\n" + code + "</script>\n";
  page += "<script>";
  page += kApp;
  page += "</script>\n</body>\n</html>\n";
  // the dose limit is policy (core/policy.hpp), the same for the page as for the API
  return replace_all(page, "@MAX_DOSE_MG@", format_number(policy::kMaxDoseMg));
}

}  // namespace ldnsim::server
