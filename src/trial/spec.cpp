#include "ldnsim/trial/spec.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include "ldnsim/core/format.hpp"
#include "ldnsim/core/policy.hpp"
#include "ldnsim/core/files.hpp"
#include "ldnsim/core/text.hpp"
#include "spec_parser.hpp"

namespace ldnsim::trial {

using detail::index_key;
using detail::join_key;
using detail::TomlReader;

const char* to_string(Design d) {
  switch (d) {
    case Design::Parallel: return "parallel";
    case Design::Crossover: return "crossover";
    case Design::SingleArm: return "single-arm";
    case Design::Retrospective: return "retrospective";
  }
  return "?";
}

const char* to_string(EndpointType t) {
  switch (t) {
    case EndpointType::Continuous: return "continuous";
    case EndpointType::Responder: return "responder";
    case EndpointType::Count: return "count";
    case EndpointType::Progression: return "progression";
  }
  return "?";
}

namespace spec_detail {

const std::vector<AnalysisInfo>& analyses() {
  using D = Design;
  using T = EndpointType;
  static const std::vector<AnalysisInfo> k = {
      {Analysis::PairedT, "paired_t", {T::Continuous}, {D::SingleArm, D::Retrospective, D::Crossover}},
      {Analysis::StudentT, "student_t", {T::Continuous}, {D::Parallel, D::Crossover}},
      {Analysis::WelchT, "welch_t", {T::Continuous}, {D::Parallel, D::Crossover}},
      {Analysis::Ancova, "ancova", {T::Continuous}, {D::Parallel}},
      {Analysis::WilcoxonSignedRank, "wilcoxon_signed_rank", {T::Continuous}, {D::SingleArm, D::Retrospective, D::Crossover}},
      {Analysis::WilcoxonRankSum, "wilcoxon_rank_sum", {T::Continuous}, {D::Parallel, D::Crossover}},
      {Analysis::Crossover, "crossover", {T::Continuous}, {D::Crossover}},
      {Analysis::Mean, "mean", {T::Continuous}, {D::SingleArm, D::Retrospective}},
      {Analysis::Proportion, "proportion", {T::Responder, T::Progression}, {D::SingleArm, D::Retrospective}},
      {Analysis::TwoProportions, "two_proportions", {T::Responder}, {D::Parallel}},
      {Analysis::FisherExact, "fisher_exact", {T::Responder}, {D::Parallel}},
      {Analysis::McNemar, "mcnemar", {T::Responder}, {D::Crossover}},
      {Analysis::RateRatio, "rate_ratio", {T::Count}, {D::Parallel}},
      {Analysis::Rate, "rate", {T::Count}, {D::SingleArm, D::Retrospective}},
      {Analysis::Cox, "cox", {T::Progression}, {D::Parallel}},
      {Analysis::LogRank, "log_rank", {T::Progression}, {D::Parallel}},
  };
  return k;
}

std::string resolve(const std::string& dir, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || dir.empty()) return path.lexically_normal().string();
  return (std::filesystem::path(dir) / path).lexically_normal().string();
}

}  // namespace spec_detail

using spec_detail::analyses;
using spec_detail::contains;
using spec_detail::Parser;

const char* to_string(Analysis a) {
  for (const auto& i : analyses())
    if (i.analysis == a) return i.name;
  return "?";
}

bool analysis_fits(Analysis analysis, Design design, EndpointType type) {
  for (const auto& i : analyses())
    if (i.analysis == analysis) return contains(i.types, type) && contains(i.designs, design);
  return false;
}

std::string fitting_analyses(Design design, EndpointType type) {
  std::string s;
  for (const auto& i : analyses())
    if (contains(i.types, type) && contains(i.designs, design)) s += (s.empty() ? "" : ", ") + std::string(i.name);
  return s.empty() ? "none" : s;
}

double parse_duration_days(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  const std::string expected = "expected a duration such as \"8w\", \"56d\", \"6mo\", \"2y\" or \"36h\"";
  if (ec != std::errc() || !std::isfinite(v)) throw InputError("'" + printable(text, 60) + "' is not a duration (" + expected + ")");
  std::string_view unit(p, static_cast<std::size_t>(s.data() + s.size() - p));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  double f;
  if (unit == "d" || unit == "day" || unit == "days" || unit.empty()) f = 1;
  else if (unit == "w" || unit == "wk" || unit == "week" || unit == "weeks") f = 7;
  else if (unit == "mo" || unit == "month" || unit == "months") f = 365.25 / 12;
  else if (unit == "y" || unit == "yr" || unit == "year" || unit == "years") f = 365.25;
  else if (unit == "h" || unit == "hour" || unit == "hours") f = 1.0 / 24;
  else throw InputError("'" + printable(text, 60) + "': unknown unit '" + printable(unit, 20) + "' (" + expected + ")");
  if (v < 0) throw InputError("'" + printable(text, 60) + "': a duration cannot be negative");
  return v * f;
}

double parse_time_of_day(std::string_view text) {
  int h = -1, m = -1;
  auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    auto [p1, e1] = std::from_chars(text.data(), text.data() + colon, h);
    auto [p2, e2] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), m);
    if (e1 != std::errc() || e2 != std::errc() || p1 != text.data() + colon || p2 != text.data() + text.size()) h = -1;
  }
  if (h < 0 || h > 23 || m < 0 || m > 59)
    throw InputError("'" + printable(text, 60) + "' is not a time of day (expected HH:MM, e.g. \"22:00\")");
  return h + m / 60.0;
}

std::string TrialSpec::where(const std::string& key) const {
  // The key itself, else its closest parent with a known position.
  std::string k = key;
  while (true) {
    auto it = locations.find(k);
    if (it != locations.end()) return it->second.str() + ": " + key;
    auto dot = k.find_last_of(".[");
    if (dot == std::string::npos || dot == 0) break;
    k = k.substr(0, dot);
  }
  return file + ": " + key;
}

TrialSpec parse_trial_spec(std::string_view text, const std::string& file) {
  TrialSpec s;
  s.file = file;
  s.dir = std::filesystem::path(file).parent_path().string();
  TomlReader r(file, &s.locations);
  toml::table root = r.parse(text);
  r.check_keys(root, "", {"trial", "enrollment", "arms", "crossover", "schedule", "dropout", "data_loss", "endpoints", "retrospective"});
  Parser p{r, s, root};
  p.trial();
  p.arms();
  p.enrollment();
  p.crossover();
  p.retrospective();
  p.schedule();
  p.dropout();
  p.data_loss();
  p.endpoints();
  return s;
}

TrialSpec load_trial_spec(const std::string& path) { return parse_trial_spec(read_text_file(path, "trial spec"), path); }

}  // namespace ldnsim::trial
