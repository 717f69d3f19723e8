// Descriptive statistics of one sample: the numbers of a trial's "Table 1" and the
// summaries of simulated outcome distributions.
//
// Every function rejects NaN and infinities (InputError) rather than propagating them:
// a NaN in a simulated outcome is a bug upstream that a summary must not hide.
#pragma once

#include <cstddef>
#include <vector>

#include "ldnsim/stats/common.hpp"

namespace ldnsim::stats {

// Arithmetic mean; needs n >= 1.
double mean(const std::vector<double>& x);
// Sample variance with denominator n - 1 (R: var); needs n >= 2. Computed in two passes
// with a compensation term, so a large common offset (e.g. EDSS-like scores around 1e6
// after a units slip) does not destroy the digits.
double variance(const std::vector<double>& x);
// Sample standard deviation sqrt(variance) (R: sd); needs n >= 2.
double sd(const std::vector<double>& x);

// Sample quantile of R's default type 7 (linear interpolation between order statistics at
// h = (n - 1) p), the definition most papers' medians and IQRs come from; 0 <= p <= 1,
// n >= 1 (R: quantile(x, p, type = 7)).
double quantile(const std::vector<double>& x, double p);
// Several type-7 quantiles of the same sample, sorting it once.
std::vector<double> quantiles(const std::vector<double>& x, const std::vector<double>& probs);
// quantile(x, 0.5); for even n the mean of the two middle values (R: median).
double median(const std::vector<double>& x);

// The central `level` percentile interval of a sample, [quantile((1-level)/2),
// quantile((1+level)/2)] (type 7): the spread of an outcome across simulated trials or a
// bootstrap interval. 0 < level < 1.
Interval percentile_interval(const std::vector<double>& x, double level = 0.95);

// The five-number summary with mean and SD, as R's summary() plus sd().
struct Summary {
  std::size_t n = 0;
  double mean = kNaN;
  double sd = kNaN;  // NaN when n == 1
  double min = kNaN;
  double q1 = kNaN;  // type-7 25th percentile
  double median = kNaN;
  double q3 = kNaN;  // type-7 75th percentile
  double max = kNaN;
};
Summary summarize(const std::vector<double>& x);

}  // namespace ldnsim::stats
