// Limits that are policy rather than science, stated once: every command, spec reader and
// the explorer (its page included) takes them from here.
#pragma once

#include <string>

#include "ldnsim/core/format.hpp"

namespace ldnsim::policy {

// The largest naltrexone dose (mg, salt or base) any command simulates: beyond it a value
// is taken for a typing mistake. The label maximum is 150-300 mg/day.
inline constexpr double kMaxDoseMg = 500;

// "above 500 mg is not a plausible naltrexone dose (the label maximum is 150-300 mg/day)"
inline std::string max_dose_reason() {
  return "above " + format_number(kMaxDoseMg) + " mg is not a plausible naltrexone dose (the label maximum is 150-300 mg/day)";
}

}  // namespace ldnsim::policy
