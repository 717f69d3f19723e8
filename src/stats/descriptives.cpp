#include "ldnsim/stats/descriptives.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "check.hpp"

namespace ldnsim::stats {

namespace {

double mean_unchecked(const std::vector<double>& x) {
  double s = 0.0;
  for (double v : x) s += v;
  double m = s / static_cast<double>(x.size());
  // One refinement pass recovers the digits lost to rounding in the first sum.
  double r = 0.0;
  for (double v : x) r += v - m;
  return m + r / static_cast<double>(x.size());
}

double quantile_sorted(const std::vector<double>& sorted, double p) {
  // Exactly R's type-7 arithmetic (1-based index, (1 - h) x[lo] + h x[hi]), so that
  // results agree with R to the last bit rather than merely to rounding.
  const std::size_t n = sorted.size();
  const double index = 1.0 + static_cast<double>(n - 1) * p;
  const double lo = std::floor(index);
  const double hi = std::ceil(index);
  const double qlo = sorted[static_cast<std::size_t>(lo) - 1];
  const double qhi = sorted[static_cast<std::size_t>(hi) - 1];
  if (!(index > lo) || qhi == qlo) return qlo;
  const double h = index - lo;
  return (1.0 - h) * qlo + h * qhi;
}

void check_prob(double p, const char* where) { detail::require_probability(p, where, "probability"); }

}  // namespace

double mean(const std::vector<double>& x) {
  detail::require_sample(x, 1, "mean", "x");
  return mean_unchecked(x);
}

double variance(const std::vector<double>& x) {
  detail::require_sample(x, 2, "variance", "x");
  const double m = mean_unchecked(x);
  double ss = 0.0, comp = 0.0;
  for (double v : x) {
    const double d = v - m;
    ss += d * d;
    comp += d;
  }
  const double n = static_cast<double>(x.size());
  return (ss - comp * comp / n) / (n - 1.0);
}

double sd(const std::vector<double>& x) {
  detail::require_sample(x, 2, "sd", "x");
  return std::sqrt(variance(x));
}

std::vector<double> quantiles(const std::vector<double>& x, const std::vector<double>& probs) {
  detail::require_sample(x, 1, "quantile", "x");
  for (double p : probs) check_prob(p, "quantile");
  std::vector<double> sorted(x);
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> out;
  out.reserve(probs.size());
  for (double p : probs) out.push_back(quantile_sorted(sorted, p));
  return out;
}

double quantile(const std::vector<double>& x, double p) { return quantiles(x, {p}).front(); }

double median(const std::vector<double>& x) {
  detail::require_sample(x, 1, "median", "x");
  return quantile(x, 0.5);
}

Interval percentile_interval(const std::vector<double>& x, double level) {
  detail::require_conf_level(level, "percentile_interval");
  detail::require_sample(x, 1, "percentile_interval", "x");
  const auto q = quantiles(x, {(1.0 - level) / 2.0, (1.0 + level) / 2.0});
  return {q[0], q[1]};
}

Summary summarize(const std::vector<double>& x) {
  detail::require_sample(x, 1, "summarize", "x");
  Summary s;
  s.n = x.size();
  s.mean = mean_unchecked(x);
  s.sd = x.size() >= 2 ? sd(x) : kNaN;
  const auto q = quantiles(x, {0.0, 0.25, 0.5, 0.75, 1.0});
  s.min = q[0];
  s.q1 = q[1];
  s.median = q[2];
  s.q3 = q[3];
  s.max = q[4];
  return s;
}

}  // namespace ldnsim::stats
