// Proportion intervals and tests against R 4.2.2's binom.test(), prop.test() and
// fisher.test().
#include <gtest/gtest.h>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/proportions.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kClosed;
using ldnsim::stats::testing::kIterative;

namespace {
void expect_interval(const Interval& ci, double lo, double hi, double tol) {
  EXPECT_REL(ci.lower, lo, tol);
  EXPECT_REL(ci.upper, hi, tol);
}
}  // namespace

TEST(Proportions, ClopperPearson) {
  expect_interval(clopper_pearson_ci(7, 20), 0.15390920478454115, 0.59218853453282816, kClosed);  // binom.test(7, 20)
  expect_interval(clopper_pearson_ci(0, 15), 0, 0.21801936091053398, kClosed);                    // binom.test(0, 15)
  expect_interval(clopper_pearson_ci(15, 15), 0.78198063908946602, 1, kClosed);                   // binom.test(15, 15)
  // binom.test(682, 925, p=0.75)
  expect_interval(clopper_pearson_ci(682, 925), 0.70766826407903904, 0.76540655824152526, kClosed);
  // binom.test(7, 20, alternative='greater'), binom.test(7, 20, alternative='less', conf.level=0.9)
  expect_interval(clopper_pearson_ci(7, 20, 0.95, Alternative::Greater), 0.17731091757444911, 1, kClosed);
  expect_interval(clopper_pearson_ci(7, 20, 0.9, Alternative::Less), 0, 0.51803075731820525, kClosed);
}

TEST(Proportions, Wilson) {
  expect_interval(wilson_ci(7, 20), 0.18119182410108206, 0.56714572331476365, kClosed);  // prop.test(7, 20, correct=FALSE)
  expect_interval(wilson_ci(7, 20, 0.95, true), 0.1630866797163093, 0.59051043384857327, kClosed);  // prop.test(7, 20)
  expect_interval(wilson_ci(0, 15), 0, 0.20388330103584854, kClosed);  // prop.test(0, 15, correct=FALSE)
  expect_interval(wilson_ci(0, 15, 0.95, true), 0, 0.25346786096061685, kClosed);  // prop.test(0, 15)
  // prop.test(19, 20, conf.level=0.99)
  expect_interval(wilson_ci(19, 20, 0.99, true), 0.65034009583751373, 0.99835332126501852, kClosed);
}

TEST(Proportions, BinomialTest) {
  auto r = binomial_test(7, 20);  // binom.test(7, 20)
  EXPECT_REL(r.p_value, 0.26317596435546875, kClosed);
  EXPECT_REL(r.estimate, 0.35, kClosed);
  // binom.test(7, 20, p=0.2, alternative='greater')
  EXPECT_REL(binomial_test(7, 20, 0.2, Alternative::Greater).p_value, 0.086692513567400251, kClosed);
  // binom.test(7, 20, p=0.2, alternative='less', conf.level=0.9)
  r = binomial_test(7, 20, 0.2, Alternative::Less, 0.9);
  EXPECT_REL(r.p_value, 0.96785733691912479, kClosed);
  EXPECT_REL(r.ci.upper, 0.51803075731820525, kClosed);
  // Two-sided p-values sum outcomes no more likely than the observed one, on both sides.
  EXPECT_REL(binomial_test(0, 15).p_value, 6.1035156250000054e-05, kClosed);               // binom.test(0, 15)
  EXPECT_REL(binomial_test(15, 15, 0.6).p_value, 0.00074908942335999993, kClosed);         // binom.test(15, 15, p=0.6)
  EXPECT_REL(binomial_test(38, 50, 0.6).p_value, 0.020867951025203085, kClosed);           // binom.test(38, 50, p=0.6)
  EXPECT_REL(binomial_test(3, 100, 0.1).p_value, 0.017843766383309437, kClosed);           // binom.test(3, 100, p=0.1)
  EXPECT_EQ(binomial_test(5, 10).p_value, 1.0);                                            // binom.test(5, 10)
  EXPECT_REL(binomial_test(682, 925, 0.75).p_value, 0.38249155957485192, kClosed);         // binom.test(682, 925, p=0.75)
}

TEST(Proportions, FisherTeaTasting) {
  // fisher.test(matrix(c(3, 1, 1, 3), 2)): Fisher's lady tasting tea.
  FisherResult r = fisher_exact_test({3, 1, 1, 3});
  EXPECT_REL(r.p_value, 0.48571428571428582, kClosed);
  // The conditional MLE and exact limits are roots; fisher.test() finds them only to its
  // uniroot() tolerance (~1.2e-4 absolute in the odds ratio or its reciprocal: R prints
  // 6.408309 and (0.2117329, 621.9338)). The references are the same equations solved in R
  // by uniroot(tol = 1e-15) with fisher.test's own dnhyper/pnhyper (tests/stats/r/fisher.R).
  EXPECT_REL(r.odds_ratio, 6.4083196581996713, kIterative);
  expect_interval(r.ci, 0.21173559544657847, 626.24353058881354, kIterative);
  // fisher.test(matrix(c(3, 1, 1, 3), 2), alternative='greater')
  r = fisher_exact_test({3, 1, 1, 3}, Alternative::Greater);
  EXPECT_REL(r.p_value, 0.24285714285714288, kClosed);
  EXPECT_REL(r.ci.lower, 0.31357376750498533, kIterative);
  EXPECT_EQ(r.ci.upper, kInf);
}

TEST(Proportions, FisherOtherTables) {
  // fisher.test(matrix(c(12, 5, 9, 19), 2))
  FisherResult r = fisher_exact_test({.a = 12, .b = 9, .c = 5, .d = 19});
  EXPECT_REL(r.p_value, 0.016141466321505031, kClosed);
  EXPECT_REL(r.odds_ratio, 4.8686322659811117, kIterative);
  expect_interval(r.ci, 1.1637352081739782, 23.608137724604202, kIterative);
  // fisher.test(matrix(c(12, 5, 9, 19), 2), alternative='less', conf.level=0.9)
  r = fisher_exact_test({.a = 12, .b = 9, .c = 5, .d = 19}, Alternative::Less, 0.9);
  EXPECT_REL(r.p_value, 0.99781236935174289, kClosed);
  EXPECT_EQ(r.ci.lower, 0.0);
  EXPECT_REL(r.ci.upper, 14.35592860364803, kIterative);
  // fisher.test(matrix(c(0, 8, 10, 6), 2)): a zero cell puts the MLE at 0
  r = fisher_exact_test({.a = 0, .b = 10, .c = 8, .d = 6});
  EXPECT_REL(r.p_value, 0.0064285335519687391, kClosed);
  EXPECT_EQ(r.odds_ratio, 0.0);
  expect_interval(r.ci, 0, 0.53781786657396669, kIterative);
  // fisher.test(matrix(c(7, 0, 3, 9), 2)): ... or at infinity
  r = fisher_exact_test({.a = 7, .b = 3, .c = 0, .d = 9});
  EXPECT_REL(r.p_value, 0.0030959752321981426, kClosed);
  EXPECT_EQ(r.odds_ratio, kInf);
  EXPECT_REL(r.ci.lower, 2.2879795665919715, kIterative);
  EXPECT_EQ(r.ci.upper, kInf);
  // fisher.test(matrix(c(45, 30, 55, 70), 2)): a larger trial
  r = fisher_exact_test({.a = 45, .b = 55, .c = 30, .d = 70});
  EXPECT_REL(r.p_value, 0.040534006514982686, kClosed);
  EXPECT_REL(r.odds_ratio, 1.9028420624073556, kIterative);
  expect_interval(r.ci, 1.0260173060392037, 3.5659237981683622, kIterative);
}

TEST(Proportions, FisherLargeTable) {
  // fisher.test(matrix(c(500, 400, 300, 450), 2)): a support of 801 values and a tiny p-value
  const FisherResult r = fisher_exact_test({.a = 500, .b = 300, .c = 400, .d = 450});
  EXPECT_REL(r.p_value, 3.1544476042689675e-10, kClosed);
  EXPECT_REL(r.odds_ratio, 1.8742750029671311, kIterative);
  expect_interval(r.ci, 1.5329680393860552, 2.2935776596162674, kIterative);
}

TEST(Proportions, TwoProportions) {
  // prop.test(c(15, 8), c(40, 38))
  TwoProportionsResult r = two_proportions_test(15, 40, 8, 38);
  EXPECT_REL(r.chi_square, 1.8060318285833166, kClosed);
  EXPECT_REL(r.p_value, 0.17898498340932073, kClosed);
  expect_interval(r.difference.ci, -0.059452663947219042, 0.3884000323682717, kClosed);
  EXPECT_REL(r.p1, 0.375, kClosed);
  EXPECT_REL(r.p2, 0.21052631578947367, kClosed);
  EXPECT_REL(r.difference.estimate, 0.375 - 0.21052631578947367, kClosed);
  // prop.test(c(15, 8), c(40, 38), correct=FALSE)
  r = two_proportions_test(15, 40, 8, 38, false);
  EXPECT_REL(r.chi_square, 2.5353650925733309, kClosed);
  EXPECT_REL(r.p_value, 0.11132113515047624, kClosed);
  expect_interval(r.difference.ci, -0.03379476921037694, 0.3627421376314296, kClosed);
  // prop.test(c(15, 8), c(40, 38), alternative='greater')
  r = two_proportions_test(15, 40, 8, 38, true, Alternative::Greater);
  EXPECT_REL(r.p_value, 0.089492491704660296, kClosed);
  expect_interval(r.difference.ci, -0.027576341857220354, 1, kClosed);
  // prop.test(c(15, 8), c(40, 38), alternative='less', correct=FALSE, conf.level=0.9)
  r = two_proportions_test(15, 40, 8, 38, false, Alternative::Less, 0.9);
  EXPECT_REL(r.p_value, 0.94433943242476182, kClosed);
  expect_interval(r.difference.ci, -1, 0.29411445765529609, kClosed);
  // prop.test(c(10, 10), c(20, 21)): the Yates correction is capped at |p1 - p2| / (1/n1 +
  // 1/n2), which makes the statistic zero up to rounding (R prints 1.2e-33).
  r = two_proportions_test(10, 20, 10, 21);
  EXPECT_NEAR(r.chi_square, 0.0, 1e-12);
  EXPECT_NEAR(r.p_value, 1.0, 1e-6);
  expect_interval(r.difference.ci, -0.30601664659526057, 0.35363569421430824, kClosed);
  // prop.test(c(120, 95), c(300, 310))
  r = two_proportions_test(120, 300, 95, 310);
  EXPECT_REL(r.chi_square, 5.4431804470104845, kClosed);
  EXPECT_REL(r.p_value, 0.019644867314906073, kClosed);
  expect_interval(r.difference.ci, 0.014724732920885858, 0.17237204127266256, kClosed);
}

TEST(Proportions, RejectsInvalidInput) {
  EXPECT_THROW(clopper_pearson_ci(5, 0), ldnsim::InputError);
  EXPECT_THROW(clopper_pearson_ci(6, 5), ldnsim::InputError);
  EXPECT_THROW(clopper_pearson_ci(-1, 5), ldnsim::InputError);
  EXPECT_THROW(wilson_ci(1, 5, 1.0), ldnsim::UsageError);
  EXPECT_THROW(binomial_test(3, 10, 1.5), ldnsim::InputError);
  EXPECT_THROW(binomial_test(3, 10, kNaN), ldnsim::InputError);
  EXPECT_THROW(fisher_exact_test({-1, 2, 3, 4}), ldnsim::InputError);
  EXPECT_THROW(fisher_exact_test({0, 0, 0, 0}), ldnsim::InputError);
  EXPECT_THROW(two_proportions_test(0, 10, 0, 12), ldnsim::InputError);  // no events at all
  EXPECT_THROW(two_proportions_test(3, 0, 1, 12), ldnsim::InputError);
}
