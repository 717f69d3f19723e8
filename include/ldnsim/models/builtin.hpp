// Shipped models compiled into the executable (generated at build time from models/).
#pragma once

namespace ldnsim::models {
// Registers the native code of every shipped model; call once before loading models.
void register_builtin_models();
}  // namespace ldnsim::models
