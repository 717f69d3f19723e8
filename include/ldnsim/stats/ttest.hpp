// Student t-tests: the primary analysis of most LDN pilot studies (change in a quality of
// life or fatigue score, LDN versus placebo). Results reproduce R's t.test() to rounding:
// same estimate, statistic, df, p-value and confidence interval, for every alternative.
#pragma once

#include <vector>

#include "ldnsim/stats/common.hpp"

namespace ldnsim::stats {

struct TTestOptions {
  Alternative alternative = Alternative::TwoSided;
  // The null value of the mean (one-sample), of the mean difference (paired) or of
  // mean(x) - mean(y) (two-sample); a non-zero value gives a non-inferiority margin.
  double mu = 0.0;
  double conf_level = 0.95;
};

struct TTestResult {
  // mean(x) (one-sample), mean(x - y) (paired) or mean(x) - mean(y) (two-sample).
  double estimate = kNaN;
  double mean_x = kNaN;     // mean of x (of the differences for the paired test)
  double mean_y = kNaN;     // mean of y for two-sample tests, NaN otherwise
  double std_error = kNaN;  // of `estimate`
  Interval ci;              // for `estimate`; half-infinite for one-sided alternatives
  double statistic = kNaN;  // t = (estimate - mu) / std_error
  double df = kNaN;         // fractional for Welch
  double p_value = kNaN;    // for options.alternative
  Alternative alternative = Alternative::TwoSided;
  double null_value = 0.0;
  double conf_level = 0.95;
};

// One-sample t-test of mean(x) == mu (R: t.test(x, mu=)). Needs n >= 2 and x not constant.
TTestResult one_sample_t_test(const std::vector<double>& x, const TTestOptions& options = {});

// Paired t-test of mean(x - y) == mu, pairs by position (R: t.test(x, y, paired=TRUE)).
// Needs n >= 2 pairs and differences that are not all equal.
TTestResult paired_t_test(const std::vector<double>& x, const std::vector<double>& y,
                          const TTestOptions& options = {});

// Two-sample t-test with pooled variance (R: t.test(x, y, var.equal=TRUE)): exact when
// the arms share a variance, as randomisation makes plausible under the null. Needs
// n_x, n_y >= 1, n_x + n_y >= 3 and a non-zero pooled variance.
TTestResult student_t_test(const std::vector<double>& x, const std::vector<double>& y,
                           const TTestOptions& options = {});

// Welch's unequal-variance t-test with Satterthwaite df (R's default t.test(x, y)): the
// safer choice when an arm's variance may change under treatment. Needs n_x, n_y >= 2 and
// a non-zero standard error.
TTestResult welch_t_test(const std::vector<double>& x, const std::vector<double>& y,
                         const TTestOptions& options = {});

}  // namespace ldnsim::stats
