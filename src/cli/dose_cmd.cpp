// ldnsim dose: what a nightly dose of naltrexone does over 24 hours at steady state, for one
// or more regimens: plasma levels, MOR blockade, OGF rebound and lymphocyte proliferation,
// with optional uncertainty bands over the model's assumptions.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/units.hpp"
#include "ldnsim/science/calibration.hpp"
#include "ldnsim/science/ldn.hpp"
#include "ldnsim/science/uncertainty.hpp"
#include "ldnsim/science/weighted_samples.hpp"
#include "ldnsim/server/json_output.hpp"
#ifdef LDNSIM_HAVE_REPORT
#include "ldnsim/report/html.hpp"
#endif

namespace ldnsim::cli {
namespace {

struct DoseFlags {
  std::string dose;
  std::string at = "22:00";
  std::string compare;
  std::string every = "24h";
  int days = 0;
  std::string missed;
  bool base = false;
  std::string model = "human";
  double weight = 0;
  bool cirrhosis = false;
  std::vector<std::string> set;
  int uncertainty = 0;
  bool prior_only = false;
  std::uint64_t seed = 2026;
  std::string csv, json_out, plot;
  bool json = false;
  double step = 0.05;
  RunFlags run;
};

// "4.5mg", "4.5mg@08:00", "0.1mg/kg" (scaled by the model's weight).
science::Regimen parse_regimen(const std::string& text, const DoseFlags& f, const science::LdnModel& m,
                               const std::vector<double>& p) {
  science::Regimen g;
  g.label = text;
  std::string dose = text, clock = f.at;
  if (auto at = text.find('@'); at != std::string::npos) {
    dose = text.substr(0, at);
    clock = text.substr(at + 1);
  }
  bool per_kg = false;
  if (dose.size() > 3 && dose.compare(dose.size() - 3, 3, "/kg") == 0) {
    per_kg = true;
    dose = dose.substr(0, dose.size() - 3);
  }
  try {
    g.dose_mg = parse_mass_mg(dose);
  } catch (const UsageError& e) {
    throw UsageError("dose '" + printable(text, 60) + "': " + e.what() + " (expected e.g. 4.5mg, 4.5mg@08:00 or 0.1mg/kg)");
  }
  if (per_kg) g.dose_mg *= m.get(p, "WT");
  if (!std::isfinite(g.dose_mg) || g.dose_mg <= 0)
    throw UsageError("dose '" + printable(text, 60) + "': a dose must be above 0 mg");
  try {
    g.clock_h = parse_clock_h(clock);
  } catch (const UsageError& e) {
    throw UsageError("--at / dose time '" + printable(clock, 40) + "': " + e.what());
  }
  g.salt = !f.base;
  g.interval_h = parse_duration_h(f.every);
  if (!(g.interval_h > 0)) throw UsageError("--every " + printable(f.every, 40) + ": the dosing interval must be above 0 h");
  g.days = f.days;
  for (const auto& d : split_list(f.missed)) {
    char* end = nullptr;
    long v = std::strtol(d.c_str(), &end, 10);
    if (end == d.c_str() || *end) throw UsageError("--missed '" + printable(d, 40) + "': expected day numbers, e.g. --missed 3,10");
    g.missed.push_back(static_cast<int>(v));
  }
  if (!g.missed.empty() && g.days == 0)
    throw UsageError("--missed needs --days (the simulation starts drug-naive on day 1; the steady state has no missed doses)");
  science::validate(g);
  return g;
}

const std::vector<science::MetricRow>& rows() { return science::cycle_metric_rows(); }

// Output times of one regimen's cycle at most (3650 days at the default 0.05 h fit).
constexpr double kMaxCyclePoints = 2e6;
// Regimens compared in one table, and doses of one regimen over --days.
constexpr std::size_t kMaxCompared = 20;
constexpr double kMaxDoses = 100000;

std::string fmt(double v) {
  if (!std::isfinite(v)) return "n/a";
  double a = std::fabs(v);
  char buf[32];
  if (a != 0 && a < 0.01) std::snprintf(buf, sizeof buf, "%.2e", v);
  else if (a < 10) std::snprintf(buf, sizeof buf, "%.3g", v);
  else std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// What the numbers rest on (the "basis" column), for the text output and --json's evidence.
const char* const kEvidence[] = {
    "PK: calibrated at 50 mg and extrapolated linearly to low doses (no human PK below 50 mg, pharmacology.md 7.1)",
    "MOR: fitted to PET peaks < 8 h at 2-50 mg and the slow loss after 50 mg (Rabiner 2011, Lee 1988); no occupancy "
    "was ever measured beyond 8 h at low doses (7.5)",
    "ASSUMED: OGFr blockade, rebound and proliferation rest on assumptions without human data (7.6-7.8)",
    "the model has no circadian term: the dose time shifts the cycle on the clock but not its shape",
};

void write_cycle_csv(const std::string& path, const std::vector<science::Regimen>& regs,
                     const std::vector<science::Series>& series) {
  std::string out = "regimen,t_h,clock,CP_ng_mL,CM_ng_mL,CP_nM,CM_nM,OCC,BOGF,SIG,ENK,RCP,BEND,PT,PB\n";
  for (std::size_t r = 0; r < regs.size(); ++r) {
    const auto& s = series[r];
    for (std::size_t i = 0; i < s.t.size(); ++i) {
      out += regs[r].label;
      out += ',';
      append_number(out, s.t[i], 8);
      out += ',';
      out += clock_text(regs[r].clock_h + s.t[i]);
      for (int k : {science::CP, science::CM}) {
        out += ',';
        append_number(out, s.y[k][i], 8);
      }
      out += ',';
      append_number(out, science::ng_per_ml_to_nm(s.y[science::CP][i], science::kMwNaltrexone), 8);
      out += ',';
      append_number(out, science::ng_per_ml_to_nm(s.y[science::CM][i], science::kMwNaltrexol), 8);
      for (int k = science::OCC; k <= science::PB; ++k) {
        out += ',';
        append_number(out, s.y[k][i], 8);
      }
      out += '\n';
    }
  }
  write_file_atomically(path, out);
}

#ifdef LDNSIM_HAVE_REPORT
void write_plot(const std::string& path, const std::vector<science::Regimen>& regs,
                const std::vector<science::Series>& series, const std::vector<science::CycleMetrics>& typical,
                bool steady_state) {
  report::Html page("ldnsim dose: the dosing cycle",
                    steady_state ? "steady state, one dosing interval, typical values"
                                 : "from the first dose (not steady state), typical values");
  page.heading("Summary");
  std::vector<std::string> header = {steady_state ? "at steady state (not after 1 dose)" : "on the last day", "unit"};
  for (const auto& g : regs) header.push_back(g.label);
  header.push_back("basis");
  std::vector<std::vector<std::string>> table;
  for (const auto& row : rows()) {
    std::vector<std::string> cells = {row.label, row.unit};
    for (const auto& m : typical) cells.push_back(fmt(m.*(row.field) * row.scale));
    cells.push_back(row.basis);
    table.push_back(cells);
  }
  page.table(header, table, "PK: calibrated at 50 mg, extrapolated linearly; MOR: fitted to PET data; "
                            "ASSUMED: no human data");
  // Doses compared across more than tenfold (LDN against 50 mg) put the concentrations on a
  // log axis, where a linear one would flatten the low doses onto zero.
  double lowest = HUGE_VAL, highest = 0;
  for (const auto& g : regs) lowest = std::min(lowest, g.dose_mg), highest = std::max(highest, g.dose_mg);
  const bool log_concentrations = highest > 10 * lowest;
  auto chart = [&](const std::string& title, const std::string& y_title, auto value, bool log_y = false) {
    nlohmann::json data = nlohmann::json::array();
    for (std::size_t r = 0; r < regs.size(); ++r) {
      const std::size_t stride = std::max<std::size_t>(1, series[r].t.size() / 480);
      for (std::size_t i = 0; i < series[r].t.size(); i += stride)
        if (!log_y || value(series[r], i) > 0)  // drug-naive zeros have no place on a log axis
          data.push_back({{"x", series[r].t[i]}, {"y", value(series[r], i)}, {"series", regs[r].label}});
    }
    page.chart(report::line_chart(data, "hours after the dose", y_title, title, log_y),
               log_y ? title + ", log axis: the doses compared differ more than tenfold" : title);
  };
  page.heading("Plasma");
  chart("naltrexone", "ng/mL", [](const science::Series& s, std::size_t i) { return s.y[science::CP][i]; },
        log_concentrations);
  chart("6-beta-naltrexol", "ng/mL", [](const science::Series& s, std::size_t i) { return s.y[science::CM][i]; },
        log_concentrations);
  page.heading("Receptor blockade");
  chart("MOR occupancy", "%", [](const science::Series& s, std::size_t i) { return 100 * s.y[science::OCC][i]; });
  page.heading("Rebound and signalling");
  page.callout("OGF-receptor blockade, the OGF and receptor rebound and the proliferation indices rest on "
               "assumptions with no human data (pharmacology.md 7.6-7.8); see ldnsim sensitivity.",
               report::Tone::Warning);
  chart("OGF-OGFr signal", "x baseline", [](const science::Series& s, std::size_t i) { return s.y[science::SIG][i]; });
  chart("B-cell proliferation index", "x baseline",
        [](const science::Series& s, std::size_t i) { return s.y[science::PB][i]; });
  page.write(path);
}
#endif

int run_dose(const DoseFlags& f) {
  const auto start = std::chrono::steady_clock::now();
  const int threads = f.run.thread_count();
  const bool progress = !f.run.quiet;
  if (f.uncertainty < 0 || f.uncertainty > 1000000)
    throw UsageError("--uncertainty " + std::to_string(f.uncertainty) + ": expected a number of samples in 0-1000000");
  if (!(f.step > 0 && f.step <= 1)) throw UsageError("--step must lie in (0, 1] h");
  if (f.days < 0) throw UsageError("--days " + std::to_string(f.days) + ": expected a number of days >= 1");
  science::LdnModel model = science::LdnModel::load(f.model);
  OutputPlan().input("--model", model.path()).output("--csv", f.csv).output("--json-out", f.json_out)
      .output("--plot", f.plot).check();
  std::vector<double> p = model.typical();
  if (f.weight != 0) {
    if (!(f.weight > 0 && f.weight < 500)) throw UsageError("--weight " + format_number(f.weight) + ": expected kg in 0-500");
    model.set(p, "WT", f.weight);
  }
  if (f.cirrhosis) model.set(p, "HEPATIC", 1);
  for (const auto& kv : f.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) throw UsageError("--set '" + printable(kv, 60) + "': expected NAME=VALUE, e.g. --set KEO=1");
    std::string name = kv.substr(0, eq);
    int k = model.model().parameter_index(name);
    if (k < 0) throw UsageError("--set '" + printable(kv, 60) + "': model " + model.model().name() + " has no parameter " + printable(name, 40));
    char* end = nullptr;
    double v = std::strtod(kv.c_str() + eq + 1, &end);
    if (end == kv.c_str() + eq + 1 || *end || !std::isfinite(v))
      throw UsageError("--set '" + printable(kv, 60) + "': '" + printable(kv.substr(eq + 1), 40) + "' is not a number");
    p[static_cast<std::size_t>(k)] = v;
  }

  std::vector<science::Regimen> regs;
  regs.push_back(parse_regimen(f.dose, f, model, p));
  const std::vector<std::string> compared = split_list(f.compare);
  if (compared.size() > kMaxCompared)
    throw UsageError("--compare: " + std::to_string(compared.size()) + " regimens; expected at most " +
                     std::to_string(kMaxCompared) + " (each is a column of the table and a simulation)");
  for (const auto& c : compared) regs.push_back(parse_regimen(c, f, model, p));
  // The cycle is kept in memory: its size is bounded before anything is simulated.
  for (const auto& g : regs) {
    // The cycle is summarised over one interval: it needs output times inside it.
    if (g.interval_h < 2 * f.step)
      throw UsageError("--every " + printable(f.every, 40) + ": an interval of " + format_number(g.interval_h, 3) +
                       " h holds less than two output steps (--step " + format_number(f.step) +
                       " h); expected an interval of at least " + format_number(2 * f.step) + " h");
    if (g.days > 0 && g.days * 24.0 / g.interval_h > kMaxDoses)
      throw UsageError("--every " + printable(f.every, 40) + " over --days " + std::to_string(g.days) + " gives " +
                       format_number(g.days * 24.0 / g.interval_h, 3) + " doses (expected at most " +
                       format_number(kMaxDoses) + ": a longer interval or fewer days)");
    const double span = g.days == 0 ? g.interval_h : g.days * 24.0;
    if (span / f.step > kMaxCyclePoints)
      throw UsageError("--step " + format_number(f.step) + ": " + format_number(span / f.step + 1, 3) + " output times over the " +
                       format_number(span) + " h of regimen " + g.label + "; expected at most " +
                       format_number(kMaxCyclePoints) + " (a --step of at least " + format_number(span / kMaxCyclePoints, 3) +
                       " h)");
  }

  // Typical values
  science::Simulator sim(model);
  std::vector<science::Series> series;
  std::vector<science::CycleMetrics> typical;
  for (const auto& g : regs) {
    series.push_back(sim.regimen(p, g, f.step));
    double from = g.days == 0 ? 0 : g.days * 24.0 - g.interval_h;
    typical.push_back(science::summarise(series.back(), from, g.interval_h));
  }

  // Uncertainty: Latin hypercube over every parameter with a range, weighted by agreement
  // with the calibration targets unless --prior-only (science/weighted_samples.hpp).
  std::vector<std::vector<science::Band>> bands;  // [regimen][row]
  science::WeightedSamples samples;
  if (f.uncertainty > 0) {
    const std::size_t nrows = rows().size();
    science::WeightedSampling o;
    o.samples = static_cast<std::size_t>(f.uncertainty);
    o.seed = f.seed;
    o.weigh = !f.prior_only;
    o.threads = threads;
    o.progress = progress;
    samples = science::weighted_samples(model, p, o, regs.size() * nrows,
                                        [&](science::Simulator& sm, const std::vector<double>& q) {
                                          std::vector<double> out;
                                          for (const auto& g : regs) {
                                            science::CycleMetrics m = science::regimen_metrics(sm, q, g, 0.1);
                                            for (const auto& row : rows()) out.push_back(m.*(row.field) * row.scale);
                                          }
                                          return out;
                                        });
    for (std::size_t g = 0; g < regs.size(); ++g) {
      std::vector<science::Band> b;
      for (std::size_t k = 0; k < nrows; ++k) b.push_back(samples.band(g * nrows + k));
      bands.push_back(b);
    }
  }
  const auto& ranged = samples.parameters;
  const int failed = samples.failed;
  const double ess = samples.ess;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // JSON (docs/json.md)
  auto j = json_output::envelope("dose");
  {
    const std::vector<int>& missed = regs.front().missed;
    j["inputs"] = {{"model", model.model().name()},
                   {"model_file", model.path()},
                   {"dose", f.dose},
                   {"at", f.at},
                   {"compare", split_list(f.compare)},
                   {"every", f.every},
                   {"days", f.days},
                   {"missed", missed},
                   {"form", f.base ? "base" : "hcl"},
                   {"weight_kg", model.get(p, "WT")},
                   {"cirrhosis", f.cirrhosis},
                   {"set", f.set},
                   {"uncertainty", f.uncertainty},
                   {"seed", f.seed},
                   {"prior_only", f.prior_only},
                   {"step_h", f.step}};
  }
  nlohmann::ordered_json& res = j["results"];
  res["model"] = model.model().name();
  res["steady_state"] = f.days == 0;
  res["dose_form"] = f.base ? "mg of naltrexone base" : "mg of naltrexone HCl (x 0.904 = base)";
  for (std::size_t g = 0; g < regs.size(); ++g) {
    nlohmann::ordered_json r;
    r["regimen"] = regs[g].label;
    r["dose_mg"] = regs[g].dose_mg;
    r["dose_time"] = clock_text(regs[g].clock_h);
    r["interval_h"] = regs[g].interval_h;
    r["days"] = regs[g].days;
    r["missed"] = regs[g].missed;
    r["metrics"] = nlohmann::ordered_json::object();
    std::size_t trough_row = 0;
    for (std::size_t k = 0; k < rows().size(); ++k) {
      const auto& row = rows()[k];
      if (std::string_view(row.key) == "occ_trough") trough_row = k;
      nlohmann::ordered_json v = {{"label", row.label},
                                  {"value", typical[g].*(row.field) * row.scale},
                                  {"unit", row.unit},
                                  {"basis", row.basis}};
      if (!bands.empty())
        v["band"] = {{"median", bands[g][k].median}, {"p05", bands[g][k].low}, {"p95", bands[g][k].high}};
      r["metrics"][row.key] = v;
    }
    r["peaks"] = {{"naltrexone", clock_text(regs[g].clock_h + typical[g].tmax_cp)},
                  {"naltrexol", clock_text(regs[g].clock_h + typical[g].tmax_cm)},
                  {"occupancy", clock_text(regs[g].clock_h + typical[g].tpeak_occ)}};
    const double trough = bands.empty() ? typical[g].occ_trough : bands[g][trough_row].median / 100;
    r["blockade_free_window"] = science::blockade_window(trough).text;
    res["regimens"].push_back(r);
  }
  if (f.uncertainty > 0) {
    nlohmann::ordered_json u;
    u["samples"] = f.uncertainty;
    u["failed"] = failed;
    u["weighting"] = f.prior_only ? "none (prior ranges only)" : "likelihood of the calibration targets";
    u["effective_sample_size"] = ess;
    u["band"] = "median [5th, 95th percentile] over Latin-hypercube samples of the ranged parameters";
    u["parameters"] = nlohmann::ordered_json::array();
    for (const auto& q : ranged)
      u["parameters"].push_back(
          {{"name", q.name}, {"low", q.low}, {"high", q.high}, {"log", q.log}, {"assumption", q.assumed}});
    res["uncertainty"] = u;
    if (failed)
      j["warnings"].push_back(std::to_string(failed) + " of " + std::to_string(f.uncertainty) +
                              " uncertainty samples failed to simulate and are left out");
    if (ess < 0.1 * f.uncertainty)
      j["warnings"].push_back("effective sample size " + fmt(ess) + " of " + std::to_string(f.uncertainty) +
                              " samples: few samples carry the weight, so the bands are rough; use more samples");
  } else {
    res["uncertainty"] = nullptr;
  }
  for (const char* note : kEvidence) j["evidence"].push_back(note);
  j["seconds"] = secs;

  if (!f.csv.empty()) write_cycle_csv(f.csv, regs, series);
  if (!f.json_out.empty()) write_file_atomically(f.json_out, json_output::dump(j));
  if (!f.plot.empty()) {
#ifdef LDNSIM_HAVE_REPORT
    write_plot(f.plot, regs, series, typical, f.days == 0);
#else
    throw UsageError("--plot: this ldnsim was built without the report library (src/report), so it cannot "
                     "draw the HTML plot yet; use --csv or --json-out for the 24-h cycle data");
#endif
  }
  if (f.json) {
    std::fputs(json_output::dump(j).c_str(), stdout);
    return 0;
  }

  // Text
  std::printf("ldnsim dose (%s): %s, %s\n", model.model().name().c_str(),
              f.days == 0 ? "steady state, one dosing interval"
                          : ("day " + std::to_string(f.days) + " after starting (not steady state)").c_str(),
              f.base ? "doses in mg of naltrexone base" : "doses in mg of naltrexone HCl (base = 0.904 x)");
  if (f.weight != 0 || f.cirrhosis)
    std::printf("subject: %s kg%s\n", format_number(model.get(p, "WT"), 4).c_str(), f.cirrhosis ? ", liver cirrhosis" : "");
  const int w = bands.empty() ? 12 : 26;
  // The first header cell says what every figure is: the steady-state cycle (after weeks of
  // nightly doses, higher than after one dose) or a given day.
  std::printf("\n%-30s %-6s", f.days == 0 ? "at steady state (not 1 dose)" : ("on day " + std::to_string(f.days)).c_str(),
              "unit");
  for (const auto& g : regs) {
    std::string head = g.label + (g.label.find('@') == std::string::npos ? " @" + clock_text(g.clock_h) : "");
    std::printf(" %*s", w, head.c_str());
  }
  std::printf("  basis\n");
  for (std::size_t k = 0; k < rows().size(); ++k) {
    const auto& row = rows()[k];
    std::printf("%-30s %-6s", row.label, row.unit);
    for (std::size_t g = 0; g < regs.size(); ++g) {
      std::string cell = bands.empty() ? fmt(typical[g].*(row.field) * row.scale)
                                       : fmt(bands[g][k].median) + " [" + fmt(bands[g][k].low) + ", " +
                                             fmt(bands[g][k].high) + "]";
      std::printf(" %*s", w, cell.c_str());
    }
    std::printf("  %s\n", row.basis);
  }
  std::printf("\nclock time of the peaks (typical values):\n");
  for (std::size_t i = 0; i < regs.size(); ++i)
    std::printf("  %-14s dose %s, naltrexone %s, 6b-naltrexol %s, MOR occupancy %s\n", regs[i].label.c_str(),
                clock_text(regs[i].clock_h).c_str(), clock_text(regs[i].clock_h + typical[i].tmax_cp).c_str(),
                clock_text(regs[i].clock_h + typical[i].tmax_cm).c_str(),
                clock_text(regs[i].clock_h + typical[i].tpeak_occ).c_str());
  std::printf("\ndoes a blockade-free window exist?\n");
  std::size_t trough_row = 0;
  while (std::string_view(rows()[trough_row].key) != "occ_trough") ++trough_row;
  for (std::size_t i = 0; i < regs.size(); ++i) {
    const auto& m = typical[i];
    const double trough = bands.empty() ? m.occ_trough : bands[i][trough_row].median / 100;
    std::printf("  %-14s trough occupancy %s%% -> %s\n", regs[i].label.c_str(), fmt(100 * trough).c_str(),
                science::blockade_window(trough).text.c_str());
  }
  std::printf("\nbasis: PK = calibrated at 50 mg and extrapolated linearly to low doses (no human PK below "
              "50 mg, pharmacology.md 7.1);\n"
              "       MOR = fitted to PET peaks < 8 h at 2-50 mg and the slow loss after 50 mg (Rabiner 2011, "
              "Lee 1988);\n"
              "             no occupancy was ever measured beyond 8 h at low doses (7.5);\n"
              "       ASSUMED = OGFr blockade, rebound and proliferation rest on assumptions without human data "
              "(7.6-7.8).\n");
  if (!bands.empty()) {
    std::printf("cells: median [5th, 95th percentile] over %d Latin-hypercube samples of %zu ranged parameters "
                "(seed %llu),\n       %s (effective sample size %.0f)",
                f.uncertainty, ranged.size(), static_cast<unsigned long long>(f.seed),
                f.prior_only ? "unweighted (--prior-only)"
                             : "weighted by agreement with the calibration targets, exp(-delta chi2 / 2)",
                ess);
    if (failed) std::printf("; %d samples failed to simulate and are left out", failed);
    std::printf(".\n");
  }
  std::printf("the model has no circadian term: the dose time shifts the cycle on the clock but not its shape.\n");
  if (notes_on_stderr(f.run.quiet)) std::fprintf(stderr, "ldnsim dose: %.2f s on %d thread%s\n", secs, threads, threads == 1 ? "" : "s");
  return 0;
}

}  // namespace

void add_dose_command(CLI::App& app) {
  auto f = std::make_shared<DoseFlags>();
  CLI::App* cmd = app.add_subcommand(
      "dose", "What a nightly naltrexone dose does over 24 h at steady state: plasma, MOR blockade, OGF rebound, "
              "lymphocytes");
  cmd->add_option("dose", f->dose, "dose, e.g. 4.5mg (mg of the HCl salt unless --base); 0.1mg/kg scales by weight")
      ->required();
  cmd->add_option("--at", f->at, "clock time of the dose, e.g. 22:00 (bedtime) or 08:00 (morning)")->capture_default_str();
  cmd->add_option("--compare", f->compare,
                  "more regimens, comma-separated, each DOSE or DOSE@HH:MM, e.g. 1.5mg,3mg,4.5mg@08:00,50mg");
  cmd->add_option("--every", f->every, "dosing interval")->capture_default_str();
  cmd->add_option("--days", f->days, "simulate this many days from the first dose and report the last day "
                                     "(default: the steady-state cycle)")
      ->check(count_in(1, 3650, "a number of days, 1 to 3650 (without --days: the steady-state cycle)"));
  cmd->add_option("--missed", f->missed, "days without a dose (needs --days), e.g. 3,10");
  cmd->add_flag("--base", f->base, "doses are mg of naltrexone base, not of the HCl salt");
  cmd->add_option("--model", f->model, "human, mouse or a .ldn file with the same names")->capture_default_str();
  cmd->add_option("--weight", f->weight, "body weight, kg (allometric scaling; default the model's 70 kg)")
      ->check(number_above(0, 500, "a body weight in kg, above 0 and at most 500"));
  cmd->add_flag("--cirrhosis", f->cirrhosis, "liver cirrhosis (5-10x naltrexone exposure)");
  cmd->add_option("--set", f->set, "override a parameter, NAME=VALUE (repeatable), e.g. --set KEO=1");
  cmd->add_option("--uncertainty", f->uncertainty,
                  "Latin-hypercube samples over the ranged parameters; prints 90% bands")
      ->capture_default_str()
      ->check(count_in(0, 1000000, "a number of samples, 0 to 1000000"));
  cmd->add_option("--seed", f->seed, "seed of the uncertainty samples")->capture_default_str()->check(seed_number());
  cmd->add_flag("--prior-only", f->prior_only,
                "do not weigh uncertainty samples by their agreement with the calibration targets");
  cmd->add_option("--step", f->step, "output step of the cycle, h")
      ->capture_default_str()
      ->check(number_above(0, 1, "an output step in hours, above 0 and at most 1"));
  cmd->add_option("--csv", f->csv, "write the cycle (every output, every regimen) to this CSV file")->check(file_name());
  cmd->add_option("--json-out", f->json_out, "write the summary as JSON to this file")->check(file_name());
  cmd->add_option("--plot", f->plot, "write an HTML page with plots of the cycle")->check(file_name());
  cmd->add_flag("--json", f->json, "print the summary as JSON instead of a table");
  f->run.add_to(*cmd);
  cmd->callback([f] { run_dose(*f); });
}

}  // namespace ldnsim::cli
