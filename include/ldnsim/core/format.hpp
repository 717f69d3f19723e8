// Fast, locale-independent number formatting for CSV output.
#pragma once

#include <string>

namespace ldnsim {

// The room write_number needs at `out`: the longest text (sign, 17 digits, point,
// exponent) plus slack for its fixed-size copies.
inline constexpr int kMaxNumberChars = 48;

// Writes v at `out` (room for kMaxNumberChars bytes) with `digits` significant digits (1-17),
// exactly as printf("%.*g") would (correctly rounded, ties to even, trailing zeros
// removed); digits <= 0 means the shortest representation that reads back to the same
// double. Non-finite values are written as NaN, Inf, -Inf. Returns the end of the text.
//
// Written for speed: output tables hold millions of numbers, and std::to_chars with a
// precision costs ~80 ns a number here. Numbers between 1e-13 and 10^digits are formatted
// from an exact 128-bit integer product, without a library call; others fall back to
// std::to_chars.
char* write_number(char* out, double v, int digits);

// The same, appended to a string.
void append_number(std::string& out, double v, int digits);

inline std::string format_number(double v, int digits = 10) {
  std::string s;
  append_number(s, v, digits);
  return s;
}

}  // namespace ldnsim
