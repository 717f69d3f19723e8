#include "ldnsim/science/predictive.hpp"

#include <algorithm>
#include <cmath>

#include "ldnsim/core/random.hpp"

namespace ldnsim::science {

namespace {
constexpr std::uint32_t kWorldPurpose = 0x57524C44;  // "WRLD"
}

std::vector<WorldParameter> drawn_parameters(const lang::ModelInstance& model) {
  std::vector<WorldParameter> out;
  const auto& ps = model.model().parameters();
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const lang::Parameter& p = ps[i];
    if (p.has(lang::Role::Input) || !p.low || !p.high || !(*p.low < *p.high)) continue;
    WorldParameter d;
    d.name = p.name;
    d.index = i;
    d.value = model.get(i);
    d.low = *p.low;
    d.high = *p.high;
    d.se = p.se && p.has(lang::Role::Fitted) ? *p.se : 0;
    d.log = p.distribution == "log-uniform";
    out.push_back(d);
  }
  return out;
}

std::vector<lang::ModelInstance> draw_worlds(const lang::ModelInstance& model, std::size_t worlds, std::uint64_t seed) {
  const auto params = drawn_parameters(model);
  std::vector<lang::ModelInstance> out;
  out.reserve(worlds);
  for (std::size_t w = 0; w < worlds; ++w) {
    lang::ModelInstance m = model;
    for (std::size_t k = 0; k < params.size(); ++k) {
      const WorldParameter& d = params[k];
      RandomStream rng(seed, w, k, kWorldPurpose);
      double v;
      if (d.se > 0) v = std::clamp(d.value + d.se * rng.normal(), d.low, d.high);
      else if (d.log && d.low > 0) v = d.low * std::pow(d.high / d.low, rng.uniform());
      else v = d.low + (d.high - d.low) * rng.uniform();
      m.set(d.index, v);
    }
    out.push_back(std::move(m));
  }
  return out;
}

namespace {
trial::TrialResults run_worlds(const trial::Trial& trial, const trial::RunOptions& options, const std::vector<lang::ModelInstance>& models) {
  const std::size_t worlds = models.size();
  std::vector<trial::ReplicateUnit> units(options.replicates);
  for (std::size_t r = 0; r < units.size(); ++r) {
    units[r].seed = options.seed;
    units[r].replicate = r;
    units[r].model = &models[r % worlds];
  }
  trial::TrialResults res;
  res.seed = options.seed;
  res.replicates = trial.run_units(units, options);
  return res;
}

}  // namespace

trial::TrialResults run_predictive(const trial::Trial& trial, const trial::RunOptions& options, std::size_t worlds) {
  if (worlds == 0) return trial.run(options);
  return run_worlds(trial, options, draw_worlds(trial.instance(), worlds, options.seed));
}

trial::TrialResults run_planned(const trial::Trial& trial, const trial::RunOptions& options, const DrawPlan& plan, std::size_t worlds) {
  if (worlds == 0 || plan.level == UncertaintyLevel::Sampling) return trial.run(options);
  std::vector<lang::ModelInstance> models(worlds, trial.instance());
  for (std::size_t w = 0; w < worlds; ++w) apply_draw(plan, w, options.seed, models[w]);
  return run_worlds(trial, options, models);
}

}  // namespace ldnsim::science
