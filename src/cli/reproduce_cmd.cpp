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
#include "ldnsim/output/reproduce.hpp"
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
  RunFlags run;
};

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
  if (notes_on_stderr(f.run.quiet)) o.note = [](const std::string& line) { std::fprintf(stderr, "ldnsim reproduce: %s\n", line.c_str()); };
  const auto start = std::chrono::steady_clock::now();
  science::ReproduceResult res = science::run_reproduce(spec, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string when = output::reproduce_when(res, f.seed);
#ifdef LDNSIM_HAVE_REPORT
  if (html) {
    try {
      html->write(output::reproduce_report_html(res, spec, when));
      html->commit();
    } catch (const InputError& e) {
      if (f.report_given) throw;
      html.reset();
    }
  }
#endif
  if (f.json) {
    auto j = output::reproduce_json(res, spec, {f.replicates, f.seed, o.threads, f.no_report ? "" : f.report});
    j["seconds"] = secs;
    print_json(j);
  } else {
    std::fputs(output::reproduce_text(res, when).c_str(), stdout);
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
  f->run.add_to(*cmd);
  cmd->callback([f, rep] {
    f->report_given = rep->count() > 0;
    if (f->no_report && f->report_given) throw UsageError("--report and --no-report together");
    run_reproduce(*f);
  });
}

}  // namespace ldnsim::cli
