#include "ldnsim/stats/power.hpp"

#include <cmath>

#include "check.hpp"
#include "ldnsim/stats/distributions.hpp"

namespace ldnsim::stats {

namespace {

void check_alpha(double alpha, const char* where) {
  if (!(alpha > 0.0 && alpha < 1.0)) throw UsageError(std::string(where) + ": alpha must be in (0, 1)");
}
void check_power(double power, const char* where) {
  if (!(power > 0.0 && power < 1.0)) throw UsageError(std::string(where) + ": power must be in (0, 1)");
}
void check_means(double delta, double sd, const char* where) {
  detail::require_finite(delta, where, "delta");
  if (delta == 0.0) detail::input_error(where, "delta must be non-zero");
  if (!(sd > 0.0) || !std::isfinite(sd)) detail::input_error(where, "sd must be positive and finite");
}
void check_props(double p1, double p2, const char* where) {
  if (!(p1 > 0.0 && p1 < 1.0) || !(p2 > 0.0 && p2 < 1.0))
    detail::input_error(where, "p1 and p2 must be strictly between 0 and 1");
  if (p1 == p2) detail::input_error(where, "p1 and p2 must differ");
}

}  // namespace

double power_two_means(double delta, double sd, double n, double alpha, PowerMethod method) {
  const char* where = "power_two_means";
  check_means(delta, sd, where);
  check_alpha(alpha, where);
  if (!(n >= 2.0) || !std::isfinite(n)) detail::input_error(where, "n_per_group must be at least 2");
  const double effect = std::fabs(delta) / sd * std::sqrt(n / 2.0);
  if (method == PowerMethod::Normal) return normal_cdf(effect - normal_quantile(alpha / 2.0, 0.0, 1.0, false));
  const double df = 2.0 * (n - 1.0);
  const double crit = t_quantile(alpha / 2.0, df, false);
  return noncentral_t_cdf(crit, df, effect, false);
}

double sample_size_two_means(double delta, double sd, double power, double alpha, PowerMethod method) {
  const char* where = "sample_size_two_means";
  check_means(delta, sd, where);
  check_alpha(alpha, where);
  check_power(power, where);
  const double za = normal_quantile(alpha / 2.0, 0.0, 1.0, false), zb = normal_quantile(power);
  const double ratio = sd / delta;
  const double n_normal = 2.0 * (za + zb) * (za + zb) * ratio * ratio;
  if (method == PowerMethod::Normal) return n_normal;
  // The t power is below the normal one at the same n, so the root lies above n_normal.
  double lo = 2.0, hi = std::max(3.0, n_normal);
  while (power_two_means(delta, sd, hi, alpha, method) < power) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e12) detail::input_error(where, "required sample size is unbounded");
  }
  if (power_two_means(delta, sd, lo, alpha, method) >= power) return lo;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (power_two_means(delta, sd, mid, alpha, method) < power ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double power_two_proportions(double p1, double p2, double n, double alpha) {
  const char* where = "power_two_proportions";
  check_props(p1, p2, where);
  check_alpha(alpha, where);
  if (!(n >= 2.0) || !std::isfinite(n)) detail::input_error(where, "n_per_group must be at least 2");
  const double qu = normal_quantile(alpha / 2.0, 0.0, 1.0, false);
  const double d = std::fabs(p1 - p2);
  const double pbar = (p1 + p2) / 2.0;
  return normal_cdf((std::sqrt(n) * d - qu * std::sqrt(2.0 * pbar * (1.0 - pbar))) /
                    std::sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2)));
}

double sample_size_two_proportions(double p1, double p2, double power, double alpha) {
  const char* where = "sample_size_two_proportions";
  check_props(p1, p2, where);
  check_alpha(alpha, where);
  check_power(power, where);
  const double za = normal_quantile(alpha / 2.0, 0.0, 1.0, false), zb = normal_quantile(power);
  const double pbar = (p1 + p2) / 2.0;
  const double num = za * std::sqrt(2.0 * pbar * (1.0 - pbar)) + zb * std::sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2));
  return num * num / ((p1 - p2) * (p1 - p2));
}

}  // namespace ldnsim::stats
