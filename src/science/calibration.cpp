#include "ldnsim/science/calibration.hpp"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/paths.hpp"
#include "ldnsim/core/toml_reader.hpp"

namespace ldnsim::science {

double Evaluated::z() const {
  const double d = model - target.value;
  if (target.kind == Target::Kind::AtLeast && d >= 0) return 0;
  if (target.kind == Target::Kind::AtMost && d <= 0) return 0;
  return d / target.sigma;
}

// ---- targets files ---------------------------------------------------------------------

namespace {

const std::vector<std::pair<const char*, Measure>> kMeasures = {
    {"peak", Measure::Peak},           {"time_of_peak", Measure::TimeOfPeak},       {"auc_inf", Measure::AucInf},
    {"half_life", Measure::HalfLife},  {"value_at", Measure::ValueAt},               {"decay_half_time", Measure::DecayHalfTime},
    {"steady_state_mean", Measure::SteadyStateMean}, {"hours_blocked", Measure::HoursBlocked}};

std::string names_of(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

PharmacologyTargets load_pharmacology_targets(const std::string& path) {
  spec::TomlReader r(path);
  const toml::table doc = r.parse_file();
  PharmacologyTargets out;
  out.file = path;
  r.check_keys(doc, "", {"targets", "stages", "regimens", "blockade"});
  if (const toml::table* b = r.table(doc, "", "blockade")) {
    r.check_keys(*b, "blockade", {"occupancy", "why"});
    out.blockade = r.require_number(*b, "blockade", "occupancy");
    if (!(out.blockade > 0 && out.blockade < 1)) r.fail(*b->get("occupancy"), "blockade.occupancy", "expected a fraction in (0, 1)");
    out.blockade_why = r.require_string(*b, "blockade", "why");
  }
  const auto regimens = r.tables(doc, "", "regimens");
  for (std::size_t i = 0; i < regimens.size(); ++i) {
    const toml::table& t = *regimens[i];
    const std::string key = spec::index_key("regimens", i);
    r.check_keys(t, key, {"label", "mg_per_kg", "interval_h", "expected_sign", "evidence"});
    MouseRegimen g;
    g.label = r.require_string(t, key, "label");
    g.mg_per_kg = r.require_number(t, key, "mg_per_kg");
    g.interval_h = r.require_number(t, key, "interval_h");
    const double sign = r.require_number(t, key, "expected_sign");
    if (sign != 1 && sign != -1) r.fail(*t.get("expected_sign"), spec::join_key(key, "expected_sign"), "expected -1 or 1");
    g.expected_sign = static_cast<int>(sign);
    g.evidence = r.require_string(t, key, "evidence");
    if (!(g.mg_per_kg > 0) || !(g.interval_h > 0)) r.fail(t, key, "expected mg_per_kg and interval_h above 0");
    out.regimens.push_back(g);
  }
  std::vector<std::string> outputs(std::begin(LdnModel::kOutputs), std::end(LdnModel::kOutputs)), measures, ids;
  for (const auto& [name, m] : kMeasures) measures.emplace_back(name);
  const auto targets = r.tables(doc, "", "targets");
  if (targets.empty()) r.fail(doc.source(), "targets", "missing (expected [[targets]])");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const toml::table& t = *targets[i];
    const std::string key = spec::index_key("targets", i);
    r.check_keys(t, key, {"id", "quantity", "value", "low", "high", "unit", "sigma", "sigma_why", "kind", "measure",
                          "output", "scale", "dose_mg", "hours", "step_h", "until_h", "at_h", "from_h", "to_h",
                          "terminal_from_h", "times_h", "regimen", "source", "over", "interval_h"});
    Target g;
    g.id = r.require_string(t, key, "id");
    if (std::find(ids.begin(), ids.end(), g.id) != ids.end()) r.fail(*t.get("id"), spec::join_key(key, "id"), "'" + g.id + "' is used twice");
    ids.push_back(g.id);
    g.quantity = r.require_string(t, key, "quantity");
    g.value = r.require_number(t, key, "value");
    g.low = r.number(t, key, "low").value_or(kNone);
    g.high = r.number(t, key, "high").value_or(kNone);
    g.unit = r.require_string(t, key, "unit");
    g.sigma = r.require_number(t, key, "sigma");
    if (!(g.sigma > 0)) r.fail(*t.get("sigma"), spec::join_key(key, "sigma"), "expected a spread above 0");
    g.sigma_why = r.require_string(t, key, "sigma_why");
    g.source = r.string(t, key, "source").value_or("");
    const std::string kind = r.string(t, key, "kind").value_or("equal");
    if (kind == "equal") g.kind = Target::Kind::Equal;
    else if (kind == "at_least") g.kind = Target::Kind::AtLeast;
    else if (kind == "at_most") g.kind = Target::Kind::AtMost;
    else r.fail(*t.get("kind"), spec::join_key(key, "kind"), "'" + kind + "' (expected equal, at_least or at_most)");
    const std::string measure = r.require_string(t, key, "measure");
    auto m = std::find_if(kMeasures.begin(), kMeasures.end(), [&](const auto& x) { return measure == x.first; });
    if (m == kMeasures.end())
      r.fail(*t.get("measure"), spec::join_key(key, "measure"), "unknown measure '" + measure + "' (expected one of: " + names_of(measures) + ")");
    g.measure = m->second;
    g.scale = r.number(t, key, "scale").value_or(1);
    g.step_h = r.number(t, key, "step_h").value_or(0.01);
    if (!(g.step_h > 0 && g.step_h <= 1)) r.fail(*t.get("step_h"), spec::join_key(key, "step_h"), "expected a grid step in (0, 1] h");
    auto need = [&](const char* k) {
      auto v = r.number(t, key, k);
      if (!v) r.fail(t.source(), spec::join_key(key, k), "missing (measure " + measure + " needs it)");
      return *v;
    };
    if (g.measure == Measure::HoursBlocked) {
      g.regimen = r.require_string(t, key, "regimen");
      if (std::none_of(out.regimens.begin(), out.regimens.end(), [&](const MouseRegimen& x) { return x.label == g.regimen; }))
        r.fail(*t.get("regimen"), spec::join_key(key, "regimen"), "no [[regimens]] labelled '" + g.regimen + "'");
      if (!(out.blockade > 0)) r.fail(t.source(), key, "hours_blocked needs [blockade] occupancy");
    } else {
      const std::string output = r.require_string(t, key, "output");
      auto o = std::find(outputs.begin(), outputs.end(), output);
      if (o == outputs.end())
        r.fail(*t.get("output"), spec::join_key(key, "output"), "unknown output '" + output + "' (expected one of: " + names_of(outputs) + ")");
      g.output = static_cast<int>(o - outputs.begin());
      if (const auto over = r.string(t, key, "over")) {
        auto d = std::find(outputs.begin(), outputs.end(), *over);
        if (d == outputs.end() || d == o)
          r.fail(*t.get("over"), spec::join_key(key, "over"),
                 "'" + *over + "' (expected an output other than '" + output + "', one of: " + names_of(outputs) + ")");
        g.over = static_cast<int>(d - outputs.begin());
      }
      g.dose_mg = need("dose_mg");
      if (g.measure == Measure::SteadyStateMean) {
        g.interval_h = need("interval_h");
        if (!(g.dose_mg > 0) || !(g.interval_h > 0 && g.interval_h <= 24 * 28))
          r.fail(t, key, "expected dose_mg above 0 and interval_h in (0, 672]");
      } else {
        g.hours = need("hours");
        if (!(g.dose_mg > 0) || !(g.hours > 0 && g.hours <= 24 * 365)) r.fail(t, key, "expected dose_mg above 0 and hours in (0, 8760]");
      }
    }
    g.until_h = r.number(t, key, "until_h").value_or(kNone);
    if (g.measure == Measure::ValueAt) g.at_h = need("at_h");
    if (g.measure == Measure::HalfLife) {
      g.from_h = need("from_h");
      g.to_h = need("to_h");
    }
    if (g.measure == Measure::AucInf) g.terminal_from_h = need("terminal_from_h");
    if (g.measure == Measure::DecayHalfTime) {
      const toml::array* a = r.array(t, key, "times_h");
      if (!a || a->size() < 2) r.fail(t.source(), spec::join_key(key, "times_h"), "expected at least two times");
      for (std::size_t k = 0; k < a->size(); ++k) g.times_h.push_back(r.as_number(*a->get(k), spec::index_key(spec::join_key(key, "times_h"), k)));
    }
    out.targets.push_back(g);
  }
  const auto stages = r.tables(doc, "", "stages");
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const toml::table& t = *stages[i];
    const std::string key = spec::index_key("stages", i);
    r.check_keys(t, key, {"name", "targets", "parameters", "not_identified"});
    Stage st;
    st.name = r.require_string(t, key, "name");
    const toml::array* ts = r.array(t, key, "targets");
    if (!ts || ts->empty()) r.fail(t.source(), spec::join_key(key, "targets"), "missing (expected a list of target ids)");
    for (std::size_t k = 0; k < ts->size(); ++k) {
      const std::string id = r.as_string(*ts->get(k), spec::index_key(spec::join_key(key, "targets"), k));
      auto it = std::find(ids.begin(), ids.end(), id);
      if (it == ids.end()) {
        const std::string hint = spec::closest(id, ids);
        r.fail(*ts->get(k), spec::index_key(spec::join_key(key, "targets"), k),
               "no [[targets]] with id '" + id + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
      st.targets.push_back(static_cast<std::size_t>(it - ids.begin()));
    }
    const toml::array* ps = r.array(t, key, "parameters");
    if (!ps || ps->empty()) r.fail(t.source(), spec::join_key(key, "parameters"), "missing (expected a list of {name, low, high})");
    for (std::size_t k = 0; k < ps->size(); ++k) {
      const std::string pk = spec::index_key(spec::join_key(key, "parameters"), k);
      const toml::table* p = ps->get(k)->as_table();
      if (!p) r.fail(*ps->get(k), pk, "expected a table {name = ..., low = ..., high = ...}");
      r.check_keys(*p, pk, {"name", "low", "high"});
      st.parameters.push_back(r.require_string(*p, pk, "name"));
      const double lo = r.require_number(*p, pk, "low"), hi = r.require_number(*p, pk, "high");
      if (!(lo > 0 && lo < hi)) r.fail(*p, pk, "expected 0 < low < high (the fit works in log scale)");
      st.bounds.emplace_back(lo, hi);
    }
    if (const toml::array* ni = r.array(t, key, "not_identified")) {
      for (std::size_t k = 0; k < ni->size(); ++k) {
        const std::string nk = spec::index_key(spec::join_key(key, "not_identified"), k);
        const std::string name = r.as_string(*ni->get(k), nk);
        if (std::find(st.parameters.begin(), st.parameters.end(), name) != st.parameters.end())
          r.fail(*ni->get(k), nk, "'" + name + "' is also a fitted parameter of the stage");
        st.not_identified.push_back(name);
      }
    }
    out.stages.push_back(std::move(st));
  }
  return out;
}

const PharmacologyTargets& targets_of(const LdnModel& model) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<PharmacologyTargets>> cache;
  namespace fs = std::filesystem;
  std::string path;
  fs::path beside = fs::path(model.path()).replace_extension();
  beside += "-targets.toml";
  std::error_code ec;
  if (!model.path().empty() && fs::exists(beside, ec)) path = beside.string();
  else path = find_resource(model.is_mouse() ? "models/ldn/mouse-targets.toml" : "models/ldn/human-targets.toml");
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, std::make_unique<PharmacologyTargets>(load_pharmacology_targets(path))).first;
  return *it->second;
}

// ---- evaluating targets -----------------------------------------------------------------

namespace {

// Least-squares slope of log(y) on t.
double log_slope(const std::vector<double>& t, const std::vector<double>& y) {
  double n = 0, st = 0, sy = 0, stt = 0, sty = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!(y[i] > 0)) continue;
    double ly = std::log(y[i]);
    n += 1;
    st += t[i];
    sy += ly;
    stt += t[i] * t[i];
    sty += t[i] * ly;
  }
  return (n * sty - st * sy) / (n * stt - st * st);
}

double value_at(const Series& s, int k, double time) {
  for (std::size_t i = 0; i + 1 < s.t.size(); ++i)
    if (s.t[i + 1] >= time) {
      double f = (time - s.t[i]) / (s.t[i + 1] - s.t[i]);
      return s.y[k][i] + f * (s.y[k][i + 1] - s.y[k][i]);
    }
  return s.y[k].back();
}

// Maximum of y over [0, until] and its time, refined by the parabola through the largest
// grid value and its neighbours (so that a time of peak varies smoothly with the
// parameters, as the fit needs, instead of in grid steps).
struct Peak {
  double value = 0, time = 0;
};
Peak peak_before(const Series& s, const std::vector<double>& y, double until) {
  Peak p{-1, 0};
  std::size_t im = 0, n = 0;
  for (std::size_t i = 0; i < s.t.size() && s.t[i] <= until + 1e-9; ++i, ++n)
    if (y[i] > p.value) p = {y[i], s.t[i]}, im = i;
  if (im > 0 && im + 1 < n) {
    const double a = y[im - 1], b = y[im], c = y[im + 1];
    const double den = a - 2 * b + c;
    if (den < 0) {
      const double d = 0.5 * (a - c) / den;  // in grid steps, within [-0.5, 0.5]
      p = {b - 0.25 * (a - c) * d, s.t[im] + d * (s.t[im + 1] - s.t[im])};
    }
  }
  return p;
}

// The measure of target g read from output k of the simulated series.
double raw_measure(const Target& g, const Series& s, int k) {
  const std::vector<double>& y = s.y[static_cast<std::size_t>(k)];
  switch (g.measure) {
    case Measure::Peak:
    case Measure::TimeOfPeak: {
      const Peak p = peak_before(s, y, std::isnan(g.until_h) ? s.t.back() : g.until_h);
      return g.measure == Measure::Peak ? p.value : p.time;
    }
    case Measure::AucInf: {
      double auc = 0;
      for (std::size_t i = 0; i + 1 < s.t.size(); ++i) auc += 0.5 * (y[i] + y[i + 1]) * (s.t[i + 1] - s.t[i]);
      std::vector<double> tl, yl;
      for (std::size_t i = 0; i < s.t.size(); ++i)
        if (s.t[i] >= g.terminal_from_h) tl.push_back(s.t[i]), yl.push_back(y[i]);
      const double lz = -log_slope(tl, yl);
      if (lz > 0) auc += y.back() / lz;
      return auc;
    }
    case Measure::HalfLife: {
      std::vector<double> tt, yy;
      for (std::size_t i = 0; i < s.t.size(); ++i)
        if (s.t[i] >= g.from_h && s.t[i] <= g.to_h) tt.push_back(s.t[i]), yy.push_back(y[i]);
      return std::log(2.0) / -log_slope(tt, yy);
    }
    case Measure::ValueAt: return value_at(s, k, g.at_h);
    case Measure::DecayHalfTime: {
      std::vector<double> yy;
      for (double x : g.times_h) yy.push_back(value_at(s, k, x));
      return std::log(2.0) / -log_slope(g.times_h, yy);
    }
    case Measure::SteadyStateMean: {
      double area = 0;
      for (std::size_t i = 0; i + 1 < s.t.size(); ++i) area += 0.5 * (y[i] + y[i + 1]) * (s.t[i + 1] - s.t[i]);
      return area / (s.t.back() - s.t.front());
    }
    case Measure::HoursBlocked: break;
  }
  return kNone;
}

// The model's value of one target: its measure of `output` (over that of `over`), scaled.
double measure(const Target& g, const Series& s) {
  if (g.over >= 0) return g.scale * (raw_measure(g, s, g.output) / raw_measure(g, s, g.over));
  return g.scale * raw_measure(g, s, g.output);
}

const MouseRegimen& regimen_named(const PharmacologyTargets& pt, const std::string& label) {
  for (const auto& r : pt.regimens)
    if (r.label == label) return r;
  throw InputError(pt.file + ": no regimen '" + label + "'");
}

Regimen mouse_regimen(const LdnModel& m, std::span<const double> p, const MouseRegimen& r) {
  Regimen g;
  g.label = r.label;
  g.dose_mg = r.mg_per_kg * m.get(p, "WT");
  g.salt = true;
  g.clock_h = 0;
  g.interval_h = r.interval_h;
  return g;
}

}  // namespace

std::vector<double> evaluate_targets(Simulator& sim, std::span<const double> p, const std::vector<std::size_t>* which) {
  const PharmacologyTargets& pt = targets_of(sim.model());
  std::vector<double> v(pt.targets.size(), kNone);
  std::vector<std::size_t> all;
  if (!which) {
    for (std::size_t i = 0; i < pt.targets.size(); ++i) all.push_back(i);
    which = &all;
  }
  // One simulation per (dose, hours or interval, step) or regimen, in the order first needed.
  std::map<std::tuple<double, double, double, double, std::string>, Series> runs;
  for (std::size_t i : *which) {
    const Target& g = pt.targets[i];
    const bool steady = g.measure == Measure::SteadyStateMean;
    const auto key = std::make_tuple(g.dose_mg, g.hours, steady ? g.interval_h : 0.0, g.step_h, g.regimen);
    auto it = runs.find(key);
    if (it == runs.end()) {
      Series s;
      if (g.measure == Measure::HoursBlocked) {
        s = sim.regimen(p, mouse_regimen(sim.model(), p, regimen_named(pt, g.regimen)), g.step_h);
      } else if (steady) {
        Regimen daily;  // at the regimen's defaults otherwise: HCl, steady-state cycle
        daily.dose_mg = g.dose_mg;
        daily.interval_h = g.interval_h;
        s = sim.regimen(p, daily, g.step_h);
      } else {
        s = sim.single_dose(p, g.dose_mg, true, g.hours, g.step_h);
      }
      it = runs.emplace(key, std::move(s)).first;
    }
    if (g.measure == Measure::HoursBlocked) {
      const double interval = regimen_named(pt, g.regimen).interval_h;
      v[i] = g.scale * hours_at_or_above(it->second.t, it->second.y[OCC], pt.blockade, 0, interval) * 24.0 / interval;
    } else {
      v[i] = measure(g, it->second);
    }
  }
  return v;
}

std::vector<MouseOutcome> mouse_sign_switch(Simulator& sim, std::span<const double> p) {
  const PharmacologyTargets& pt = targets_of(sim.model());
  std::vector<MouseOutcome> out;
  for (const auto& r : pt.regimens) {
    MouseOutcome o;
    o.regimen = r;
    Regimen g = mouse_regimen(sim.model(), p, r);
    Series s = sim.regimen(p, g, 0.01);
    o.metrics = summarise(s, 0, g.interval_h);
    o.hours_blocked = hours_at_or_above(s.t, s.y[OCC], pt.blockade, 0, g.interval_h) * 24.0 / g.interval_h;
    double change = o.metrics.b_change;
    o.sign_ok = r.expected_sign < 0 ? change < 0 : change >= 0;
    out.push_back(o);
  }
  return out;
}

double calibration_chi2(Simulator& sim, std::span<const double> params) {
  const auto& targets = targets_of(sim.model()).targets;
  std::vector<double> v = evaluate_targets(sim, params);
  double sum = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    double z = Evaluated{targets[i], v[i]}.z();
    sum += z * z;
  }
  return std::isfinite(sum) ? sum : INFINITY;
}

// ---- fitting -------------------------------------------------------------------------------

namespace {

struct Problem {
  const LdnModel* model;
  Simulator* sim;
  std::vector<double>* p;
  const Stage* stage;
  const std::vector<Target>* targets;
  int evaluations = 0;
};

std::vector<double> evaluate_for(Problem& pr) { return evaluate_targets(*pr.sim, *pr.p, &pr.stage->targets); }

double objective(unsigned n, const double* x, double*, void* data) {
  Problem& pr = *static_cast<Problem*>(data);
  ++pr.evaluations;
  for (unsigned i = 0; i < n; ++i) pr.model->set(*pr.p, pr.stage->parameters[i], std::exp(x[i]));
  std::vector<double> v;
  try {
    v = evaluate_for(pr);
  } catch (const Error&) {
    return 1e12;
  }
  double sum = 0;
  for (std::size_t t : pr.stage->targets) {
    Evaluated e{(*pr.targets)[t], v[t]};
    double z = e.z();
    if (!std::isfinite(z)) return 1e12;
    sum += z * z;
  }
  return sum;
}

}  // namespace

namespace {

// Fits one stage from the current values in `p` (which it updates); returns the objective.
double fit_stage(Problem& pr) {
  const Stage& stage = *pr.stage;
  const LdnModel& m = *pr.model;
  std::vector<double>& p = *pr.p;
  const unsigned n = static_cast<unsigned>(stage.parameters.size());
  std::vector<double> x(n), lo(n), hi(n);
  for (unsigned i = 0; i < n; ++i) {
    lo[i] = std::log(stage.bounds[i].first);
    hi[i] = std::log(stage.bounds[i].second);
    x[i] = std::clamp(std::log(m.get(p, stage.parameters[i])), lo[i], hi[i]);
  }
  double best = 0;
  // A derivative-free local search (BOBYQA; Nelder-Mead in one dimension) in log space,
  // restarted from its own answer until it stops improving.
  for (int round = 0; round < 8; ++round) {
    nlopt_opt opt = nlopt_create(n >= 2 ? NLOPT_LN_BOBYQA : NLOPT_LN_NELDERMEAD, n);
    nlopt_set_lower_bounds(opt, lo.data());
    nlopt_set_upper_bounds(opt, hi.data());
    nlopt_set_min_objective(opt, objective, &pr);
    nlopt_set_xtol_rel(opt, 1e-10);
    nlopt_set_ftol_abs(opt, 1e-15);
    nlopt_set_maxeval(opt, 4000);
    std::vector<double> step(n, 0.3);
    nlopt_set_initial_step(opt, step.data());
    double f = 0;
    nlopt_result r = nlopt_optimize(opt, x.data(), &f);
    nlopt_destroy(opt);
    if (r < 0) throw Error("calibration stage '" + stage.name + "': NLopt failed (code " + std::to_string(r) + ")");
    bool improved = round == 0 || f < best - 1e-9 * (1 + best);
    best = round == 0 ? f : std::min(best, f);
    if (!improved) break;
  }
  for (unsigned i = 0; i < n; ++i) m.set(p, stage.parameters[i], std::stod(model_number(std::exp(x[i]))));
  return best;
}

}  // namespace

FitResult calibrate(const LdnModel& m, bool ranges, const std::function<void(const std::string&)>& progress) {
  const PharmacologyTargets& pt = targets_of(m);
  const auto& targets = pt.targets;
  const auto& stages = pt.stages;
  std::vector<double> p = m.typical();
  Simulator sim(m);
  FitResult result;
  for (const Stage& stage : stages) {
    Problem pr{&m, &sim, &p, &stage, &targets};
    double best = fit_stage(pr);
    for (const auto& name : stage.parameters) result.fitted.emplace_back(name, m.get(p, name));
    result.objective.push_back(best);
    result.evaluations += pr.evaluations;
    if (progress) progress("stage '" + stage.name + "': objective " + format_number(best, 4) + " after " +
                           std::to_string(pr.evaluations) + " simulations");
  }
  std::vector<double> v = evaluate_targets(sim, p);
  for (std::size_t i = 0; i < targets.size(); ++i) result.targets.push_back({targets[i], v[i]});
  if (!ranges) return result;

  // Ranges: refit each stage with one of its targets moved by one sigma (its data spread)
  // either way, the other stages at their fitted values; a parameter's range spans the
  // refits.
  for (const Stage& stage : stages) {
    std::vector<double> low(stage.parameters.size()), high(stage.parameters.size());
    for (std::size_t i = 0; i < stage.parameters.size(); ++i) low[i] = high[i] = m.get(p, stage.parameters[i]);
    int refits = 0;
    for (std::size_t t : stage.targets) {
      if (targets[t].kind != Target::Kind::Equal) continue;
      for (double sign : {-1.0, 1.0}) {
        std::vector<Target> moved = targets;
        moved[t].value += sign * targets[t].sigma;
        std::vector<double> q = p;
        Problem pr{&m, &sim, &q, &stage, &moved};
        fit_stage(pr);
        result.evaluations += pr.evaluations;
        ++refits;
        for (std::size_t i = 0; i < stage.parameters.size(); ++i) {
          low[i] = std::min(low[i], m.get(q, stage.parameters[i]));
          high[i] = std::max(high[i], m.get(q, stage.parameters[i]));
        }
      }
    }
    for (std::size_t i = 0; i < stage.parameters.size(); ++i) result.ranges.emplace_back(low[i], high[i]);
    if (progress) progress("stage '" + stage.name + "': ranges from " + std::to_string(refits) + " refits");
  }
  return result;
}

}  // namespace ldnsim::science
