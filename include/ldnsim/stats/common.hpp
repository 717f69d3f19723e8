// Vocabulary shared by every analysis in ldnsim::stats: the alternative hypothesis, an
// interval, and the input checks whose messages users see when a simulated trial arm is
// too small or degenerate to analyse.
//
// Conventions of the whole layer, so that a simulated trial can be analysed the way a
// published LDN study was and the numbers compared one for one:
//  * results follow R (the tool the papers used) in definitions and defaults; each header
//    names the R function a result reproduces;
//  * invalid input (NaN, too few observations, mismatched lengths, zero variance where a
//    test is undefined, probabilities outside [0, 1]) throws ldnsim::InputError; an
//    invalid option (confidence level outside (0, 1), ...) throws ldnsim::UsageError;
//  * p-values are two-sided unless an Alternative is passed.
#pragma once

#include <cmath>
#include <limits>
#include <string>

namespace ldnsim::stats {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// The alternative hypothesis of a test. One-sided alternatives give one-sided p-values and
// one-sided (half-infinite) confidence intervals, as R does; they matter for
// non-inferiority designs.
enum class Alternative {
  TwoSided,
  Less,     // true effect (first minus second, or estimate minus null) below the null
  Greater,  // true effect above the null
};

const char* to_string(Alternative alternative);

// A confidence (or percentile) interval; bounds may be -inf/+inf for one-sided intervals.
struct Interval {
  double lower = kNaN;
  double upper = kNaN;
  bool contains(double value) const { return lower <= value && value <= upper; }
};

// One estimated effect with its inference: what a paper's results table reports for a
// treatment difference, a period effect or a regression coefficient. `df` is the degrees
// of freedom of the t reference distribution, or +inf when the test is a z (Wald) test.
struct Effect {
  double estimate = kNaN;
  double std_error = kNaN;
  Interval ci;
  double statistic = kNaN;  // t or z
  double df = kNaN;
  double p_value = kNaN;    // two-sided unless the function takes an Alternative
};

// A chi-square test (log-rank, likelihood ratio, score, Wald): statistic, df, p-value.
struct ChiSquareTest {
  double statistic = kNaN;
  double df = kNaN;
  double p_value = kNaN;
};

}  // namespace ldnsim::stats
