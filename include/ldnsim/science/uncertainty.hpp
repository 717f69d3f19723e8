// Uncertainty and global sensitivity over the parameters a model gives a plausible range:
// Latin hypercube sampling with medians and 90% bands, and Morris elementary-effects
// screening. Every draw is a pure function of (seed, sample, parameter), so results do not
// depend on the thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "ldnsim/science/ldn.hpp"

namespace ldnsim::science {

struct UncertainParameter {
  std::string name;
  std::size_t index = 0;  // into the parameter vector
  double low = 0, high = 0;
  bool log = false;       // log-uniform
  bool assumed = true;    // an assumption (else a range from data or from calibration)
  std::string unit;
};

// The model's parameters that carry `range` or `logrange`, in model order.
std::vector<UncertainParameter> ranged_parameters(const LdnModel& model);

// Maps u in [0, 1] onto the parameter's range (uniform or log-uniform).
double from_unit(const UncertainParameter& p, double u);

// n points of a k-dimensional Latin hypercube in (0, 1): each dimension's n strata are
// used once, in an order drawn from RandomStream(seed, 0, dimension).
std::vector<std::vector<double>> latin_hypercube(std::size_t n, std::size_t k, std::uint64_t seed);

struct Band {
  double median = 0, low = 0, high = 0;  // 5th and 95th percentiles
};
Band band(std::vector<double> values);
// Weighted percentiles (weights >= 0, same length as values).
Band band(const std::vector<double>& values, const std::vector<double>& weights);
// Kish's effective sample size of a set of weights.
double effective_sample_size(const std::vector<double>& weights);

// Morris elementary effects on the unit hypercube (p = `levels` grid levels, step
// p/(2(p-1))), `trajectories` one-at-a-time paths. `f(worker, point)` returns the outputs
// at a point of the unit cube; it runs on worker threads 0..threads-1.
struct MorrisResult {
  std::size_t trajectories = 0;
  int levels = 0;
  // [output][parameter]
  std::vector<std::vector<double>> mu, mu_star, sigma;
  // Points whose simulation failed: f returned an empty vector; their outputs count as
  // missing. Counted from the results themselves, so the same for any thread or process count.
  std::size_t failed = 0;
};
MorrisResult morris(std::size_t parameters, std::size_t outputs, std::size_t trajectories, int levels,
                    std::uint64_t seed, int threads, bool progress,
                    const std::function<std::vector<double>(std::size_t, std::span<const double>)>& f);

// Runs `f(worker, sample)` for samples 0..n-1 on `threads` threads; results come back in
// sample order, identical for any thread count.
std::vector<std::vector<double>> run_samples(
    std::size_t n, int threads, bool progress, const std::string& what,
    const std::function<std::vector<double>(std::size_t, std::size_t)>& f);

}  // namespace ldnsim::science
