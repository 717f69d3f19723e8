// OLS and ANCOVA against R 4.2.2's summary(lm(...)), confint() and predict().
#include <gtest/gtest.h>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/linear_model.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kClosed;

namespace {
// MASS::anorexia, the family-therapy (FT) and control arms: the classic ANCOVA example
// (Hand et al. 1994). d <- subset(anorexia, Treat %in% c("Cont", "FT"));
// d$g <- as.integer(d$Treat == "FT")
const std::vector<double> kPre{80.7, 89.4, 91.8, 74,   78.1, 88.3, 87.3, 75.1, 80.6, 78.4, 77.6, 88.7, 81.3, 78.1, 70.5,
                               77.3, 85.2, 86,   84.1, 79.7, 85.5, 84.4, 79.6, 77.5, 72.3, 89,   83.8, 83.3, 86,   82.5,
                               86.7, 79.6, 76.9, 94.2, 73.4, 80.5, 81.6, 82.1, 77.6, 83.5, 89.9, 86,   87.3};
const std::vector<double> kPost{80.2, 80.1, 86.4, 86.3, 76.1, 78.1, 75.1, 86.7, 73.5, 84.6, 77.4, 79.5, 89.6, 81.4, 81.8,
                                77.3, 84.2, 75.4, 79.5, 73,   88.3, 84.7, 81.4, 81.2, 88.2, 78.8, 95.2, 94.3, 91.5, 91.9,
                                100.3, 76.7, 76.8, 101.6, 94.9, 75.2, 77.8, 95.5, 90.7, 92.5, 93.8, 91.7, 98};
std::vector<int> groups() {
  std::vector<int> g(43, 0);
  for (std::size_t i = 26; i < 43; ++i) g[i] = 1;
  return g;
}

// mtcars$mpg, $wt, $hp
const std::vector<double> kMpg{21,   21,   22.8, 21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8,
                               16.4, 17.3, 15.2, 10.4, 10.4, 14.7, 32.4, 30.4, 33.9, 21.5, 15.5,
                               15.2, 13.3, 19.2, 27.3, 26,   30.4, 15.8, 19.7, 15,   21.4};
const std::vector<double> kWt{2.62, 2.875, 2.32,  3.215, 3.44, 3.46,  3.57,  3.19, 3.15, 3.44, 3.44,
                              4.07, 3.73,  3.78,  5.25,  5.424, 5.345, 2.2,  1.615, 1.835, 2.465, 3.52,
                              3.435, 3.84, 3.845, 1.935, 2.14, 1.513, 3.17,  2.77, 3.57,  2.78};
const std::vector<double> kHp{110, 110, 93,  110, 175, 105, 245, 62,  95,  123, 123, 180, 180, 180, 205, 215,
                              230, 66,  52,  65,  97,  150, 150, 245, 175, 66,  91,  113, 264, 175, 335, 109};

// One row of summary(lm)$coefficients: estimate, SE, t, p.
void expect_coef(const Effect& e, double est, double se, double t, double p) {
  EXPECT_REL(e.estimate, est, kClosed);
  EXPECT_REL(e.std_error, se, kClosed);
  EXPECT_REL(e.statistic, t, kClosed);
  EXPECT_REL(e.p_value, p, kClosed);
}
}  // namespace

TEST(LinearModel, OlsWithIntercept) {
  // summary(lm(mpg ~ wt + hp, data = mtcars))
  const LinearModelFit fit = ols(kMpg, {{"wt", kWt}, {"hp", kHp}});
  ASSERT_EQ(fit.coefficients.size(), 3u);
  EXPECT_EQ(fit.coefficients[0].name, "(Intercept)");
  expect_coef(fit["(Intercept)"].effect, 37.227270116447201, 1.5987875379993941, 23.284688697930861,
              2.5654585119837577e-20);
  expect_coef(fit["wt"].effect, -3.8778307424046821, 0.63273349437739534, -6.1286952198104139,
              1.1196471362000422e-06);
  expect_coef(fit["hp"].effect, -0.031772946982161002, 0.0090297096758557224, -3.5187119102087809,
              0.0014512285315694238);
  EXPECT_EQ(fit.df_residual, 29);
  EXPECT_REL(fit.sigma, 2.5934117772265668, kClosed);
  EXPECT_REL(fit.r_squared, 0.82678545188279118, kClosed);
  EXPECT_REL(fit.adj_r_squared, 0.8148396209781561, kClosed);
  EXPECT_REL(fit.f_statistic, 69.211213391777648, kClosed);
  EXPECT_EQ(fit.f_df1, 2);
  EXPECT_EQ(fit.f_df2, 29);
  EXPECT_REL(fit.f_p_value, 9.1090543852220887e-12, kClosed);  // pf(69.2112, 2, 29, lower.tail=FALSE)
  ASSERT_EQ(fit.residuals.size(), 32u);
  EXPECT_NEAR(fit.fitted[0] + fit.residuals[0], 21.0, 1e-12);
}

TEST(LinearModel, OlsWithoutIntercept) {
  // summary(lm(mpg ~ 0 + wt + hp, data = mtcars)): R^2 and F are about zero, not the mean.
  const LinearModelFit fit = ols(kMpg, {{"wt", kWt}, {"hp", kHp}}, false);
  ASSERT_EQ(fit.coefficients.size(), 2u);
  expect_coef(fit["wt"].effect, 6.8404499708353006, 1.894247638192972, 3.6111698559966454, 0.0010978385925872534);
  expect_coef(fit["hp"].effect, -0.033935259906657682, 0.0393981150048478, -0.86134222163882879,
              0.39588207261503594);
  EXPECT_REL(fit.sigma, 11.316082457966264, kClosed);
  EXPECT_REL(fit.r_squared, 0.72642594659534265, kClosed);
  EXPECT_REL(fit.adj_r_squared, 0.70818767636836544, kClosed);
  EXPECT_REL(fit.f_statistic, 39.829761131669656, kClosed);
  EXPECT_EQ(fit.f_df2, 30);
  // confint(m3)["wt", ]
  EXPECT_REL(fit["wt"].effect.ci.lower, 2.9718801939401214, kClosed);
  EXPECT_REL(fit["wt"].effect.ci.upper, 10.70901974773048, kClosed);
}

TEST(LinearModel, AncovaFollowUp) {
  // m <- lm(Postwt ~ g + Prewt, data = d)
  const AncovaResult r = ancova(kPre, kPost, groups());
  expect_coef(r.treatment, 9.0335725744442268, 2.0314862495344115, 4.4467800737093821, 6.7677796853820853e-05);
  EXPECT_EQ(r.treatment.df, 40);
  EXPECT_REL(r.treatment.ci.lower, 4.9277857097646391, kClosed);  // confint(m)["g", ]
  EXPECT_REL(r.treatment.ci.upper, 13.139359439123815, kClosed);
  expect_coef(r.baseline, 0.21107175814812959, 0.18453984124467998, 1.1437733809918647, 0.2595165957613102);
  EXPECT_REL(r.baseline.ci.lower, -0.16189717352251967, kClosed);  // confint(m)["Prewt", ]
  EXPECT_REL(r.baseline.ci.upper, 0.58404068981877888, kClosed);
  expect_coef(r.fit["(Intercept)"].effect, 63.893166801803524, 15.103503766983593, 4.230353948828391,
              0.00013202512267807207);
  EXPECT_REL(r.fit.sigma, 6.4376076407150888, kClosed);
  EXPECT_REL(r.fit.r_squared, 0.36669705936935471, kClosed);
  EXPECT_REL(r.fit.f_statistic, 11.580462866766304, kClosed);
  EXPECT_REL(r.fit.f_p_value, 0.00010770356830005499, kClosed);
  // vcov(m), row-major
  const double vcov[3][3] = {{228.11582603928753, 3.0491525935197239, -2.7774433788661561},
                             {3.0491525935197239, 4.1269363820473899, -0.056930327548835716},
                             {-2.7774433788661561, -0.056930327548835716, 0.034054953006611682}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_REL(r.fit.covariance[i][j], vcov[i][j], kClosed) << i << "," << j;
  // predict(m, data.frame(g = c(0, 1), Prewt = mean(d$Prewt)))
  EXPECT_REL(r.adjusted_mean_control, 81.247192238010442, kClosed);
  EXPECT_REL(r.adjusted_mean_treated, 90.280764812454663, kClosed);
}

TEST(LinearModel, AncovaChangeScore) {
  // mc <- lm(I(Postwt - Prewt) ~ g + Prewt, data = d): same treatment effect, slope - 1.
  const AncovaResult r = ancova(kPre, kPost, groups(), AncovaResponse::Change);
  expect_coef(r.treatment, 9.0335725744442268, 2.0314862495344115, 4.4467800737093821, 6.7677796853820853e-05);
  expect_coef(r.baseline, -0.78892824185187038, 0.18453984124467995, -4.2751106564887333, 0.00011507367464508807);
  // predict(mc, data.frame(g = c(0, 1), Prewt = mean(d$Prewt)))
  EXPECT_REL(r.adjusted_mean_control, -0.97141241315236471, kClosed);
  EXPECT_REL(r.adjusted_mean_treated, 8.0621601612918568, kClosed);
}

TEST(LinearModel, AncovaConfidenceLevel) {
  // confint(m, level = 0.9)["g", ]
  const AncovaResult r = ancova(kPre, kPost, groups(), AncovaResponse::FollowUp, 0.9);
  EXPECT_REL(r.treatment.ci.lower, 5.6128523945882627, kClosed);
  EXPECT_REL(r.treatment.ci.upper, 12.454292754300191, kClosed);
}

TEST(LinearModel, AncovaExtraCovariate) {
  // d$z <- (seq_len(nrow(d)) %% 3) * 0.5; m <- lm(Postwt ~ g + Prewt + z, data = d)
  std::vector<double> z(43);
  for (std::size_t i = 0; i < 43; ++i) z[i] = static_cast<double>((i + 1) % 3) * 0.5;
  const AncovaResult r = ancova(kPre, kPost, groups(), AncovaResponse::FollowUp, 0.95, {{"z", z}});
  expect_coef(r.treatment, 9.0851631863354196, 2.0528281485034836, 4.4256813182138623, 7.518794502372469e-05);
  expect_coef(r.baseline, 0.21719695833169167, 0.18663532905805458, 1.1637505044081478, 0.25159561919937923);
  expect_coef(r.fit["z"].effect, 1.2711144591414334, 2.4651025020233774, 0.51564365299134285, 0.60901428117464107);
  EXPECT_EQ(r.treatment.df, 39);
  // predict(m, data.frame(g = c(0, 1), Prewt = mean(d$Prewt), z = mean(d$z)))
  EXPECT_REL(r.adjusted_mean_control, 81.22679594958835, kClosed);
  EXPECT_REL(r.adjusted_mean_treated, 90.311959135923757, kClosed);
}

TEST(LinearModel, RejectsInvalidInput) {
  EXPECT_THROW(ols({1, 2, 3}, {{"x", {1, 2}}}), ldnsim::InputError);               // lengths differ
  EXPECT_THROW(ols({1, 2}, {{"x", {1, 2}}}), ldnsim::InputError);                  // no residual df
  EXPECT_THROW(ols({1, 2, 3, 4}, {{"x", {1, 1, 1, 1}}}), ldnsim::InputError);      // aliased with intercept
  EXPECT_THROW(ols({1, 2, 3, 4}, {{"x", {1, 2, 3, 4}}, {"x2", {2, 4, 6, 8}}}), ldnsim::InputError);  // collinear
  EXPECT_THROW(ols({1, kNaN, 3, 4}, {{"x", {1, 2, 3, 5}}}), ldnsim::InputError);
  EXPECT_THROW(ols({1, 2, 3, 4}, {}, false), ldnsim::InputError);                    // no coefficients
  const LinearModelFit fit = ols(kMpg, {{"wt", kWt}});
  EXPECT_THROW(fit["hp"], ldnsim::UsageError);
  EXPECT_THROW(ancova(kPre, kPost, std::vector<int>(43, 0)), ldnsim::InputError);  // one arm only
  auto g = groups();
  g[3] = 2;
  EXPECT_THROW(ancova(kPre, kPost, g), ldnsim::InputError);  // not 0/1
  EXPECT_THROW(ancova({1, 2, 3}, {1, 2, 3}, {0, 1, 0}), ldnsim::InputError);  // too few subjects
  EXPECT_THROW(ancova(kPre, kPost, groups(), AncovaResponse::FollowUp, 0), ldnsim::UsageError);
}
