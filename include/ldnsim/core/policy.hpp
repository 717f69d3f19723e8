// Limits that are policy rather than science, stated once: every command, spec reader and
// the explorer (its page included) takes them from here.
#pragma once

#include <string>

#include "ldnsim/core/format.hpp"

namespace ldnsim::policy {

// The smallest dose computed: 1 microgram, the "ultra-low" doses. Far below it the amounts
// approach the solver's absolute tolerance and the figures turn to noise (1e-320 mg gave
// negative concentrations and occupancy).
inline constexpr double kMinDoseMg = 0.001;

// "below 0.001 mg (1 microgram), the lowest dose computed"
inline std::string min_dose_reason() {
  return "below " + format_number(kMinDoseMg) + " mg (1 microgram), the lowest dose computed";
}

// The largest naltrexone dose (mg, salt or base) any command simulates: beyond it a value
// is taken for a typing mistake. The label maximum is 150-300 mg/day.
inline constexpr double kMaxDoseMg = 500;

// "above 500 mg is not a plausible naltrexone dose (the label maximum is 150-300 mg/day)"
inline std::string max_dose_reason() {
  return "above " + format_number(kMaxDoseMg) + " mg is not a plausible naltrexone dose (the label maximum is 150-300 mg/day)";
}

}  // namespace ldnsim::policy
