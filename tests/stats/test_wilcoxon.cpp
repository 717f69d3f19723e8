// Wilcoxon tests against R 4.2.2's wilcox.test(), psignrank() and pwilcox().
#include <gtest/gtest.h>

#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/wilcoxon.hpp"
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
// EDSS-like scores on a half-point scale: many ties and zero differences.
// e1 <- c(3.5, 4.0, 2.5, 6.0, 4.5, 3.0, 5.5, 4.0, 3.5, 2.0, 6.5, 4.0)
// e2 <- c(3.0, 4.0, 2.5, 5.5, 4.0, 3.5, 5.0, 3.5, 3.5, 2.0, 6.0, 3.0)
const std::vector<double> kE1{3.5, 4.0, 2.5, 6.0, 4.5, 3.0, 5.5, 4.0, 3.5, 2.0, 6.5, 4.0};
const std::vector<double> kE2{3.0, 4.0, 2.5, 5.5, 4.0, 3.5, 5.0, 3.5, 3.5, 2.0, 6.0, 3.0};
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

std::vector<double> head(const std::vector<double>& v, std::size_t n) { return {v.begin(), v.begin() + static_cast<long>(n)}; }
}  // namespace

TEST(Wilcoxon, SignedRankExact) {
  // wilcox.test(x, mu=60): exact
  auto r = wilcoxon_signed_rank(kX, {.mu = 60});
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.statistic, 31);
  EXPECT_REL(r.p_value, 0.76953125, kClosed);
  // wilcox.test(x, mu=60, alternative='less')
  r = wilcoxon_signed_rank(kX, {.alternative = Alternative::Less, .mu = 60});
  EXPECT_REL(r.p_value, 0.65234375, kClosed);
  // wilcox.test(a[1:49], b[1:49], paired=TRUE): the largest n that R treats exactly
  r = wilcoxon_signed_rank_paired(head(kA, 49), head(kB, 49));
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.statistic, 826);
  EXPECT_REL(r.p_value, 0.033265706077788344, kClosed);
}

TEST(Wilcoxon, SignedRankNormalApproximation) {
  // wilcox.test(x, xp, paired=TRUE): the differences contain a tie (3.5, 3.5).
  auto r = wilcoxon_signed_rank_paired(kX, kXp);
  EXPECT_FALSE(r.exact);
  EXPECT_TRUE(r.ties);
  EXPECT_EQ(r.statistic, 54);
  EXPECT_REL(r.p_value, 0.0080043097622405756, kClosed);
  // wilcox.test(e1, e2, paired=TRUE): zeros dropped, tie-corrected variance.
  r = wilcoxon_signed_rank_paired(kE1, kE2);
  EXPECT_TRUE(r.zeros);
  EXPECT_EQ(r.n, 8u);  // 12 pairs, 4 zero differences
  EXPECT_EQ(r.statistic, 32);
  EXPECT_REL(r.p_value, 0.041830594565244662, kClosed);
  // wilcox.test(e1, e2, paired=TRUE, correct=FALSE)
  r = wilcoxon_signed_rank_paired(kE1, kE2, {.correct = false});
  EXPECT_REL(r.p_value, 0.03480847881186714, kClosed);
  // wilcox.test(a[1:55], b, paired=TRUE): n >= 50
  r = wilcoxon_signed_rank_paired(head(kA, 55), kB);
  EXPECT_EQ(r.statistic, 1024);
  EXPECT_REL(r.p_value, 0.033673323528173517, kClosed);
  // wilcox.test(c(0.5, -0.2, 1.1), exact=FALSE)
  r = wilcoxon_signed_rank({0.5, -0.2, 1.1}, {.exact = ExactMode::Never});
  EXPECT_EQ(r.statistic, 5);
  EXPECT_REL(r.p_value, 0.42267807417063546, kClosed);
}

TEST(Wilcoxon, RankSumExact) {
  // wilcox.test(x, y)
  auto r = wilcoxon_rank_sum(kX, kY);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.statistic, 91);
  EXPECT_REL(r.p_value, 0.042570432663311925, kClosed);
  // wilcox.test(x, y, alternative='greater')
  r = wilcoxon_rank_sum(kX, kY, {.alternative = Alternative::Greater});
  EXPECT_REL(r.p_value, 0.021285216331655962, kClosed);
  // wilcox.test(x, y, mu=5)
  r = wilcoxon_rank_sum(kX, kY, {.mu = 5});
  EXPECT_EQ(r.statistic, 71);
  EXPECT_REL(r.p_value, 0.49650658938584646, kClosed);
  // wilcox.test(c(1.5), c(2.5, 3.5))
  r = wilcoxon_rank_sum({1.5}, {2.5, 3.5});
  EXPECT_EQ(r.statistic, 0);
  EXPECT_REL(r.p_value, 0.66666666666666663, kClosed);
}

TEST(Wilcoxon, RankSumNormalApproximation) {
  // wilcox.test(e1, e2): ties
  auto r = wilcoxon_rank_sum(kE1, kE2);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.statistic, 83);
  EXPECT_REL(r.p_value, 0.54011156017527551, kClosed);
  // wilcox.test(e1, e2, alternative='less')
  r = wilcoxon_rank_sum(kE1, kE2, {.alternative = Alternative::Less});
  EXPECT_REL(r.p_value, 0.74888698805198717, kClosed);
  // wilcox.test(e1, e2, correct=FALSE)
  r = wilcoxon_rank_sum(kE1, kE2, {.correct = false});
  EXPECT_REL(r.p_value, 0.5209914666781974, kClosed);
  // wilcox.test(a, b): n >= 50 (and one tie)
  r = wilcoxon_rank_sum(kA, kB);
  EXPECT_EQ(r.statistic, 2104);
  EXPECT_REL(r.p_value, 0.011112929539687042, kClosed);
  // wilcox.test(a, b, exact=TRUE): ties force the approximation even when exact is asked
  r = wilcoxon_rank_sum(kA, kB, {.exact = ExactMode::Always});
  EXPECT_FALSE(r.exact);
  EXPECT_REL(r.p_value, 0.011112929539687042, kClosed);
  // wilcox.test(a[1:49], b[1:45]): a tie across the samples (statistic 1399.5)
  r = wilcoxon_rank_sum(head(kA, 49), head(kB, 45));
  EXPECT_EQ(r.statistic, 1399.5);
  EXPECT_REL(r.p_value, 0.024822593349090507, kClosed);
}

TEST(Wilcoxon, ExactDistributions) {
  EXPECT_REL(signed_rank_cdf(10, 20), 4.100799560546875e-05, kClosed);         // psignrank(10, 20)
  EXPECT_REL(signed_rank_cdf(150, 20, false), 0.044847488403320312, kClosed);  // psignrank(150, 20, lower.tail=FALSE)
  EXPECT_REL(rank_sum_cdf(3, 8, 9), 0.00028794734677087616, kClosed);          // pwilcox(3, 8, 9)
  EXPECT_REL(rank_sum_cdf(60, 8, 9, false), 0.0076100370218017271, kClosed);   // pwilcox(60, 8, 9, lower.tail=FALSE)
  EXPECT_REL(rank_sum_cdf(1000, 45, 49), 0.22094146464063008, kClosed);        // pwilcox(1000, 45, 49)
  EXPECT_REL(rank_sum_cdf(1000, 49, 45), 0.22094146464063008, kClosed);        // symmetric in m and n
  EXPECT_REL(rank_sum_cdf(0, 30, 40), 1.8067585035079663e-20, kClosed);        // pwilcox(0, 30, 40) = 1/choose(70, 30)
  EXPECT_EQ(signed_rank_cdf(-1, 5), 0.0);
  EXPECT_EQ(signed_rank_cdf(15, 5), 1.0);
  EXPECT_EQ(rank_sum_cdf(12, 3, 4, false), 0.0);
}

TEST(Wilcoxon, AverageRanks) {
  const auto r = average_ranks({3.0, 1.0, 3.0, 2.0, 3.0});  // rank(c(3, 1, 3, 2, 3))
  EXPECT_EQ(r, (std::vector<double>{4, 1, 4, 2, 4}));
}

TEST(Wilcoxon, RejectsInvalidInput) {
  EXPECT_THROW(wilcoxon_signed_rank({}), ldnsim::InputError);
  EXPECT_THROW(wilcoxon_signed_rank_paired({1.0, 2.0}, {1.0}), ldnsim::InputError);
  EXPECT_THROW(wilcoxon_signed_rank_paired({1.0, 2.0}, {1.0, 2.0}), ldnsim::InputError);  // all differences zero
  EXPECT_THROW(wilcoxon_signed_rank({1.0, kNaN}), ldnsim::InputError);
  EXPECT_THROW(wilcoxon_rank_sum({}, {1.0}), ldnsim::InputError);
  EXPECT_THROW(wilcoxon_rank_sum({1.0, 1.0}, {1.0, 1.0}), ldnsim::InputError);  // all tied: zero variance
  EXPECT_THROW(wilcoxon_rank_sum({1.0}, {kInf}), ldnsim::InputError);
  EXPECT_THROW(rank_sum_cdf(1, 0, 3), ldnsim::InputError);
  EXPECT_THROW(rank_sum_cdf(1, 2000, 2000), ldnsim::UsageError);  // table too large
  EXPECT_THROW(signed_rank_cdf(1, 5000), ldnsim::UsageError);
}
