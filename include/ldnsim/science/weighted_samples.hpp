// Likelihood-weighted Latin-hypercube uncertainty of the LDN pharmacology models: the one
// implementation behind `ldnsim dose --uncertainty` and the pharmacology bands of
// `ldnsim claims` (issue 14). Each sample draws every ranged parameter (uncertainty.hpp)
// over its plausible range; optionally it is weighed by its agreement with the model's
// calibration targets, exp(-(chi2 - chi2 of the calibrated model)/2): importance sampling
// of the ranges as priors, so samples that contradict the data count little.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ldnsim/science/ldn.hpp"
#include "ldnsim/science/uncertainty.hpp"

namespace ldnsim::science {

struct WeightedSampling {
  std::size_t samples = 0;
  std::uint64_t seed = 1;
  bool weigh = true;   // false: every sample that simulates counts 1 (prior ranges only)
  int threads = 1;
  bool progress = false;
  std::string what = "uncertainty samples";  // progress label
};

struct WeightedSamples {
  std::vector<UncertainParameter> parameters;  // the ranged parameters sampled
  std::vector<std::vector<double>> values;     // [sample][value]; NaN for failed samples
  std::vector<double> weights;                 // [sample]; 0 for failed samples
  double ess = 0;                              // Kish's effective sample size
  int failed = 0;                              // samples that failed to simulate
  // Weighted median and 5th/95th percentiles of value k over the samples.
  Band band(std::size_t k) const;
};

// Samples the ranged parameters of `model` on top of `base` (a parameter vector, e.g. the
// typical one with a subject's weight). `metrics(sim, params)` returns `width` values per
// sample (it may throw ldnsim::Error: the sample then failed, its values are NaN and its
// weight 0, as is a sample whose first value is not finite). The likelihood is evaluated at
// the typical values with the sample's ranged parameters: the calibration data describe
// the calibrated subject (reference weight, normal liver), not `base`'s. Results do not
// depend on the thread count.
WeightedSamples weighted_samples(const LdnModel& model, std::span<const double> base, const WeightedSampling& options,
                                 std::size_t width,
                                 const std::function<std::vector<double>(Simulator&, const std::vector<double>&)>& metrics);

// Whether a steady-state cycle leaves a window without MOR blockade, from the trough
// occupancy (a fraction): the reading `ldnsim dose` and the explorer both give.
struct BlockadeWindow {
  bool exists = false;
  std::string text;
};
BlockadeWindow blockade_window(double trough_occupancy);

// The finite values with a positive weight, sorted, and their total weight: a weighted
// sample's distribution. quantile(q) is the first value whose cumulative weight reaches q
// of the total (nothing carries weight: empty, and quantile is not to be called).
struct WeightedDistribution {
  std::vector<std::pair<double, double>> points;  // (value, weight), by value
  double total = 0;
  bool empty() const { return points.empty() || !(total > 0); }
  double quantile(double q) const;
};
WeightedDistribution weighted_distribution(const std::vector<double>& values, const std::vector<double>& weights);

}  // namespace ldnsim::science
