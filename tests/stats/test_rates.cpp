// Poisson and negative-binomial rate models against R 4.2.2's glm() and MASS 7.3's
// glm.nb(), on simulated relapse counts with unequal follow-up.
#include <gtest/gtest.h>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/rates.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kIterative;

namespace {
// set.seed(4242); n <- 36; g <- rep(0:1, each = n/2)
// expo <- round(runif(n, 0.5, 2.0), 2); mu <- expo * ifelse(g == 1, 0.55, 1.0)
// y <- rnbinom(n, size = 1.5, mu = mu)
const std::vector<double> kY{4, 0, 0, 0, 0, 2, 0, 0, 8, 2, 0, 1, 1, 0, 3, 2, 4, 0,
                             2, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 3, 0, 1, 0, 1};
const std::vector<double> kExpo{1.98, 1.02, 0.84, 1.50, 1.55, 1.90, 1.73, 0.75, 1.49, 1.83, 0.74, 1.34,
                                0.54, 1.73, 1.69, 1.96, 0.80, 1.55, 1.13, 0.70, 0.63, 1.51, 0.73, 1.44,
                                1.53, 1.00, 1.83, 1.14, 1.61, 1.13, 0.93, 0.86, 1.66, 1.55, 0.55, 0.67};
// x2 <- round(rnorm(n, 3, 1), 1)   (continuing the same stream)
const std::vector<double> kX2{2.7, 3.3, 3.3, 3.3, 1.4, 2.4, 4.6, 2.5, 2.8, 2.4, 4.5, 5.9, 2.8, 2.7, 2.5, 1.9, 3.1, 2.1,
                              2.7, 2.5, 3.1, 3.7, 1.4, 4.1, 4.5, 2.5, 1.0, 3.7, 4.5, 5.0, 3.4, 3.8, 5.4, 4.0, 2.8, 4.1};
std::vector<int> groups() {
  std::vector<int> g(36, 0);
  for (std::size_t i = 18; i < 36; ++i) g[i] = 1;
  return g;
}
std::vector<double> group_column() {
  std::vector<double> g(36, 0.0);
  for (std::size_t i = 18; i < 36; ++i) g[i] = 1.0;
  return g;
}

void expect_coef(const Effect& e, double est, double se, double z, double p) {
  EXPECT_REL(e.estimate, est, kIterative);
  EXPECT_REL(e.std_error, se, kIterative);
  EXPECT_REL(e.statistic, z, kIterative);
  EXPECT_REL(e.p_value, p, kIterative);
  EXPECT_EQ(e.df, kInf);
}
}  // namespace

TEST(Rates, PoissonRateRatio) {
  // m <- glm(y ~ g + offset(log(expo)), family = poisson,
  //          control = glm.control(epsilon = 1e-14, maxit = 100))
  const RateRatioResult r = poisson_rate_ratio(kY, kExpo, groups());
  expect_coef(r.fit["(Intercept)"].effect, 0.079363925752438669, 0.19245008844352895, 0.41238705783045976,
              0.68005574772287147);
  expect_coef(r.log_rate_ratio, -0.61974835175997356, 0.34694433238152189, -1.786304873481718,
              0.074049908259615715);
  EXPECT_REL(r.rate_ratio, std::exp(-0.61974835175997356), kIterative);
  EXPECT_REL(r.ci.lower, 0.27260082103199751, kIterative);  // exp(confint.default(m)["g", ])
  EXPECT_REL(r.ci.upper, 1.0621020859693648, kIterative);
  EXPECT_REL(r.fit.deviance, 65.969002275868291, kIterative);
  EXPECT_REL(r.fit.null_deviance, 69.377722373783001, kIterative);
  EXPECT_EQ(r.fit.df_residual, 34);
  EXPECT_REL(r.fit.log_likelihood, -55.438580963185146, kIterative);  // logLik(m)
  EXPECT_EQ(r.fit.theta, kInf);
  // vcov(m)
  EXPECT_REL(r.fit.covariance[0][0], 0.037037036541922114, kIterative);
  EXPECT_REL(r.fit.covariance[0][1], -0.037037036541922107, kIterative);
  EXPECT_REL(r.fit.covariance[1][1], 0.12037036977165994, kIterative);
  // With group as the only covariate the Poisson MLE is events / exposure in each arm.
  double ev[2] = {0, 0}, ex[2] = {0, 0};
  const auto g = groups();
  for (std::size_t i = 0; i < kY.size(); ++i) ev[g[i]] += kY[i], ex[g[i]] += kExpo[i];
  EXPECT_REL(r.rate_control, ev[0] / ex[0], 1e-10);
  EXPECT_REL(r.rate_treated, ev[1] / ex[1], 1e-10);
}

TEST(Rates, PoissonRegressionWithCovariate) {
  // glm(y ~ g + x2 + offset(log(expo)), family = poisson, control = glm.control(epsilon = 1e-14, maxit = 100))
  const GlmFit fit = poisson_regression(kY, {{"g", group_column()}, {"x2", kX2}}, kExpo);
  expect_coef(fit["(Intercept)"].effect, 0.31882320626548127, 0.46189437874543937, 0.6902513235416361,
              0.49003615289801866);
  expect_coef(fit["g"].effect, -0.56679459888671446, 0.35868429834976773, -1.5802046576736679, 0.1140600054806193);
  expect_coef(fit["x2"].effect, -0.083453994930646314, 0.14853736049053806, -0.56183841327894335,
              0.57422611745559227);
  EXPECT_REL(fit.deviance, 65.648667934580786, kIterative);
  EXPECT_REL(fit.null_deviance, 69.377722373783016, kIterative);
}

TEST(Rates, NegativeBinomialRateRatio) {
  // The maximum-likelihood fit. glm.nb(y ~ g + offset(log(expo))) stops theta.ml() at
  // |Newton step| < 1.2e-4, so its theta (1.013914847) and especially SE.theta
  // (0.5736760553, from the information before the last step) carry ~1e-4 relative error.
  // The references below alternate glm(family = negative.binomial(th),
  // control = glm.control(epsilon = 1e-15)) and theta.ml(eps = 1e-12) until theta is
  // stable to 1e-14 (tests/stats/r/rates.R); summary(fit, dispersion = 1).
  const RateRatioResult r = negative_binomial_rate_ratio(kY, kExpo, groups());
  expect_coef(r.fit["(Intercept)"].effect, 0.087415785964352455, 0.30745807482195769, 0.28431774320766512,
              0.77616688987057669);
  expect_coef(r.log_rate_ratio, -0.58446464492373584, 0.48295250626546427, -1.2101907275380686,
              0.22620571530277242);
  EXPECT_REL(r.fit.theta, 1.0139148519206906, kIterative);
  EXPECT_REL(r.fit.theta_std_error, 0.57373258779383174, kIterative);
  EXPECT_REL(r.fit.deviance, 35.146081229048285, kIterative);
  EXPECT_REL(r.fit.null_deviance, 36.609182622498416, kIterative);
  EXPECT_REL(r.fit.log_likelihood, -50.237362906637806, kIterative);  // sum(dnbinom(y, size=th, mu=fitted(fit), log=TRUE))
  EXPECT_REL(r.ci.lower, 0.2163118497957072, kIterative);
  EXPECT_REL(r.ci.upper, 1.4363495692118822, kIterative);
  // glm.nb's own estimates agree with the MLE to its tolerance.
  EXPECT_REL(r.fit.theta, 1.013914847001449, 1e-7);
  EXPECT_REL(r.log_rate_ratio.estimate, -0.58446464500809003, 1e-7);
  EXPECT_REL(2.0 * r.fit.log_likelihood, -100.47472581327561, 1e-7);  // glm.nb()$twologlik
}

TEST(Rates, RejectsInvalidInput) {
  const auto g = groups();
  auto y = kY;
  y[3] = 1.5;
  EXPECT_THROW(poisson_rate_ratio(y, kExpo, g), ldnsim::InputError);  // non-integer count
  y[3] = -1;
  EXPECT_THROW(poisson_rate_ratio(y, kExpo, g), ldnsim::InputError);
  y[3] = kNaN;
  EXPECT_THROW(poisson_rate_ratio(y, kExpo, g), ldnsim::InputError);
  auto e = kExpo;
  e[0] = 0.0;
  EXPECT_THROW(poisson_rate_ratio(kY, e, g), ldnsim::InputError);  // zero exposure
  EXPECT_THROW(poisson_rate_ratio(kY, {1.0, 2.0}, g), ldnsim::InputError);
  // An arm without events has rate 0 and an infinite log rate ratio.
  std::vector<double> none(kY);
  for (std::size_t i = 18; i < 36; ++i) none[i] = 0;
  EXPECT_THROW(poisson_rate_ratio(none, kExpo, g), ldnsim::InputError);
  EXPECT_THROW(poisson_regression(std::vector<double>(36, 0.0), {}, kExpo), ldnsim::InputError);
  auto bad = g;
  bad[0] = 3;
  EXPECT_THROW(poisson_rate_ratio(kY, kExpo, bad), ldnsim::InputError);
  EXPECT_THROW(poisson_regression(kY, {{"g", group_column()}, {"g2", group_column()}}, kExpo), ldnsim::InputError);
  // Equidispersed counts: no finite theta.
  EXPECT_THROW(negative_binomial_regression({1, 1, 1, 1, 1, 1, 1, 1}, {}), ldnsim::InputError);
  EXPECT_THROW(poisson_rate_ratio(kY, kExpo, g, 1.0), ldnsim::UsageError);
}
