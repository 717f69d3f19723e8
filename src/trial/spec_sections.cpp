// Reading a trial spec's sections: [trial], [[arms]], [enrollment], [crossover], [retrospective],
// [schedule], [dropout] and [data_loss] (docs/trials.md).
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>

#include "ldnsim/core/format.hpp"
#include "ldnsim/core/policy.hpp"
#include "ldnsim/core/text.hpp"
#include "spec_parser.hpp"

namespace ldnsim::trial::spec_detail {

void Parser::trial() {
  const toml::table* t = r.table(root, "", "trial");
  if (!t) r.fail(root.source(), "trial", "missing (expected a [trial] table with design, model and population)");
  r.check_keys(*t, "trial", {"name", "title", "design", "model", "population", "indication", "time_unit", "alpha", "seed", "citation",
                             "description"});
  s.name = r.string(*t, "trial", "name").value_or(std::filesystem::path(s.file).stem().string());
  s.indication = r.string(*t, "trial", "indication").value_or("");
  if (!s.indication.empty()) {
    bool word = s.indication.size() <= 40;
    for (char c : s.indication) word = word && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_');
    if (!word)
      r.fail(*t->get("indication"), "trial.indication",
             "'" + printable(s.indication, 60) + "' (expected a lower-case word such as ms, fibromyalgia, crohns)");
  }
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

void Parser::arms() {
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

void Parser::enrollment() {
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

void Parser::crossover() {
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

void Parser::retrospective() {
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

void Parser::schedule() {
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

void Parser::dropout() {
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

void Parser::data_loss() {
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

}  // namespace ldnsim::trial::spec_detail
