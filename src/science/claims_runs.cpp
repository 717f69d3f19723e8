// ldnsim claims: the simulated runs a claim's parts are tested with (a study, a pharmacology
// band), each run once per (study, parameter values) or (model, dose, band), and the model
// files and calibration specs they rest on, each read once.
#include <algorithm>
#include <cmath>

#include "claims_detail.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/units.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/science/uncertainty.hpp"
#include "ldnsim/science/weighted_samples.hpp"
#include "ldnsim/trial/analysis.hpp"
#include "ldnsim/trial/spec.hpp"

namespace ldnsim::science::claims_detail {

TrialRun& Evaluator::trial_run(const std::string& study, const std::map<std::string, double>& set, bool curve,
                               const std::string& curve_endpoint) {
  std::string key = study + "|" + set_text(set);
  auto it = trials_.find(key);
  if (it != trials_.end()) return *it->second;
  auto run = std::make_unique<TrialRun>();
  trial::TrialSpec ts = trial::load_trial_spec(study);
  trial::PopulationSpec pop = trial::load_population(ts.population_path);
  // The study's model (compiled once per file) with the part's values set.
  lang::ModelInstance model(model_of(ts.model_path));
  for (const auto& [name, v] : set) {
    const int k = model.model().parameter_index(name);
    if (k < 0 || model.parameter(static_cast<std::size_t>(k)).name != name)
      throw InputError(spec_.file + ": " + study + ": the model " + ts.model_path + " has no parameter " + name);
    model.set(static_cast<std::size_t>(k), v);
  }
  run->trial = std::make_unique<trial::Trial>(ts, pop, std::move(model), ldn_drivers(), clinical_simulation_options());
  const trial::Trial& t = *run->trial;
  std::string arms;
  for (const auto& a : t.spec().arms) {
    arms += (arms.empty() ? "" : "; ") + a.name;
    if (a.driver == "ldn") arms += " " + num(a.dose_mg, 3) + " mg at " + num(std::floor(a.clock_h), 2) + ":00 nightly";
    else arms += a.placebo ? " (placebo)" : " (no drug)";
  }
  run->description = t.spec().title + ": " + std::to_string(t.spec().n) + " virtual patients per trial (" + t.population().name +
                     "), " + std::to_string(o_.replicates) + " simulated trials, seed " + std::to_string(o_.seed) + "; arms: " +
                     arms + (set.empty() ? "" : "; parameters set: " + set_text(set));
  if (o_.note) o_.note("simulating " + fs::path(study).filename().string() + (set.empty() ? "" : " (" + set_text(set) + ")") +
                       ": " + std::to_string(o_.replicates) + " trials of " + std::to_string(t.spec().n) + " patients");
  trial::RunOptions ro;
  ro.replicates = o_.replicates;
  ro.seed = o_.seed;
  ro.threads = o_.threads;
  ro.progress = o_.progress;
  // Progression-free curve: per replicate, the share of patients without a confirmed
  // progression using the visits up to each visit time.
  std::vector<std::vector<double>> pf;  // [visit][replicate]
  int out_index = -1, e_index = -1;
  if (curve) {
    e_index = endpoint_index(t, curve_endpoint);
    if (e_index >= 0) {
      const auto& ep = t.spec().endpoints[static_cast<std::size_t>(e_index)];
      const auto& outs = t.observed_outputs();
      for (std::size_t k = 0; k < outs.size(); ++k)
        if (outs[k] == ep.output) out_index = static_cast<int>(k);
    }
    if (out_index >= 0) {
      const auto& ep = t.spec().endpoints[static_cast<std::size_t>(e_index)];
      const std::vector<double>& visits = t.visits();
      pf.assign(visits.size(), {});
      trial::ProgressionRule rule{ep.increase, ep.increase_high, ep.cutoff, ep.confirm};
      ro.on_subjects = [&pf, &visits, rule, out_index](std::size_t, const std::vector<trial::SubjectOutcome>& subjects) {
        const std::size_t nv = visits.size();
        std::vector<long> free(nv, 0), seen(nv, 0);
        for (const auto& s : subjects) {
          if (s.lost) continue;
          const double* V = s.values.data() + static_cast<std::size_t>(out_index) * nv;
          if (!std::isfinite(V[0])) continue;
          for (std::size_t v = 0; v < nv; ++v) {
            auto po = trial::confirmed_progression(std::span<const double>(visits.data(), v + 1),
                                                   std::span<const double>(V, v + 1), rule);
            ++seen[v];
            if (!po.event) ++free[v];
          }
        }
        for (std::size_t v = 0; v < nv; ++v)
          pf[v].push_back(seen[v] ? static_cast<double>(free[v]) / static_cast<double>(seen[v]) : kNaN);
      };
    }
  }
  run->results = t.run(ro);
  if (out_index >= 0)
    for (std::size_t v = 0; v < pf.size(); ++v) {
      Figure f = central95(pf[v]);
      if (f.defined) run->curve.push_back({t.visits()[v], 100 * f.value, 100 * f.low, 100 * f.high});
    }
  ++trials_run;
  return *trials_.emplace(key, std::move(run)).first->second;
}

PharmRun& Evaluator::pharm_run(const ClaimPart& p) {
  const std::string key = p.model + "|" + num(p.dose_mg, 8) + (p.per_kg ? "/kg" : "") + "|" + p.band + "|" + num(p.clock_h, 8) +
                          "|" + num(p.hours_above, 8);
  auto it = pharm_.find(key);
  if (it != pharm_.end()) return *it->second;
  auto run = std::make_unique<PharmRun>();
  LdnModel model = LdnModel::load(p.model);
  std::vector<double> typ = model.typical();
  Regimen g;
  g.dose_mg = p.per_kg ? p.dose_mg * model.get(typ, "WT") : p.dose_mg;
  g.label = num(g.dose_mg) + " mg";
  g.clock_h = p.clock_h;
  g.interval_h = 24;  // nightly
  if (o_.note) o_.note("pharmacology (" + p.model + "): " + g.label + " nightly, " + std::to_string(o_.samples) + " samples");
  Simulator sim(model);
  Series s = sim.regimen(typ, g, 0.05);
  run->typical = metrics_of(s, g.interval_h);
  // hours a day with the T-cell index at least 1 + hours_above/100 (a change of hours_above %)
  if (std::isfinite(p.hours_above)) run->hours_above = hours_at_or_above(s.t, s.y[PT], 1 + p.hours_above / 100, 0, g.interval_h);
  // Rule (c): each assumption-only ranged parameter alone at either end of its range.
  for (const auto& u : ranged_parameters(model)) {
    const auto& q = model.model().parameters()[u.index];
    if (!assumption_only(q)) continue;
    PharmRun::Span sp;
    sp.name = u.name;
    sp.range = num(u.low, 3) + "-" + num(u.high, 3) + (u.unit.empty() || u.unit == "1" ? "" : " " + u.unit);
    for (double end : {u.low, u.high}) {
      std::vector<double> q2 = typ;
      q2[u.index] = end;
      std::vector<double> m;
      try {
        m = metrics_of(sim.regimen(q2, g, 0.05), g.interval_h);
      } catch (const Error&) {
        m.assign(kMetrics.size(), kNaN);  // a failed end counts as moving the figure
      }
      (end == u.low ? sp.low : sp.high) = m;
    }
    run->assumptions.push_back(std::move(sp));
  }
  const bool weigh = p.band == "calibrated";
  WeightedSampling ws;
  ws.samples = o_.samples;
  ws.seed = o_.seed;
  ws.weigh = weigh;
  ws.threads = o_.threads;
  ws.progress = o_.progress;
  ws.what = "pharmacology samples";
  WeightedSamples drawn = weighted_samples(model, typ, ws, kMetrics.size(), [&](Simulator& sm, const std::vector<double>& q) {
    return metrics_of(sm.regimen(q, g, 0.1), g.interval_h);
  });
  const auto& ranged = drawn.parameters;
  run->weights = std::move(drawn.weights);
  run->samples = std::move(drawn.values);
  run->ess = drawn.ess;
  run->description = "models/ldn/" + p.model + ".ldn at steady state, " + g.label + " naltrexone HCl nightly at " + clock_text(g.clock_h) + " (" +
                     (p.per_kg ? num(p.dose_mg) + " mg/kg, " : "") + "typical " + num(model.get(typ, "WT")) + "-kg subject); " +
                     std::to_string(o_.samples) + " Latin-hypercube samples over " + std::to_string(ranged.size()) +
                     " ranged parameters, " +
                     (weigh ? "weighted by agreement with the calibration targets (effective sample size " + num(run->ess, 3) + ")"
                            : "unweighted (every assumption over its whole plausible range)") +
                     ", seed " + std::to_string(o_.seed);
  ++pharmacology_runs;
  return *pharm_.emplace(key, std::move(run)).first->second;
}

const CalibrationSpec* Evaluator::calibration(const std::string& model_path, const std::string& rel) {
  fs::path dir = fs::path(canonical(model_path)).parent_path();
  for (int up = 0; up < 6 && !dir.empty(); ++up) {
    const fs::path cand = dir / rel;
    std::error_code ec;
    if (fs::exists(cand, ec)) {
      const std::string key = canonical(cand.string());
      auto it = calibrations_.find(key);
      if (it == calibrations_.end())
        it = calibrations_.emplace(key, std::make_unique<CalibrationSpec>(load_calibration_spec(key))).first;
      return it->second.get();
    }
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return nullptr;
}

std::vector<const CalibrationSpec*> Evaluator::calibrations_of(const std::string& model_path) {
  std::vector<const CalibrationSpec*> out;
  for (const auto& q : model_of(model_path)->parameters()) {
    const std::string rel = fitted_by(q);
    if (rel.empty()) continue;
    if (const CalibrationSpec* c = calibration(model_path, rel); c && std::find(out.begin(), out.end(), c) == out.end())
      out.push_back(c);
  }
  return out;
}

const lang::ModelPtr& Evaluator::model_of(const std::string& path) {
  auto it = models_.find(path);
  if (it == models_.end()) it = models_.emplace(path, lang::load_model(path)).first;
  return it->second;
}

}  // namespace ldnsim::science::claims_detail
