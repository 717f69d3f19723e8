// Small text helpers shared by the layers.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
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

// A value from input made safe to show in a message or on a terminal: valid UTF-8 is kept,
// control bytes (NUL, ESC, newlines, DEL, C1) and bytes that are not valid UTF-8 are shown
// as escapes (\n, \t, \xNN), and a value longer than `max_bytes` is cut there (at a
// character boundary) and followed by "... (N bytes)". Every layer echoes user strings
// through this function, never raw.
std::string printable(std::string_view value, std::size_t max_bytes = 120);

}  // namespace ldnsim
