// Locating files shipped with ldnsim (models, trial specs, report assets) from wherever
// the executable runs.
#pragma once

#include <string>
#include <string_view>

namespace ldnsim {

// Finds `relative` (e.g. "models/ldn/human.ldn") under $LDNSIM_HOME, next to the
// executable's parent directories, or in the source tree it was built from; throws
// InputError naming the places searched when it is nowhere.
std::string find_resource(std::string_view relative);

}  // namespace ldnsim
