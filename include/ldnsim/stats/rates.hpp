// Event rates: the annualised relapse rate (ARR) and its ratio between arms, the primary
// endpoint of relapsing MS trials. Counts per subject are modelled with a log link and
// log(exposure) offset, so that subjects followed for different times contribute in
// proportion. Poisson regression reproduces R's glm(family = poisson); negative-binomial
// regression, which allows the between-patient heterogeneity in relapse rates that makes
// Poisson standard errors too small, reproduces MASS::glm.nb.
#pragma once

#include <vector>

#include "ldnsim/stats/common.hpp"
#include "ldnsim/stats/linear_model.hpp"

namespace ldnsim::stats {

struct GlmFit {
  std::vector<Coefficient> coefficients;  // Wald z tests (effect.df = +inf), log scale
  std::vector<std::vector<double>> covariance;
  double deviance = kNaN;
  double null_deviance = kNaN;  // of the intercept-plus-offset model
  double df_residual = kNaN;
  double log_likelihood = kNaN;
  double theta = kInf;          // negative binomial shape (variance mu + mu^2/theta); inf for Poisson
  double theta_std_error = kNaN;
  int iterations = 0;

  const Coefficient& operator[](const std::string& name) const;  // UsageError if absent
};

// Poisson log-linear regression of counts on the predictors (plus an intercept), with
// offset log(exposure) (all exposures 1 when `exposure` is empty), fitted by iteratively
// reweighted least squares to convergence of the deviance at 1e-13 relative
// (R: glm(y ~ ... + offset(log(exposure)), family = poisson)). Counts must be
// non-negative integers and exposures positive; throws InputError for a rank-deficient
// design and ldnsim::Error if the fit diverges (e.g. an arm with no events, whose log rate
// is -inf).
GlmFit poisson_regression(const std::vector<double>& counts, const std::vector<Predictor>& predictors,
                          const std::vector<double>& exposure = {}, double conf_level = 0.95);

// Negative-binomial (NB2) regression with theta estimated by maximum likelihood,
// alternating IRLS for the coefficients and Newton steps for theta as MASS::glm.nb does,
// but iterated to 1e-12 relative so that it is the MLE rather than an approximation.
// Coefficient SEs treat theta as known, as summary(glm.nb) does. Throws InputError if the
// counts show no overdispersion (theta -> inf; use poisson_regression).
GlmFit negative_binomial_regression(const std::vector<double>& counts, const std::vector<Predictor>& predictors,
                                    const std::vector<double>& exposure = {}, double conf_level = 0.95);

struct RateRatioResult {
  double rate_control = kNaN;   // fitted events per unit exposure, group 0
  double rate_treated = kNaN;   // group 1
  double rate_ratio = kNaN;     // treated / control
  Interval ci;                  // Wald interval exp(b +- z se)
  Effect log_rate_ratio;        // the coefficient of group on the log scale
  GlmFit fit;                   // coefficients "(Intercept)", "group"
};

// Rate ratio between group 1 (treated) and group 0 (control), e.g. relapses per
// patient-year, with Poisson or negative-binomial errors. Both groups need at least one
// event (otherwise the ratio is 0 or infinite and its Wald interval undefined).
RateRatioResult poisson_rate_ratio(const std::vector<double>& counts, const std::vector<double>& exposure,
                                   const std::vector<int>& group, double conf_level = 0.95);
RateRatioResult negative_binomial_rate_ratio(const std::vector<double>& counts, const std::vector<double>& exposure,
                                             const std::vector<int>& group, double conf_level = 0.95);

}  // namespace ldnsim::stats
