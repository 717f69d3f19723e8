// Shipped models run as the native code compiled into the test binaries, as in ldnsim.
#include "ldnsim/models/builtin.hpp"

namespace {
const int registered = (ldnsim::models::register_builtin_models(), 0);
}
