// ldnsim dosefind: the dose-response of a dose-finding trial spec in each parameter world,
// the dose giving a target chance of response with its spread, and the sample size per arm
// of an MCP-Mod contrast test; text, --json, HTML report. docs/dosefind.md.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/output/json_output.hpp"
#include "ldnsim/science/dosefind.hpp"
#include "ldnsim/trial/spec.hpp"
#ifdef LDNSIM_HAVE_REPORT
#include "ldnsim/report/html.hpp"
#endif

namespace ldnsim::cli {
namespace {

struct DoseFindFlags {
  std::string spec;
  long long worlds = 0;  // 0: the spec's
  bool json = false;
  std::string report;
  RunFlags run;
};

std::string pct(double v) { return std::isfinite(v) ? format_number(100 * v, 3) + "%" : "-"; }
std::string num(double v, int d = 3) { return std::isfinite(v) ? format_number(v, d) : "NA"; }

std::string size_text(long n, const science::DoseFindResult& r, bool assurance) {
  if (n >= 0) return std::to_string(n) + " per arm (" + std::to_string(n * static_cast<long>(r.arms.size())) + " in all)";
  if (!assurance && r.spec.nominal_replicates == 0) return "not computed (nominal_replicates = 0)";
  return "not reached by " + std::to_string(r.spec.n_per_arm.back()) + " per arm";
}

std::vector<std::string> notes(const science::DoseFindResult& r) {
  std::vector<std::string> out;
  out.push_back("worlds: " + std::to_string(r.spec.worlds) + " parameter sets drawn from the ranges and SEs of " + r.model + " (" +
                std::to_string(r.drawn_parameters) + " parameters: fitted ones normal with their SE, assumptions uniform or "
                "log-uniform over their range); each world's dose-response pools its simulated trials (" +
                std::to_string(r.spec.n_per_arm.size()) + " sizes), so the spread across worlds includes that sampling noise");
  out.push_back("response: " + r.endpoint_label + "; the completers of each arm, as the trial spec analyses them");
  std::string shapes;
  for (const auto& s : r.spec.shapes) shapes += (shapes.empty() ? "" : "; ") + s.name;
  out.push_back("test: the MCP step of MCP-Mod (Bretz, Pinheiro & Branson 2005) on the responder proportions: one optimal "
                "contrast per candidate shape (" + shapes + "), z statistics with the pooled binomial variance, success when "
                "the largest exceeds " + num(r.critical_value, 4) + ", the one-sided " + num(r.spec.alpha) +
                " critical value of the maximum of correlated normals (" + std::to_string(r.spec.critical_draws) +
                " Monte-Carlo draws). Chosen over a single trend test because the shape is unknown: a linear trend loses power "
                "against a plateau from low doses, the shape the model's Emax gives when E50 is small");
  out.push_back("assurance: share of worlds whose simulated study succeeds (exact 95% interval); power: share of " +
                std::to_string(r.spec.nominal_replicates) + " trials at the model file's own values");
  if (!r.spec.note.empty()) out.push_back(r.spec.note);
  return out;
}

nlohmann::ordered_json to_json(const science::DoseFindResult& r, const DoseFindFlags& f) {
  auto j = json_output::envelope("dosefind");
  auto n = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); };
  auto ed = [&](double v) {
    return nlohmann::ordered_json{{"mg", std::isfinite(v) && v > 0 ? nlohmann::ordered_json(v) : nlohmann::ordered_json()},
                                  {"text", science::ed_text(v, r.doses_mg)}};
  };
  j["inputs"] = {{"spec", f.spec}, {"trial", r.spec.trial}, {"worlds", r.spec.worlds}, {"seed", r.spec.seed},
                 {"threads", f.run.thread_count()},
                 {"report", f.report.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(f.report)}};
  auto& res = j["results"];
  res["title"] = r.spec.title;
  res["trial"] = r.trial_title;
  res["model"] = r.model;
  res["response"] = r.endpoint_label;
  res["target"] = r.spec.target;
  res["arms"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < r.arms.size(); ++i)
    res["arms"].push_back({{"name", r.arms[i]}, {"dose_mg", r.doses_mg[i]}, {"rate_median", n(r.rate_median[i])},
                           {"rate_low", n(r.rate_low[i])}, {"rate_high", n(r.rate_high[i])}});
  res["target_dose"] = {{"identified", r.ed_identified}, {"median", ed(r.ed_median)}, {"low", ed(r.ed_low)},
                        {"high", ed(r.ed_high)}, {"share_below", r.ed_below}, {"share_within", r.ed_within},
                        {"share_above", r.ed_above}, {"statement", science::ed_statement(r)}};
  res["test"] = {{"method", "MCP step of MCP-Mod, responder proportions"}, {"alpha_one_sided", r.spec.alpha},
                 {"critical_value", r.critical_value}, {"shapes", nlohmann::ordered_json::array()}};
  for (std::size_t s = 0; s < r.spec.shapes.size(); ++s)
    res["test"]["shapes"].push_back({{"name", r.spec.shapes[s].name}, {"model", r.spec.shapes[s].model}, {"contrast", r.contrasts[s]}});
  res["points"] = nlohmann::ordered_json::array();
  for (const auto& p : r.points)
    res["points"].push_back({{"n_per_arm", p.n_per_arm}, {"assurance", p.assurance}, {"assurance_low", p.assurance_low},
                             {"assurance_high", p.assurance_high}, {"power", p.power >= 0 ? n(p.power) : nlohmann::ordered_json()},
                             {"power_low", p.power >= 0 ? n(p.power_low) : nlohmann::ordered_json()},
                             {"power_high", p.power >= 0 ? n(p.power_high) : nlohmann::ordered_json()},
                             {"failed", p.trials_failed}});
  res["goal"] = r.spec.power;
  res["n_per_arm_assurance"] = r.n_assurance >= 0 ? nlohmann::ordered_json(r.n_assurance) : nlohmann::ordered_json();
  res["n_per_arm_power"] = r.n_power >= 0 ? nlohmann::ordered_json(r.n_power) : nlohmann::ordered_json();
  res["drawn_parameters"] = r.drawn_names;
  res["worlds"] = nlohmann::ordered_json::array();
  for (const auto& w : r.worlds)
    res["worlds"].push_back({{"responders", w.responders}, {"evaluable", w.evaluable},
                             {"target_dose", w.ed.status == 0 ? nlohmann::ordered_json(w.ed.dose) : nlohmann::ordered_json()},
                             {"target_dose_status", w.ed.status < 0 ? "below" : w.ed.status > 0 ? "above" : "within"},
                             {"significant", w.significant}});
  if (!r.ed_identified) j["warnings"].push_back(science::ed_statement(r));
  if (r.n_assurance < 0)
    j["warnings"].push_back(std::string(pct(r.spec.power)) + " assurance is not reached by " + std::to_string(r.spec.n_per_arm.back()) + " per arm");
  for (const auto& s : notes(r)) j["evidence"].push_back(s);
  return j;
}

#ifdef LDNSIM_HAVE_REPORT
std::string report_html(const science::DoseFindResult& r) {
  report::Html page("ldnsim dosefind: " + r.spec.title, r.trial_title + "; response: " + r.endpoint_label);
  page.heading("Summary");
  page.table({"quantity", "result"},
             {{"dose with a " + pct(r.spec.target) + " chance of response (median)", science::ed_text(r.ed_median, r.doses_mg)},
              {"its 95% interval across worlds", science::ed_text(r.ed_low, r.doses_mg) + " to " + science::ed_text(r.ed_high, r.doses_mg)},
              {"worlds below / within / above the dose range", pct(r.ed_below) + " / " + pct(r.ed_within) + " / " + pct(r.ed_above)},
              {pct(r.spec.power) + " assurance", size_text(r.n_assurance, r, true)},
              {pct(r.spec.power) + " power at the model file's values", size_text(r.n_power, r, false)}});
  page.callout(science::ed_statement(r), r.ed_identified ? report::Tone::Info : report::Tone::Caution);
  for (const auto& s : notes(r)) page.callout(s, report::Tone::Info);

  page.heading("Dose-response across parameter worlds");
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < r.arms.size(); ++i)
    rows.push_back({{"x", r.doses_mg[i]}, {"y", r.rate_median[i]}, {"series", "median of worlds (95% band)"},
                    {"band_low", r.rate_low[i]}, {"band_high", r.rate_high[i]}});
  const std::size_t shown = std::min<std::size_t>(r.worlds.size(), 8);
  for (std::size_t w = 0; w < shown; ++w)
    for (std::size_t i = 0; i < r.arms.size(); ++i)
      rows.push_back({{"x", r.doses_mg[i]}, {"y", r.worlds[w].rate[i]}, {"series", "world " + std::to_string(w + 1)}});
  for (std::size_t i = 0; i < r.arms.size(); ++i)
    rows.push_back({{"x", r.doses_mg[i]}, {"y", r.spec.target}, {"series", "target " + pct(r.spec.target)}});
  page.chart(report::line_chart(rows, "dose at bedtime (mg; 0 = placebo)", "share of responders", "Response rate by dose"),
             "Median and central 95% of the response rate across " + std::to_string(r.worlds.size()) +
                 " parameter worlds, with the first " + std::to_string(shown) + " worlds' own curves and the target line.");
  nlohmann::json edrows = nlohmann::json::array();
  std::vector<std::string> bins = {"< " + num(r.doses_mg[1]) + " mg"};
  std::vector<double> counts(1, 0);
  for (std::size_t i = 1; i + 1 < r.doses_mg.size(); ++i) {
    bins.push_back(num(r.doses_mg[i]) + "-" + num(r.doses_mg[i + 1]) + " mg");
    counts.push_back(0);
  }
  bins.push_back("> " + num(r.doses_mg.back()) + " mg");
  counts.push_back(0);
  for (const auto& w : r.worlds) {
    if (w.ed.status < 0) counts.front() += 1;
    else if (w.ed.status > 0) counts.back() += 1;
    else
      for (std::size_t i = 1; i + 1 < r.doses_mg.size(); ++i)
        if (w.ed.dose <= r.doses_mg[i + 1]) {
          counts[i] += 1;
          break;
        }
  }
  for (std::size_t b = 0; b < bins.size(); ++b)
    edrows.push_back({{"category", bins[b]}, {"value", counts[b] / static_cast<double>(r.worlds.size())}});
  page.chart(report::interval_chart(edrows, "dose with a " + pct(r.spec.target) + " chance of response", "share of worlds",
                                    "Where the target dose falls", report::IntervalMark::Bar),
             "Share of parameter worlds by the dose at which the response rate reaches the target (interpolated on log dose "
             "between arms).");

  page.heading("Sample size");
  nlohmann::json prow = nlohmann::json::array();
  for (const auto& p : r.points) {
    prow.push_back({{"x", p.n_per_arm}, {"y", p.assurance}, {"series", "assurance (worlds)"}, {"band_low", p.assurance_low},
                    {"band_high", p.assurance_high}});
    if (p.power >= 0)
      prow.push_back({{"x", p.n_per_arm}, {"y", p.power}, {"series", "power (file's values)"}, {"band_low", p.power_low},
                      {"band_high", p.power_high}});
  }
  page.chart(report::power_curve(prow, "patients per arm", "Success of the MCP-Mod contrast test", r.spec.power),
             "Share of simulated dose-finding studies whose largest contrast is significant, with exact 95% intervals.");
  std::vector<std::vector<std::string>> t;
  for (const auto& p : r.points)
    t.push_back({std::to_string(p.n_per_arm), std::to_string(p.n_per_arm * static_cast<long>(r.arms.size())),
                 pct(p.assurance) + " [" + pct(p.assurance_low) + ", " + pct(p.assurance_high) + "]",
                 p.power >= 0 ? pct(p.power) + " [" + pct(p.power_low) + ", " + pct(p.power_high) + "]" : "-"});
  page.table({"per arm", "in all", "assurance [95%]", "power [95%]"}, t);

  page.heading("Arms and contrasts");
  std::vector<std::string> head = {"arm", "dose", "response: median [95% of worlds]"};
  for (const auto& s : r.spec.shapes) head.push_back(s.name);
  std::vector<std::vector<std::string>> at;
  for (std::size_t i = 0; i < r.arms.size(); ++i) {
    std::vector<std::string> row = {r.arms[i], num(r.doses_mg[i]) + " mg",
                                    pct(r.rate_median[i]) + " [" + pct(r.rate_low[i]) + ", " + pct(r.rate_high[i]) + "]"};
    for (const auto& c : r.contrasts) row.push_back(num(c[i], 3));
    at.push_back(row);
  }
  page.table(head, at, "contrast coefficients per candidate shape; critical value " + num(r.critical_value, 4));
  return page.render();
}
#endif

int run_dosefind(const DoseFindFlags& f) {
  OutputPlan plan;
  plan.input("the spec", f.spec).output("--report", f.report).check();
  science::DoseFindSpec spec = science::load_dosefind_spec(f.spec);
  {
    const trial::TrialSpec ts = trial::load_trial_spec(spec.trial);
    plan.input("the trial spec", spec.trial).input("the trial's model", ts.model_path).input("the trial's population", ts.population_path).check();
  }
  if (f.worlds > 0) spec.worlds = static_cast<std::size_t>(f.worlds);
  science::DoseFindOptions o;
  o.threads = f.run.thread_count();
  o.progress = !f.run.quiet && isatty(2);
  if (o.progress) o.note = [](const std::string& s) { std::fprintf(stderr, "ldnsim dosefind: %s\n", s.c_str()); };
  std::unique_ptr<AtomicFile> html;
#ifdef LDNSIM_HAVE_REPORT
  if (!f.report.empty()) html = std::make_unique<AtomicFile>(f.report);
#else
  if (!f.report.empty()) throw UsageError("--report: this ldnsim was built without the report library");
#endif
  const science::DoseFindResult r = science::run_dosefind(spec, o);
#ifdef LDNSIM_HAVE_REPORT
  if (html) {
    html->write(report_html(r));
    html->commit();
  }
#endif
  if (f.json) {
    auto j = to_json(r, f);
    j["seconds"] = r.seconds;
    print_json(j);
  } else {
    std::printf("ldnsim dosefind: %s\n%s\nresponse: %s; %zu parameter worlds, seed %llu\n\n", r.spec.title.c_str(), r.trial_title.c_str(),
                r.endpoint_label.c_str(), r.spec.worlds, static_cast<unsigned long long>(r.spec.seed));
    std::printf("%-10s %8s   %s\n", "arm", "dose", "response: median [95% of worlds]");
    for (std::size_t i = 0; i < r.arms.size(); ++i)
      std::printf("%-10s %8s   %s [%s, %s]\n", r.arms[i].c_str(), (num(r.doses_mg[i]) + " mg").c_str(), pct(r.rate_median[i]).c_str(),
                  pct(r.rate_low[i]).c_str(), pct(r.rate_high[i]).c_str());
    std::printf("\ntarget dose (%s chance of response): median %s, 95%% %s to %s\n", pct(r.spec.target).c_str(),
                science::ed_text(r.ed_median, r.doses_mg).c_str(), science::ed_text(r.ed_low, r.doses_mg).c_str(),
                science::ed_text(r.ed_high, r.doses_mg).c_str());
    std::printf("worlds below / within / above the dose range: %s / %s / %s\n", pct(r.ed_below).c_str(), pct(r.ed_within).c_str(),
                pct(r.ed_above).c_str());
    std::printf("=> %s\n\n", science::ed_statement(r).c_str());
    std::printf("%8s %8s   %-26s %s\n", "per arm", "in all", "assurance [95%]", "power at the file's values [95%]");
    for (const auto& p : r.points)
      std::printf("%8ld %8ld   %-26s %s\n", p.n_per_arm, p.n_per_arm * static_cast<long>(r.arms.size()),
                  (pct(p.assurance) + " [" + pct(p.assurance_low) + ", " + pct(p.assurance_high) + "]").c_str(),
                  p.power >= 0 ? (pct(p.power) + " [" + pct(p.power_low) + ", " + pct(p.power_high) + "]").c_str() : "-");
    std::printf("\n%s assurance: %s\n%s power:     %s\n\n", pct(r.spec.power).c_str(), size_text(r.n_assurance, r, true).c_str(),
                pct(r.spec.power).c_str(), size_text(r.n_power, r, false).c_str());
    for (const auto& s : notes(r)) std::printf("- %s\n", s.c_str());
  }
  if (notes_on_stderr(f.run.quiet)) {
    std::fprintf(stderr, "ldnsim dosefind: %.1f s on %d thread%s", r.seconds, o.threads, o.threads == 1 ? "" : "s");
    if (html) std::fprintf(stderr, "; report written to %s", f.report.c_str());
    std::fprintf(stderr, "\n");
  }
  return 0;
}

}  // namespace

void add_dosefind_command(CLI::App& app) {
  auto f = std::make_shared<DoseFindFlags>();
  CLI::App* cmd = app.add_subcommand(
      "dosefind", "Dose finding: dose-response per parameter world, the dose for a target chance of response, and the sample size "
                  "of an MCP-Mod study (docs/dosefind.md)");
  cmd->add_option("spec", f->spec, "dose-finding spec (TOML), e.g. trials/fm/dosefind.toml")->required();
  cmd->add_option("--worlds", f->worlds, "parameter worlds (default: the spec's)")
      ->check(count_in(2, 100000, "a number of parameter worlds, 2 to 100000"));
  cmd->add_flag("--json", f->json, "the results as JSON on stdout (docs/json.md)");
  cmd->add_option("--report", f->report, "write an HTML report with the dose-response and sample-size curves")->check(file_name());
  f->run.add_to(*cmd);
  cmd->callback([f] { run_dosefind(*f); });
}

}  // namespace ldnsim::cli
