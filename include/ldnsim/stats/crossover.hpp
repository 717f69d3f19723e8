// Analysis of the two-period, two-sequence (AB/BA) crossover, the design of the LDN MS
// quality-of-life trials (e.g. Cree et al. 2010, Sharafaddinzadeh et al. 2010): each
// subject receives treatment A (LDN) and B (placebo) in one of two orders.
//
// crossover_analysis() follows Hills & Armitage (1979) and Grizzle (1965), as set out in
// Jones & Kenward, "Design and Analysis of Cross-Over Trials", ch. 2:
//  * treatment: the within-subject half period differences d = (y1 - y2) / 2 are
//    compared between sequences by a pooled two-sample t-test; mean(d | AB) -
//    mean(d | BA) estimates tau_A - tau_B free of any period effect (df = n_AB + n_BA - 2);
//  * period: mean(d | AB) + mean(d | BA) estimates pi_1 - pi_2, with the same SE;
//  * carry-over (equivalently sequence, or treatment-by-period interaction): subject
//    totals y1 + y2 compared between sequences by a pooled t-test; their difference
//    estimates lambda_A - lambda_B. The test has little power and a significant result
//    no longer justifies the two-stage procedure (Freeman 1989); it is reported, not used
//    to switch analyses.
// The treatment estimate and SE equal those of the linear model
// y ~ subject + period + treatment, which is how the test checks them.
#pragma once

#include <cstddef>
#include <vector>

#include "ldnsim/stats/common.hpp"
#include "ldnsim/stats/ttest.hpp"

namespace ldnsim::stats {

// The order a subject received the treatments in: AB = A (active) in period 1.
enum class Sequence { AB, BA };

// One row per subject: sequence[i], and the outcome in period 1 and period 2.
struct CrossoverData {
  std::vector<Sequence> sequence;
  std::vector<double> period1;
  std::vector<double> period2;
};

struct CrossoverResult {
  Effect treatment;  // tau_A - tau_B (active minus placebo), t-test with n - 2 df
  Effect period;     // pi_1 - pi_2
  Effect carryover;  // lambda_A - lambda_B from subject totals (AB minus BA)
  std::size_t n_ab = 0;
  std::size_t n_ba = 0;
  double mean_a = kNaN;  // raw mean under A over all subjects and periods
  double mean_b = kNaN;  // raw mean under B
};

// Needs at least two subjects in each sequence and finite values; throws InputError if the
// within-subject differences (or totals) have zero variance.
CrossoverResult crossover_analysis(const CrossoverData& data, double conf_level = 0.95);

// The simpler analysis many pilot crossovers reported: a paired t-test of the outcome on A
// against the outcome on B, ignoring periods (R: t.test(yA, yB, paired=TRUE)). Unbiased
// only when there is no period effect or the sequences are balanced; kept so that
// published pilot results can be reproduced.
TTestResult crossover_paired_t_test(const CrossoverData& data, const TTestOptions& options = {});

}  // namespace ldnsim::stats
