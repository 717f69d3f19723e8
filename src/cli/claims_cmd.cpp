// ldnsim claims: every popular claim about LDN in MS (claims/claims.toml) held against the
// evidence and ldnsim's simulations, with a computed verdict, the deciding figure and its
// uncertainty; text, --json and an HTML report. docs/claims.md.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/science/claims.hpp"
#include "ldnsim/trial/spec.hpp"
#include "ldnsim/output/claims.hpp"
#ifdef LDNSIM_HAVE_REPORT
#include "ldnsim/report/html.hpp"
#endif

namespace ldnsim::cli {
namespace {

struct ClaimsFlags {
  std::vector<std::string> ids;
  std::string file;
  long long replicates = 100;
  long long samples = 200;
  long long seed = 2024;
  bool json = false;
  std::string report;
  RunFlags run;
};

int run_claims(const ClaimsFlags& f) {
  if (f.replicates < 2 || f.replicates > 100000)
    throw UsageError("--replicates " + std::to_string(f.replicates) + ": expected a number of simulated trials in 2-100000");
  if (f.samples < 10 || f.samples > 1000000)
    throw UsageError("--samples " + std::to_string(f.samples) + ": expected a number of pharmacology samples in 10-1000000");
  if (f.seed < 0) throw UsageError("--seed " + std::to_string(f.seed) + ": expected 0 or more");
  const std::string file = f.file.empty() ? science::default_claims_path() : f.file;
  OutputPlan plan;
  plan.input("--file", file).output("--report", f.report).check();
  science::ClaimsSpec spec = science::load_claims(file);
  // The trial specs the claims run, their models and populations: the report may be none of them.
  plan.input("the claims' model", spec.model_path);
  std::set<std::string> studies;
  for (const auto& c : spec.claims)
    for (const auto& p : c.parts)
      for (const std::string& s : {p.study, p.without_study})
        if (!s.empty() && studies.insert(s).second) {
          const trial::TrialSpec ts = trial::load_trial_spec(s);
          plan.input("a claim's study", s).input("a study's model", ts.model_path).input("a study's population", ts.population_path);
        }
  plan.check();
  // Check the ids before anything runs.
  for (const auto& id : f.ids) {
    bool ok = false;
    for (const auto& c : spec.claims) ok = ok || c.id == id;
    if (!ok) {
      std::string list;
      for (const auto& c : spec.claims) list += (list.empty() ? "" : ", ") + c.id;
      throw UsageError("unknown claim id '" + printable(id, 60) + "' (expected one of: " + list + ")");
    }
  }
  std::unique_ptr<AtomicFile> html;
#ifdef LDNSIM_HAVE_REPORT
  if (!f.report.empty()) {
    report::Html probe("probe");  // the chart libraries must be installed before the run
    probe.chart(report::line_chart(nlohmann::json::array({{{"x", 0}, {"y", 0}}}), "x", "y"));
    (void)probe.render();
    html = std::make_unique<AtomicFile>(f.report);
  }
#else
  if (!f.report.empty()) throw UsageError("--report: this ldnsim was built without the report library");
#endif
  science::ClaimsOptions o;
  o.replicates = static_cast<std::size_t>(f.replicates);
  o.samples = static_cast<std::size_t>(f.samples);
  o.seed = static_cast<std::uint64_t>(f.seed);
  o.threads = f.run.thread_count();
  o.progress = !f.run.quiet && isatty(2);
  if (!f.run.quiet && isatty(2)) o.note = [](const std::string& s) { std::fprintf(stderr, "ldnsim claims: %s\n", s.c_str()); };
  const auto start = std::chrono::steady_clock::now();
  science::ClaimsRun run = science::evaluate_claims(spec, f.ids, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#ifdef LDNSIM_HAVE_REPORT
  if (html) {
    html->write(output::claims_report_html(run, o));
    html->commit();
  }
#endif
  if (f.json) {
    auto j = output::claims_json(run, o, {spec.file, f.ids, f.report});
    j["seconds"] = secs;
    print_json(j);
  } else {
    std::fputs(output::claims_text(run, o).c_str(), stdout);
  }
  if (notes_on_stderr(f.run.quiet)) {
    std::fprintf(stderr, "ldnsim claims: %.1f s on %d thread%s (%zu simulated studies, %zu pharmacology bands)", secs, o.threads,
                 o.threads == 1 ? "" : "s", run.trials_run, run.pharmacology_runs);
    if (html) std::fprintf(stderr, "; report written to %s", f.report.c_str());
    std::fprintf(stderr, "\n");
  }
  return 0;
}

}  // namespace

void add_claims_command(CLI::App& app) {
  auto f = std::make_shared<ClaimsFlags>();
  CLI::App* cmd = app.add_subcommand(
      "claims", "Hold popular claims about LDN in MS against the evidence and the simulations: a computed verdict for each");
  cmd->add_option("ids", f->ids, "claim ids to evaluate (default: all), e.g. tcell-300 no-progression-98");
  cmd->add_option("--file", f->file, "claims file (default: claims/claims.toml)");
  cmd->add_option("--replicates,-n", f->replicates, "simulated trials per study")
      ->capture_default_str()
      ->check(count_in(2, 100000, "a number of simulated trials, 2 to 100000"));
  cmd->add_option("--samples", f->samples, "Latin-hypercube samples per pharmacology band")
      ->capture_default_str()
      ->check(count_in(10, 1000000, "a number of pharmacology samples, 10 to 1000000"));
  cmd->add_option("--seed", f->seed, "seed of every simulation")->capture_default_str()->check(seed_number());
  cmd->add_flag("--json", f->json, "the verdicts as JSON on stdout (docs/json.md)");
  cmd->add_option("--report", f->report, "write an HTML report (claims table with verdict badges, charts)")->check(file_name());
  f->run.add_to(*cmd);
  cmd->callback([f] { run_claims(*f); });
}

}  // namespace ldnsim::cli
