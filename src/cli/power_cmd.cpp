// ldnsim power: the sample-size curve of a trial spec by simulation, power at the
// calibrated LDN effect and assurance over its uncertainty; text, --json, HTML report.
// docs/power.md.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/science/power.hpp"
#include "ldnsim/trial/spec.hpp"
#include "ldnsim/output/power.hpp"
#ifdef LDNSIM_HAVE_REPORT
#include "ldnsim/report/html.hpp"
#endif

namespace ldnsim::cli {
namespace {

struct PowerFlags {
  std::string spec;
  std::string n = "40:400:40";
  std::string effect_from = "calibrated";
  std::string effect;
  std::vector<std::string> set;
  std::string better = "any";
  std::string endpoint;
  std::string uncertainty = "assumptions";
  long long replicates = 200;
  long long draws = 40;
  long long draw_replicates = 5;
  long long seed = 1;
  bool json = false;
  std::string report;
  RunFlags run;
};

int run_power(const PowerFlags& f) {
  OutputPlan plan;
  plan.input("the spec", f.spec).output("--report", f.report).check();
  {
    const trial::TrialSpec ts = trial::load_trial_spec(f.spec);
    plan.input("the spec's model", ts.model_path).input("the spec's population", ts.population_path).check();
  }
  science::PowerOptions o;
  o.n = science::parse_sample_sizes(f.n);
  if (f.replicates < 10 || f.replicates > 1000000)
    throw UsageError("--replicates " + std::to_string(f.replicates) + ": expected a number of simulated trials per n in 10-1000000");
  if (f.draws < 0 || f.draws > 100000) throw UsageError("--draws " + std::to_string(f.draws) + ": expected 0-100000 (0: no assurance)");
  if (f.draw_replicates < 1 || f.draw_replicates > 100000)
    throw UsageError("--draw-replicates " + std::to_string(f.draw_replicates) + ": expected 1-100000");
  if (f.seed < 0) throw UsageError("--seed " + std::to_string(f.seed) + ": expected 0 or more");
  o.effect_from = f.effect_from;
  o.effect_parameters = split_list(f.effect);
  for (const auto& kv : f.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) throw UsageError("--set '" + printable(kv, 60) + "': expected NAME=VALUE, e.g. --set EFF_FAT=0.235");
    char* end = nullptr;
    const std::string v = kv.substr(eq + 1);
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !std::isfinite(x)) throw UsageError("--set '" + printable(kv, 60) + "': '" + printable(v, 40) + "' is not a number");
    o.set[kv.substr(0, eq)] = x;
  }
  o.better = f.better;
  o.endpoint = f.endpoint;
  o.uncertainty = f.uncertainty;
  o.replicates = static_cast<std::size_t>(f.replicates);
  o.draws = static_cast<std::size_t>(f.draws);
  o.draw_replicates = static_cast<std::size_t>(f.draw_replicates);
  o.seed = static_cast<std::uint64_t>(f.seed);
  o.threads = f.run.thread_count();
  o.progress = !f.run.quiet && isatty(2);
  const long min_n = science::minimum_sample_size(f.spec);
  if (o.n.front() < min_n)
    throw UsageError("--n " + f.n + ": " + std::to_string(o.n.front()) + " is below the design's minimum of " +
                     std::to_string(min_n) + " patients (2 per group)");
  std::unique_ptr<AtomicFile> html;
#ifdef LDNSIM_HAVE_REPORT
  if (!f.report.empty()) {
    report::Html probe("probe");
    probe.chart(report::line_chart(nlohmann::json::array({{{"x", 0}, {"y", 0}}}), "x", "y"));
    (void)probe.render();
    html = std::make_unique<AtomicFile>(f.report);
  }
#else
  if (!f.report.empty()) throw UsageError("--report: this ldnsim was built without the report library");
#endif
  if (o.progress) o.note = [](const std::string& s) { std::fprintf(stderr, "ldnsim power: %s\n", s.c_str()); };
  const auto start = std::chrono::steady_clock::now();
  science::PowerResult r = science::run_power(f.spec, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#ifdef LDNSIM_HAVE_REPORT
  if (html) {
    html->write(output::power_report_html(r, o));
    html->commit();
  }
#endif
  if (f.json) {
    auto j = output::power_json(r, o, {f.spec, f.set, f.report});
    j["seconds"] = secs;
    print_json(j);
  } else {
    std::fputs(output::power_text(r, o).c_str(), stdout);
  }
  if (notes_on_stderr(f.run.quiet)) {
    std::fprintf(stderr, "ldnsim power: %.1f s on %d thread%s", secs, o.threads, o.threads == 1 ? "" : "s");
    if (html) std::fprintf(stderr, "; report written to %s", f.report.c_str());
    std::fprintf(stderr, "\n");
  }
  return 0;
}

}  // namespace

void add_power_command(CLI::App& app) {
  auto f = std::make_shared<PowerFlags>();
  CLI::App* cmd = app.add_subcommand(
      "power", "Sample-size curve of a trial spec by simulation: power at the calibrated LDN effect and assurance over its uncertainty");
  cmd->add_option("spec", f->spec, "trial spec (TOML, docs/trials.md), e.g. trials/designs/fatigue-24w.toml")->required();
  cmd->add_option("--n", f->n, "total sample sizes, START:END:STEP or a list")->capture_default_str();
  cmd->add_option("--effect-from", f->effect_from, "calibrated (the model file's estimates and SEs) or zero (no LDN effect)")
      ->capture_default_str();
  cmd->add_option("--effect", f->effect, "the LDN-effect parameters, comma-separated (default: every EFF_*, BIMM, BPROG)");
  cmd->add_option("--set", f->set, "fix a model parameter, NAME=VALUE (repeatable), e.g. --set EFF_FAT=0.235");
  cmd->add_option("--better", f->better, "lower, higher or any: which significant results count as success")->capture_default_str();
  cmd->add_option("--endpoint", f->endpoint, "endpoint (default: the primary one)");
  cmd->add_option("--uncertainty", f->uncertainty,
                  "what assurance draws besides the LDN effect: effects (nothing else), parameters (+ every fitted "
                  "parameter), assumptions (+ every assumption, the lymphocyte band, between-trial variation)")
      ->capture_default_str()
      ->check(CLI::IsMember({"effects", "parameters", "assumptions"}));
  cmd->add_option("--replicates", f->replicates, "simulated trials per n at the calibrated effect")
      ->capture_default_str()
      ->check(count_in(10, 1000000, "a number of simulated trials per n, 10 to 1000000"));
  cmd->add_option("--draws", f->draws, "effect draws for assurance (0: none)")
      ->capture_default_str()
      ->check(count_in(0, 100000, "a number of effect draws, 0 (no assurance) to 100000"));
  cmd->add_option("--draw-replicates", f->draw_replicates, "simulated trials per draw and n")
      ->capture_default_str()
      ->check(count_in(1, 100000, "a number of simulated trials per draw, 1 to 100000"));
  cmd->add_option("--seed", f->seed, "seed")->capture_default_str()->check(seed_number());
  cmd->add_flag("--json", f->json, "the curve as JSON on stdout (docs/json.md)");
  cmd->add_option("--report", f->report, "write an HTML report with the power and assurance curves")->check(file_name());
  f->run.add_to(*cmd);
  cmd->callback([f] { run_power(*f); });
}

}  // namespace ldnsim::cli
