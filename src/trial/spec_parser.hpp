// Private to the trial-spec reader (src/trial/spec*.cpp), not a public header: the Parser
// that reads each section of a trial spec into a TrialSpec, the analyses each design and
// endpoint type admits, and the bounds a spec must keep. The public surface is
// include/ldnsim/trial/spec.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ldnsim/core/format.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/trial/spec.hpp"
#include "spec_reader.hpp"

namespace ldnsim::trial::spec_detail {

using detail::index_key;
using detail::join_key;
using detail::TomlReader;

struct AnalysisInfo {
  Analysis analysis;
  const char* name;
  std::vector<EndpointType> types;
  std::vector<Design> designs;
};

// Every analysis with the endpoint types and designs it fits.
const std::vector<AnalysisInfo>& analyses();

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// `p` relative to the folder `dir` (absolute paths as they are).
std::string resolve(const std::string& dir, const std::string& p);

// Bounds on what a spec may ask for, checked before anything is allocated or simulated.
constexpr double kMaxStudyDays = 100 * 365.25;  // a study, period or follow-up: 100 years
constexpr double kMaxVisits = 100000;           // regular visits per subject

struct Parser {
  TomlReader r;
  TrialSpec& s;
  const toml::table& root;

  void check_length(const toml::node& n, const std::string& key, double days) const {
    if (days > kMaxStudyDays)
      r.fail(n, key, format_number(days, 6) + " days is more than a study may last (expected at most 100 years, 36525 days)");
  }
  void check_visits(const toml::node& n, const std::string& key, double every, double days) const {
    const double count = std::floor(days / every);
    if (count > kMaxVisits)
      r.fail(n, key, "a visit every " + format_number(every, 6) + " days gives " + format_number(count, 6) +
                         " visits over the " + format_number(days, 6) +
                         " days of the study (expected at most 100000 visits per subject: a longer interval)");
  }

  int arm_index(const std::string& name) const {
    for (std::size_t i = 0; i < s.arms.size(); ++i)
      if (s.arms[i].name == name) return static_cast<int>(i);
    return -1;
  }
  std::string arm_list() const {
    std::string l;
    for (const auto& a : s.arms) l += (l.empty() ? "" : ", ") + a.name;
    return l;
  }
  int require_arm(const toml::node& n, const std::string& key) const {
    std::string name = r.as_string(n, key);
    int i = arm_index(name);
    if (i < 0) r.fail(n, key, "no arm is named '" + printable(name, 60) + "' (expected one of: " + arm_list() + ")");
    return i;
  }
  [[noreturn]] void missing(const toml::table& t, const std::string& key, const std::string& expected) const {
    r.fail(t.source(), key, "missing (expected " + expected + ")");
  }
  double probability(const toml::table& t, const std::string& path, std::string_view key, double dflt, bool allow_one = true) const {
    auto v = r.number(t, path, key);
    if (!v) return dflt;
    if (*v < 0 || *v > 1 || (!allow_one && *v == 1))
      r.fail(*t.get(key), join_key(path, key),
             std::string("expected a probability in [0, 1") + (allow_one ? "]" : ")") + ", found " + format_number(*v));
    return *v;
  }

  // One section of the spec each, in the order parse_trial_spec calls them
  // (spec_sections.cpp, spec_endpoints.cpp).
  void trial();
  void arms();
  void enrollment();
  void crossover();
  void retrospective();
  void schedule();
  void dropout();
  void data_loss();
  void endpoints();
};

}  // namespace ldnsim::trial::spec_detail
