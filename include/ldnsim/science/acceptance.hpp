// The acceptance rule of a clinical calibration (`ldnsim calibrate SPEC --check`), stated
// once: the fit is accepted when every fitted target lies within kAcceptZ sigma of its
// published value (sigma: the spread the fit weighs that target by). Targets beyond
// kWarnZ, fitted or checks, are reported. The CLI renders the verdict; it does not decide it.
#pragma once

#include <cstddef>
#include <vector>

#include "ldnsim/science/clinical.hpp"

namespace ldnsim::science {

inline constexpr double kAcceptZ = 3;  // a fitted target further off means: rerun the calibration
inline constexpr double kWarnZ = 2;    // a target further off is reported

struct FitAcceptance {
  bool accepted = true;             // no fitted target beyond kAcceptZ
  std::vector<std::size_t> off;     // fitted targets beyond kAcceptZ (indices into fit.targets)
  std::vector<std::size_t> far;     // targets beyond kWarnZ, fitted or not
};

FitAcceptance accept_fit(const CalibrationResult& fit);

}  // namespace ldnsim::science
