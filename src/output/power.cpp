// The rendering of `ldnsim power` results (include/ldnsim/output/power.hpp): the text table,
// the --json document, the HTML report. docs/power.md.
#include "ldnsim/output/power.hpp"

#include <cmath>

#include "appendf.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/output/json_output.hpp"
#include "ldnsim/report/html.hpp"

namespace ldnsim::output {
namespace {

std::string pct(double v) { return std::isfinite(v) ? format_number(100 * v, 3) + "%" : "-"; }
std::string num(double v, int d = 3) { return std::isfinite(v) ? format_number(v, d) : "NA"; }

std::string n80_text(long first, double interp, double max_value, bool computed) {
  if (!computed) return "not computed";
  if (first < 0) return "not reachable within the range (highest " + pct(max_value) + ")";
  return "n = " + std::to_string(first) + " (first size on the grid; about " + num(std::ceil(interp), 6) + " interpolated)";
}

std::vector<std::string> notes(const science::PowerResult& r, const science::PowerOptions& o) {
  std::vector<std::string> out;
  out.push_back("success: p < " + num(r.alpha) + " in the spec's analysis (" + r.analysis + ")" +
                (o.better == "any" ? " in either direction; give --better lower|higher to count only results favouring treatment"
                                   : ", with the estimate " + std::string(o.better == "lower" ? "below " : "above ") +
                                         (r.ratio ? "1" : "0") + " (--better " + o.better + ")"));
  out.push_back("power: at the calibrated estimates of the effect parameters, exact 95% interval over " +
                std::to_string(o.replicates) + " simulated trials per n");
  if (r.assurance)
    out.push_back("assurance: power averaged over " + std::to_string(o.draws) + " draws of the effect parameters (normal on the "
                  "fitted estimate with its SE; uniform over the stated range for assumptions without a fit and for fits their targets do not identify) x " +
                  std::to_string(o.draw_replicates) + " trials per draw; 95% interval from the spread between draws");
  if (r.assurance) {
    out.push_back("the assurance interval covers: " + r.covers + " (--uncertainty " + r.uncertainty + ")" +
                  (r.drawn_parameters ? "; " + std::to_string(r.drawn_parameters) +
                                            " further parameters of the model drawn with the effect (fitted: normal with their SE, "
                                            "independent, within their range; assumptions: uniform over their range)"
                                      : ""));
    if (r.lymphocytes)
      out.push_back("the lymphocyte change LDN causes is drawn from the pharmacology's Latin hypercube over every ranged parameter: at 4.5 mg " +
                    num(r.change_typical) + "% [" + num(r.change_low) + ", " + num(r.change_high) +
                    "] (PROLX); draws with a rise in proliferation have LDN raising relapses");
    if (r.tau > 0)
      out.push_back("between-trial variation: the placebo relapse rate of each draw is ARR_RR x exp(" + num(r.tau) +
                    " z - " + num(r.tau) + "^2/2) (ARR_TAU, placebo arms of studies.md 9a)");
  }
  for (const auto& e : r.effects)
    if (e.distribution == "uniform" && !e.identified)
      out.push_back(e.name + " is not identified by its calibration targets (a published null without numbers bounds it, it does "
                    "not measure it): power at its value " + num(e.estimate, 4) + " (the middle of its prior range) is not power at "
                    "a measured effect, and no result here says the effect is nil; its draws are uniform over the prior range " +
                    num(e.low) + "-" + num(e.high) + ", so read the assurance");
    else if (e.distribution == "uniform")
      out.push_back(e.name + " is an assumption of the model, not fitted to data: its draws are uniform over " + num(e.low) + "-" +
                    num(e.high) + "; give --effect-from zero to see the design with no LDN effect");
  if (o.effect_from == "zero") out.push_back("--effect-from zero: every LDN-effect parameter is 0, so power is the false-positive rate");
  return out;
}

}  // namespace

nlohmann::ordered_json power_json(const science::PowerResult& r, const science::PowerOptions& o, const PowerInputs& in) {
  auto j = json_output::envelope("power");
  auto n = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); };
  j["inputs"] = {{"spec", in.spec},          {"n", o.n},
                 {"endpoint", r.endpoint}, {"effect_from", o.effect_from},
                 {"effect", o.effect_parameters}, {"set", in.set},
                 {"better", o.better},     {"uncertainty", o.uncertainty}, {"replicates", o.replicates},
                 {"draws", o.draws},       {"draw_replicates", o.draw_replicates},
                 {"seed", o.seed},         {"threads", o.threads},
                 {"report", in.report.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(in.report)}};
  auto& res = j["results"];
  res["title"] = r.title;
  res["design"] = r.design;
  res["endpoint"] = {{"name", r.endpoint}, {"label", r.endpoint_label}, {"analysis", r.analysis}, {"alpha", r.alpha},
                     {"ratio", r.ratio}};
  res["minimum_n"] = r.min_n;
  res["assurance_covers"] = r.assurance ? nlohmann::ordered_json(r.covers) : nlohmann::ordered_json();
  res["drawn_parameters"] = r.drawn_parameters;
  res["lymphocyte_change"] = r.lymphocytes ? nlohmann::ordered_json({{"typical", r.change_typical}, {"low", r.change_low}, {"high", r.change_high}})
                                           : nlohmann::ordered_json();
  res["between_trial_tau"] = r.tau;
  res["effects"] = nlohmann::ordered_json::array();
  for (const auto& e : r.effects)
    res["effects"].push_back({{"name", e.name}, {"estimate", e.estimate}, {"se", n(e.se)}, {"distribution", e.distribution},
                              {"identified", e.identified},
                              {"low", e.distribution == "uniform" ? n(e.low) : nlohmann::ordered_json()},
                              {"high", e.distribution == "uniform" ? n(e.high) : nlohmann::ordered_json()}});
  res["points"] = nlohmann::ordered_json::array();
  for (const auto& p : r.points)
    res["points"].push_back({{"n", p.n},
                             {"power", p.power},
                             {"power_low", p.power_low},
                             {"power_high", p.power_high},
                             {"assurance", n(p.assurance)},
                             {"assurance_low", n(p.assurance_low)},
                             {"assurance_high", n(p.assurance_high)},
                             {"median_estimate", n(p.median_estimate)},
                             {"estimate_low", n(p.estimate_low)},
                             {"estimate_high", n(p.estimate_high)},
                             {"successes", p.successes},
                             {"trials", p.trials},
                             {"failed", p.failed}});
  res["n80_power"] = r.n80_power >= 0 ? nlohmann::ordered_json(r.n80_power) : nlohmann::ordered_json();
  res["n80_power_interpolated"] = n(r.n80_power_interpolated);
  res["n80_assurance"] = r.n80_assurance >= 0 ? nlohmann::ordered_json(r.n80_assurance) : nlohmann::ordered_json();
  res["n80_assurance_interpolated"] = n(r.n80_assurance_interpolated);
  res["assurance_computed"] = r.assurance;
  if (r.n80_power < 0) j["warnings"].push_back("80% power is not reachable within the range of --n");
  if (r.assurance && r.n80_assurance < 0) j["warnings"].push_back("80% assurance is not reachable within the range of --n");
  for (const auto& p : r.points)
    if (p.failed > 0)
      j["warnings"].push_back("n = " + std::to_string(p.n) + ": the analysis failed in " + std::to_string(p.failed) + " of " +
                              std::to_string(p.trials) + " trials (counted as no success)");
  for (const auto& s : notes(r, o)) j["evidence"].push_back(s);
  return j;
}

std::string power_text(const science::PowerResult& r, const science::PowerOptions& o) {
  std::string out;
  appendf(out, "ldnsim power: %s\n%s design, endpoint %s (%s), alpha %s; %lld trials per n, seed %lld\n\n", r.title.c_str(),
              r.design.c_str(), r.endpoint_label.c_str(), r.analysis.c_str(), num(r.alpha).c_str(), static_cast<long long>(o.replicates),
          static_cast<long long>(o.seed));
  appendf(out, "%8s  %-26s %-26s %s\n", "n", "power [95%]", "assurance [95%]", "estimate: median [95% of trials]");
  for (const auto& p : r.points)
    appendf(out, "%8ld  %-26s %-26s %s\n", p.n, (pct(p.power) + " [" + pct(p.power_low) + ", " + pct(p.power_high) + "]").c_str(),
                r.assurance ? (pct(p.assurance) + " [" + pct(p.assurance_low) + ", " + pct(p.assurance_high) + "]").c_str() : "-",
                (num(p.median_estimate) + " [" + num(p.estimate_low) + ", " + num(p.estimate_high) + "]").c_str());
  appendf(out, "\n80%% power:     %s\n", n80_text(r.n80_power, r.n80_power_interpolated, r.points.back().power, true).c_str());
  appendf(out, "80%% assurance: %s\n\n", n80_text(r.n80_assurance, r.n80_assurance_interpolated, r.max_assurance, r.assurance).c_str());
  appendf(out, "LDN effect (%s):\n", r.model.c_str());
  for (const auto& e : r.effects)
    appendf(out, "  %-10s %-10s %s\n", e.name.c_str(), num(e.estimate, 4).c_str(),
                e.distribution == "normal"    ? ("normal, SE " + num(e.se)).c_str()
                : e.distribution == "uniform" ? ("uniform " + num(e.low) + "-" + num(e.high) +
                                                 (e.identified ? " (an assumption, not fitted)" : " (not identified: its prior range)")).c_str()
                                              : "fixed");
  appendf(out, "\n");
  for (const auto& s : notes(r, o)) appendf(out, "- %s\n", s.c_str());
  return out;
}

std::string power_report_html(const science::PowerResult& r, const science::PowerOptions& o) {
  report::Html page("ldnsim power: " + r.title, "sample-size curve of " + r.spec + "; endpoint " + r.endpoint_label);
  page.heading("Summary");
  page.paragraph("Each sample size was simulated as replicated trials through the trial engine, analysed with the spec's own "
                 "analysis (" + r.analysis + "). Power uses the model's calibrated LDN effect; assurance averages power over "
                 "the uncertainty of that effect.");
  page.table({"quantity", "sample size (total)"},
             {{"80% power", n80_text(r.n80_power, r.n80_power_interpolated, r.points.empty() ? 0 : r.points.back().power, true)},
              {"80% assurance", n80_text(r.n80_assurance, r.n80_assurance_interpolated, r.max_assurance, r.assurance)}});
  for (const auto& s : notes(r, o)) page.callout(s, s.find("assumption") != std::string::npos ? report::Tone::Caution : report::Tone::Info);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& p : r.points) {
    rows.push_back({{"x", p.n}, {"y", p.power}, {"series", "power (calibrated effect)"}, {"band_low", p.power_low},
                    {"band_high", p.power_high}});
    if (r.assurance)
      rows.push_back({{"x", p.n}, {"y", p.assurance}, {"series", "assurance (effect uncertain)"}, {"band_low", p.assurance_low},
                      {"band_high", p.assurance_high}});
  }
  page.heading("Power and assurance");
  page.chart(report::power_curve(rows, "patients randomised (total)", "Power and assurance against sample size", 0.8),
             "Share of simulated trials that succeed at each total sample size, with 95% intervals; the dashed line marks 80%.");
  nlohmann::json est = nlohmann::json::array();
  for (const auto& p : r.points)
    if (std::isfinite(p.median_estimate))
      est.push_back({{"x", p.n}, {"y", p.median_estimate}, {"series", "estimate"}, {"band_low", p.estimate_low},
                     {"band_high", p.estimate_high}});
  if (!est.empty())
    page.chart(report::line_chart(est, "patients randomised (total)", r.ratio ? "ratio" : "difference",
                                  "Estimated effect at the calibrated values"),
               "Median and central 95% of the estimates of simulated trials: the spread narrows as n grows.");
  page.heading("Table");
  std::vector<std::vector<std::string>> t;
  for (const auto& p : r.points)
    t.push_back({std::to_string(p.n), pct(p.power) + " [" + pct(p.power_low) + ", " + pct(p.power_high) + "]",
                 r.assurance ? pct(p.assurance) + " [" + pct(p.assurance_low) + ", " + pct(p.assurance_high) + "]" : "-",
                 num(p.median_estimate) + " [" + num(p.estimate_low) + ", " + num(p.estimate_high) + "]"});
  page.table({"n", "power [95%]", "assurance [95%]", "estimate [95% of trials]"}, t);
  page.heading("The LDN effect");
  std::vector<std::vector<std::string>> ef;
  for (const auto& e : r.effects)
    ef.push_back({e.name, num(e.estimate, 4), std::isfinite(e.se) ? num(e.se, 3) : "-",
                  e.distribution == "uniform" ? "uniform " + num(e.low) + "-" + num(e.high) +
                                                    (e.identified ? " (assumption)" : " (not identified: prior range)")
                                              : e.distribution});
  page.table({"parameter", "value", "SE", "draws"}, ef, "from " + r.model);
  return page.render();
}

}  // namespace ldnsim::output
