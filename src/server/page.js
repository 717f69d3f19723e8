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
    if (p.has("mg") && mg >= @MIN_DOSE_MG@ && mg <= @MAX_DOSE_MG@) setDose(mg);
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
    if (text === "" || !isFinite(mg) || mg < @MIN_DOSE_MG@ || mg > @MAX_DOSE_MG@) {
      showError("Dose: expected a number of mg from @MIN_DOSE_MG@ to @MAX_DOSE_MG@ (got '" + text + "').");
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
