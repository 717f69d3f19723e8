// Binary outcomes: responder rates, proportion relapse-free, proportion with adverse
// events. Intervals and tests reproduce R's binom.test(), prop.test() and fisher.test().
#pragma once

#include "ldnsim/stats/common.hpp"

namespace ldnsim::stats {

// Exact (Clopper-Pearson) interval for x successes in n trials: conservative, never below
// nominal coverage, the interval small pilot studies should quote
// (R: binom.test(x, n)$conf.int). 0 <= x <= n, n >= 1. A one-sided alternative gives the
// one-sided bound with the other end at 0 or 1.
Interval clopper_pearson_ci(long long x, long long n, double conf_level = 0.95,
                            Alternative alternative = Alternative::TwoSided);

// Wilson score interval, with the continuity correction of Newcombe (1998) when
// `continuity` (R: prop.test(x, n, correct=continuity)$conf.int; R caps the correction at
// |x - n p0| for the null p0 it tests, which matters only when x is within 1/2 of n p0).
// Much closer to nominal coverage than the Wald interval for small n or extreme p.
Interval wilson_ci(long long x, long long n, double conf_level = 0.95, bool continuity = false);

struct BinomialTestResult {
  long long successes = 0;
  long long trials = 0;
  double estimate = kNaN;  // x / n
  double null_value = kNaN;
  double p_value = kNaN;
  Interval ci;  // Clopper-Pearson, matching the alternative
};

// Exact binomial test of P(success) == p (R: binom.test). The two-sided p-value sums the
// probabilities of all outcomes no more likely than the one observed (with R's relative
// tolerance 1e-7 for ties in probability), not twice the smaller tail.
BinomialTestResult binomial_test(long long x, long long n, double p = 0.5,
                                 Alternative alternative = Alternative::TwoSided, double conf_level = 0.95);

// A 2x2 table: rows are the groups (row 1 = treated), columns outcome yes / no.
//            event   no event
//   row 1      a        b
//   row 2      c        d
struct Table2x2 {
  long long a = 0, b = 0, c = 0, d = 0;
};

struct FisherResult {
  double p_value = kNaN;
  // Conditional maximum-likelihood odds ratio (a*d/(b*c) only approximately); 0 or +inf
  // at the edges of the support.
  double odds_ratio = kNaN;
  Interval ci;  // exact conditional interval for the odds ratio
};

// Fisher's exact test (R: fisher.test on matrix(c(a, c, b, d), 2)). The two-sided p-value
// sums the hypergeometric probabilities no larger than the observed one (relative
// tolerance 1e-7), as R. The odds ratio and its interval are found to ~1e-12 relative,
// tighter than R, whose uniroot() stops at ~1e-4.
FisherResult fisher_exact_test(const Table2x2& table, Alternative alternative = Alternative::TwoSided,
                               double conf_level = 0.95);

struct TwoProportionsResult {
  double p1 = kNaN, p2 = kNaN;
  Effect difference;  // p1 - p2: unpooled (Wald) SE, CI; z = sign * sqrt(chi-square), df = inf
  double chi_square = kNaN;  // Pearson statistic on the 2x2 table (Yates-corrected if asked)
  double p_value = kNaN;     // for the alternative, from the chi-square / z statistic
};

// Comparison of two independent proportions x1/n1 and x2/n2 (R: prop.test(c(x1, x2),
// c(n1, n2), correct=)). The test uses the pooled proportion; the interval the unpooled
// SE, widened by the continuity correction 1/2 (1/n1 + 1/n2) when `continuity`.
// Needs n1, n2 >= 1 and not all outcomes identical (the test is 0/0 then).
TwoProportionsResult two_proportions_test(long long x1, long long n1, long long x2, long long n2,
                                          bool continuity = true,
                                          Alternative alternative = Alternative::TwoSided,
                                          double conf_level = 0.95);

}  // namespace ldnsim::stats
