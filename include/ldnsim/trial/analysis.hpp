// Endpoint logic that is independent of the simulation: confirmed disability progression
// from an EDSS path at visits, and the analysis of one endpoint with ldnsim::stats.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "ldnsim/stats/common.hpp"
#include "ldnsim/trial/spec.hpp"

namespace ldnsim::trial {

struct ProgressionRule {
  double increase = 1.0;       // needed rise when baseline <= cutoff
  double increase_high = 0.5;  // needed rise when baseline > cutoff
  double cutoff = 5.5;
  double confirm = 84;         // confirmation interval, same unit as the times (days)
};

struct ProgressionOutcome {
  bool event = false;
  double time = stats::kNaN;  // onset visit (event) or last observed visit (censored)
};

// times[0] is the baseline visit, values[0] the baseline score; NaN values are visits
// without an observation (skipped). An onset at visit v counts when the rise is present at
// v and at every observed visit up to and including the first observed visit at least
// rule.confirm after v.
ProgressionOutcome confirmed_progression(std::span<const double> times, std::span<const double> values,
                                         const ProgressionRule& rule);

// The data of one endpoint in one replicate, per subject (complete cases only).
struct EndpointData {
  // Continuous / responder: the measure per subject, by group (1 = treatment, 0 = control;
  // single-group designs use group 1 only). Crossover: `a` and `b` the measure under the
  // two arms, `sequence_ab` true when the treatment arm came first, `p1`, `p2` the
  // measure in periods 1 and 2.
  std::vector<double> y, baseline;
  std::vector<int> group;
  std::vector<double> a, b, p1, p2;
  std::vector<bool> sequence_ab;
  // Count: count and exposure (years); progression: time (days) and event.
  std::vector<double> count, exposure, time;
  std::vector<int> event;
};

struct EndpointResult {
  double estimate = stats::kNaN, lower = stats::kNaN, upper = stats::kNaN, p_value = stats::kNaN;
  bool significant = false;
  long n = 0, n_treatment = 0, n_control = 0;
  double mean_treatment = stats::kNaN, mean_control = stats::kNaN;
  double period_effect = stats::kNaN, period_p = stats::kNaN, carryover_p = stats::kNaN;
  std::string error;  // why the analysis could not be computed in this replicate
};

// Runs the endpoint's analysis; an analysis the data cannot support (too few subjects,
// zero variance, an arm without events) returns a result with `error` set.
EndpointResult analyse(const EndpointSpec& endpoint, const EndpointData& data, double alpha);

}  // namespace ldnsim::trial
