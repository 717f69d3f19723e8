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
#include "spec_reader.hpp"

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

namespace {

struct AnalysisInfo {
  Analysis analysis;
  const char* name;
  std::vector<EndpointType> types;
  std::vector<Design> designs;
};

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

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

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

namespace {

std::string resolve(const std::string& dir, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || dir.empty()) return path.lexically_normal().string();
  return (std::filesystem::path(dir) / path).lexically_normal().string();
}

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

  void trial() {
    const toml::table* t = r.table(root, "", "trial");
    if (!t) r.fail(root.source(), "trial", "missing (expected a [trial] table with design, model and population)");
    r.check_keys(*t, "trial", {"name", "title", "design", "model", "population", "time_unit", "alpha", "seed", "citation", "description"});
    s.name = r.string(*t, "trial", "name").value_or(std::filesystem::path(s.file).stem().string());
    s.title = r.string(*t, "trial", "title").value_or(s.name);
    s.citation = r.string(*t, "trial", "citation").value_or("");
    auto design = r.string(*t, "trial", "design");
    if (!design) missing(*t, "trial.design", "parallel, crossover, single-arm or retrospective");
    if (*design == "parallel") s.design = Design::Parallel;
    else if (*design == "crossover") s.design = Design::Crossover;
    else if (*design == "single-arm") s.design = Design::SingleArm;
    else if (*design == "retrospective") s.design = Design::Retrospective;
    else r.fail(*t->get("design"), "trial.design", "'" + printable(*design, 60) + "' is not a design (expected parallel, crossover, single-arm or retrospective)");
    auto model = r.string(*t, "trial", "model");
    if (!model) missing(*t, "trial.model", "the path of the clinical model (.ldn), relative to this file");
    s.model_path = resolve(s.dir, *model);
    auto pop = r.string(*t, "trial", "population");
    if (!pop) missing(*t, "trial.population", "the path of the population spec (.toml), relative to this file");
    s.population_path = resolve(s.dir, *pop);
    std::string unit = r.string(*t, "trial", "time_unit").value_or("day");
    if (unit == "day") s.time_scale = 1;
    else if (unit == "hour") s.time_scale = 24;
    else r.fail(*t->get("time_unit"), "trial.time_unit", "'" + unit + "' is not a time unit (expected day or hour)");
    if (auto a = r.number(*t, "trial", "alpha")) {
      if (!(*a > 0 && *a < 1)) r.fail(*t->get("alpha"), "trial.alpha", "expected a significance level between 0 and 1, found " + format_number(*a));
      s.alpha = *a;
    }
    if (auto seed = r.integer(*t, "trial", "seed")) {
      if (*seed < 0) r.fail(*t->get("seed"), "trial.seed", "expected a seed of 0 or more");
      s.seed = static_cast<std::uint64_t>(*seed);
    }
  }

  void arms() {
    const toml::array* a = r.array(root, "", "arms");
    if (!a || a->empty()) r.fail(root.source(), "arms", "missing (expected at least one [[arms]] table)");
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string path = index_key("arms", i);
      const toml::table* t = a->get(i)->as_table();
      if (!t) r.fail(*a->get(i), path, "expected a table ([[arms]])");
      r.check_keys(*t, path, {"name", "driver", "placebo", "dose_mg", "time_of_day", "interval", "adherence", "covariates", "options", "description"});
      ArmRegimen g;
      auto name = r.string(*t, path, "name");
      if (!name || name->empty()) missing(*t, join_key(path, "name"), "a name for the arm, e.g. \"LDN\"");
      g.name = *name;
      if (arm_index(g.name) >= 0) r.fail(*t->get("name"), join_key(path, "name"), "a second arm named '" + g.name + "' (expected unique names)");
      g.driver = r.string(*t, path, "driver").value_or("constant");
      g.placebo = r.boolean(*t, path, "placebo").value_or(false);
      if (auto d = r.number(*t, path, "dose_mg")) {
        if (*d < 0 || *d > policy::kMaxDoseMg)
          r.fail(*t->get("dose_mg"), join_key(path, "dose_mg"),
                 "expected a dose in mg in [0, " + format_number(policy::kMaxDoseMg) + "], found " + format_number(*d));
        g.dose_mg = *d;
      }
      if (auto c = r.string(*t, path, "time_of_day")) {
        try {
          g.clock_h = parse_time_of_day(*c);
        } catch (const InputError& e) {
          r.fail(*t->get("time_of_day"), join_key(path, "time_of_day"), e.what());
        }
      }
      if (auto iv = r.duration(*t, path, "interval")) {
        if (!(*iv > 0)) r.fail(*t->get("interval"), join_key(path, "interval"), "expected a dosing interval above 0");
        g.interval_h = *iv * 24;
      }
      if (auto ad = r.number(*t, path, "adherence")) {
        if (!(*ad > 0 && *ad <= 1)) r.fail(*t->get("adherence"), join_key(path, "adherence"), "expected a fraction of doses taken in (0, 1], found " + format_number(*ad));
        g.adherence = *ad;
      }
      if (const toml::table* c = r.table(*t, path, "covariates")) {
        for (auto&& [k, v] : *c) {
          const std::string key = join_key(join_key(path, "covariates"), k.str());
          g.covariates.emplace_back(std::string(k.str()), r.as_number(v, key));
        }
      }
      if (const toml::table* o = r.table(*t, path, "options")) {
        for (auto&& [k, v] : *o) {
          const std::string key = join_key(join_key(path, "options"), k.str());
          if (v.is_string()) g.strings[std::string(k.str())] = r.as_string(v, key);
          else if (v.is_number()) g.numbers[std::string(k.str())] = r.as_number(v, key);
          else if (auto b = v.as_boolean()) g.numbers[std::string(k.str())] = b->get() ? 1 : 0;
          else r.fail(v, key, "expected a number, string or boolean");
        }
      }
      s.arms.push_back(std::move(g));
    }
    const std::size_t n = s.arms.size();
    auto count_error = [&](const std::string& expected) {
      r.fail(a->source(), "arms", "design " + std::string(to_string(s.design)) + " has " + std::to_string(n) + " arm" +
                                      (n == 1 ? "" : "s") + " (expected " + expected + ")");
    };
    switch (s.design) {
      case Design::Parallel: if (n < 2) count_error("2 or more"); break;
      case Design::Crossover: if (n != 2) count_error("exactly 2, one per treatment of the AB/BA crossover"); break;
      case Design::SingleArm: case Design::Retrospective: if (n != 1) count_error("exactly 1"); break;
    }
    for (std::size_t i = 0; i < n; ++i)
      if (s.arms[i].placebo) {
        if (s.control >= 0 && s.design != Design::Parallel)
          r.fail(a->get(i)->source(), index_key("arms", i), "a second placebo arm (expected one control arm)");
        if (s.control < 0) s.control = static_cast<int>(i);
      }
    // Two arms both marked placebo: the first would be the control and the second, a placebo
    // too, the "treatment", so every estimate came out with its sign flipped.
    if (n == 2 && s.arms[0].placebo && s.arms[1].placebo)
      r.fail(a->get(1)->as_table()->get("placebo")->source(), index_key("arms", 1) + ".placebo",
             "both arms are marked placebo = true, so neither is the treatment (expected placebo = true on the "
             "control arm only)");
    if ((s.design == Design::SingleArm || s.design == Design::Retrospective) && s.control >= 0)
      r.fail(a->get(0)->source(), "arms[0].placebo", "a " + std::string(to_string(s.design)) + " design has no placebo arm (expected placebo = false)");
  }

  void enrollment() {
    const toml::table* t = r.table(root, "", "enrollment");
    if (!t) r.fail(root.source(), "enrollment", "missing (expected an [enrollment] table with n)");
    r.check_keys(*t, "enrollment", {"n", "allocation", "block_size", "stratify"});
    auto n = r.integer(*t, "enrollment", "n");
    if (!n) missing(*t, "enrollment.n", "the number of subjects, a whole number above 0");
    if (*n <= 0) r.fail(*t->get("n"), "enrollment.n", "expected a sample size above 0, found " + std::to_string(*n));
    if (*n > 10000000) r.fail(*t->get("n"), "enrollment.n", "expected at most 10,000,000 subjects");
    s.n = static_cast<long>(*n);
    const std::size_t groups = s.design == Design::Crossover ? 2 : s.arms.size();
    s.allocation.assign(groups, 1.0);
    if (const toml::array* a = r.array(*t, "enrollment", "allocation")) {
      if (s.design == Design::SingleArm || s.design == Design::Retrospective)
        r.fail(*a, "enrollment.allocation", "a " + std::string(to_string(s.design)) + " design has no allocation");
      if (a->size() != groups)
        r.fail(*a, "enrollment.allocation", "expected " + std::to_string(groups) + " ratios, one per " +
                                                (s.design == Design::Crossover ? "sequence" : "arm") + ", found " + std::to_string(a->size()));
      for (std::size_t i = 0; i < groups; ++i) {
        double v = r.as_number(*a->get(i), index_key("enrollment.allocation", i));
        if (!(v > 0)) r.fail(*a->get(i), index_key("enrollment.allocation", i), "expected a ratio above 0");
        s.allocation[i] = v;
      }
    }
    bool whole = true;
    double total = 0;
    for (double v : s.allocation) {
      whole = whole && std::floor(v) == v;
      total += v;
    }
    s.block_size = whole ? static_cast<int>(2 * total) : 0;
    if (groups == 1) s.block_size = 0;
    if (auto b = r.integer(*t, "enrollment", "block_size")) {
      if (*b < 0) r.fail(*t->get("block_size"), "enrollment.block_size", "expected 0 (simple randomisation) or a block size");
      // A block is allocated whole (2e9 ran out of memory; above 2^31 it wrapped to a small one).
      if (*b > 10000)
        r.fail(*t->get("block_size"), "enrollment.block_size", "expected a block size of at most 10000, found " + std::to_string(*b));
      if (*b > 0 && (!whole || static_cast<long long>(std::llround(total)) == 0 || *b % std::llround(total) != 0))
        r.fail(*t->get("block_size"), "enrollment.block_size",
               "expected a multiple of the sum of the allocation ratios (" + format_number(total) + "), with whole ratios");
      s.block_size = static_cast<int>(*b);
    }
    if (const toml::array* a = r.array(*t, "enrollment", "stratify")) {
      for (std::size_t i = 0; i < a->size(); ++i) s.stratify.push_back(r.as_string(*a->get(i), index_key("enrollment.stratify", i)));
    }
  }

  void crossover() {
    const toml::table* t = r.table(root, "", "crossover");
    if (s.design != Design::Crossover) {
      if (t) r.fail(*root.get("crossover"), "crossover", "only for design crossover (this trial is " + std::string(to_string(s.design)) + ")");
      return;
    }
    if (!t) r.fail(root.source(), "crossover", "missing (a crossover needs [crossover] with period and washout)");
    r.check_keys(*t, "crossover", {"period", "washout", "sequences", "washout_covariates"});
    auto period = r.duration(*t, "crossover", "period");
    if (!period) missing(*t, "crossover.period", "the length of each treatment period, e.g. \"8w\"");
    if (!(*period > 0)) r.fail(*t->get("period"), "crossover.period", "expected a period above 0");
    auto washout = r.duration(*t, "crossover", "washout");
    if (!washout) missing(*t, "crossover.washout", "a washout between the periods, e.g. \"1w\" (\"0d\" for none)");
    check_length(*t->get("period"), "crossover.period", *period);
    check_length(*t->get("washout"), "crossover.washout", *washout);
    s.period = *period;
    s.washout = *washout;
    s.duration = 2 * s.period + s.washout;
    int treat = s.control == 1 ? 0 : (s.control == 0 ? 1 : 0);
    int ctrl = 1 - treat;
    s.sequences = {{{treat, ctrl}, {ctrl, treat}}};
    if (const toml::array* a = r.array(*t, "crossover", "sequences")) {
      if (a->size() != 2) r.fail(*a, "crossover.sequences", "expected two sequences, e.g. [[\"LDN\", \"placebo\"], [\"placebo\", \"LDN\"]]");
      for (std::size_t q = 0; q < 2; ++q) {
        const std::string key = index_key("crossover.sequences", q);
        const toml::array* sq = a->get(q)->as_array();
        if (!sq || sq->size() != 2) r.fail(*a->get(q), key, "expected two arm names, one per period");
        for (std::size_t p = 0; p < 2; ++p) s.sequences[q][p] = require_arm(*sq->get(p), index_key(key, p));
        if (s.sequences[q][0] == s.sequences[q][1]) r.fail(*sq, key, "expected both arms, one in each period");
      }
      if (s.sequences[0][0] == s.sequences[1][0]) r.fail(*a, "crossover.sequences", "expected the two sequences to start with different arms (AB/BA)");
    }
    if (const toml::table* c = r.table(*t, "crossover", "washout_covariates")) {
      for (auto&& [k, v] : *c)
        s.washout_covariates.emplace_back(std::string(k.str()), r.as_number(v, join_key("crossover.washout_covariates", k.str())));
    }
  }

  void retrospective() {
    const toml::table* t = r.table(root, "", "retrospective");
    if (s.design != Design::Retrospective) {
      if (t) r.fail(*root.get("retrospective"), "retrospective", "only for design retrospective (this trial is " + std::string(to_string(s.design)) + ")");
      return;
    }
    if (!t) r.fail(root.source(), "retrospective", "missing (a retrospective design needs [retrospective] with follow_up and visit_every)");
    r.check_keys(*t, "retrospective", {"follow_up", "min_follow_up", "visit_every", "charted"});
    const toml::node* f = t->get("follow_up");
    if (!f) missing(*t, "retrospective.follow_up", "the follow-up per chart: a duration or a distribution table in days");
    if (const toml::table* ft = f->as_table()) {
      s.follow_up = detail::read_marginal(r, *ft, "retrospective.follow_up", nullptr);
      if (std::isinf(s.follow_up.max) && s.follow_up.kind != Marginal::Kind::Constant &&
          s.follow_up.kind != Marginal::Kind::Categorical && s.follow_up.kind != Marginal::Kind::Bernoulli)
        r.fail(*ft, "retrospective.follow_up", "expected a max (days): every chart's follow-up must end");
      if (s.follow_up.kind == Marginal::Kind::Bernoulli) r.fail(*ft, "retrospective.follow_up", "expected a distribution of days, not bernoulli");
    } else {
      s.follow_up.kind = Marginal::Kind::Constant;
      s.follow_up.a = r.as_duration(*f, "retrospective.follow_up");
    }
    double top = s.follow_up.kind == Marginal::Kind::Constant ? s.follow_up.a
                 : s.follow_up.kind == Marginal::Kind::Categorical ? *std::max_element(s.follow_up.values.begin(), s.follow_up.values.end())
                                                                   : s.follow_up.max;
    if (!(top > 0)) r.fail(*f, "retrospective.follow_up", "expected follow-up above 0 days");
    check_length(*f, "retrospective.follow_up", top);
    s.duration = top;
    s.min_follow_up = r.duration(*t, "retrospective", "min_follow_up").value_or(0);
    if (s.min_follow_up >= top) r.fail(*t->get("min_follow_up"), "retrospective.min_follow_up", "expected less than the longest follow-up (" + format_number(top) + " days)");
    auto ve = r.duration(*t, "retrospective", "visit_every");
    if (!ve) missing(*t, "retrospective.visit_every", "the interval between charted clinic visits, e.g. \"6mo\"");
    if (!(*ve > 0)) r.fail(*t->get("visit_every"), "retrospective.visit_every", "expected an interval above 0");
    check_visits(*t->get("visit_every"), "retrospective.visit_every", *ve, top);
    s.visit_every = *ve;
    s.charted = probability(*t, "retrospective", "charted", 1);
    if (s.charted == 0) r.fail(*t->get("charted"), "retrospective.charted", "expected a probability above 0 (nothing would be charted)");
  }

  void schedule() {
    const toml::table* t = r.table(root, "", "schedule");
    if (t) r.check_keys(*t, "schedule", {"duration", "every", "visits"});
    if (s.design == Design::Parallel || s.design == Design::SingleArm) {
      auto d = t ? r.duration(*t, "schedule", "duration") : std::nullopt;
      if (!d) r.fail(t ? t->source() : root.source(), "schedule.duration", "missing (expected the study length, e.g. \"24w\")");
      if (!(*d > 0)) r.fail(*t->get("duration"), "schedule.duration", "expected a study length above 0");
      check_length(*t->get("duration"), "schedule.duration", *d);
      s.duration = *d;
    } else if (t && t->get("duration")) {
      r.fail(*t->get("duration"), "schedule.duration",
             std::string("not for design ") + to_string(s.design) +
                 (s.design == Design::Crossover ? " (the length is 2 periods + washout)" : " (the length is the follow-up)"));
    }
    if (!t) return;
    if (auto e = r.duration(*t, "schedule", "every")) {
      if (!(*e > 0)) r.fail(*t->get("every"), "schedule.every", "expected an interval above 0");
      if (s.design == Design::Retrospective) r.fail(*t->get("every"), "schedule.every", "not for design retrospective (use retrospective.visit_every)");
      check_visits(*t->get("every"), "schedule.every", *e, s.duration);
      s.every = *e;
    }
    if (const toml::array* a = r.array(*t, "schedule", "visits")) {
      if (static_cast<double>(a->size()) > kMaxVisits)
        r.fail(*a, "schedule.visits", std::to_string(a->size()) + " visits (expected at most 100000 per subject)");
      for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string key = index_key("schedule.visits", i);
        double v = r.as_duration(*a->get(i), key);
        if (v > s.duration + 1e-9)
          r.fail(*a->get(i), key, "a visit at day " + format_number(v) + " is after the end of the study (day " + format_number(s.duration) + ")");
        s.visits.push_back(v);
      }
    }
  }

  void dropout() {
    const toml::table* t = r.table(root, "", "dropout");
    if (!t) return;
    r.check_keys(*t, "dropout", {"output", "fraction", "by"});
    s.dropout_output = r.string(*t, "dropout", "output").value_or("");
    s.dropout_fraction = probability(*t, "dropout", "fraction", 0, false);
    if (auto by = r.duration(*t, "dropout", "by")) {
      if (!(*by > 0)) r.fail(*t->get("by"), "dropout.by", "expected a time above 0");
      s.dropout_by = *by;
    }
    if (s.dropout_fraction > 0 && s.dropout_by == 0) missing(*t, "dropout.by", "the time by which `fraction` has withdrawn, e.g. \"8w\"");
  }

  void data_loss() {
    const toml::table* t = r.table(root, "", "data_loss");
    if (!t) return;
    r.check_keys(*t, "data_loss", {"subjects", "fraction", "visits"});
    if (auto n = r.integer(*t, "data_loss", "subjects")) {
      if (*n < 0 || *n >= s.n)
        r.fail(*t->get("subjects"), "data_loss.subjects", "expected a count in 0.." + std::to_string(s.n - 1) + " (fewer than enrollment.n), found " + std::to_string(*n));
      s.lost_subjects = static_cast<long>(*n);
    }
    s.lost_fraction = probability(*t, "data_loss", "fraction", 0, false);
    s.lost_visit_fraction = probability(*t, "data_loss", "visits", 0, false);
  }

  void endpoints() {
    const toml::array* a = r.array(root, "", "endpoints");
    if (!a || a->empty()) r.fail(root.source(), "endpoints", "missing (expected at least one [[endpoints]] table)");
    std::set<std::string> names;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string path = index_key("endpoints", i);
      const toml::table* t = a->get(i)->as_table();
      if (!t) r.fail(*a->get(i), path, "expected a table ([[endpoints]])");
      r.check_keys(*t, path, {"name", "output", "event", "label", "type", "measure", "baseline", "time", "responder", "analysis",
                              "compare", "alternative", "p0", "distribution", "confirm", "increase", "increase_high",
                              "cutoff", "primary", "published"});
      EndpointSpec e;
      e.key = path;
      auto out = r.string(*t, path, "output");
      auto ev = r.string(*t, path, "event");
      if (ev && out) r.fail(*t->get("event"), join_key(path, "event"), "give either output or event, not both");
      if (ev) {
        if (ev->empty()) r.fail(*t->get("event"), join_key(path, "event"), "expected the name of a model event");
        e.event = *ev;
      } else if (!out || out->empty()) {
        missing(*t, join_key(path, "output"), "the model output the endpoint reads, e.g. \"MCS\"");
      } else {
        e.output = *out;
      }
      std::string name = r.string(*t, path, "name").value_or(ev ? e.event : e.output);
      e.label = r.string(*t, path, "label").value_or(name);
      std::string type = r.string(*t, path, "type").value_or("continuous");
      if (type == "continuous") e.type = EndpointType::Continuous;
      else if (type == "responder") e.type = EndpointType::Responder;
      else if (type == "count") e.type = EndpointType::Count;
      else if (type == "progression") e.type = EndpointType::Progression;
      else r.fail(*t->get("type"), join_key(path, "type"), "'" + type + "' is not an endpoint type (expected continuous, responder, count or progression)");
      if (!e.event.empty() && e.type != EndpointType::Count)
        r.fail(*t->get("event"), join_key(path, "event"), "only count endpoints count events (expected type = \"count\", or an output)");
      const bool scored = e.type == EndpointType::Continuous || e.type == EndpointType::Responder;
      auto only = [&](std::string_view key, bool allowed, const std::string& why) {
        if (t->get(key) && !allowed) r.fail(*t->get(key), join_key(path, key), "not for this endpoint (" + why + ")");
      };
      only("measure", scored, "only continuous and responder endpoints have a measure");
      only("responder", e.type == EndpointType::Responder, "only for type = \"responder\"");
      only("baseline", s.design == Design::Crossover, "only for crossover designs");
      only("confirm", e.type == EndpointType::Progression, "only for type = \"progression\"");
      only("increase", e.type == EndpointType::Progression, "only for type = \"progression\"");
      only("increase_high", e.type == EndpointType::Progression, "only for type = \"progression\"");
      only("cutoff", e.type == EndpointType::Progression, "only for type = \"progression\"");
      only("compare", s.design == Design::Parallel, "only for parallel designs");
      if (auto m = r.string(*t, path, "measure")) {
        if (*m == "value") e.measure = Measure::Value;
        else if (*m == "change") e.measure = Measure::Change;
        else r.fail(*t->get("measure"), join_key(path, "measure"), "'" + printable(*m, 60) + "' is not a measure (expected value or change)");
      }
      if (auto b = r.string(*t, path, "baseline")) {
        if (*b == "period") e.period_baseline = true;
        else if (*b == "study") e.period_baseline = false;
        else r.fail(*t->get("baseline"), join_key(path, "baseline"), "'" + printable(*b, 60) + "' is not a baseline (expected period or study)");
      }
      if (e.type == EndpointType::Responder) {
        const toml::table* rt = r.table(*t, path, "responder");
        const std::string rp = join_key(path, "responder");
        if (!rt) missing(*t, rp, "{ at_least = X } or { at_most = X } on the measure");
        r.check_keys(*rt, rp, {"at_least", "at_most"});
        e.at_least = r.number(*rt, rp, "at_least");
        e.at_most = r.number(*rt, rp, "at_most");
        if (e.at_least.has_value() == e.at_most.has_value()) r.fail(*rt, rp, "expected exactly one of at_least and at_most");
      }
      if (e.type == EndpointType::Progression) {
        if (auto c = r.duration(*t, path, "confirm")) {
          if (!(*c > 0)) r.fail(*t->get("confirm"), join_key(path, "confirm"), "expected a confirmation interval above 0");
          e.confirm = *c;
        }
        if (auto v = r.number(*t, path, "increase")) e.increase = *v;
        if (auto v = r.number(*t, path, "increase_high")) e.increase_high = *v;
        if (auto v = r.number(*t, path, "cutoff")) e.cutoff = *v;
        if (!(e.increase > 0)) r.fail(*t->get("increase"), join_key(path, "increase"), "expected a rise above 0");
        if (!(e.increase_high > 0)) r.fail(*t->get("increase_high"), join_key(path, "increase_high"), "expected a rise above 0");
        if (s.design != Design::Retrospective && s.every == 0)
          r.fail(t->get("output") ? t->get("output")->source() : t->source(), join_key(path, "type"),
                 "confirmed progression needs regular visits (expected schedule.every, e.g. \"12w\")");
      }
      // analysis
      auto an = r.string(*t, path, "analysis");
      if (!an) missing(*t, join_key(path, "analysis"), "one of: " + fitting_analyses(s.design, e.type));
      bool found = false;
      for (const auto& info : analyses())
        if (*an == info.name) {
          e.analysis = info.analysis;
          found = true;
        }
      if (!found) {
        std::vector<std::string> all;
        for (const auto& info : analyses()) all.emplace_back(info.name);
        std::string sug = detail::closest(*an, all);
        r.fail(*t->get("analysis"), join_key(path, "analysis"),
               "'" + printable(*an, 60) + "' is not an analysis" + (sug.empty() ? "" : " (did you mean '" + sug + "'?)") +
                   "; for a " + type + " endpoint of a " + to_string(s.design) + " trial expected one of: " + fitting_analyses(s.design, e.type));
      }
      if (!analysis_fits(e.analysis, s.design, e.type))
        r.fail(*t->get("analysis"), join_key(path, "analysis"),
               "'" + printable(*an, 60) + "' does not fit a " + type + " endpoint of a " + to_string(s.design) +
                   " trial (expected one of: " + fitting_analyses(s.design, e.type) + ")");
      only("p0", e.analysis == Analysis::Proportion, "only for analysis = \"proportion\"");
      only("distribution", e.analysis == Analysis::RateRatio, "only for analysis = \"rate_ratio\"");
      if (auto p0 = r.number(*t, path, "p0")) {
        if (!(*p0 > 0 && *p0 < 1)) r.fail(*t->get("p0"), join_key(path, "p0"), "expected a null proportion in (0, 1)");
        e.p0 = *p0;
      }
      if (auto d = r.string(*t, path, "distribution")) {
        if (*d == "poisson") e.negative_binomial = false;
        else if (*d == "negative_binomial") e.negative_binomial = true;
        else r.fail(*t->get("distribution"), join_key(path, "distribution"), "'" + printable(*d, 60) + "' (expected poisson or negative_binomial)");
      }
      if (auto alt = r.string(*t, path, "alternative")) {
        if (*alt == "two-sided" || *alt == "two_sided") e.alternative = stats::Alternative::TwoSided;
        else if (*alt == "less") e.alternative = stats::Alternative::Less;
        else if (*alt == "greater") e.alternative = stats::Alternative::Greater;
        else r.fail(*t->get("alternative"), join_key(path, "alternative"), "'" + printable(*alt, 60) + "' (expected two-sided, less or greater)");
      }
      if (e.alternative != stats::Alternative::TwoSided) {
        static const Analysis kOneSided[] = {Analysis::PairedT, Analysis::StudentT, Analysis::WelchT, Analysis::Mean,
                                             Analysis::WilcoxonSignedRank, Analysis::WilcoxonRankSum, Analysis::Proportion,
                                             Analysis::TwoProportions, Analysis::FisherExact};
        if (std::find(std::begin(kOneSided), std::end(kOneSided), e.analysis) == std::end(kOneSided))
          r.fail(*t->get("alternative"), join_key(path, "alternative"),
                 "analysis " + *an + " is two-sided only (expected two-sided)");
      }
      e.primary = r.boolean(*t, path, "primary").value_or(false);
      if (const toml::table* pub = r.table(*t, path, "published")) {
        const std::string pp = join_key(path, "published");
        r.check_keys(*pub, pp, {"estimate", "lower", "upper", "p_value"});
        e.published.estimate = r.number(*pub, pp, "estimate");
        e.published.lower = r.number(*pub, pp, "lower");
        e.published.upper = r.number(*pub, pp, "upper");
        e.published.p_value = r.number(*pub, pp, "p_value");
      }
      // groups
      if (s.design == Design::Parallel) {
        if (const toml::array* c = r.array(*t, path, "compare")) {
          if (c->size() != 2) r.fail(*c, join_key(path, "compare"), "expected [treatment, control] arm names");
          e.treatment = require_arm(*c->get(0), join_key(path, "compare") + "[0]");
          e.control = require_arm(*c->get(1), join_key(path, "compare") + "[1]");
          if (e.treatment == e.control) r.fail(*c, join_key(path, "compare"), "expected two different arms");
          if (s.arms[static_cast<std::size_t>(e.treatment)].placebo && !s.arms[static_cast<std::size_t>(e.control)].placebo)
            r.fail(*c, join_key(path, "compare"),
                   "'" + s.arms[static_cast<std::size_t>(e.treatment)].name + "' is a placebo arm and '" +
                       s.arms[static_cast<std::size_t>(e.control)].name +
                       "' is not: the estimate would be placebo minus treatment (expected [treatment, control])");
        } else if (s.control >= 0 && s.arms.size() == 2) {
          e.control = s.control;
          e.treatment = 1 - s.control;
        } else {
          r.fail(t->source(), join_key(path, "compare"),
                 s.control < 0 ? "missing: no arm has placebo = true (expected compare = [treatment, control])"
                               : "missing: with more than two arms each endpoint names compare = [treatment, control]");
        }
      } else if (s.design == Design::Crossover) {
        e.control = s.control >= 0 ? s.control : 1;
        e.treatment = 1 - e.control;
      } else {
        e.treatment = 0;
        e.control = -1;
      }
      // times
      const bool two_sample_crossover =
          s.design == Design::Crossover && (e.analysis == Analysis::StudentT || e.analysis == Analysis::WelchT ||
                                            e.analysis == Analysis::WilcoxonRankSum);
      const bool whole_follow_up = e.type == EndpointType::Count || e.type == EndpointType::Progression;
      const double horizon = s.design == Design::Crossover && !two_sample_crossover ? s.period : s.duration;
      std::vector<double> times;
      std::vector<std::string> labels;
      bool last = false;
      if (const toml::node* tn = t->get("time")) {
        const std::string tk = join_key(path, "time");
        if (whole_follow_up) r.fail(*tn, tk, "not for " + type + " endpoints (they use the whole follow-up)");
        auto one = [&](const toml::node& n, const std::string& key) {
          if (n.is_string() && n.as_string()->get() == "last") {
            if (s.design != Design::Retrospective) r.fail(n, key, "\"last\" is only for retrospective designs (expected a duration)");
            last = true;
            labels.push_back("last");
            times.push_back(s.duration);
            return;
          }
          double v = r.as_duration(n, key);
          if (!(v > 0)) r.fail(n, key, "expected a time after baseline (above 0)");
          if (v > horizon + 1e-9)
            r.fail(n, key, "day " + format_number(v) + " is after the end of the " +
                               (horizon == s.period && s.design == Design::Crossover ? "period" : "study") +
                               " (day " + format_number(horizon) + ")");
          times.push_back(v);
          labels.push_back(n.is_string() ? n.as_string()->get() : format_number(v) + "d");
        };
        if (const toml::array* ta = tn->as_array()) {
          if (ta->empty()) r.fail(*ta, tk, "expected at least one time");
          for (std::size_t k = 0; k < ta->size(); ++k) one(*ta->get(k), index_key(tk, k));
        } else {
          one(*tn, tk);
        }
        e.time_given = true;
      } else {
        if (s.design == Design::Retrospective && !whole_follow_up) {
          last = true;
          times.push_back(s.duration);
          labels.push_back("last");
        } else {
          times.push_back(horizon);
          labels.push_back("");
        }
      }
      for (std::size_t k = 0; k < times.size(); ++k) {
        EndpointSpec x = e;
        x.time = times[k];
        x.time_last = last && labels[k] == "last";
        x.name = times.size() > 1 ? name + "@" + labels[k] : name;
        if (!names.insert(x.name).second)
          r.fail(t->get("name") ? t->get("name")->source() : t->source(), join_key(path, "name"),
                 "a second endpoint named '" + x.name + "' (expected unique names)");
        s.endpoints.push_back(std::move(x));
      }
    }
  }
};

}  // namespace

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
