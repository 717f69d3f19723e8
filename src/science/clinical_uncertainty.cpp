// Joint draws of every uncertain input of the clinical model. See
// include/ldnsim/science/clinical_uncertainty.hpp and docs/power.md.
#include "ldnsim/science/clinical_uncertainty.hpp"
#include "ldnsim/science/unknowns.hpp"
#include "ldnsim/science/clinical.hpp"

#include <algorithm>
#include <cmath>

#include "ldnsim/core/argument_error.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/random.hpp"
#include "ldnsim/science/ldn.hpp"
#include "ldnsim/science/uncertainty.hpp"
#include "ldnsim/science/weighted_samples.hpp"

namespace ldnsim::science {

UncertaintyLevel parse_uncertainty_level(const std::string& text) {
  if (text == "sampling") return UncertaintyLevel::Sampling;
  if (text == "parameters") return UncertaintyLevel::Parameters;
  if (text == "assumptions") return UncertaintyLevel::Assumptions;
  throw ArgumentError("uncertainty", " " + text + ": expected sampling, parameters or assumptions");
}

const char* to_string(UncertaintyLevel level) {
  switch (level) {
    case UncertaintyLevel::Sampling: return "sampling";
    case UncertaintyLevel::Parameters: return "parameters";
    case UncertaintyLevel::Assumptions: return "assumptions";
  }
  return "?";
}

std::string coverage_text(UncertaintyLevel level) {
  switch (level) {
    case UncertaintyLevel::Sampling: return "sampling";
    case UncertaintyLevel::Parameters: return "sampling + parameters";
    case UncertaintyLevel::Assumptions: return "sampling + parameters + assumptions";
  }
  return "?";
}

namespace {

// The pharmacology's mean T-cell proliferation change at 4.5 mg nightly at 22:00 (typical
// adult) over a Latin hypercube of every ranged parameter of models/ldn/human.ldn,
// unweighted: the proliferation module's assumptions are not informed by the PK/PET
// targets, and weighting by them leaves a handful of samples carrying the band (an
// effective sample size of a few in 200), which would understate it. This is the band
// `claims` shows for `autoimmune-paradox`.
void pharmacology_band(DrawPlan& plan, std::size_t samples, std::uint64_t seed, int threads) {
  LdnModel model = LdnModel::load("human");
  const std::vector<double> typ = model.typical();
  Regimen g;
  g.dose_mg = 4.5;
  g.clock_h = 22;
  g.interval_h = 24;
  Simulator sim(model);
  plan.change_typical = regimen_metrics(sim, typ, g, 0.05).t_change;
  WeightedSampling ws;
  ws.samples = samples;
  ws.seed = seed;
  ws.weigh = false;
  ws.threads = threads;
  ws.what = "pharmacology samples (lymphocyte band)";
  const WeightedSamples drawn = weighted_samples(model, typ, ws, 1, [&](Simulator& sm, const std::vector<double>& q) {
    return std::vector<double>{regimen_metrics(sm, q, g, 0.1).t_change};
  });
  std::vector<double> changes, weights;
  for (std::size_t i = 0; i < drawn.values.size(); ++i) {
    changes.push_back(drawn.values[i][0]);
    weights.push_back(drawn.weights[i]);
  }
  // The weighted samples, and their 2.5-97.5% for the text.
  const WeightedDistribution d = weighted_distribution(changes, weights);
  if (d.empty() || !(std::abs(plan.change_typical) > 1e-9))
    throw InputError("models/ldn/human.ldn: the pharmacology's uncertainty samples carry no weight (no lymphocyte band)");
  plan.change_low = 100 * d.quantile(0.025);
  plan.change_high = 100 * d.quantile(0.975);
  for (const auto& [x, w] : d.points) {
    plan.prolx.push_back(x / plan.change_typical);
    plan.prolx_weight.push_back(w / d.total);
  }
  plan.change_typical *= 100;
  plan.lymphocytes = true;
}

}  // namespace

DrawPlan plan_draws(const lang::ModelInstance& base, UncertaintyLevel level, const std::vector<std::string>& keep,
                    std::size_t pharmacology_samples, std::uint64_t seed, int threads) {
  DrawPlan plan;
  plan.level = level;
  plan.covers = coverage_text(level);
  if (level == UncertaintyLevel::Sampling) return plan;
  const auto& params = base.model().parameters();
  auto kept = [&](const std::string& name) { return std::find(keep.begin(), keep.end(), name) != keep.end(); };
  for (std::size_t i = 0; i < params.size(); ++i) {
    const lang::Parameter& q = params[i];
    if (!q.value || kept(q.name) || q.name == "PROLX" || q.name == "ARR_TAU") continue;
    DrawnParameter d;
    d.name = q.name;
    d.index = i;
    d.estimate = base.get(i);
    const bool ranged = q.low && q.high && *q.low < *q.high;
    if (q.has(lang::Role::Fitted) && q.has(lang::Role::Unidentified) && ranged) {
      d.distribution = "uniform";
      d.why = "not identified";
    } else if (q.has(lang::Role::Fitted) && q.se && *q.se > 0) {
      d.distribution = "normal";
      d.se = *q.se;
      d.why = "fitted";
    } else if (level == UncertaintyLevel::Assumptions && assumption_only(q) && ranged) {
      d.distribution = "uniform";
      d.why = "assumption";
    } else {
      continue;
    }
    d.low = ranged ? *q.low : -HUGE_VAL;
    d.high = ranged ? *q.high : HUGE_VAL;
    plan.parameters.push_back(d);
  }
  // Correlated blocks of fitted estimates (calibration stages).
  plan.correlations_file = fit_correlations_file(base.model().file());
  for (const auto& sc : read_fit_correlations(plan.correlations_file)) {
    DrawPlan::Block b;
    std::vector<std::size_t> rows;  // rows of sc.r kept
    for (std::size_t i = 0; i < sc.names.size(); ++i)
      for (std::size_t k = 0; k < plan.parameters.size(); ++k)
        if (plan.parameters[k].name == sc.names[i] && plan.parameters[k].distribution == "normal") {
          b.members.push_back(k);
          rows.push_back(i);
        }
    if (b.members.size() < 2) continue;
    // Cholesky of the kept correlations; a matrix that is not positive definite (rounding)
    // leaves the block independent.
    const std::size_t n = rows.size();
    std::vector<std::vector<double>> L(n, std::vector<double>(n, 0.0));
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        double sum = sc.r[rows[i]][rows[j]];
        for (std::size_t k = 0; k < j; ++k) sum -= L[i][k] * L[j][k];
        if (i == j) {
          if (sum <= 1e-10) {
            ok = false;
            break;
          }
          L[i][i] = std::sqrt(sum);
        } else {
          L[i][j] = sum / L[j][j];
        }
      }
    if (!ok) continue;
    b.chol = L;
    plan.blocks.push_back(b);
  }
  if (level == UncertaintyLevel::Assumptions) {
    const int prolx = base.model().parameter_index("PROLX");
    if (prolx >= 0 && !kept("PROLX")) {
      if (base.model().parameter_index("DPROL") < 0)
        throw InputError(base.model().file() + ": PROLX scales the driver's DPROL, which the model does not declare");
      pharmacology_band(plan, pharmacology_samples, seed, threads);
    }
    const int tau = base.model().parameter_index("ARR_TAU");
    if (tau >= 0) {
      if (base.model().parameter_index("ARR_RR") < 0)
        throw InputError(base.model().file() + ": ARR_TAU is a between-trial term on ARR_RR, which the model does not declare");
      plan.tau = base.get(static_cast<std::size_t>(tau));
      plan.heterogeneity = plan.tau > 0 && !kept("ARR_RR");
    }
  }
  return plan;
}

void apply_draw(const DrawPlan& plan, std::size_t k, std::uint64_t seed, lang::ModelInstance& out) {
  if (plan.level == UncertaintyLevel::Sampling) return;
  // One stream per draw; parameters in model order, then the lymphocyte change, then the
  // between-trial term.
  RandomStream rng(seed, k, 0, 0x4a4f494eu);
  // One standard draw per parameter, in model order; a correlated block mixes its members'.
  std::vector<double> z(plan.parameters.size());
  for (std::size_t i = 0; i < plan.parameters.size(); ++i)
    z[i] = plan.parameters[i].distribution == "normal" ? rng.normal() : rng.uniform();
  std::vector<double> mixed = z;
  for (const auto& b : plan.blocks)
    for (std::size_t i = 0; i < b.members.size(); ++i) {
      double v = 0;
      for (std::size_t j = 0; j <= i; ++j) v += b.chol[i][j] * z[b.members[j]];
      mixed[b.members[i]] = v;
    }
  for (std::size_t i = 0; i < plan.parameters.size(); ++i) {
    const auto& d = plan.parameters[i];
    const double x = d.distribution == "normal" ? std::clamp(d.estimate + d.se * mixed[i], d.low, d.high)
                                                : d.low + (d.high - d.low) * mixed[i];
    out.set(d.index, x);
  }
  if (plan.lymphocytes) {
    const double u = rng.uniform();
    double cum = 0;
    double x = plan.prolx.back();
    for (std::size_t i = 0; i < plan.prolx.size(); ++i) {
      cum += plan.prolx_weight[i];
      if (u <= cum) {
        x = plan.prolx[i];
        break;
      }
    }
    out.set("PROLX", x);
  }
  if (plan.heterogeneity) {
    const double z = rng.normal();
    out.set("ARR_RR", out.get("ARR_RR") * std::exp(plan.tau * z - 0.5 * plan.tau * plan.tau));
  }
}

}  // namespace ldnsim::science
