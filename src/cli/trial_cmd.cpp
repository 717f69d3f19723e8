// ldnsim trial: runs a published study design many times with virtual patients
// (docs/trials.md).
#include <chrono>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/output/json_output.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/trial/engine.hpp"
#ifdef LDNSIM_HAVE_REPORT
#include "ldnsim/report/html.hpp"
#endif

namespace ldnsim::cli {
namespace {

struct TrialFlags {
  std::string spec;
  long long replicates = 1000;
  long long seed = -1;
  bool json = false;
  bool check = false;
  bool stats = false;
  std::string out;
  std::string report;
  SolverFlags solver;
  RunFlags run;
};

int run_trial(const TrialFlags& f) {
  if (f.replicates < 1 || f.replicates > 10000000)
    throw UsageError("--replicates " + std::to_string(f.replicates) + ": expected 1-10000000");
  if (f.seed < -1) throw UsageError("--seed must be 0 or more");
  int threads = f.run.thread_count();
  OutputPlan plan;
  plan.input("the spec", f.spec).output("--out", f.out).output("--report", f.report).check();
  engine::SimulationOptions sim = trial::Trial::default_simulation_options();
  {
    engine::SimulationOptions user = f.solver.simulation_options();
    sim.method = user.method;
    sim.tolerances = user.tolerances;
  }
  const auto start = std::chrono::steady_clock::now();
  lang::LoadOptions load = f.solver.load_options(!f.run.quiet);
  if (f.check) load.engine = lang::Engine::Interpreter;  // --check runs nothing: no native compilation either
  // The treatment drivers trial specs may name: the trial layer's and the science layer's "ldn".
  trial::Trial t = trial::Trial::load(f.spec, science::ldn_drivers(), load, sim);
  plan.input("the spec's model", t.spec().model_path).input("the spec's population", t.spec().population_path).check();
  if (f.check) {
    std::fputs(t.plan().c_str(), stdout);
    return 0;
  }
  if (!f.report.empty()) {
#ifdef LDNSIM_HAVE_REPORT
    // The page inlines the chart libraries: check they are there before a long run.
    report::Html probe("probe");
    probe.chart(report::line_chart(nlohmann::json::array({{{"x", 0}, {"y", 0}}}), "x", "y"));
    (void)probe.render();
#else
    throw UsageError("--report: this ldnsim was built without the report library");
#endif
  }
  // Open the output files first, so that a bad path fails before the run.
  std::unique_ptr<AtomicFile> csv, html;
  if (!f.out.empty()) csv = std::make_unique<AtomicFile>(f.out);
  if (!f.report.empty()) html = std::make_unique<AtomicFile>(f.report);
  trial::RunOptions o;
  o.replicates = static_cast<std::size_t>(f.replicates);
  o.seed = f.seed >= 0 ? static_cast<std::uint64_t>(f.seed) : t.spec().seed.value_or(1);
  o.threads = threads;
  o.progress = !f.run.quiet && isatty(2);
  trial::TrialResults r = t.run(o);
  trial::TrialSummary s = trial::summarise(t, r);
  if (html) html->write(trial::report_html(t, r, s));
  if (csv) csv->write(trial::results_csv(t, r));
  if (csv) csv->commit();
  if (html) html->commit();
  if (f.json) {
    // The common envelope (docs/json.md) around the trial's summary.
    auto j = json_output::envelope("trial");
    j["inputs"] = {{"spec", f.spec}, {"replicates", f.replicates}, {"seed", o.seed}, {"threads", threads},
                   {"out", f.out.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.out)},
                   {"report", f.report.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.report)}};
    j["results"] = trial::to_json(t, r, s);
    for (const auto& e : s.endpoints)
      if (e.failed > 0)
        j["warnings"].push_back("endpoint " + e.name + ": " + std::to_string(e.failed) + " of " +
                                std::to_string(e.replicates) + " replicates could not be analysed" +
                                (e.first_error.empty() ? "" : " (first: " + e.first_error + ")"));
    j["evidence"].push_back("estimate: median and central 95% of the replicates' estimates; p_significant: share of "
                            "replicates with a significant result at the spec's alpha, with its exact 95% interval");
    print_json(j);
  }
  else std::fputs(trial::summary_text(t, r, s).c_str(), stdout);
  if (f.stats) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "ldnsim: %lld replicates of %ld subjects in %.3f s (%s code, %d thread%s)\n", f.replicates,
                 t.spec().n, secs, t.model().is_native() ? "native" : "interpreted", threads, threads == 1 ? "" : "s");
  }
  return 0;
}

}  // namespace

void add_trial_command(CLI::App& app) {
  auto f = std::make_shared<TrialFlags>();
  CLI::App* cmd = app.add_subcommand("trial", "Simulate a clinical trial spec many times with virtual patients (docs/trials.md)");
  cmd->add_option("spec", f->spec, "trial spec (.toml)")->required()->check(file_name());
  cmd->add_option("--replicates,-n", f->replicates, "simulated trials")
      ->capture_default_str()
      ->check(count_in(1, 10000000, "a number of simulated trials, 1 to 10000000"));
  cmd->add_option("--seed", f->seed, "seed of every random stream (default: the spec's trial.seed, else 1)")
      ->check(seed_number());
  cmd->add_flag("--json", f->json, "machine-readable summary on stdout");
  cmd->add_option("--out", f->out, "CSV with one row per replicate and endpoint")->check(file_name());
  cmd->add_option("--report", f->report, "HTML report (estimate distributions, arms' mean courses)")->check(file_name());
  cmd->add_flag("--check", f->check, "check the specs and the model, print the plan, run nothing");
  cmd->add_flag("--stats", f->stats, "report timing on stderr");
  f->solver.add_to(*cmd);
  f->run.add_to(*cmd);
  cmd->callback([f] { run_trial(*f); });
}

}  // namespace ldnsim::cli
