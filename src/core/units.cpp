#include "ldnsim/core/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Splits "4.5mg" into 4.5 and "mg"; throws if there is no leading number.
std::pair<double, std::string> split(std::string_view text, const char* what) {
  std::string s = trim(text);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || !std::isfinite(v))
    throw UsageError("'" + printable(s, 60) + "' is not a " + what);
  return {v, trim(std::string_view(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr)))};
}

}  // namespace

std::optional<double> mg_to_unit(std::string_view unit) {
  std::string u = trim(unit);
  if (u == "ng") return 1e6;
  if (u == "ug" || u == "µg" || u == "mcg") return 1e3;
  if (u == "mg") return 1.0;
  if (u == "g") return 1e-3;
  return std::nullopt;
}

double parse_mass_mg(std::string_view text) {
  auto [v, unit] = split(text, "dose (expected e.g. 4.5mg or 4500ug)");
  if (unit.empty()) return v;
  auto f = mg_to_unit(unit);
  if (!f) throw UsageError("'" + printable(text, 60) + "': unknown mass unit '" + printable(unit, 20) + "' (use ng, ug, mg or g)");
  return v / *f;
}

double parse_duration_h(std::string_view text) {
  auto [v, unit] = split(text, "duration (expected e.g. 24h, 30min or 2d)");
  if (unit.empty() || unit == "h" || unit == "hr" || unit == "hours" || unit == "hour") return v;
  if (unit == "min" || unit == "m") return v / 60.0;
  if (unit == "s") return v / 3600.0;
  if (unit == "d" || unit == "day" || unit == "days") return v * 24.0;
  if (unit == "w" || unit == "week" || unit == "weeks") return v * 168.0;
  throw UsageError("'" + printable(text, 60) + "': unknown time unit '" + printable(unit, 20) + "' (use min, h, d or w)");
}

double parse_clock_h(std::string_view text) {
  std::string s = trim(text);
  auto colon = s.find(':');
  if (colon == std::string::npos) {
    double h = parse_duration_h(s);
    if (h < 0 || h >= 24) throw UsageError("clock time '" + printable(s, 60) + "' must lie in 0-24 h");
    return h;
  }
  int hh = -1, mm = -1;
  auto r1 = std::from_chars(s.data(), s.data() + colon, hh);
  auto r2 = std::from_chars(s.data() + colon + 1, s.data() + s.size(), mm);
  if (r1.ec != std::errc() || r1.ptr != s.data() + colon || r2.ec != std::errc() ||
      r2.ptr != s.data() + s.size() || hh < 0 || hh > 23 || mm < 0 || mm > 59)
    throw UsageError("'" + printable(s, 60) + "' is not a clock time (expected HH:MM, e.g. 22:00)");
  return hh + mm / 60.0;
}

std::string clock_text(double h) {
  double c = std::fmod(h, 24.0);
  if (c < 0) c += 24;
  int minutes = static_cast<int>(std::lround(c * 60)) % (24 * 60);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

}  // namespace ldnsim
