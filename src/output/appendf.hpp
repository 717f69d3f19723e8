// Private to the output layer's renderers: printf-style formatting appended to a string, so a
// text rendering is returned (and printed by the caller) with the same bytes printf gave.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

namespace ldnsim::output {

[[gnu::format(printf, 2, 3)]] inline void appendf(std::string& out, const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  if (n > 0) {
    const std::size_t at = out.size();
    out.resize(at + static_cast<std::size_t>(n) + 1);
    std::vsnprintf(out.data() + at, static_cast<std::size_t>(n) + 1, format, again);
    out.resize(at + static_cast<std::size_t>(n));
  }
  va_end(again);
}

}  // namespace ldnsim::output
