#include "ldnsim/stats/ttest.hpp"

#include <cmath>
#include <limits>

#include "check.hpp"
#include "ldnsim/stats/descriptives.hpp"
#include "ldnsim/stats/distributions.hpp"

namespace ldnsim::stats {

namespace {

void check_options(const TTestOptions& o, const char* where) {
  detail::require_conf_level(o.conf_level, where);
  detail::require_finite(o.mu, where, "mu");
}

// R refuses a standard error that is zero relative to the means ("data are essentially
// constant"): the t statistic would be 0/0 or pure rounding noise.
void check_std_error(double se, double scale, const char* where) {
  if (!(se > 10.0 * std::numeric_limits<double>::epsilon() * scale))
    detail::input_error(where, "data are essentially constant; the t statistic is undefined");
}

// Fills statistic, p-value and interval from estimate, standard error and df, as R does.
TTestResult finish(TTestResult r, const TTestOptions& o) {
  r.alternative = o.alternative;
  r.null_value = o.mu;
  r.conf_level = o.conf_level;
  r.statistic = (r.estimate - o.mu) / r.std_error;
  const double lower = t_cdf(r.statistic, r.df, true);
  const double upper = t_cdf(r.statistic, r.df, false);
  r.p_value = detail::p_value(o.alternative, lower, upper);
  switch (o.alternative) {
    case Alternative::Less: {
      const double q = t_quantile(o.conf_level, r.df);
      r.ci = {-kInf, r.estimate + q * r.std_error};
      break;
    }
    case Alternative::Greater: {
      const double q = t_quantile(o.conf_level, r.df);
      r.ci = {r.estimate - q * r.std_error, kInf};
      break;
    }
    case Alternative::TwoSided: {
      const double q = t_quantile((1.0 + o.conf_level) / 2.0, r.df);
      r.ci = {r.estimate - q * r.std_error, r.estimate + q * r.std_error};
      break;
    }
  }
  return r;
}

TTestResult one_sample(const std::vector<double>& x, const TTestOptions& o, const char* where) {
  detail::require_sample(x, 2, where, "x");
  TTestResult r;
  const double n = static_cast<double>(x.size());
  r.mean_x = mean(x);
  r.estimate = r.mean_x;
  r.std_error = std::sqrt(variance(x) / n);
  r.df = n - 1.0;
  check_std_error(r.std_error, std::fabs(r.mean_x), where);
  return finish(r, o);
}

}  // namespace

TTestResult one_sample_t_test(const std::vector<double>& x, const TTestOptions& options) {
  check_options(options, "one_sample_t_test");
  return one_sample(x, options, "one_sample_t_test");
}

TTestResult paired_t_test(const std::vector<double>& x, const std::vector<double>& y,
                          const TTestOptions& options) {
  const char* where = "paired_t_test";
  check_options(options, where);
  detail::require_same_length(x, y, where, "x", "y");
  detail::require_finite(x, where, "x");
  detail::require_finite(y, where, "y");
  std::vector<double> d(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) d[i] = x[i] - y[i];
  return one_sample(d, options, where);
}

TTestResult student_t_test(const std::vector<double>& x, const std::vector<double>& y,
                           const TTestOptions& options) {
  const char* where = "student_t_test";
  check_options(options, where);
  detail::require_sample(x, 1, where, "x");
  detail::require_sample(y, 1, where, "y");
  if (x.size() + y.size() < 3) detail::input_error(where, "needs at least 3 observations in total");
  const double nx = static_cast<double>(x.size()), ny = static_cast<double>(y.size());
  TTestResult r;
  r.mean_x = mean(x);
  r.mean_y = mean(y);
  r.estimate = r.mean_x - r.mean_y;
  r.df = nx + ny - 2.0;
  double ss = 0.0;
  if (x.size() > 1) ss += (nx - 1.0) * variance(x);
  if (y.size() > 1) ss += (ny - 1.0) * variance(y);
  const double pooled = ss / r.df;
  r.std_error = std::sqrt(pooled * (1.0 / nx + 1.0 / ny));
  check_std_error(r.std_error, std::max(std::fabs(r.mean_x), std::fabs(r.mean_y)), where);
  return finish(r, options);
}

TTestResult welch_t_test(const std::vector<double>& x, const std::vector<double>& y,
                         const TTestOptions& options) {
  const char* where = "welch_t_test";
  check_options(options, where);
  detail::require_sample(x, 2, where, "x");
  detail::require_sample(y, 2, where, "y");
  const double nx = static_cast<double>(x.size()), ny = static_cast<double>(y.size());
  TTestResult r;
  r.mean_x = mean(x);
  r.mean_y = mean(y);
  r.estimate = r.mean_x - r.mean_y;
  const double sx = variance(x) / nx, sy = variance(y) / ny;
  r.std_error = std::sqrt(sx + sy);
  check_std_error(r.std_error, std::max(std::fabs(r.mean_x), std::fabs(r.mean_y)), where);
  r.df = (sx + sy) * (sx + sy) / (sx * sx / (nx - 1.0) + sy * sy / (ny - 1.0));
  return finish(r, options);
}

}  // namespace ldnsim::stats
