// Wilcoxon signed-rank and rank-sum (Mann-Whitney) tests: the analyses LDN studies used
// for ordinal or skewed outcomes (EDSS changes, fatigue and pain scales) where a t-test's
// normality is doubtful. They reproduce R's wilcox.test() with its defaults: an exact
// p-value when n < 50 and there are no ties (and, for the signed-rank test, no zero
// differences); otherwise the normal approximation with tie-corrected variance and a
// continuity correction.
#pragma once

#include <cstddef>
#include <vector>

#include "ldnsim/stats/common.hpp"

namespace ldnsim::stats {

enum class ExactMode {
  Auto,    // R's default: exact when every sample has fewer than 50 values
  Always,  // exact when there are no ties (or zeros); the normal approximation otherwise
  Never,   // always the normal approximation
};

struct WilcoxonOptions {
  Alternative alternative = Alternative::TwoSided;
  double mu = 0.0;       // null location shift (of x - y, or of x for one sample)
  bool correct = true;   // continuity correction of the normal approximation
  ExactMode exact = ExactMode::Auto;
};

struct WilcoxonResult {
  // Signed rank: V, the sum of the ranks of positive differences. Rank sum: W, the
  // Mann-Whitney count sum(rank of x) - n_x (n_x + 1) / 2. (R's "V" and "W".)
  double statistic = kNaN;
  double p_value = kNaN;
  bool exact = false;   // p-value from the exact permutation distribution
  double z = kNaN;      // standardised statistic of the normal approximation, NaN if exact
  bool ties = false;    // tied (absolute) values were present
  bool zeros = false;   // signed rank only: zero differences were present (and dropped)
  std::size_t n = 0;    // signed rank: non-zero differences used; rank sum: n_x
  std::size_t m = 0;    // rank sum: n_y; 0 for the signed-rank test
  Alternative alternative = Alternative::TwoSided;
};

// One-sample signed-rank test of symmetry about options.mu (R: wilcox.test(x, mu=)).
WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& x, const WilcoxonOptions& options = {});
// Paired signed-rank test on x - y (R: wilcox.test(x, y, paired=TRUE)). Needs at least one
// non-zero difference.
WilcoxonResult wilcoxon_signed_rank_paired(const std::vector<double>& x, const std::vector<double>& y,
                                           const WilcoxonOptions& options = {});
// Two-sample rank-sum test of a location shift x - y == mu (R: wilcox.test(x, y)).
WilcoxonResult wilcoxon_rank_sum(const std::vector<double>& x, const std::vector<double>& y,
                                 const WilcoxonOptions& options = {});

// Exact null distributions, for checking and for power work:
// P(V <= v) or P(V > v) of the signed-rank statistic with n non-zero differences
// (R: psignrank), and P(W <= w) or P(W > w) of the rank-sum statistic with m and n
// observations (R: pwilcox). The permutation counts are built by additions only and each
// tail is summed directly, so small tail probabilities keep their relative accuracy. The
// tables need about n^3 / 2 (signed rank) and min(m,n)^2 (m+n) (rank sum) operations;
// beyond 2e8 they throw UsageError (use the normal approximation there, as R does from
// n = 50 on).
double signed_rank_cdf(double v, std::size_t n, bool lower_tail = true);
double rank_sum_cdf(double w, std::size_t m, std::size_t n, bool lower_tail = true);

// Average ranks (1-based) with ties given their mean rank (R: rank(x)).
std::vector<double> average_ranks(const std::vector<double>& x);

}  // namespace ldnsim::stats
