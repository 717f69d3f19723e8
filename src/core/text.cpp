#include "ldnsim/core/text.hpp"

#include <cstdint>

namespace ldnsim {
namespace {

// Length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are not valid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0, min = 0;
  if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  // C1 control characters (U+0080-U+009F) can act as terminal controls too.
  if (cp >= 0x80 && cp <= 0x9F) return 0;
  return n;
}

void escape_byte(std::string& out, unsigned char c) {
  static const char* hex = "0123456789abcdef";
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\t': out += "\\t"; return;
    case '\r': out += "\\r"; return;
    default:
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
  }
}

}  // namespace

std::string printable(std::string_view value, std::size_t max_bytes) {
  std::string out;
  out.reserve(value.size() < max_bytes ? value.size() : max_bytes);
  std::size_t i = 0;
  while (i < value.size()) {
    if (i >= max_bytes) {
      out += "... (" + std::to_string(value.size()) + " bytes)";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7F) {
      escape_byte(out, c);
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(value, i);
    if (n == 0) {
      escape_byte(out, c);
      ++i;
      continue;
    }
    out.append(value.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace ldnsim
