// Reading a trial spec's [[endpoints]]: the measure, its type, responder and progression
// rules, and the analysis (one that fits the design and the endpoint type; docs/trials.md).
#include <cmath>
#include <filesystem>
#include <set>

#include "ldnsim/core/format.hpp"
#include "ldnsim/core/policy.hpp"
#include "ldnsim/core/text.hpp"
#include "spec_parser.hpp"

namespace ldnsim::trial::spec_detail {

void Parser::endpoints() {
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

}  // namespace ldnsim::trial::spec_detail
