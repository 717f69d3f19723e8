// Locating the parts of a `param NAME = VALUE ...` line that the calibration commands rewrite
// in a model file (the value, a `range A B` or `logrange A B` attribute), so that both
// writers (science/calibration.cpp for the LDN models, science/clinical.cpp for calibration
// specs) edit the text the same way and leave everything else as the author wrote it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>

namespace ldnsim::science::param_lines {

inline constexpr std::size_t npos = std::string::npos;

// [begin, end) of the value after the first '=' of the line.
inline std::pair<std::size_t, std::size_t> value_span(const std::string& line) {
  std::size_t eq = line.find('=');
  std::size_t vs = line.find_first_not_of(" \t", eq + 1);
  std::size_t ve = line.find_first_of(" \t#", vs);
  return {vs, ve == npos ? line.size() : ve};
}

// [begin, end) of the first " KEYWORD A B" attribute outside a quoted string, for the
// keywords given in order of preference (begin is the leading space); {npos, npos} if none.
inline std::pair<std::size_t, std::size_t> range_span(const std::string& line, std::initializer_list<const char*> keywords) {
  for (const char* kw : keywords) {
    std::string key(kw);
    for (std::size_t r = line.find(key); r != npos; r = line.find(key, r + 1)) {
      if (std::count(line.begin(), line.begin() + static_cast<long>(r), '"') % 2 != 0) continue;  // inside a string
      std::size_t e = r + key.size();
      for (int field = 0; field < 2; ++field) {
        e = line.find_first_not_of(" \t", e);
        e = line.find_first_of(" \t#", e);
        if (e == npos) e = line.size();
      }
      return {r, e};
    }
  }
  return {npos, npos};
}

// Position of the '#' that starts the line's comment (not one inside a quoted string), or npos.
inline std::size_t comment_start(const std::string& line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    else if (line[i] == '#' && !quoted) return i;
  }
  return npos;
}

// Appends " ATTRIBUTE" to the line, before a trailing `# comment` if there is one.
inline void append_attribute(std::string& line, const std::string& attribute) {
  std::size_t c = comment_start(line);
  std::size_t at = c == npos ? line.size() : c;
  while (at > 0 && (line[at - 1] == ' ' || line[at - 1] == '\t')) --at;
  line = line.substr(0, at) + " " + attribute + (c == npos ? "" : "  " + line.substr(c));
}

}  // namespace ldnsim::science::param_lines
