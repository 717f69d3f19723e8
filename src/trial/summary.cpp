#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ldnsim/core/format.hpp"
#include "ldnsim/report/html.hpp"
#include "ldnsim/stats/descriptives.hpp"
#include "ldnsim/stats/proportions.hpp"
#include "ldnsim/trial/engine.hpp"

namespace ldnsim::trial {

namespace {

double median_of(std::vector<double> x) {
  if (x.empty()) return stats::kNaN;
  return stats::median(x);
}

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string fmt(double v, int digits = 3) { return std::isfinite(v) ? format_number(v, digits) : "NA"; }

}  // namespace

TrialSummary summarise(const Trial& trial, const TrialResults& results) {
  TrialSummary s;
  const auto& spec = trial.spec();
  std::vector<double> rand, wd, lost, scr;
  for (const auto& r : results.replicates) {
    rand.push_back(static_cast<double>(r.randomised));
    wd.push_back(static_cast<double>(r.withdrawn));
    lost.push_back(static_cast<double>(r.lost));
    scr.push_back(static_cast<double>(r.screened));
  }
  if (!results.replicates.empty()) {
    s.median_randomised = median_of(rand);
    s.median_withdrawn = median_of(wd);
    s.median_lost = median_of(lost);
    s.median_screened = median_of(scr);
    s.min_withdrawn = static_cast<long>(*std::min_element(wd.begin(), wd.end()));
    s.max_withdrawn = static_cast<long>(*std::max_element(wd.begin(), wd.end()));
    s.min_lost = static_cast<long>(*std::min_element(lost.begin(), lost.end()));
    s.max_lost = static_cast<long>(*std::max_element(lost.begin(), lost.end()));
  }
  for (std::size_t k = 0; k < spec.endpoints.size(); ++k) {
    const EndpointSpec& e = spec.endpoints[k];
    EndpointSummary es;
    es.name = e.name;
    es.label = e.label;
    es.analysis = to_string(e.analysis);
    es.output = e.event.empty() ? e.output : "event " + e.event;
    es.replicates = results.replicates.size();
    std::vector<double> est, n, mt, mc;
    long significant = 0;
    for (const auto& r : results.replicates) {
      const EndpointResult& x = r.endpoints[k];
      if (!x.error.empty()) {
        if (es.failed++ == 0) es.first_error = "replicate " + std::to_string(r.replicate) + ": " + x.error;
      }
      if (std::isfinite(x.estimate)) est.push_back(x.estimate);
      n.push_back(static_cast<double>(x.n));
      if (std::isfinite(x.mean_treatment)) mt.push_back(x.mean_treatment);
      if (std::isfinite(x.mean_control)) mc.push_back(x.mean_control);
      significant += x.significant;
    }
    if (!est.empty()) {
      auto q = stats::quantiles(est, {0.5, 0.025, 0.975});
      es.median = q[0];
      es.p025 = q[1];
      es.p975 = q[2];
    }
    es.median_n = median_of(n);
    es.median_mean_treatment = median_of(mt);
    es.median_mean_control = median_of(mc);
    if (es.replicates > 0) {
      es.power = static_cast<double>(significant) / static_cast<double>(es.replicates);
      es.power_ci = stats::clopper_pearson_ci(significant, static_cast<long long>(es.replicates));
    }
    s.endpoints.push_back(es);
  }
  return s;
}

nlohmann::json to_json(const Trial& trial, const TrialResults& results, const TrialSummary& summary) {
  const auto& spec = trial.spec();
  nlohmann::json j;
  j["trial"] = {{"name", spec.name}, {"title", spec.title}, {"design", to_string(spec.design)}, {"file", spec.file},
                {"model", spec.model_path}, {"population", spec.population_path}, {"n", spec.n}, {"alpha", spec.alpha}};
  j["replicates"] = results.replicates.size();
  j["seed"] = results.seed;
  j["groups"] = trial.groups();
  j["subjects"] = {{"randomised_median", summary.median_randomised},
                   {"screened_median", summary.median_screened},
                   {"withdrawn_median", summary.median_withdrawn},
                   {"withdrawn_min", summary.min_withdrawn},
                   {"withdrawn_max", summary.max_withdrawn},
                   {"lost_median", summary.median_lost},
                   {"lost_min", summary.min_lost},
                   {"lost_max", summary.max_lost}};
  nlohmann::json by_group = nlohmann::json::object();
  for (std::size_t g = 0; g < trial.groups().size(); ++g) {
    std::vector<double> w;
    for (const auto& r : results.replicates) w.push_back(static_cast<double>(r.withdrawn_by_group[g]));
    by_group[trial.groups()[g]] = num(median_of(w));
  }
  j["subjects"]["withdrawn_median_by_group"] = by_group;
  nlohmann::json eps = nlohmann::json::array();
  for (std::size_t k = 0; k < summary.endpoints.size(); ++k) {
    const auto& es = summary.endpoints[k];
    const auto& e = spec.endpoints[k];
    nlohmann::json x = {{"name", es.name},
                        {"label", es.label},
                        {"output", es.output},
                        {"type", to_string(e.type)},
                        {"analysis", es.analysis},
                        {"primary", e.primary},
                        {"estimate", {{"median", num(es.median)}, {"p2.5", num(es.p025)}, {"p97.5", num(es.p975)}}},
                        {"p_significant", num(es.power)},
                        {"p_significant_ci", {num(es.power_ci.lower), num(es.power_ci.upper)}},
                        {"n_analysed_median", num(es.median_n)},
                        {"mean_treatment_median", num(es.median_mean_treatment)},
                        {"mean_control_median", num(es.median_mean_control)},
                        {"failed", es.failed}};
    if (!es.first_error.empty()) x["first_error"] = es.first_error;
    if (e.published.estimate || e.published.p_value) {
      x["published"] = {{"estimate", e.published.estimate ? num(*e.published.estimate) : nullptr},
                        {"lower", e.published.lower ? num(*e.published.lower) : nullptr},
                        {"upper", e.published.upper ? num(*e.published.upper) : nullptr},
                        {"p_value", e.published.p_value ? num(*e.published.p_value) : nullptr}};
    }
    eps.push_back(x);
  }
  j["endpoints"] = eps;
  // Arms' mean course: median and 95% band over replicates.
  const auto& visits = trial.visits();
  const auto& outs = trial.observed_outputs();
  const std::size_t nv = visits.size(), no = outs.size();
  nlohmann::json course = nlohmann::json::array();
  for (std::size_t g = 0; g < trial.groups().size(); ++g)
    for (std::size_t o = 0; o < no; ++o) {
      nlohmann::json series = {{"group", trial.groups()[g]}, {"output", outs[o]}, {"day", visits}};
      nlohmann::json med = nlohmann::json::array(), lo = nlohmann::json::array(), hi = nlohmann::json::array();
      for (std::size_t v = 0; v < nv; ++v) {
        std::vector<double> xs;
        for (const auto& r : results.replicates) {
          double x = r.course[(g * no + o) * nv + v];
          if (std::isfinite(x)) xs.push_back(x);
        }
        if (xs.empty()) {
          med.push_back(nullptr);
          lo.push_back(nullptr);
          hi.push_back(nullptr);
        } else {
          auto q = stats::quantiles(xs, {0.5, 0.025, 0.975});
          med.push_back(q[0]);
          lo.push_back(q[1]);
          hi.push_back(q[2]);
        }
      }
      series["median"] = med;
      series["p2.5"] = lo;
      series["p97.5"] = hi;
      course.push_back(series);
    }
  j["course"] = course;
  return j;
}

std::string summary_text(const Trial& trial, const TrialResults& results, const TrialSummary& s) {
  const auto& spec = trial.spec();
  std::string o;
  char buf[512];
  o += spec.title + "\n";
  std::snprintf(buf, sizeof buf, "%s design, n = %ld, %zu replicates, seed %llu, alpha %s\n", to_string(spec.design), spec.n,
                results.replicates.size(), static_cast<unsigned long long>(results.seed), fmt(spec.alpha).c_str());
  o += buf;
  if (spec.design == Design::Retrospective) {
    std::snprintf(buf, sizeof buf, "charts screened per replicate: median %s\n", fmt(s.median_screened, 6).c_str());
    o += buf;
  }
  std::snprintf(buf, sizeof buf, "withdrawn per replicate: median %s (range %ld-%ld); lost to data problems: median %s (range %ld-%ld)\n",
                fmt(s.median_withdrawn, 6).c_str(), s.min_withdrawn, s.max_withdrawn, fmt(s.median_lost, 6).c_str(), s.min_lost,
                s.max_lost);
  o += buf;
  if (!results.replicates.empty() && trial.groups().size() > 1) {
    std::string by;
    for (std::size_t g = 0; g < trial.groups().size(); ++g) {
      std::vector<double> w;
      for (const auto& r : results.replicates) w.push_back(static_cast<double>(r.withdrawn_by_group[g]));
      by += (g ? ", " : "") + trial.groups()[g] + " " + fmt(median_of(w), 6);
    }
    o += "withdrawn by group (median): " + by + "\n\n";
  } else {
    o += "\n";
  }
  std::snprintf(buf, sizeof buf, "%-16s %-20s %10s %22s %9s %16s %7s %6s\n", "endpoint", "analysis", "estimate", "95% of replicates",
                "P(sig.)", "(95% CI)", "n", "failed");
  o += buf;
  for (std::size_t k = 0; k < s.endpoints.size(); ++k) {
    const auto& es = s.endpoints[k];
    std::string range = "[" + fmt(es.p025) + ", " + fmt(es.p975) + "]";
    std::string pci = "(" + fmt(100 * es.power_ci.lower, 3) + "-" + fmt(100 * es.power_ci.upper, 3) + "%)";
    std::snprintf(buf, sizeof buf, "%-16s %-20s %10s %22s %8s%% %16s %7s %6zu\n", es.name.c_str(), es.analysis.c_str(),
                  fmt(es.median).c_str(), range.c_str(), fmt(100 * es.power, 3).c_str(), pci.c_str(), fmt(es.median_n, 6).c_str(),
                  es.failed);
    o += buf;
  }
  bool published = false;
  for (std::size_t k = 0; k < s.endpoints.size(); ++k) {
    const auto& e = spec.endpoints[k];
    if (!e.published.estimate && !e.published.p_value) continue;
    if (!published) o += "\npublished:\n";
    published = true;
    o += "  " + e.name + ": estimate " + (e.published.estimate ? fmt(*e.published.estimate) : "NA") + ", p " +
         (e.published.p_value ? fmt(*e.published.p_value) : "NA") + "\n";
  }
  for (const auto& es : s.endpoints)
    if (es.failed) o += "\n" + es.name + ": the analysis failed in " + std::to_string(es.failed) + " replicate(s); first: " + es.first_error + "\n";
  return o;
}

std::string results_csv(const Trial& trial, const TrialResults& results) {
  std::string o =
      "replicate,endpoint,analysis,estimate,lower,upper,p_value,significant,n,n_treatment,n_control,mean_treatment,"
      "mean_control,period_effect,period_p,carryover_p,randomised,withdrawn,lost,error\n";
  const auto& spec = trial.spec();
  auto add = [&](double v) {
    o += ',';
    if (std::isfinite(v)) append_number(o, v, 0);
    else o += "NA";
  };
  for (const auto& r : results.replicates)
    for (std::size_t k = 0; k < spec.endpoints.size(); ++k) {
      const EndpointResult& x = r.endpoints[k];
      o += std::to_string(r.replicate) + "," + spec.endpoints[k].name + "," + to_string(spec.endpoints[k].analysis);
      for (double v : {x.estimate, x.lower, x.upper, x.p_value}) add(v);
      o += x.significant ? ",1" : ",0";
      o += "," + std::to_string(x.n) + "," + std::to_string(x.n_treatment) + "," + std::to_string(x.n_control);
      for (double v : {x.mean_treatment, x.mean_control, x.period_effect, x.period_p, x.carryover_p}) add(v);
      o += "," + std::to_string(r.randomised) + "," + std::to_string(r.withdrawn) + "," + std::to_string(r.lost) + ",";
      if (!x.error.empty()) {
        std::string e = x.error;
        for (char& c : e)
          if (c == '"' || c == '\n') c = '\'';
        o += "\"" + e + "\"";
      }
      o += "\n";
    }
  return o;
}

std::string report_html(const Trial& trial, const TrialResults& results, const TrialSummary& s) {
  const auto& spec = trial.spec();
  report::Html page(spec.title, std::string(to_string(spec.design)) + " trial, n = " + std::to_string(spec.n) + ", " +
                                    std::to_string(results.replicates.size()) + " simulated replicates (seed " +
                                    std::to_string(results.seed) + ")");
  page.heading("Endpoints");
  std::vector<std::vector<std::string>> rows;
  for (std::size_t k = 0; k < s.endpoints.size(); ++k) {
    const auto& es = s.endpoints[k];
    const auto& e = spec.endpoints[k];
    rows.push_back({es.name, es.label, es.analysis, fmt(es.median), fmt(es.p025), fmt(es.p975), fmt(100 * es.power, 3) + "%",
                    fmt(es.median_n, 6), e.published.estimate ? fmt(*e.published.estimate) : "",
                    e.published.p_value ? fmt(*e.published.p_value) : "", std::to_string(es.failed)});
  }
  page.table({"endpoint", "instrument", "analysis", "median estimate", "2.5%", "97.5%", "P(significant)", "median n",
              "published estimate", "published p", "failed"},
             rows, "Estimates over replicates; P(significant) at alpha " + fmt(spec.alpha) + ".");
  page.paragraph("Withdrawn per replicate: median " + fmt(s.median_withdrawn, 6) + " (range " + std::to_string(s.min_withdrawn) +
                 "-" + std::to_string(s.max_withdrawn) + "); lost to data problems: median " + fmt(s.median_lost, 6) + ".");
  nlohmann::json forest = nlohmann::json::array();
  for (std::size_t k = 0; k < s.endpoints.size(); ++k) {
    const auto& es = s.endpoints[k];
    const auto& e = spec.endpoints[k];
    if (std::isfinite(es.median))
      forest.push_back({{"label", es.name}, {"estimate", es.median}, {"low", num(es.p025)}, {"high", num(es.p975)}, {"source", "Simulated"}});
    if (e.published.estimate)
      forest.push_back({{"label", es.name},
                        {"estimate", *e.published.estimate},
                        {"low", e.published.lower ? num(*e.published.lower) : nullptr},
                        {"high", e.published.upper ? num(*e.published.upper) : nullptr},
                        {"source", "Published"}});
  }
  if (!forest.empty()) {
    page.heading("Distribution of the estimates", 3);
    page.chart(report::forest_plot(forest, "estimate (median and 95% of replicates)", "Estimates over replicates"),
               "Simulated: median and central 95% of the replicates' estimates; published: the paper's estimate and interval.");
  }
  // Mean course of each observed output by group.
  nlohmann::json j = to_json(trial, results, s);
  page.heading("Mean course by group");
  for (std::size_t o = 0; o < trial.observed_outputs().size(); ++o) {
    if (trial.observed_outputs()[o] == spec.dropout_output) continue;  // the withdrawal flag
    nlohmann::json pts = nlohmann::json::array();
    for (const auto& series : j["course"]) {
      if (series["output"] != trial.observed_outputs()[o]) continue;
      for (std::size_t v = 0; v < series["day"].size(); ++v) {
        if (series["median"][v].is_null()) continue;
        pts.push_back({{"x", series["day"][v]}, {"y", series["median"][v]}, {"series", series["group"]},
                       {"band_low", series["p2.5"][v]}, {"band_high", series["p97.5"][v]}});
      }
    }
    if (pts.empty()) continue;
    page.chart(report::line_chart(pts, "study day", trial.observed_outputs()[o], trial.observed_outputs()[o] + ": group mean"),
               "Median over replicates of the group mean at each visit, with the central 95% band.");
  }
  page.heading("Design");
  page.paragraph(trial.plan());
  return page.render();
}

}  // namespace ldnsim::trial
