// Ordinary least squares and ANCOVA. ANCOVA of the follow-up score on treatment and
// baseline is the analysis regulators recommend for a continuous endpoint (EMA 2015
// guideline on baseline covariates); it is more precise than comparing change scores, and
// the adjusted treatment difference it gives is what a simulated trial should report
// next to the unadjusted t-test. Results reproduce R's summary(lm(...)) and confint().
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ldnsim/stats/common.hpp"

namespace ldnsim::stats {

// One column of a design matrix, by name ("baseline", "ldn", ...).
struct Predictor {
  std::string name;
  std::vector<double> values;
};

// A model coefficient with its t (OLS) or z (GLM, Cox) test; effect.df is the residual df
// for t tests and +inf for z tests.
struct Coefficient {
  std::string name;
  Effect effect;
};

struct LinearModelFit {
  std::vector<Coefficient> coefficients;  // "(Intercept)" first when fitted with one
  std::vector<std::vector<double>> covariance;  // sigma^2 (X'X)^-1, in coefficient order
  double sigma = kNaN;        // residual standard error
  double df_residual = kNaN;  // n - number of coefficients
  double r_squared = kNaN;
  double adj_r_squared = kNaN;
  // Overall F test of all non-intercept coefficients (R's summary.lm "F-statistic").
  double f_statistic = kNaN;
  double f_df1 = kNaN, f_df2 = kNaN, f_p_value = kNaN;
  std::vector<double> fitted;
  std::vector<double> residuals;

  // The coefficient called `name`; throws UsageError if there is none.
  const Coefficient& operator[](const std::string& name) const;
};

// Least-squares fit of y on the predictors (plus an intercept unless intercept == false),
// by column-pivoted Householder QR (R: lm(y ~ ...)). Throws InputError for NaN, lengths
// that differ, fewer observations than coefficients + 1, or a rank-deficient design (R
// would silently drop aliased columns; a simulated trial with an empty arm should fail
// loudly instead).
LinearModelFit ols(const std::vector<double>& y, const std::vector<Predictor>& predictors,
                   bool intercept = true, double conf_level = 0.95);

enum class AncovaResponse {
  FollowUp,  // model follow_up ~ group + baseline
  Change,    // model (follow_up - baseline) ~ group + baseline: same treatment effect and
             // SE, baseline slope reduced by one; offered because papers report either
};

struct AncovaResult {
  Effect treatment;  // baseline-adjusted difference, treated (1) minus control (0)
  Effect baseline;   // baseline slope
  // Least-squares (adjusted) means of the modelled response (follow-up or change) in each
  // arm, at the overall mean baseline and mean extra covariates.
  double adjusted_mean_control = kNaN;
  double adjusted_mean_treated = kNaN;
  LinearModelFit fit;  // coefficients "(Intercept)", "group", "baseline"
};

// ANCOVA with a two-level group coded 0 (control) and 1 (treated). Needs both groups
// present and at least 4 subjects; extra covariates (e.g. disease duration) may be added.
AncovaResult ancova(const std::vector<double>& baseline, const std::vector<double>& follow_up,
                    const std::vector<int>& group, AncovaResponse response = AncovaResponse::FollowUp,
                    double conf_level = 0.95, const std::vector<Predictor>& extra_covariates = {});

}  // namespace ldnsim::stats
