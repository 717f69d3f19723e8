// Time-to-event analyses: time to first relapse and time to confirmed disability
// progression (CDP), the secondary endpoints of MS trials. Kaplan-Meier curves, the
// log-rank test and the Cox model reproduce R's survival package (survfit, survdiff,
// coxph with ties = "breslow").
//
// Input is one row per subject: `time` (> 0 would be usual; >= 0 is accepted) and
// `event` = 1 if the event was observed at `time`, 0 if the subject was censored then.
// As everywhere in survival analysis, an event and a censoring at the same time count the
// censored subject as still at risk for that event.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ldnsim/stats/common.hpp"
#include "ldnsim/stats/linear_model.hpp"

namespace ldnsim::stats {

// The curve at one distinct observed time (event or censoring), as a row of survfit.
struct KaplanMeierStep {
  double time = kNaN;
  double n_risk = 0;
  double n_event = 0;
  double n_censor = 0;
  double survival = kNaN;  // S(time), right-continuous
  // Greenwood standard error of S(time) (R: summary(survfit)$std.err).
  double std_error = kNaN;
  // Greenwood standard error of log S(time) = of the cumulative hazard (R: survfit$std.err).
  double std_error_log = kNaN;
  // Pointwise interval on the log scale, R's default conf.type = "log":
  // S exp(+-z se_log), capped at 1. NaN once S has dropped to 0.
  Interval ci;
};

struct KaplanMeier {
  std::vector<KaplanMeierStep> steps;
  std::size_t n = 0;
  std::size_t n_events = 0;
  double conf_level = 0.95;
  // Median survival time and its interval by survival's rules: the first time S <= 1/2
  // (the midpoint to the next event time if S equals 1/2 on a flat stretch), and the times
  // the confidence bands reach 1/2 (where a band is not monotone, survival's rule takes
  // the time of its value closest to 1/2 from below). NaN (R's NA) where a curve never
  // reaches 1/2.
  double median = kNaN;
  Interval median_ci;

  // S(t) of the step function (1 before the first event).
  double survival_at(double t) const;
};

// Kaplan-Meier estimate (R: survfit(Surv(time, event) ~ 1)). Needs at least one subject.
KaplanMeier kaplan_meier(const std::vector<double>& time, const std::vector<int>& event,
                         double conf_level = 0.95);

struct LogRankResult {
  ChiSquareTest test;            // chi-square with (groups - 1) df
  std::vector<int> groups;       // distinct group labels, ascending
  std::vector<double> n;         // subjects per group
  std::vector<double> observed;  // events per group
  std::vector<double> expected;  // expected events under equal hazards
};

// Log-rank (Mantel-Haenszel) test of equal hazards across groups, with the hypergeometric
// variance for tied times (R: survdiff(Surv(time, event) ~ group)). Any integer labels;
// needs at least two groups and at least one event.
LogRankResult log_rank_test(const std::vector<double>& time, const std::vector<int>& event,
                            const std::vector<int>& group);

struct CoxFit {
  std::vector<Coefficient> coefficients;  // log hazard ratios with Wald z tests
  std::vector<double> hazard_ratios;      // exp(coefficient)
  std::vector<Interval> hazard_ratio_ci;  // exp(b +- z se)
  std::vector<std::vector<double>> covariance;
  double loglik_null = kNaN;  // partial log-likelihood at beta = 0
  double loglik = kNaN;       // at the estimate
  ChiSquareTest likelihood_ratio;
  ChiSquareTest wald;
  ChiSquareTest score;  // at beta = 0; for one binary covariate without ties, the log-rank test
  std::size_t n = 0;
  std::size_t n_events = 0;
  int iterations = 0;

  const Coefficient& operator[](const std::string& name) const;  // UsageError if absent
};

// Cox proportional-hazards regression with Breslow's approximation for tied event times,
// by Newton-Raphson (with step halving) to a partial log-likelihood converged to 1e-13
// relative (R: coxph(Surv(time, event) ~ ..., ties = "breslow")). Throws InputError
// without events, for NaN, or for a constant covariate; ldnsim::Error if the estimate is
// infinite (monotone likelihood, e.g. no events in one arm).
CoxFit cox_regression(const std::vector<double>& time, const std::vector<int>& event,
                      const std::vector<Predictor>& predictors, double conf_level = 0.95);

// The hazard ratio of group 1 versus group 0 (e.g. LDN versus placebo for time to CDP),
// from cox_regression with the single covariate "group".
struct HazardRatioResult {
  double hazard_ratio = kNaN;
  Interval ci;
  Effect log_hazard_ratio;  // Wald z test
  ChiSquareTest score;      // score (log-rank-like) test
  ChiSquareTest likelihood_ratio;
  CoxFit fit;
};
HazardRatioResult cox_hazard_ratio(const std::vector<double>& time, const std::vector<int>& event,
                                   const std::vector<int>& group, double conf_level = 0.95);

}  // namespace ldnsim::stats
