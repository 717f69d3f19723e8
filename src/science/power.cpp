// ldnsim power: simulated power and assurance over sample sizes. See
// include/ldnsim/science/power.hpp and docs/power.md.
#include "ldnsim/science/power.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "ldnsim/core/argument_error.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/random.hpp"
#include "ldnsim/lang/instance.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/clinical_uncertainty.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/stats/proportions.hpp"
#include "ldnsim/trial/engine.hpp"

namespace ldnsim::science {

namespace {

bool whole(const std::string& s, long& out) {
  if (s.empty() || s.size() > 12) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::stol(s);
  return true;
}

long groups_of(const trial::TrialSpec& s) {
  switch (s.design) {
    case trial::Design::Parallel: return static_cast<long>(s.arms.size());
    case trial::Design::Crossover: return 2;
    default: return 1;
  }
}

bool is_ratio(trial::Analysis a) {
  return a == trial::Analysis::RateRatio || a == trial::Analysis::Cox || a == trial::Analysis::LogRank ||
         a == trial::Analysis::FisherExact;
}

}  // namespace

std::vector<long> parse_sample_sizes(const std::string& text, const std::string& field) {
  const std::string expected = " (expected START:END:STEP with whole numbers, START <= END and STEP > 0, e.g. 40:400:40, "
                               "or a list such as 40,80,160)";
  std::vector<long> out;
  if (text.find(':') != std::string::npos) {
    std::vector<std::string> f;
    std::string cur;
    for (char c : text) {
      if (c == ':') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    f.push_back(cur);
    long a = 0, b = 0, step = 0;
    if (f.size() != 3 || !whole(f[0], a) || !whole(f[1], b) || !whole(f[2], step))
      throw ArgumentError(field, " " + text + ": not a range of whole numbers" + expected);
    if (a < 1) throw ArgumentError(field, " " + text + ": START must be at least 1" + expected);
    if (step < 1) throw ArgumentError(field, " " + text + ": STEP must be at least 1" + expected);
    if (a > b) throw ArgumentError(field, " " + text + ": START (" + std::to_string(a) + ") is above END (" + std::to_string(b) + ")" + expected);
    if ((b - a) / step + 1 > 200) throw ArgumentError(field, " " + text + ": more than 200 sample sizes; use a larger STEP");
    for (long n = a; n <= b; n += step) out.push_back(n);
  } else {
    std::string cur;
    std::stringstream ss(text);
    while (std::getline(ss, cur, ',')) {
      long v = 0;
      if (!whole(cur, v) || v < 1) throw ArgumentError(field, " " + text + ": '" + cur + "' is not a whole number above 0" + expected);
      out.push_back(v);
    }
    if (out.empty()) throw ArgumentError(field, " '" + text + "': no sample size" + expected);
    if (out.size() > 200) throw ArgumentError(field, " " + text + ": more than 200 sample sizes");
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  if (out.back() > 100000) throw ArgumentError(field, " " + text + ": sample sizes above 100000 are not simulated");
  return out;
}

long minimum_sample_size(const std::string& spec_path) {
  trial::TrialSpec s = trial::load_trial_spec(spec_path);
  return 2 * groups_of(s);
}

PowerResult run_power(const std::string& spec_path, const PowerOptions& o) {
  if (o.n.empty()) throw ArgumentError("n", ": no sample size given (expected e.g. 40:400:40)");
  if (o.replicates < 10) throw ArgumentError("replicates", " " + std::to_string(o.replicates) + ": expected at least 10");
  if (o.better != "any" && o.better != "lower" && o.better != "higher")
    throw ArgumentError("better", " " + o.better + ": expected lower, higher or any");
  if (o.uncertainty != "effects" && o.uncertainty != "parameters" && o.uncertainty != "assumptions")
    throw ArgumentError("uncertainty", " " + o.uncertainty + ": expected effects, parameters or assumptions");
  if (o.effect_from != "calibrated" && o.effect_from != "zero")
    throw ArgumentError("effect_from", " " + o.effect_from + ": expected calibrated or zero");
  trial::TrialSpec spec = trial::load_trial_spec(spec_path);
  trial::PopulationSpec pop = trial::load_population(spec.population_path);
  PowerResult res;
  res.spec = spec_path;
  res.title = spec.title.empty() ? spec.name : spec.title;
  res.design = trial::to_string(spec.design);
  res.alpha = spec.alpha;
  res.model = spec.model_path;
  res.min_n = 2 * groups_of(spec);
  if (spec.design == trial::Design::Retrospective) throw UsageError(spec_path + ": a retrospective chart review has no sample size to plan");
  if (o.n.front() < res.min_n)
    throw ArgumentError("n", ": " + std::to_string(o.n.front()) + " is below the design's minimum of " + std::to_string(res.min_n) +
                     " (2 subjects per " + (spec.design == trial::Design::Crossover ? "sequence" : "arm") + ")");
  if (spec.lost_subjects >= o.n.front())
    throw ArgumentError("n", ": " + std::to_string(o.n.front()) + " is not above data_loss.subjects (" + std::to_string(spec.lost_subjects) + ") of the spec");

  // The endpoint.
  int e = -1;
  for (std::size_t i = 0; i < spec.endpoints.size(); ++i) {
    if (!o.endpoint.empty() ? spec.endpoints[i].name == o.endpoint : spec.endpoints[i].primary) {
      e = static_cast<int>(i);
      break;
    }
  }
  if (e < 0 && o.endpoint.empty() && !spec.endpoints.empty()) e = 0;
  if (e < 0) {
    std::string list;
    for (const auto& x : spec.endpoints) list += (list.empty() ? "" : ", ") + x.name;
    throw ArgumentError("endpoint", " " + o.endpoint + ": " + spec_path + " has no such endpoint (it has: " + list + ")");
  }
  const trial::EndpointSpec& ep = spec.endpoints[static_cast<std::size_t>(e)];
  res.endpoint = ep.name;
  res.endpoint_label = ep.label.empty() ? ep.name : ep.label;
  res.analysis = trial::to_string(ep.analysis);
  res.ratio = is_ratio(ep.analysis);
  const double null_value = res.ratio ? 1.0 : 0.0;

  // The model and its effect parameters.
  const lang::ModelInstance base(lang::load_model(spec.model_path));
  auto param = [&](const std::string& name, const std::string& option) -> std::size_t {
    const int k = base.model().parameter_index(name);
    if (k < 0 || !base.parameter(static_cast<std::size_t>(k)).value)
      throw ArgumentError(option, " " + name + ": the model " + spec.model_path + " has no param " + name);
    return static_cast<std::size_t>(k);
  };
  std::vector<std::pair<std::string, double>> fixed;  // --set, by the model's names
  for (const auto& [name, v] : o.set) {
    const std::size_t k = param(name, "set");
    if (!std::isfinite(v)) throw ArgumentError("set", " " + name + ": expected a finite number");
    fixed.emplace_back(base.parameter(k).name, v);
  }
  auto fixed_value = [&](const std::string& name) -> const double* {
    for (const auto& [n, v] : fixed)
      if (n == name) return &v;
    return nullptr;
  };
  std::vector<std::size_t> chosen;
  if (o.effect_parameters.empty()) chosen = base.with_role(lang::Role::Effect);
  for (const auto& name : o.effect_parameters) chosen.push_back(param(name, "effect_parameters"));
  for (std::size_t k : chosen) {
    const lang::Parameter& p = base.parameter(k);
    EffectParameter ef;
    ef.name = p.name;
    const double* f = fixed_value(p.name);
    ef.estimate = f ? *f : *p.value;
    ef.identified = !p.has(lang::Role::Unidentified);
    if (o.effect_from == "zero") {
      ef.estimate = 0;
      ef.distribution = "fixed";
    } else if (f) {
      ef.distribution = "fixed";
    } else if (p.se) {
      ef.se = *p.se;
      ef.distribution = "normal";
    } else if (p.low && p.high && *p.low < *p.high) {
      ef.low = *p.low;
      ef.high = *p.high;
      ef.distribution = "uniform";
    } else {
      ef.distribution = "fixed";
    }
    res.effects.push_back(ef);
  }
  res.assurance = o.draws > 0 && o.draw_replicates > 0 &&
                  std::any_of(res.effects.begin(), res.effects.end(), [](const EffectParameter& x) { return x.distribution != "fixed"; });

  // The parameter values of power (--set, then the effects' estimates) and of each
  // assurance draw: one stream per draw, parameters in order. Values go into model
  // instances; the model is compiled once.
  lang::ModelInstance point = base.with(fixed);
  for (const auto& ef : res.effects) point.set(ef.name, ef.estimate);
  std::vector<lang::ModelInstance> draws;
  res.uncertainty = o.uncertainty;
  if (res.assurance) {
    // Everything else that is uncertain, drawn jointly with the effects (one plan; the
    // effects and --set values are kept out of it).
    std::vector<std::string> keep;
    for (const auto& ef : res.effects) keep.push_back(ef.name);
    for (const auto& [n, v] : fixed) keep.push_back(n);
    const UncertaintyLevel level = o.uncertainty == "effects" ? UncertaintyLevel::Sampling : parse_uncertainty_level(o.uncertainty);
    const DrawPlan plan = plan_draws(point, level, keep, o.pharmacology_samples, o.seed, o.threads);
    res.drawn_parameters = plan.parameters.size();
    res.lymphocytes = plan.lymphocytes;
    res.change_typical = plan.change_typical;
    res.change_low = plan.change_low;
    res.change_high = plan.change_high;
    res.tau = plan.heterogeneity ? plan.tau : 0;
    res.covers = "sampling + the LDN effect" +
                 std::string(level == UncertaintyLevel::Sampling ? ""
                             : level == UncertaintyLevel::Parameters ? " + fitted parameters"
                                                                     : " + fitted parameters + assumptions (lymphocyte band, between-trial ARR)");
    for (std::size_t k = 0; k < o.draws; ++k) {
      RandomStream rng(o.seed, k, 0, 0x504f5752u);
      lang::ModelInstance d = point;
      for (const auto& ef : res.effects) {
        double x = ef.estimate;
        if (ef.distribution == "normal") x = ef.estimate + ef.se * rng.normal();
        else if (ef.distribution == "uniform") x = ef.low + (ef.high - ef.low) * rng.uniform();
        d.set(ef.name, x);
      }
      apply_draw(plan, k, o.seed, d);
      draws.push_back(std::move(d));
    }
  }

  auto success = [&](const trial::EndpointResult& r) {
    if (!r.significant || !std::isfinite(r.estimate)) return false;
    if (o.better == "lower") return r.estimate < null_value;
    if (o.better == "higher") return r.estimate > null_value;
    return true;
  };

  for (long n : o.n) {
    trial::TrialSpec s = spec;
    s.n = n;
    PowerPoint pt;
    pt.n = n;
    // The work of this n: `replicates` trials at the point values (seed, r), then per draw k
    // `draw_replicates` trials (seed + 0x9E3779B9 (k + 1), r) with the draw's values.
    const trial::Trial t(s, pop, point, ldn_drivers(), clinical_simulation_options());
    std::vector<trial::ReplicateUnit> units;
    for (std::size_t r = 0; r < o.replicates; ++r) units.push_back({o.seed, r, nullptr});
    for (std::size_t k = 0; k < draws.size(); ++k)
      for (std::size_t r = 0; r < o.draw_replicates; ++r) units.push_back({o.seed + 0x9E3779B9ull * (k + 1), r, &draws[k]});
    trial::RunOptions ro;
    ro.threads = o.threads;
    ro.progress = o.progress;
    const std::vector<trial::ReplicateResult> results = t.run_units(units, ro);
    {
      std::vector<double> est;
      for (std::size_t r = 0; r < o.replicates; ++r) {
        const auto& x = results[r].endpoints[static_cast<std::size_t>(e)];
        ++pt.trials;
        if (!x.error.empty()) ++pt.failed;
        if (success(x)) ++pt.successes;
        if (std::isfinite(x.estimate)) est.push_back(x.estimate);
      }
      pt.power = static_cast<double>(pt.successes) / static_cast<double>(pt.trials);
      auto ci = stats::clopper_pearson_ci(pt.successes, pt.trials);
      pt.power_low = ci.lower;
      pt.power_high = ci.upper;
      if (!est.empty()) {
        std::sort(est.begin(), est.end());
        auto q = [&](double p) {
          const double h = (static_cast<double>(est.size()) - 1) * p;
          const auto lo = static_cast<std::size_t>(std::floor(h));
          const std::size_t hi = std::min(lo + 1, est.size() - 1);
          return est[lo] + (h - static_cast<double>(lo)) * (est[hi] - est[lo]);
        };
        pt.median_estimate = q(0.5);
        pt.estimate_low = q(0.025);
        pt.estimate_high = q(0.975);
      }
    }
    if (res.assurance) {
      // Per draw k: the share of its replicates that succeed; assurance is their mean, with
      // a 95% interval from the spread between draws (it carries both the effect's
      // uncertainty and the trials' chance).
      std::vector<double> share;
      for (std::size_t k = 0; k < draws.size(); ++k) {
        long ok = 0;
        for (std::size_t r = 0; r < o.draw_replicates; ++r)
          ok += success(results[o.replicates + k * o.draw_replicates + r].endpoints[static_cast<std::size_t>(e)]);
        share.push_back(static_cast<double>(ok) / static_cast<double>(o.draw_replicates));
      }
      double mean = 0;
      for (double x : share) mean += x;
      mean /= static_cast<double>(share.size());
      double var = 0;
      for (double x : share) var += (x - mean) * (x - mean);
      var = share.size() > 1 ? var / static_cast<double>(share.size() - 1) : 0;
      const double half = 1.959963984540054 * std::sqrt(var / static_cast<double>(share.size()));
      pt.assurance = mean;
      pt.assurance_low = std::max(0.0, mean - half);
      pt.assurance_high = std::min(1.0, mean + half);
      res.max_assurance = std::max(res.max_assurance, mean);
    }
    if (o.note)
      o.note("n = " + std::to_string(n) + ": power " + format_number(100 * pt.power, 3) + "%" +
             (res.assurance ? ", assurance " + format_number(100 * pt.assurance, 3) + "%" : std::string()));
    res.points.push_back(pt);
  }

  auto crossing = [&](auto get, long& first, double& interp) {
    for (std::size_t i = 0; i < res.points.size(); ++i) {
      if (get(res.points[i]) >= 0.8) {
        first = res.points[i].n;
        if (i == 0) {
          interp = static_cast<double>(first);
        } else {
          const double y0 = get(res.points[i - 1]), y1 = get(res.points[i]);
          const double x0 = static_cast<double>(res.points[i - 1].n), x1 = static_cast<double>(res.points[i].n);
          interp = y1 > y0 ? x0 + (0.8 - y0) / (y1 - y0) * (x1 - x0) : x1;
        }
        return;
      }
    }
  };
  crossing([](const PowerPoint& p) { return p.power; }, res.n80_power, res.n80_power_interpolated);
  if (res.assurance) crossing([](const PowerPoint& p) { return p.assurance; }, res.n80_assurance, res.n80_assurance_interpolated);
  return res;
}

}  // namespace ldnsim::science
