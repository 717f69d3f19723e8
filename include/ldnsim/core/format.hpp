// Fast, locale-independent number formatting for CSV output.
#pragma once

#include <charconv>
#include <string>

namespace ldnsim {

// Appends v to out with `digits` significant digits, as printf("%.*g") would;
// digits <= 0 means the shortest representation that reads back to the same double.
// Non-finite values are written as NaN, Inf, -Inf.
inline void append_number(std::string& out, double v, int digits) {
  char buf[64];
  std::to_chars_result r;
  if (digits > 0)
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
  else
    r = std::to_chars(buf, buf + sizeof buf, v);
  if (v != v) {
    out += "NaN";
    return;
  }
  if (v == 1.0 / 0.0) {
    out += "Inf";
    return;
  }
  if (v == -1.0 / 0.0) {
    out += "-Inf";
    return;
  }
  out.append(buf, r.ptr);
}

inline std::string format_number(double v, int digits = 10) {
  std::string s;
  append_number(s, v, digits);
  return s;
}

}  // namespace ldnsim
