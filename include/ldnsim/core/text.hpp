// Small text helpers shared by the layers.
#pragma once

#include <cctype>
#include <string_view>

namespace ldnsim {

// ASCII case-insensitive equality (data columns and model names match this way).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace ldnsim
