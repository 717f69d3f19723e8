// AB/BA crossover analysis against R 4.2.2. The Hills-Armitage t-tests are reproduced with
// t.test() on half period differences and totals, and the treatment and period effects are
// confirmed independently by the within-subject linear model lm(y ~ subject + period + trt).
#include <gtest/gtest.h>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/crossover.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kClosed;

namespace {
// An unbalanced trial (7 AB, 8 BA), MSQoL-54 physical composite; A = LDN, B = placebo.
// seq <- c(rep("AB", 7), rep("BA", 8))
// p1  <- c(58.2, 61.5, 47.9, 66.3, 52.4, 70.1, 55.0, 50.3, 63.8, 45.2, 59.9, 68.4, 53.7, 57.1, 49.6)
// p2  <- c(55.1, 60.2, 46.5, 61.9, 51.8, 66.7, 54.2, 53.9, 64.1, 49.0, 61.2, 70.3, 55.8, 58.0, 53.1)
// d <- (p1 - p2)/2; tot <- p1 + p2; ab <- seq == "AB"
CrossoverData example() {
  CrossoverData d;
  for (int i = 0; i < 15; ++i) d.sequence.push_back(i < 7 ? Sequence::AB : Sequence::BA);
  d.period1 = {58.2, 61.5, 47.9, 66.3, 52.4, 70.1, 55.0, 50.3, 63.8, 45.2, 59.9, 68.4, 53.7, 57.1, 49.6};
  d.period2 = {55.1, 60.2, 46.5, 61.9, 51.8, 66.7, 54.2, 53.9, 64.1, 49.0, 61.2, 70.3, 55.8, 58.0, 53.1};
  return d;
}

void expect_effect(const Effect& e, double est, double se, double t, double df, double p, double lo, double hi) {
  EXPECT_REL(e.estimate, est, kClosed);
  EXPECT_REL(e.std_error, se, kClosed);
  EXPECT_REL(e.statistic, t, kClosed);
  EXPECT_REL(e.df, df, kClosed);
  EXPECT_REL(e.p_value, p, kClosed);
  EXPECT_REL(e.ci.lower, lo, kClosed);
  EXPECT_REL(e.ci.upper, hi, kClosed);
}
}  // namespace

TEST(Crossover, HillsArmitage) {
  const CrossoverResult r = crossover_analysis(example());
  EXPECT_EQ(r.n_ab, 7u);
  EXPECT_EQ(r.n_ba, 8u);
  // t.test(d[ab], d[!ab], var.equal=TRUE)
  expect_effect(r.treatment, 2.1589285714285698, 0.36208632272158636, 5.9624692675525406, 13,
                4.7267249075726142e-05, 1.3766886288869835, 2.9411685139701564);
  // t.test(d[ab], -d[!ab], var.equal=TRUE)
  expect_effect(r.period, -0.016071428571428514, 0.36208632272158636, -0.044385627301879831, 13,
                0.9652715623566851, -0.79831137111301487, 0.76616851397015784);
  // t.test(tot[ab], tot[!ab], var.equal=TRUE)
  expect_effect(r.carryover, 1.2250000000000085, 7.5431109863005688, 0.16239983770950658, 13,
                0.8734881202133189, -15.070900547023875, 17.520900547023892);
  EXPECT_REL(r.mean_a, 58.453333333333333, kClosed);  // mean(ifelse(ab, p1, p2))
  EXPECT_REL(r.mean_b, 56.293333333333337, kClosed);
}

TEST(Crossover, AgreesWithWithinSubjectLinearModel) {
  // summary(lm(y ~ subj + period + trt)) on the long data: trtA and period2 (= -period).
  const CrossoverResult r = crossover_analysis(example());
  EXPECT_REL(r.treatment.estimate, 2.158928571428574195, kClosed);
  EXPECT_REL(r.treatment.std_error, 0.36208632272158647, kClosed);
  EXPECT_REL(r.treatment.p_value, 0.00004726724907572537, kClosed);
  EXPECT_REL(r.treatment.ci.lower, 1.3766886288869875, kClosed);  // confint(m)["trtA", ]
  EXPECT_REL(r.treatment.ci.upper, 2.9411685139701609, kClosed);
  EXPECT_REL(-r.period.estimate, 0.016071428571425024, kClosed);
  EXPECT_REL(r.period.p_value, 0.96527156235669264728, kClosed);
}

TEST(Crossover, ConfidenceLevel) {
  // t.test(d[ab], d[!ab], var.equal=TRUE, conf.level=0.9)$conf.int
  const CrossoverResult r = crossover_analysis(example(), 0.9);
  EXPECT_REL(r.treatment.ci.lower, 1.5176978102908321, kClosed);
  EXPECT_REL(r.treatment.ci.upper, 2.8001593325663077, kClosed);
}

TEST(Crossover, NaivePairedTest) {
  // yA <- ifelse(ab, p1, p2); yB <- ifelse(ab, p2, p1); t.test(yA, yB, paired=TRUE)
  const TTestResult r = crossover_paired_t_test(example());
  EXPECT_REL(r.estimate, 2.1599999999999979, kClosed);
  EXPECT_REL(r.std_error, 0.34816525906392154, kClosed);
  EXPECT_REL(r.statistic, 6.2039504050673591, kClosed);
  EXPECT_EQ(r.df, 14);
  EXPECT_REL(r.p_value, 2.2987210885567806e-05, kClosed);
  EXPECT_REL(r.ci.lower, 1.4132597871642458, kClosed);
  EXPECT_REL(r.ci.upper, 2.9067402128357505, kClosed);
}

TEST(Crossover, RejectsInvalidInput) {
  CrossoverData d = example();
  d.period2.pop_back();
  EXPECT_THROW(crossover_analysis(d), ldnsim::InputError);  // mismatched lengths
  d = example();
  d.period1[3] = kNaN;
  EXPECT_THROW(crossover_analysis(d), ldnsim::InputError);
  d = example();
  for (auto& s : d.sequence) s = Sequence::AB;
  EXPECT_THROW(crossover_analysis(d), ldnsim::InputError);  // one sequence only
  d = CrossoverData{{Sequence::AB, Sequence::AB, Sequence::BA, Sequence::BA}, {2, 3, 1, 2}, {1, 2, 2, 3}};
  EXPECT_THROW(crossover_analysis(d), ldnsim::InputError);  // identical period differences: no variance
  EXPECT_THROW(crossover_analysis(example(), 1.5), ldnsim::UsageError);
}
