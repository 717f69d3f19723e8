// t-tests against R 4.2.2's t.test().
#include <gtest/gtest.h>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/ttest.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kClosed;

namespace {
// x <- c(62.1, 55.4, 70.3, 48.9, 66.0, 59.7, 73.2, 51.8, 64.5, 58.6)
const std::vector<double> kX{62.1, 55.4, 70.3, 48.9, 66.0, 59.7, 73.2, 51.8, 64.5, 58.6};
// y <- c(54.3, 49.8, 61.2, 47.5, 58.9, 52.0, 63.7, 45.1, 56.4, 50.2, 59.8, 44.6)
const std::vector<double> kY{54.3, 49.8, 61.2, 47.5, 58.9, 52.0, 63.7, 45.1, 56.4, 50.2, 59.8, 44.6};
// xp <- c(58.0, 54.1, 66.2, 49.5, 60.3, 57.9, 68.8, 50.2, 61.0, 55.1)
const std::vector<double> kXp{58.0, 54.1, 66.2, 49.5, 60.3, 57.9, 68.8, 50.2, 61.0, 55.1};

// set.seed(20261121); a <- round(rnorm(60, 2.5, 1.2), 3); b <- round(rnorm(55, 2.0, 1.6), 3)
const std::vector<double> kA{
    3.050, 5.026, 2.972, 0.874, 3.485, 2.183, 3.726, 3.755, 2.374, 3.772, 0.986, 2.934, 2.988, 1.827, 3.691,
    3.619, 4.043, 2.582, 5.026, 1.802, 2.347, 3.007, 4.369, 2.910, 3.174, 2.405, 3.742, 1.530, 6.950, 1.347,
    4.561, 2.142, 2.543, 2.695, 1.710, 2.981, 2.978, 1.640, 4.641, 2.357, 1.930, 1.065, 2.997, 1.500, 2.592,
    0.427, 0.983, 3.807, 3.827, 1.964, 2.856, 4.713, 3.694, 1.048, 2.345, 2.926, 5.007, 2.628, 2.953, 1.981};
const std::vector<double> kB{
    2.543, 3.811, 0.851, 5.781, 3.304, 2.191, 2.882, 4.420, 1.095, 2.235, 0.433, 1.722, 1.376, 4.178,
    0.539, 2.037, 2.895, 1.517, 4.116, 1.861, 1.299, 0.289, 2.646, 1.593, 4.856, 1.029, 5.208, 1.795,
    -0.280, 3.497, 1.202, 4.140, 1.678, 0.774, 3.778, 2.050, 2.232, 1.962, 2.042, 0.865, 2.156, 2.941,
    0.179, 3.272, -0.630, 1.655, 2.303, 1.784, 2.860, 2.527, 3.689, 0.442, 2.672, 3.882, 1.500};

void expect_result(const TTestResult& r, double estimate, double statistic, double df, double p, double lo,
                   double hi, double se) {
  EXPECT_REL(r.estimate, estimate, kClosed);
  EXPECT_REL(r.statistic, statistic, kClosed);
  EXPECT_REL(r.df, df, kClosed);
  EXPECT_REL(r.p_value, p, kClosed);
  EXPECT_REL(r.ci.lower, lo, kClosed);
  EXPECT_REL(r.ci.upper, hi, kClosed);
  EXPECT_REL(r.std_error, se, kClosed);
}
}  // namespace

TEST(TTest, OneSample) {
  // t.test(x, mu=60)
  expect_result(one_sample_t_test(kX, {.mu = 60}), 61.049999999999997, 0.42722911689870924, 9,
                0.67925167571834311, 55.490301639129022, 66.609698360870979, 2.4576976579265764);
  // t.test(x, mu=60, alternative='greater', conf.level=0.9)
  expect_result(one_sample_t_test(kX, {.alternative = Alternative::Greater, .mu = 60, .conf_level = 0.9}),
                61.049999999999997, 0.42722911689870924, 9, 0.33962583785917155, 57.650933508797443, kInf,
                2.4576976579265764);
}

TEST(TTest, Paired) {
  // t.test(x, xp, paired=TRUE)
  expect_result(paired_t_test(kX, kXp), 2.9399999999999999, 4.9786825709968552, 9, 0.00076080945379197393,
                1.6041562373607845, 4.275843762639215, 0.59051766367409508);
  // t.test(x, xp, paired=TRUE, alternative='less'): the one-sided p-value near 1.
  expect_result(paired_t_test(kX, kXp, {.alternative = Alternative::Less}), 2.9399999999999999,
                4.9786825709968552, 9, 0.99961959527310396, -kInf, 4.0224855662429295, 0.59051766367409508);
}

TEST(TTest, StudentPooled) {
  // t.test(x, y, var.equal=TRUE)
  const auto r = student_t_test(kX, kY);
  expect_result(r, 61.049999999999997 - 53.625, 2.4557542562117356, 20, 0.023330739103262346, 1.118066577499746,
                13.731933422500248, 3.0235109971686893);
  EXPECT_REL(r.mean_x, 61.049999999999997, kClosed);
  EXPECT_REL(r.mean_y, 53.625, kClosed);
  // t.test(c(5), c(3, 4, 6), var.equal=TRUE): a single observation in one arm is allowed.
  expect_result(student_t_test({5}, {3, 4, 6}), 5 - 4.333333333333333, 0.37796447300922742, 2,
                0.74180111025283879, -6.9224994005268519, 8.2558327338601867, 1.7638342073763937);
  // t.test(a, b, var.equal=TRUE)  (n = 60 and 55)
  expect_result(student_t_test(kA, kB), 2.8664499999999999 - 2.2486181818181818, 2.5071928644801038, 113,
                0.013590950267293367, 0.12962196366905548, 1.1060416726945808, 0.24642373027410991);
}

TEST(TTest, Welch) {
  // t.test(x, y)
  expect_result(welch_t_test(kX, kY), 61.049999999999997 - 53.625, 2.4119142125396134, 17.515590928196179,
                0.027088748010865825, 0.94453434471610365, 13.905465655283891, 3.0784677006326353);
  // t.test(x, y, mu=-2, alternative='greater', conf.level=0.975)
  expect_result(welch_t_test(kX, kY, {.alternative = Alternative::Greater, .mu = -2, .conf_level = 0.975}),
                61.049999999999997 - 53.625, 3.0615880745031459, 17.515590928196179, 0.003440004907028409,
                0.94453434471610365, kInf, 3.0784677006326353);
  // t.test(c(1,2,3), c(10,20,30,40,50,60,70)): very unequal variances.
  expect_result(welch_t_test({1, 2, 3}, {10, 20, 30, 40, 50, 60, 70}), 2.0 - 40.0, -4.6424388855395984,
                6.0596955228357876, 0.0034422311490287039, -57.981105598380793, -18.018894401619203,
                8.1853527718724504);
  // t.test(a, b)
  expect_result(welch_t_test(kA, kB), 2.8664499999999999 - 2.2486181818181818, 2.4938274344457163,
                108.27447778141737, 0.014149526159710523, 0.12677351119725855, 1.1088901251663776,
                0.24774441472897613);
}

TEST(TTest, RejectsInvalidInput) {
  EXPECT_THROW(one_sample_t_test({1.0}), ldnsim::InputError);
  EXPECT_THROW(one_sample_t_test({2.0, 2.0, 2.0}), ldnsim::InputError);  // constant: t undefined
  EXPECT_THROW(one_sample_t_test({1.0, kNaN, 3.0}), ldnsim::InputError);
  EXPECT_THROW(paired_t_test({1, 2, 3}, {1, 2}), ldnsim::InputError);
  EXPECT_THROW(paired_t_test({1, 2, 3}, {0, 1, 2}), ldnsim::InputError);  // constant differences
  EXPECT_THROW(student_t_test({1}, {2}), ldnsim::InputError);
  EXPECT_THROW(student_t_test({1, 1}, {2, 2}), ldnsim::InputError);  // zero pooled variance
  EXPECT_THROW(welch_t_test({1}, {2, 3, 4}), ldnsim::InputError);
  EXPECT_THROW(welch_t_test(kX, {}), ldnsim::InputError);
  EXPECT_THROW(welch_t_test(kX, kY, {.conf_level = 0.0}), ldnsim::UsageError);
  EXPECT_THROW(welch_t_test(kX, kY, {.mu = kNaN}), ldnsim::InputError);
}
