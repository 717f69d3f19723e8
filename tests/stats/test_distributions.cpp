// Distribution functions against R 4.2.2 (values printed with sprintf("%.17g")).
#include <gtest/gtest.h>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/common.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kClosed;

namespace {
// Special functions are held to 1e-10 relative in the body and the tails.
constexpr double kTight = 1e-10;
}  // namespace

TEST(Distributions, Normal) {
  EXPECT_REL(normal_cdf(1.96), 0.97500210485177963, kTight);                     // pnorm(1.96)
  EXPECT_REL(normal_cdf(-1.5, 2, 3), 0.12167250457438122, kTight);               // pnorm(-1.5, 2, 3)
  EXPECT_REL(normal_cdf(-37), 5.7255712225245771e-300, kTight);                  // pnorm(-37)
  EXPECT_REL(normal_cdf(-20), 2.7536241186062337e-89, kTight);                   // pnorm(-20)
  EXPECT_REL(normal_cdf(10, 0, 1, false), 7.6198530241605269e-24, kTight);       // pnorm(10, lower.tail=FALSE)
  EXPECT_REL(normal_quantile(0.975), 1.9599639845400536, kTight);                // qnorm(0.975)
  EXPECT_REL(normal_quantile(1e-300), -37.047096299361201, kTight);              // qnorm(1e-300)
  EXPECT_REL(normal_quantile(1e-10, 0, 1, false), 6.3613409024040557, kTight);   // qnorm(1e-10, lower.tail=FALSE)
  EXPECT_REL(normal_quantile(0.3, 5, 2), 3.9511989745839187, kTight);            // qnorm(0.3, 5, 2)
  EXPECT_REL(normal_pdf(0.7, 1, 2), 0.19723966545394447, kTight);                // dnorm(0.7, 1, 2)
  EXPECT_EQ(normal_quantile(0.0), -kInf);
  EXPECT_EQ(normal_quantile(1.0), kInf);
  EXPECT_EQ(normal_quantile(0.0, 0, 1, false), kInf);
  EXPECT_EQ(normal_cdf(kInf), 1.0);
  EXPECT_EQ(normal_cdf(-kInf, 0, 1, false), 1.0);
}

TEST(Distributions, StudentT) {
  EXPECT_REL(t_cdf(2.1, 7), 0.9630644018935387, kTight);                 // pt(2.1, 7)
  EXPECT_REL(t_cdf(-2.1, 7.3), 0.036123356712426676, kTight);            // pt(-2.1, 7.3)
  EXPECT_REL(t_cdf(-40, 3), 1.719034039457927e-05, kTight);              // pt(-40, 3)
  EXPECT_REL(t_cdf(25, 12.5, false), 2.3722889136198781e-12, kTight);    // pt(25, 12.5, lower.tail=FALSE)
  EXPECT_REL(t_cdf(0.3, 0.5), 0.57757042393475455, kTight);              // pt(0.3, 0.5)
  EXPECT_REL(t_cdf(1.2, 1e6), 0.88493018763413778, kTight);              // pt(1.2, 1e6)
  EXPECT_REL(t_quantile(0.975, 4), 2.7764451051977934, kTight);          // qt(0.975, 4)
  EXPECT_REL(t_quantile(0.975, 13.734), 2.1486903959974861, kTight);     // qt(0.975, 13.734)
  EXPECT_REL(t_quantile(1e-12, 5), -393.95695957760387, kTight);         // qt(1e-12, 5)
  EXPECT_REL(t_quantile(0.05, 2.5, false), 2.5582186141359458, kTight);  // qt(0.05, 2.5, lower.tail=FALSE)
  EXPECT_REL(t_cdf(1.2, kInf), normal_cdf(1.2), 1e-15);
  // Noncentral t, for power: R's pnt is itself accurate to ~1e-12.
  EXPECT_REL(noncentral_t_cdf(1.5, 10, 2), 0.30478544737559371, kTight);  // pt(1.5, 10, ncp=2)
  // pt(2.0484, 28, ncp=2.7386, lower.tail=FALSE)
  EXPECT_REL(noncentral_t_cdf(2.0484, 28, 2.7386, false), 0.75291932840160702, kTight);
}

TEST(Distributions, ChiSquareAndF) {
  EXPECT_REL(chisq_cdf(3.84, 1), 0.94995647875129474, kTight);                // pchisq(3.84, 1)
  EXPECT_REL(chisq_cdf(150, 4, false), 2.0357640909741394e-31, kTight);       // pchisq(150, 4, lower.tail=FALSE)
  EXPECT_REL(chisq_cdf(0.001, 2.5), 6.597217091898476e-05, kTight);           // pchisq(0.001, 2.5)
  EXPECT_REL(chisq_quantile(0.95, 1), 3.841458820694124, kTight);             // qchisq(0.95, 1)
  EXPECT_REL(chisq_quantile(0.01, 7.5, false), 19.288172099817395, kTight);   // qchisq(0.01, 7.5, lower.tail=FALSE)
  EXPECT_REL(f_cdf(3.2, 2, 27), 0.94339777359149912, kTight);                 // pf(3.2, 2, 27)
  EXPECT_REL(f_cdf(45, 3, 40, false), 6.8881012639145354e-13, kTight);        // pf(45, 3, 40, lower.tail=FALSE)
  EXPECT_REL(f_quantile(0.95, 4, 11.5), 3.3054073899366325, kTight);          // qf(0.95, 4, 11.5)
  EXPECT_EQ(chisq_cdf(0, 3), 0.0);
  EXPECT_EQ(chisq_cdf(-1, 3, false), 1.0);
}

TEST(Distributions, Discrete) {
  EXPECT_REL(binom_pmf(3, 10, 0.25), 0.25028228759765625, kTight);            // dbinom(3, 10, 0.25)
  EXPECT_REL(binom_cdf(3, 10, 0.25), 0.77587509155273426, kTight);            // pbinom(3, 10, 0.25)
  EXPECT_REL(binom_cdf(95, 100, 0.5, false), 3.2248444478817838e-24, kTight); // pbinom(95, 100, 0.5, lower.tail=FALSE)
  EXPECT_REL(binom_cdf(0, 1000, 0.01), 4.3171247410658195e-05, kTight);       // pbinom(0, 1000, 0.01)
  EXPECT_REL(poisson_pmf(4, 2.5), 0.13360188578108531, kTight);               // dpois(4, 2.5)
  EXPECT_REL(poisson_cdf(4, 2.5), 0.89117801891415127, kTight);               // ppois(4, 2.5)
  EXPECT_REL(poisson_cdf(30, 3, false), 4.1254051981139436e-21, kTight);      // ppois(30, 3, lower.tail=FALSE)
  EXPECT_REL(poisson_cdf(0, 0.1), 0.90483741803595952, kTight);               // ppois(0, 0.1)
  // Edges of the support and degenerate parameters.
  EXPECT_EQ(binom_cdf(-1, 10, 0.3), 0.0);
  EXPECT_EQ(binom_cdf(10, 10, 0.3), 1.0);
  EXPECT_EQ(binom_pmf(11, 10, 0.3), 0.0);
  EXPECT_EQ(binom_pmf(0, 10, 0.0), 1.0);
  EXPECT_EQ(binom_pmf(10, 10, 1.0), 1.0);
  EXPECT_EQ(binom_cdf(3, 10, 1.0), 0.0);
  EXPECT_EQ(poisson_pmf(0, 0.0), 1.0);
  EXPECT_EQ(poisson_cdf(2, 0.0, false), 0.0);
}

TEST(Distributions, IncompleteBetaGamma) {
  EXPECT_REL(incomplete_beta(2.5, 4, 0.3), 0.35219758590676714, kTight);            // pbeta(0.3, 2.5, 4)
  EXPECT_REL(incomplete_beta(0.5, 30, 0.999, false), 1.0262784370022237e-91, kTight);  // pbeta(0.999, 0.5, 30, lower.tail=FALSE)
  EXPECT_REL(incomplete_beta(3, 2, 1e-5), 3.9999700000000104e-15, kTight);          // pbeta(1e-5, 3, 2)
  EXPECT_REL(incomplete_gamma(3.5, 2), 0.22022259152428406, kTight);                // pgamma(2, 3.5)
  EXPECT_REL(incomplete_gamma(4, 50, false), 4.2691592051449351e-18, kTight);       // pgamma(50, 4, lower.tail=FALSE)
  EXPECT_REL(incomplete_gamma(0.5, 1e-4), 0.011283415555849618, kTight);            // pgamma(1e-4, 0.5)
}

TEST(Distributions, TwoSidedP) {
  EXPECT_DOUBLE_EQ(two_sided_p(0.02, 0.98), 0.04);
  EXPECT_DOUBLE_EQ(two_sided_p(0.7, 0.3), 0.6);
  EXPECT_EQ(two_sided_p(0.5, 0.5), 1.0);
}

TEST(Distributions, RejectsInvalidInput) {
  EXPECT_THROW(normal_cdf(kNaN), ldnsim::InputError);
  EXPECT_THROW(normal_cdf(0, 0, 0), ldnsim::InputError);
  EXPECT_THROW(normal_quantile(1.5), ldnsim::InputError);
  EXPECT_THROW(normal_quantile(-0.1), ldnsim::InputError);
  EXPECT_THROW(t_cdf(1, 0), ldnsim::InputError);
  EXPECT_THROW(t_cdf(1, -2), ldnsim::InputError);
  EXPECT_THROW(t_quantile(kNaN, 3), ldnsim::InputError);
  EXPECT_THROW(chisq_cdf(1, kNaN), ldnsim::InputError);
  EXPECT_THROW(f_cdf(1, 2, 0), ldnsim::InputError);
  EXPECT_THROW(binom_cdf(2, -1, 0.5), ldnsim::InputError);
  EXPECT_THROW(binom_pmf(2, 5, 1.2), ldnsim::InputError);
  EXPECT_THROW(poisson_cdf(2, -1), ldnsim::InputError);
  EXPECT_THROW(incomplete_beta(0, 1, 0.5), ldnsim::InputError);
  EXPECT_THROW(incomplete_beta(1, 1, 1.5), ldnsim::InputError);
  EXPECT_THROW(incomplete_gamma(1, -1), ldnsim::InputError);
}
