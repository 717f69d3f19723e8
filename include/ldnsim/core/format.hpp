// Fast, locale-independent number formatting for CSV output.
#pragma once

#include <string>

namespace ldnsim {

// Appends v to out with `digits` significant digits (1-17), exactly as printf("%.*g")
// would (correctly rounded, ties to even, trailing zeros removed); digits <= 0 means the
// shortest representation that reads back to the same double. Non-finite values are
// written as NaN, Inf, -Inf.
//
// Written for speed: output tables hold millions of numbers, and std::to_chars with a
// precision costs ~80 ns a number here. Numbers between 1e-13 and 10^digits are formatted
// from an exact 128-bit integer product (~15 ns); others fall back to std::to_chars.
void append_number(std::string& out, double v, int digits);

inline std::string format_number(double v, int digits = 10) {
  std::string s;
  append_number(s, v, digits);
  return s;
}

}  // namespace ldnsim
