// ldnsim reproduce: runs every published LDN study (and the natural-history and placebo
// cohorts of the calibration) as replicated in-silico trials and prints one table of
// published vs simulated, with the evidence grade of each published number; writes a
// self-contained HTML report (forest plots, time courses). docs/clinical.md.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/paths.hpp"
#include "ldnsim/population/parallel.hpp"
#include "ldnsim/science/reproduce.hpp"
#include "ldnsim/trial/spec.hpp"
#include "ldnsim/output/json_output.hpp"
#ifdef LDNSIM_HAVE_REPORT
#include "ldnsim/report/html.hpp"
#endif

namespace ldnsim::cli {
namespace {

struct ReproduceFlags {
  std::string spec;
  long long replicates = 0;
  long long seed = -1;
  bool json = false;
  std::string report = "reproduce.html";
  bool no_report = false;
  bool report_given = false;
  std::string uncertainty;  // empty: the spec's own (predictive worlds where it asks)
  long long worlds = 200;
  RunFlags run;
};

std::string num(double v, int digits = 3) {
  if (!std::isfinite(v)) return "NA";
  return format_number(v, digits);
}

std::string with_unit(double v, const std::string& unit, int digits = 3) {
  return num(v, digits) + (unit == "%" && std::isfinite(v) ? "%" : "");
}

std::string simulated_text(const science::RowResult& r) {
  const std::string& u = r.row.unit;
  return with_unit(r.median, u) + " [" + with_unit(r.p025, u) + ", " + with_unit(r.p975, u) + "]";
}

std::string psig_text(const science::RowResult& r) {
  if (!std::isfinite(r.p_significant) || r.row.statistic == science::Statistic::Withdrawn) return "-";
  return format_number(100 * r.p_significant, 3) + "%";
}

std::string inside_text(const science::RowResult& r) {
  if (!r.consistent) return "-";
  return *r.consistent ? "yes" : "NO";
}

std::string study_label(const science::ReproduceResult& res, const std::string& spec) {
  for (const auto& s : res.studies)
    if (s.study.spec == spec) return s.study.label;
  return spec;
}

std::string fit(std::string s, std::size_t width) {
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  return s;
}

void print_table(const science::ReproduceResult& res) {
  std::printf("%-21s %-46s %-22s %-30s %7s %6s %5s  %s\n", "study", "endpoint", "published", "simulated median [95%]",
              "P(sig)", "inside", "grade", "role");
  std::string last;
  for (const auto& r : res.rows) {
    std::string study = study_label(res, r.row.study);
    if (study != last && !last.empty()) std::printf("\n");
    std::printf("%-21s %-46s %-22s %-30s %7s %6s %5s  %s\n", fit(study == last ? "" : study, 21).c_str(),
                fit(r.row.label, 46).c_str(), fit(r.row.published_text, 22).c_str(), simulated_text(r).c_str(),
                psig_text(r).c_str(), inside_text(r).c_str(), r.row.grade.c_str(), r.row.role.c_str());
    last = study;
  }
}

std::vector<std::string> notes(const science::ReproduceResult& res) {
  std::vector<std::string> out;
  out.push_back("P(sig): share of simulated trials with p < 0.05 in the paper's analysis. inside: the published value lies "
                "in the central 95% of simulated trials (for a verdict alone: that verdict occurs in at least 2.5% of them).");
  out.push_back("fitted rows are calibration targets (agreement there is by construction; see `ldnsim calibrate "
                "trials/calibration/*.toml`); check rows were not fitted; prediction rows have no published value in the "
                "science notes.");
  std::set<std::string> weak;
  for (const auto& r : res.rows)
    if (r.row.grade == "S" || r.row.grade == "U") weak.insert(study_label(res, r.row.study));
  if (!weak.empty()) {
    std::string list;
    for (const auto& w : weak) list += (list.empty() ? "" : ", ") + w;
    out.push_back("weak evidence (grade S: secondary source only; U: unconfirmed): rows of " + list +
                  ". Turel 2015's rates come from summaries of a letter, not from its tables; Cree 2010's null results on "
                  "PCS and MFIS have no numbers; Sharafaddinzadeh 2010's dose and periods are assumed.");
  }
  for (const auto& r : res.rows)
    if (r.consistent && !*r.consistent)
      out.push_back("not reproduced: " + study_label(res, r.row.study) + ", " + r.row.label + ": published " +
                    r.row.published_text + ", simulated " + simulated_text(r) + (r.row.note.empty() ? "" : " (" + r.row.note + ")"));
  std::map<std::string, std::string> covers;  // what the intervals cover -> studies
  for (const auto& s : res.studies) covers[s.covers] += (covers[s.covers].empty() ? "" : ", ") + s.study.label;
  for (const auto& [what, studies] : covers)
    out.push_back("intervals cover " + what + ": " + studies);
  for (const auto& st : res.studies)
    if (std::isfinite(st.p_pattern))
      out.push_back("whole published pattern of " + st.study.label + " (" + st.pattern + ", in the same trial): " +
                    num(100 * st.p_pattern) + "% of simulated trials [" + num(100 * st.p_pattern_low) + ", " +
                    num(100 * st.p_pattern_high) + "], beside each endpoint's P(sig) above");
  out.push_back("Sharafaddinzadeh 2010 is a prediction: its results are deliberately absent from the science notes and no "
                "parameter was fitted to it.");
  return out;
}

nlohmann::ordered_json to_json(const science::ReproduceResult& res, const science::ReproduceSpec& spec, const ReproduceFlags& f,
                               int threads) {
  auto j = json_output::envelope("reproduce");
  j["inputs"] = {{"spec", spec.file},
                 {"replicates", f.replicates > 0 ? nlohmann::ordered_json(f.replicates) : nlohmann::ordered_json(spec.replicates)},
                 {"seed", f.seed >= 0 ? nlohmann::ordered_json(f.seed) : nlohmann::ordered_json()},
                 {"threads", threads},
                 {"report", f.no_report ? nlohmann::ordered_json() : nlohmann::ordered_json(f.report)}};
  auto n = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); };
  nlohmann::ordered_json& results = j["results"];
  results["studies"] = nlohmann::ordered_json::array();
  results["rows"] = nlohmann::ordered_json::array();
  for (const auto& s : res.studies)
    results["studies"].push_back({{"label", s.study.label}, {"spec", s.study.spec}, {"role", s.study.role}, {"title", s.title},
                                  {"citation", s.citation}, {"replicates", s.replicates}, {"seed", s.seed},
                                  {"median_withdrawn", s.median_withdrawn}, {"median_lost", s.median_lost},
                                  {"parameter_worlds", s.study.uncertainty},
                                  {"pattern", s.pattern.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s.pattern)},
                                  {"p_pattern", n(s.p_pattern)}, {"p_pattern_low", n(s.p_pattern_low)},
                                  {"p_pattern_high", n(s.p_pattern_high)}, {"covers", s.covers}, {"parameter_sets", s.worlds}});
  for (const auto& r : res.rows) {
    nlohmann::ordered_json row = {{"study", study_label(res, r.row.study)}, {"endpoint", r.row.endpoint},
                                  {"statistic", science::to_string(r.row.statistic)}, {"label", r.row.label},
                                  {"published", r.row.published ? n(*r.row.published * r.row.scale) : nlohmann::ordered_json()},
                                  {"published_text", r.row.published_text}, {"unit", r.row.unit}, {"median", n(r.median)},
                                  {"p025", n(r.p025)}, {"p975", n(r.p975)}, {"p_significant", n(r.p_significant)},
                                  {"consistent", r.consistent ? nlohmann::ordered_json(*r.consistent) : nlohmann::ordered_json()},
                                  {"grade", r.row.grade}, {"role", r.row.role}, {"note", r.row.note},
                                  {"replicates", r.replicates}, {"failed", r.failed}};
    results["rows"].push_back(row);
    if (r.failed > 0)
      j["warnings"].push_back(study_label(res, r.row.study) + ", " + r.row.label + ": the analysis failed in " +
                              std::to_string(r.failed) + " of " + std::to_string(r.replicates) + " replicates");
  }
  for (const auto& note : notes(res)) {
    if (note.rfind("not reproduced", 0) == 0) j["warnings"].push_back(note);
    else j["evidence"].push_back(note);
  }
  return j;
}

#ifdef LDNSIM_HAVE_REPORT
std::string report_html(const science::ReproduceResult& res, const science::ReproduceSpec& spec, const std::string& when) {
  report::Html page("ldnsim reproduce: the published LDN studies as in-silico trials",
                    "published vs simulated; " + when);
  page.heading("Summary");
  page.paragraph("Each study was simulated as a replicated trial with virtual MS patients (models/ms/patient.ldn) "
                 "driven by the LDN pharmacology (models/ldn/human.ldn), and analysed as the paper did. The table "
                 "shows the published value, the median and central 95% of the simulated trials, the probability that "
                 "a simulated trial is significant, whether the published value lies inside the simulated interval, "
                 "and the evidence grade of the published number (studies.md).");
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : res.rows)
    rows.push_back({study_label(res, r.row.study), r.row.label, r.row.published_text, simulated_text(r), psig_text(r),
                    inside_text(r), r.row.grade, r.row.role});
  page.table({"study", "endpoint", "published", "simulated median [95%]", "P(sig)", "inside", "grade", "role"}, rows,
             "spec " + spec.file);
  for (const auto& n : notes(res)) page.callout(n, n.rfind("not reproduced", 0) == 0 ? report::Tone::Warning : report::Tone::Info);

  page.heading("Studies");
  for (const auto& s : res.studies) {
    page.heading(s.study.label + ": " + s.title, 3);
    page.paragraph(s.citation + ". " + std::to_string(s.replicates) + " simulated trials (seed " + std::to_string(s.seed) +
                   "); median withdrawn " + num(s.median_withdrawn) + ", lost " + num(s.median_lost) + ".");
    // forest plots: published vs simulated, one per unit (one axis each)
    std::vector<std::string> units;
    for (const auto& r : res.rows)
      if (r.row.study == s.study.spec && std::isfinite(r.median) && r.row.statistic == science::Statistic::Estimate &&
          std::find(units.begin(), units.end(), r.row.unit) == units.end())
        units.push_back(r.row.unit);
    for (const auto& unit : units) {
      nlohmann::json forest = nlohmann::json::array();
      for (const auto& r : res.rows) {
        if (r.row.study != s.study.spec || !std::isfinite(r.median) || r.row.unit != unit) continue;
        if (r.row.statistic != science::Statistic::Estimate) continue;
        forest.push_back({{"label", r.row.label}, {"estimate", r.median}, {"low", r.p025}, {"high", r.p975},
                          {"source", "Simulated"}, {"note", "median and 95% of simulated trials"}});
        if (r.row.published) {
          nlohmann::json pub = {{"label", r.row.label}, {"estimate", *r.row.published * r.row.scale}, {"source", "Published"},
                                {"note", r.row.published_text + " (grade " + r.row.grade + ")"}};
          if (r.row.low && r.row.high) {
            pub["low"] = *r.row.low * r.row.scale;
            pub["high"] = *r.row.high * r.row.scale;
          }
          forest.push_back(pub);
        }
      }
      std::optional<double> ref;
      if (s.study.role != "calibration" && unit == "points") ref = 0.0;
      page.chart(report::forest_plot(forest, unit.empty() ? "value" : unit, s.study.label + ": published vs simulated", ref),
                 "Published values (with their range where one was published) against the median and central 95% of the "
                 "simulated trials.");
    }
    // time courses
    std::set<std::string> outs;
    for (const auto& c : s.courses) outs.insert(c.output);
    for (const auto& o : outs) {
      nlohmann::json pts = nlohmann::json::array();
      for (const auto& c : s.courses) {
        if (c.output != o) continue;
        for (std::size_t i = 0; i < c.day.size(); ++i)
          pts.push_back({{"x", c.day[i] / 7.0}, {"y", c.median[i]}, {"series", c.group}, {"band_low", c.low[i]},
                         {"band_high", c.high[i]}});
      }
      page.chart(report::line_chart(pts, "week", o, s.study.label + ": " + o + " by group"),
                 "Mean " + o + " of the observed patients of each group at the visits: median over simulated trials, "
                 "with the central 95%.");
    }
  }
  return page.render();
}
#endif

int run_reproduce(const ReproduceFlags& f) {
  if (f.replicates < 0 || f.replicates > 1000000) throw UsageError("--replicates " + std::to_string(f.replicates) + ": expected 1-1000000");
  if (f.seed < -1) throw UsageError("--seed must be 0 or more");
  const std::string spec_path = f.spec.empty() ? find_resource("trials/reproduce.toml") : f.spec;
  const bool want_report = !f.no_report;
  OutputPlan plan;
  plan.input("--spec", spec_path).output("--report", want_report ? f.report : "").check();
  science::ReproduceSpec spec = science::load_reproduce_spec(spec_path);
  // The studies' specs, models and populations are read too: the report may be none of them.
  for (const science::ReproduceStudy& st : spec.studies) {
    const trial::TrialSpec ts = trial::load_trial_spec(st.spec);
    plan.input("a study's spec", st.spec).input("a study's model", ts.model_path).input("a study's population", ts.population_path);
  }
  plan.check();
#ifndef LDNSIM_HAVE_REPORT
  if (want_report && f.report_given) throw UsageError("--report: this ldnsim was built without the report library");
#endif
  // Open the report first, so that a bad path fails before the run.
  std::unique_ptr<AtomicFile> html;
#ifdef LDNSIM_HAVE_REPORT
  if (want_report) {
    try {  // the chart libraries must be installed
      report::Html probe("probe");
      probe.chart(report::line_chart(nlohmann::json::array({{{"x", 0}, {"y", 0}}}), "x", "y"));
      (void)probe.render();
    } catch (const InputError& e) {
      if (f.report_given) throw;
      if (!f.run.quiet) std::fprintf(stderr, "ldnsim reproduce: no HTML report (%s)\n", e.what());
    }
    html = std::make_unique<AtomicFile>(f.report);
  }
#endif
  science::ReproduceOptions o;
  o.replicates = static_cast<std::size_t>(f.replicates);
  if (f.seed >= 0) o.seed = static_cast<std::uint64_t>(f.seed);
  o.threads = f.run.thread_count();
  o.progress = !f.run.quiet && isatty(2);
  if (!f.uncertainty.empty()) o.uncertainty = science::parse_uncertainty_level(f.uncertainty);
  o.worlds = static_cast<std::size_t>(f.worlds);
  if (notes_on_stderr(f.run.quiet)) o.note = [](const std::string& line) { std::fprintf(stderr, "ldnsim reproduce: %s\n", line.c_str()); };
  const auto start = std::chrono::steady_clock::now();
  science::ReproduceResult res = science::run_reproduce(spec, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::size_t reps = 0;
  for (const auto& s : res.studies) reps = std::max(reps, s.replicates);
  const std::string when = std::to_string(res.studies.size()) + " studies, " + std::to_string(reps) + " replicates each, " +
                           (f.seed >= 0 ? "seed " + std::to_string(f.seed) : std::string("each study's own seed"));
#ifdef LDNSIM_HAVE_REPORT
  if (html) {
    try {
      html->write(report_html(res, spec, when));
      html->commit();
    } catch (const InputError& e) {
      if (f.report_given) throw;
      html.reset();
    }
  }
#endif
  if (f.json) {
    auto j = to_json(res, spec, f, o.threads);
    j["seconds"] = secs;
    print_json(j);
  } else {
    std::printf("ldnsim reproduce: the published LDN studies as in-silico trials (%s)\n\n", when.c_str());
    print_table(res);
    std::printf("\n");
    for (const auto& n : notes(res)) std::printf("- %s\n", n.c_str());
  }
  if (notes_on_stderr(f.run.quiet)) {
    std::fprintf(stderr, "ldnsim reproduce: %.1f s on %d thread%s", secs, o.threads, o.threads == 1 ? "" : "s");
    if (html) std::fprintf(stderr, "; report written to %s", f.report.c_str());
    std::fprintf(stderr, "\n");
  }
  return 0;
}

}  // namespace

int run_default_job(bool quiet) {
  ReproduceFlags f;
  f.run.quiet = quiet;
  if (notes_on_stderr(quiet)) {
    std::error_code ec;
    const std::string here = std::filesystem::current_path(ec).string();
    std::fprintf(stderr,
                 "ldnsim: no command given, so the main job runs: `ldnsim reproduce`, the published LDN studies as "
                 "in-silico trials\n(about 30 s on 2 cores), writing its report to %s/%s. Ctrl-C stops it and leaves "
                 "nothing behind;\n`ldnsim --help` lists the commands.\n",
                 here.c_str(), f.report.c_str());
  }
  return run_reproduce(f);
}

void add_reproduce_command(CLI::App& app) {
  auto f = std::make_shared<ReproduceFlags>();
  CLI::App* cmd = app.add_subcommand(
      "reproduce", "Run the published LDN studies (and the natural-history cohorts) as in-silico trials; published vs simulated");
  cmd->add_option("--spec", f->spec, "reproduce spec (default: trials/reproduce.toml)");
  cmd->add_option("--replicates,-n", f->replicates, "simulated trials per study (default: the spec's, 500)")
      ->check(count_in(1, 1000000, "a number of simulated trials per study, 1 to 1000000"));
  cmd->add_option("--seed", f->seed, "seed (default: each study's own trial.seed)")->check(seed_number());
  cmd->add_flag("--json", f->json, "the table as JSON on stdout");
  auto* rep = cmd->add_option("--report", f->report, "HTML report")->capture_default_str()->check(file_name());
  cmd->add_flag("--no-report", f->no_report, "write no HTML report");
  cmd->add_option("--uncertainty", f->uncertainty,
                  "draw every study's uncertain inputs as power does: sampling, parameters (+ fitted estimates with their "
                  "correlations) or assumptions (+ assumption ranges, the lymphocyte band, between-trial variation); "
                  "default: the spec's (parameter worlds where a study asks)");
  cmd->add_option("--parameter-sets", f->worlds, "parameter sets drawn per study with --uncertainty (a study's own `uncertainty` wins)")
      ->check(count_in(1, 10000, "a number of parameter sets, 1 to 10000"));
  f->run.add_to(*cmd);
  cmd->callback([f, rep] {
    f->report_given = rep->count() > 0;
    if (f->no_report && f->report_given) throw UsageError("--report and --no-report together");
    run_reproduce(*f);
  });
}

}  // namespace ldnsim::cli
