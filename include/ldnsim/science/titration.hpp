// A titration schedule for the "ldn" driver: `[arms.options] titration = "1.5mg 0-7d, 3mg
// 7-14d, 4.5mg 14-21d"` lists the steps before the arm's `dose_mg` (which applies from the
// end of the last step). Steps are contiguous from study day 0, in order, each with a
// positive dose and a positive length; at most kMaxTitrationSteps. The driver passes them
// to the clinical model as TITD1..TITD4 (end day of each step; 0 = none) and TITF1..TITF4
// (the step's dose relative to the arm's dose): the pharmacology is linear in dose, so the
// step's exposure is the target's exposure times TITF (docs/fibromyalgia.md).
#pragma once

#include <string>
#include <vector>

namespace ldnsim::science {

inline constexpr std::size_t kMaxTitrationSteps = 4;
inline constexpr const char* kTitrationCovariates[] = {"TITD1", "TITD2", "TITD3", "TITD4", "TITF1", "TITF2", "TITF3", "TITF4"};

struct TitrationStep {
  double dose_mg = 0, from_day = 0, to_day = 0;
};

// Parses and checks a schedule; throws InputError "options.titration: step K ('...'): what
// is wrong (expected ...)", e.g. overlapping or out-of-order steps.
std::vector<TitrationStep> parse_titration(const std::string& text);

// The covariate values (kTitrationCovariates order) for a target dose.
std::vector<double> titration_covariates(const std::vector<TitrationStep>& steps, double target_mg);

}  // namespace ldnsim::science
