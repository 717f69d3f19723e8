// ldnsim sensitivity: global screening (Morris elementary effects) of the parameters with a
// plausible range, ranked by how much they move the answers at steady state: hours a day
// of MOR blockade, trough occupancy and the change in lymphocyte proliferation.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/units.hpp"
#include "ldnsim/science/ldn.hpp"
#include "ldnsim/science/uncertainty.hpp"
#include "ldnsim/output/json_output.hpp"

namespace ldnsim::cli {
namespace {

struct SensitivityFlags {
  std::string model = "human";
  std::string dose = "4.5mg";
  std::string at = "22:00";
  bool base = false;
  int trajectories = 40;
  int levels = 4;
  std::uint64_t seed = 2026;
  int top = 8;
  bool json = false;
  std::string json_out;
  RunFlags run;
};

// The steady-state metrics screened, as science defines them (science::cycle_metric_rows).
const std::vector<const science::MetricRow*>& outputs() {
  static const std::vector<const science::MetricRow*> rows = [] {
    std::vector<const science::MetricRow*> r;
    for (const char* key : {"hours50", "hours90", "occ_trough", "rebound_hours", "t_change", "b_change"})
      r.push_back(&science::cycle_metric_row(key));
    return r;
  }();
  return rows;
}

int run_sensitivity(const SensitivityFlags& f) {
  const auto start = std::chrono::steady_clock::now();
  if (f.trajectories < 2 || f.trajectories > 100000)
    throw UsageError("--trajectories " + std::to_string(f.trajectories) + ": expected 2-100000");
  if (f.levels < 2 || f.levels % 2 != 0 || f.levels > 20)
    throw UsageError("--levels " + std::to_string(f.levels) + ": expected an even number of grid levels in 2-20");
  if (f.top < 1) throw UsageError("--top must be at least 1");
  const int threads = f.run.thread_count();
  science::LdnModel model = science::LdnModel::load(f.model);
  OutputPlan().input("--model", model.path()).output("--json-out", f.json_out).check();
  std::vector<double> p = model.typical();
  science::Regimen g;
  g.label = f.dose;
  g.dose_mg = parse_mass_mg(f.dose);
  g.clock_h = parse_clock_h(f.at);
  g.salt = !f.base;
  science::validate(g);
  auto ranged = science::ranged_parameters(model);
  if (ranged.empty()) throw InputError("model " + model.model().name() + " has no parameter with a range");
  const auto& rows = outputs();
  const std::size_t nout = rows.size();

  std::vector<std::unique_ptr<science::Simulator>> sims;
  for (int w = 0; w < threads; ++w) sims.push_back(std::make_unique<science::Simulator>(model));
  science::MorrisResult res = science::morris(
      ranged.size(), nout, static_cast<std::size_t>(f.trajectories), f.levels, f.seed, threads, !f.run.quiet,
      [&](std::size_t worker, std::span<const double> u) {
        std::vector<double> q = p;
        for (std::size_t k = 0; k < ranged.size(); ++k) q[ranged[k].index] = science::from_unit(ranged[k], u[k]);
        std::vector<double> out(nout, NAN);
        try {
          science::CycleMetrics m = science::regimen_metrics(*sims[worker], q, g, 0.1);
          for (std::size_t o = 0; o < nout; ++o) out[o] = m.*(rows[o]->field) * rows[o]->scale;
        } catch (const Error&) {
          out.clear();  // a failed simulation: morris counts it (res.failed) and treats it as missing
        }
        return out;
      });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  auto j = json_output::envelope("sensitivity");
  j["inputs"] = {{"model", model.model().name()},
                 {"model_file", model.path()},
                 {"dose", f.dose},
                 {"at", f.at},
                 {"form", f.base ? "base" : "hcl"},
                 {"trajectories", f.trajectories},
                 {"levels", f.levels},
                 {"seed", f.seed},
                 {"top", f.top}};
  nlohmann::ordered_json& results = j["results"];
  results["model"] = model.model().name();
  results["regimen"] = {{"dose", f.dose}, {"at", f.at}, {"salt", !f.base}, {"steady_state", true}};
  results["method"] = {{"name", "Morris elementary effects"},
                 {"trajectories", f.trajectories},
                 {"levels", f.levels},
                 {"seed", f.seed},
                 {"simulations", static_cast<std::size_t>(f.trajectories) * (ranged.size() + 1)}};
  if (!f.json) {
    std::printf("ldnsim sensitivity (%s): %s at %s, steady state; Morris screening, %d trajectories x %zu "
                "parameters (%zu simulations, %.1f s)\n",
                model.model().name().c_str(), f.dose.c_str(), f.at.c_str(), f.trajectories, ranged.size(),
                static_cast<std::size_t>(f.trajectories) * (ranged.size() + 1), secs);
    std::printf("mu* = mean |change of the answer| when the parameter moves across %.0f%% of its plausible range; "
                "sigma = spread of that change (interactions, non-linearity).\n"
                "kind: assumption = no data behind the value; data = range from the data's spread or refits to "
                "the calibration targets.\n",
                100.0 * f.levels / (2.0 * (f.levels - 1)));
  }
  for (std::size_t o = 0; o < nout; ++o) {
    std::vector<std::size_t> order(ranged.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto& ms = res.mu_star[o];
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ms[a] > ms[b]; });
    double total = 0, assumed = 0;
    for (std::size_t k = 0; k < ranged.size(); ++k) {
      total += ms[k];
      if (ranged[k].assumed) assumed += ms[k];
    }
    const double share = total > 0 ? assumed / total : 0;
    nlohmann::ordered_json jo;
    jo["label"] = rows[o]->label;
    jo["unit"] = rows[o]->unit;
    jo["assumption_share"] = share;
    for (std::size_t r = 0; r < order.size(); ++r) {
      std::size_t k = order[r];
      jo["ranking"].push_back({{"parameter", ranged[k].name},
                               {"kind", ranged[k].assumed ? "assumption" : "data"},
                               {"mu_star", ms[k]},
                               {"mu", res.mu[o][k]},
                               {"sigma", res.sigma[o][k]}});
    }
    results["outputs"][rows[o]->key] = jo;
    if (f.json) continue;
    std::printf("\n%s (%s): %.0f%% of the total mu* comes from assumptions\n", rows[o]->label, rows[o]->unit,
                100 * share);
    if (total == 0) {
      std::printf("  no parameter moves it (the answer is the same over every plausible range)\n");
      continue;
    }
    std::printf("  %-4s %-10s %-11s %10s %10s %10s\n", "rank", "parameter", "kind", "mu*", "mu", "sigma");
    for (std::size_t r = 0; r < order.size() && static_cast<int>(r) < f.top; ++r) {
      std::size_t k = order[r];
      std::printf("  %-4zu %-10s %-11s %10.3g %10.3g %10.3g\n", r + 1, ranged[k].name.c_str(),
                  ranged[k].assumed ? "assumption" : "data", ms[k], res.mu[o][k], res.sigma[o][k]);
    }
  }
  j["evidence"] = {
      "mu* = mean |change of the answer| when the parameter moves across " +
          format_number(100.0 * f.levels / (2.0 * (f.levels - 1)), 3) +
          "% of its plausible range; sigma = spread of that change (interactions, non-linearity)",
      "kind: assumption = no data behind the value; data = range from the data's spread or refits to the "
      "calibration targets",
      "assumption_share: the share of an answer's total mu* that comes from assumptions"};
  const std::size_t failed = res.failed;
  if (failed)
    j["warnings"].push_back(std::to_string(failed) + " of " +
                            std::to_string(static_cast<std::size_t>(f.trajectories) * (ranged.size() + 1)) +
                            " simulations failed and count as missing");
  j["seconds"] = secs;
  if (!f.json_out.empty()) write_file_atomically(f.json_out, json_output::dump(j));
  if (f.json) std::fputs(json_output::dump(j).c_str(), stdout);
  return 0;
}

}  // namespace

void add_sensitivity_command(CLI::App& app) {
  auto f = std::make_shared<SensitivityFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sensitivity",
      "Rank the assumptions that drive hours of blockade, trough occupancy and the proliferation change (Morris)");
  cmd->add_option("--model", f->model, "human, mouse or a .ldn file with the same names")->capture_default_str();
  cmd->add_option("--dose", f->dose, "nightly dose (mg of HCl salt unless --base)")->capture_default_str();
  cmd->add_option("--at", f->at, "clock time of the dose")->capture_default_str();
  cmd->add_flag("--base", f->base, "the dose is mg of naltrexone base");
  cmd->add_option("--trajectories", f->trajectories, "Morris trajectories")
      ->capture_default_str()
      ->check(count_in(2, 100000, "a number of trajectories, 2 to 100000"));
  cmd->add_option("--levels", f->levels, "Morris grid levels (even)")
      ->capture_default_str()
      ->check(count_in(2, 20, "an even number of grid levels, 2 to 20"));
  cmd->add_option("--seed", f->seed, "seed of the trajectories")->capture_default_str()->check(seed_number());
  cmd->add_option("--top", f->top, "parameters shown per answer")
      ->capture_default_str()
      ->check(count_in(1, 1000, "a number of parameters, 1 to 1000"));
  cmd->add_flag("--json", f->json, "machine-readable output");
  cmd->add_option("--json-out", f->json_out, "also write the JSON to this file")->check(file_name());
  f->run.add_to(*cmd);
  cmd->callback([f] { run_sensitivity(*f); });
}

}  // namespace ldnsim::cli
