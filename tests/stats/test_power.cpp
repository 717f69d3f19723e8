// Power and sample size against R 4.2.2: the normal-approximation formulas evaluated with
// pnorm/qnorm, power.t.test() and power.prop.test() (strict = FALSE, the default).
#include <gtest/gtest.h>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/common.hpp"
#include "ldnsim/stats/power.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kClosed;
using ldnsim::stats::testing::kIterative;

TEST(Power, TwoMeansNormal) {
  // pnorm(0.5/(1*sqrt(2/64)) - qnorm(0.975))
  EXPECT_REL(power_two_means(0.5, 1, 64), 0.80742957881382127, kClosed);
  // pnorm(3/(8*sqrt(2/100)) - qnorm(0.995))
  EXPECT_REL(power_two_means(-3, 8, 100, 0.01), 0.53021929576753002, kClosed);
  // 2*(qnorm(0.975)+qnorm(0.8))^2/0.5^2: the textbook 63 per group for d = 0.5
  EXPECT_REL(sample_size_two_means(0.5, 1, 0.8), 62.791037874792686, kClosed);
  // 2*(qnorm(0.95)+qnorm(0.9))^2*(8/3)^2
  EXPECT_REL(sample_size_two_means(3, 8, 0.9, 0.1), 121.79694009838896, kClosed);
  EXPECT_REL(power_two_means(0.5, 1, sample_size_two_means(0.5, 1, 0.8)), 0.8, 1e-12);
}

TEST(Power, TwoMeansT) {
  // power.t.test(n=64, delta=0.5, sd=1)$power
  EXPECT_REL(power_two_means(0.5, 1, 64, 0.05, PowerMethod::T), 0.8014586233679728, kClosed);
  // power.t.test(n=20.5, delta=3, sd=8, sig.level=0.01)$power
  EXPECT_REL(power_two_means(3, 8, 20.5, 0.01, PowerMethod::T), 0.077012129460583334, kClosed);
  // power.t.test(delta=0.5, sd=1, power=0.8, tol=1e-14)$n
  EXPECT_REL(sample_size_two_means(0.5, 1, 0.8, 0.05, PowerMethod::T), 63.765763724846444, kIterative);
  // power.t.test(delta=3, sd=8, power=0.9, sig.level=0.1, tol=1e-14)$n
  EXPECT_REL(sample_size_two_means(3, 8, 0.9, 0.1, PowerMethod::T), 122.47931053539898, kIterative);
  // power.t.test(delta=2, sd=1, power=0.8, tol=1e-14)$n: small n, where t and normal differ most
  EXPECT_REL(sample_size_two_means(2, 1, 0.8, 0.05, PowerMethod::T), 5.0900007586880225, kIterative);
}

TEST(Power, TwoProportions) {
  // power.prop.test(n=100, p1=0.5, p2=0.3)$power
  EXPECT_REL(power_two_proportions(0.5, 0.3, 100), 0.82810940272015299, kClosed);
  // power.prop.test(n=40, p1=0.15, p2=0.35, sig.level=0.1)$power
  EXPECT_REL(power_two_proportions(0.15, 0.35, 40, 0.1), 0.66728440302453462, kClosed);
  // power.prop.test(p1=0.5, p2=0.3, power=0.8, tol=1e-14)$n (R solves by uniroot; ours is closed form)
  EXPECT_REL(sample_size_two_proportions(0.5, 0.3, 0.8), 92.998844827545625, kIterative);
  // power.prop.test(p1=0.2, p2=0.1, power=0.9, sig.level=0.01, tol=1e-14)$n
  EXPECT_REL(sample_size_two_proportions(0.2, 0.1, 0.9, 0.01), 376.94448543390206, kIterative);
}

TEST(Power, RejectsInvalidInput) {
  EXPECT_THROW(power_two_means(0, 1, 10), ldnsim::InputError);
  EXPECT_THROW(power_two_means(1, 0, 10), ldnsim::InputError);
  EXPECT_THROW(power_two_means(1, 1, 1), ldnsim::InputError);
  EXPECT_THROW(power_two_means(1, 1, kNaN), ldnsim::InputError);
  EXPECT_THROW(power_two_means(1, 1, 10, 0), ldnsim::UsageError);
  EXPECT_THROW(sample_size_two_means(1, 1, 1.0), ldnsim::UsageError);
  EXPECT_THROW(power_two_proportions(0.3, 0.3, 50), ldnsim::InputError);
  EXPECT_THROW(power_two_proportions(0, 0.3, 50), ldnsim::InputError);
  EXPECT_THROW(sample_size_two_proportions(0.3, 1.2, 0.8), ldnsim::InputError);
}
