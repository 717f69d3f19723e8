#include "ldnsim/science/weighted_samples.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/science/calibration.hpp"

namespace ldnsim::science {

Band WeightedSamples::band(std::size_t k) const {
  std::vector<double> v;
  v.reserve(values.size());
  for (const auto& r : values) v.push_back(r[k]);
  return science::band(v, weights);
}

WeightedSamples weighted_samples(const LdnModel& model, std::span<const double> base, const WeightedSampling& o,
                                 std::size_t width,
                                 const std::function<std::vector<double>(Simulator&, const std::vector<double>&)>& metrics) {
  WeightedSamples out;
  out.parameters = ranged_parameters(model);
  const auto& ranged = out.parameters;
  const std::vector<double> typical = model.typical();
  const std::vector<double> start(base.begin(), base.end());
  const auto lhs = latin_hypercube(o.samples, ranged.size(), o.seed);
  const int threads = std::max(1, o.threads);
  std::vector<std::unique_ptr<Simulator>> sims;
  for (int w = 0; w < threads; ++w) sims.push_back(std::make_unique<Simulator>(model));
  double chi2_typical = 0;
  if (o.weigh) {
    Simulator sim(model);
    chi2_typical = calibration_chi2(sim, typical);
  }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  auto rows = run_samples(lhs.size(), threads, o.progress, o.what, [&](std::size_t worker, std::size_t i) {
    std::vector<double> q = start;
    for (std::size_t k = 0; k < ranged.size(); ++k) q[ranged[k].index] = from_unit(ranged[k], lhs[i][k]);
    std::vector<double> r;
    try {
      r = metrics(*sims[worker], q);
    } catch (const Error&) {
      r.assign(width, kNaN);
    }
    if (r.size() != width) throw std::logic_error("weighted_samples: " + std::to_string(r.size()) + " values, expected " + std::to_string(width));
    double weight = std::isfinite(r[0]) ? 1.0 : 0.0;
    if (weight > 0 && o.weigh) {
      std::vector<double> c = typical;
      for (const auto& u : ranged) c[u.index] = q[u.index];
      try {
        weight = std::exp(-0.5 * (calibration_chi2(*sims[worker], c) - chi2_typical));
      } catch (const Error&) {
        weight = 0;
      }
    }
    r.push_back(weight);
    return r;
  });
  for (auto& r : rows) {
    out.weights.push_back(r.back());
    r.pop_back();
    if (!std::isfinite(r[0])) ++out.failed;
    out.values.push_back(std::move(r));
  }
  out.ess = effective_sample_size(out.weights);
  return out;
}

BlockadeWindow blockade_window(double trough) {
  // Thresholds of the reading (assumption, docs/model.md): half the receptors blocked all
  // day leaves no window; a trough below 20% is taken as receptors effectively free.
  constexpr double kBlockedAllDay = 0.5, kFree = 0.2;
  if (trough >= kBlockedAllDay) return {false, "no: at least half the MOR stay blocked all day"};
  if (trough >= kFree) return {false, "no clean window: blockade dips but never below " + format_number(100 * kFree) + "%"};
  return {true, "yes: blockade falls below " + format_number(100 * kFree) + "% for part of the day"};
}

WeightedDistribution weighted_distribution(const std::vector<double>& values, const std::vector<double>& weights) {
  WeightedDistribution d;
  for (std::size_t i = 0; i < values.size() && i < weights.size(); ++i)
    if (std::isfinite(values[i]) && weights[i] > 0) {
      d.points.emplace_back(values[i], weights[i]);
      d.total += weights[i];
    }
  std::sort(d.points.begin(), d.points.end());
  return d;
}

double WeightedDistribution::quantile(double q) const {
  double cum = 0;
  for (const auto& [x, w] : points) {
    cum += w;
    if (cum >= q * total) return x;
  }
  return points.back().first;
}

}  // namespace ldnsim::science
