// Locations the tests read from.
#pragma once

#include <string>

namespace ldnsim::test {

inline std::string source_path(const std::string& relative) {
  return std::string(LDNSIM_SOURCE_DIR) + "/" + relative;
}
inline std::string shared_path(const std::string& relative) {
  return std::string(LDNSIM_SHARED_DIR) + "/" + relative;
}

}  // namespace ldnsim::test
