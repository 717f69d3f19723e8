// Closed-form power and sample size for two-arm parallel trials, to cross-check the power
// that simulated trials estimate by replication, and to size designs before simulating.
// All tests are two-sided at level alpha, and, like R's power.t.test / power.prop.test
// with strict = FALSE, ignore the negligible rejections in the wrong direction.
#pragma once

namespace ldnsim::stats {

enum class PowerMethod {
  Normal,  // z approximation: power = Phi(|delta| / (sd sqrt(2/n)) - z_{1-alpha/2})
  T,       // exact for the pooled two-sample t-test, via the noncentral t (R: power.t.test)
};

// Power to detect a true mean difference `delta` between two arms of n_per_group each
// when the outcome SD is `sd`. n_per_group may be fractional (as R allows); needs >= 2.
double power_two_means(double delta, double sd, double n_per_group, double alpha = 0.05,
                       PowerMethod method = PowerMethod::Normal);
// Subjects per group for the given power (not rounded up: take the ceiling to plan).
// Normal: 2 (z_{1-alpha/2} + z_power)^2 sd^2 / delta^2. T: the root of power_two_means,
// found by bisection to 1e-12 relative (R: power.t.test(delta=, sd=, power=, tol=1e-14)$n).
double sample_size_two_means(double delta, double sd, double power, double alpha = 0.05,
                             PowerMethod method = PowerMethod::Normal);

// Power of the uncorrected two-proportion z (chi-square) test for true proportions p1, p2
// with n_per_group each (R: power.prop.test(n=, p1=, p2=)).
double power_two_proportions(double p1, double p2, double n_per_group, double alpha = 0.05);
// Its inverse, in closed form (Fleiss): (z_a sqrt(2 pbar qbar) + z_b sqrt(p1 q1 + p2 q2))^2
// / (p1 - p2)^2 with pbar = (p1 + p2) / 2 (R: power.prop.test(p1=, p2=, power=)$n).
double sample_size_two_proportions(double p1, double p2, double power, double alpha = 0.05);

}  // namespace ldnsim::stats
