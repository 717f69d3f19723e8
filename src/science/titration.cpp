#include "ldnsim/science/titration.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"

namespace ldnsim::science {

namespace {

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// A number at s[i...]; advances i. NaN when there is none.
double number_at(const std::string& s, std::size_t& i) {
  while (i < s.size() && s[i] == ' ') ++i;
  const char* begin = s.c_str() + i;
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin) return std::nan("");
  i += static_cast<std::size_t>(end - begin);
  return v;
}

}  // namespace

std::vector<TitrationStep> parse_titration(const std::string& text) {
  std::vector<TitrationStep> steps;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    parts.push_back(trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (parts.size() > kMaxTitrationSteps)
    throw InputError("options.titration: " + std::to_string(parts.size()) + " steps (expected at most " +
                     std::to_string(kMaxTitrationSteps) + " before the arm's dose)");
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const std::string& p = parts[k];
    const std::string where = "options.titration: step " + std::to_string(k + 1) + " ('" + p + "'): ";
    const std::string form = " (expected DOSEmg FROM-TOd or FROM-TOw, e.g. '1.5mg 0-7d')";
    std::size_t i = 0;
    TitrationStep s;
    s.dose_mg = number_at(p, i);
    while (i < p.size() && p[i] == ' ') ++i;
    if (!std::isfinite(s.dose_mg) || p.compare(i, 2, "mg") != 0) throw InputError(where + "no dose in mg" + form);
    i += 2;
    s.from_day = number_at(p, i);
    if (!std::isfinite(s.from_day) || i >= p.size() || p[i] != '-') throw InputError(where + "no FROM-TO range" + form);
    ++i;
    s.to_day = number_at(p, i);
    while (i < p.size() && p[i] == ' ') ++i;
    const std::string unit = p.substr(std::min(i, p.size()));
    double scale = 0;
    if (unit == "d") scale = 1;
    else if (unit == "w") scale = 7;
    if (!std::isfinite(s.to_day) || scale == 0) throw InputError(where + "no time unit d or w after the range" + form);
    s.from_day *= scale;
    s.to_day *= scale;
    if (!(s.dose_mg > 0) || s.dose_mg > 1000)
      throw InputError(where + "dose " + format_number(s.dose_mg) + " mg (expected more than 0 and at most 1000 mg)");
    if (!(s.to_day > s.from_day) || s.from_day < 0 || s.to_day > 36525)
      throw InputError(where + "days " + format_number(s.from_day) + " to " + format_number(s.to_day) +
                       " (expected 0 <= FROM < TO <= 36525)");
    if (k == 0 && s.from_day != 0)
      throw InputError(where + "starts on day " + format_number(s.from_day) + " (expected the first step to start on day 0)");
    if (k > 0) {
      const TitrationStep& prev = steps.back();
      if (s.from_day < prev.to_day)
        throw InputError(where + "overlaps step " + std::to_string(k) + ", which runs to day " + format_number(prev.to_day) +
                         " (expected it to start on day " + format_number(prev.to_day) + ")");
      if (s.from_day > prev.to_day)
        throw InputError(where + "leaves a gap after step " + std::to_string(k) + ", which ends on day " +
                         format_number(prev.to_day) + " (expected it to start on day " + format_number(prev.to_day) + ")");
    }
    steps.push_back(s);
  }
  return steps;
}

std::vector<double> titration_covariates(const std::vector<TitrationStep>& steps, double target_mg) {
  std::vector<double> v(2 * kMaxTitrationSteps, 0.0);
  for (std::size_t k = 0; k < kMaxTitrationSteps; ++k) v[kMaxTitrationSteps + k] = 1;
  for (std::size_t k = 0; k < steps.size() && k < kMaxTitrationSteps; ++k) {
    v[k] = steps[k].to_day;
    v[kMaxTitrationSteps + k] = target_mg > 0 ? steps[k].dose_mg / target_mg : 0;
  }
  // unused later steps end where the last one ends (the model's chain of ifs stays monotone)
  for (std::size_t k = steps.size(); k < kMaxTitrationSteps && !steps.empty(); ++k) v[k] = steps.back().to_day;
  return v;
}

}  // namespace ldnsim::science
