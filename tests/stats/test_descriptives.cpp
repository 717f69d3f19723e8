// Descriptive statistics against R 4.2.2.
#include <gtest/gtest.h>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/descriptives.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kClosed;

namespace {
// x <- c(62.1, 55.4, 70.3, 48.9, 66.0, 59.7, 73.2, 51.8, 64.5, 58.6)
const std::vector<double> kX{62.1, 55.4, 70.3, 48.9, 66.0, 59.7, 73.2, 51.8, 64.5, 58.6};
// y <- c(54.3, 49.8, 61.2, 47.5, 58.9, 52.0, 63.7, 45.1, 56.4, 50.2, 59.8, 44.6)
const std::vector<double> kY{54.3, 49.8, 61.2, 47.5, 58.9, 52.0, 63.7, 45.1, 56.4, 50.2, 59.8, 44.6};
}  // namespace

TEST(Descriptives, MeanVarianceSd) {
  EXPECT_REL(mean(kX), 61.049999999999997, kClosed);      // mean(x)
  EXPECT_REL(variance(kX), 60.402777777777793, kClosed);  // var(x)
  EXPECT_REL(sd(kY), 6.4218554384793869, kClosed);        // sd(y)
}

TEST(Descriptives, LargeOffsetKeepsDigits) {
  // A naive one-pass sum of squares would lose all digits here.
  std::vector<double> shifted(kX);
  for (double& v : shifted) v += 1e9;
  EXPECT_REL(mean(shifted), 1000000061.05, 1e-15);         // mean(x + 1e9)
  EXPECT_REL(variance(shifted), 60.402777979109025, 1e-9);  // var(x + 1e9) (of the rounded values)
}

TEST(Descriptives, QuantilesType7) {
  // quantile(x, c(0, .1, .25, .5, .75, .9, 1), type = 7)
  const std::vector<double> expected{48.899999999999999, 51.509999999999991, 56.199999999999996, 60.900000000000006,
                                     65.625, 70.590000000000003, 73.200000000000003};
  const auto q = quantiles(kX, {0, .1, .25, .5, .75, .9, 1});
  ASSERT_EQ(q.size(), expected.size());
  for (std::size_t i = 0; i < q.size(); ++i) EXPECT_REL(q[i], expected[i], kClosed) << "i = " << i;
  // quantile(y, c(0.025, 0.333, 0.975), type = 7)
  const auto qy = quantiles(kY, {0.025, 0.333, 0.975});
  EXPECT_REL(qy[0], 44.737500000000004, kClosed);
  EXPECT_REL(qy[1], 50.065200000000004, kClosed);
  EXPECT_REL(qy[2], 63.012500000000003, kClosed);
  EXPECT_REL(median(kX), 60.900000000000006, kClosed);  // median(x)
  EXPECT_REL(median(kY), 53.149999999999999, kClosed);  // median(y)
  EXPECT_EQ(median({7.0}), 7.0);
  EXPECT_EQ(quantile({3.0, 1.0}, 0.5), 2.0);
}

TEST(Descriptives, PercentileIntervalAndSummary) {
  // quantile(y, c(0.025, 0.975), type = 7)
  const Interval pi = percentile_interval(kY, 0.95);
  EXPECT_REL(pi.lower, 44.737500000000004, kClosed);
  EXPECT_REL(pi.upper, 63.012500000000003, kClosed);
  const Summary s = summarize(kX);
  EXPECT_EQ(s.n, 10u);
  EXPECT_REL(s.mean, 61.049999999999997, kClosed);
  EXPECT_REL(s.sd, std::sqrt(60.402777777777793), kClosed);
  EXPECT_REL(s.q1, 56.199999999999996, kClosed);
  EXPECT_REL(s.q3, 65.625, kClosed);
  EXPECT_EQ(s.min, 48.9);
  EXPECT_EQ(s.max, 73.2);
  EXPECT_TRUE(std::isnan(summarize({1.0}).sd));
}

TEST(Descriptives, RejectsInvalidInput) {
  EXPECT_THROW(mean({}), ldnsim::InputError);
  EXPECT_THROW(variance({1.0}), ldnsim::InputError);
  EXPECT_THROW(sd({1.0, kNaN}), ldnsim::InputError);
  EXPECT_THROW(median({}), ldnsim::InputError);
  EXPECT_THROW(quantile(kX, 1.1), ldnsim::InputError);
  EXPECT_THROW(quantile(kX, kNaN), ldnsim::InputError);
  EXPECT_THROW(mean({1.0, kInf}), ldnsim::InputError);
  EXPECT_THROW(percentile_interval(kX, 1.0), ldnsim::UsageError);
}
