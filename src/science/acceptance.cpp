#include "ldnsim/science/acceptance.hpp"

#include <cmath>

namespace ldnsim::science {

FitAcceptance accept_fit(const CalibrationResult& fit) {
  FitAcceptance a;
  for (std::size_t i = 0; i < fit.targets.size(); ++i) {
    const TargetFit& t = fit.targets[i];
    if (t.fitted && std::fabs(t.z) > kAcceptZ) a.off.push_back(i);
    if (std::fabs(t.z) > kWarnZ) a.far.push_back(i);
  }
  a.accepted = a.off.empty();
  return a;
}

}  // namespace ldnsim::science
