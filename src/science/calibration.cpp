#include "ldnsim/science/calibration.hpp"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"

namespace ldnsim::science {

double Evaluated::z() const {
  const double d = model - target.value;
  if (target.kind == Target::Kind::AtLeast && d >= 0) return 0;
  if (target.kind == Target::Kind::AtMost && d <= 0) return 0;
  return d / target.sigma;
}

// ---- human -------------------------------------------------------------------------------

const std::vector<Target>& human_targets() {
  // Spreads (sigma): the published range of study means where there is one (half of it),
  // otherwise the spread the data themselves show. Occupancy: the three 5 mg scans of
  // Rabiner 2011 (43, 46, 58%) have SD 7.9 percentage points, used as the scan-to-scan SD;
  // a mean of n scans gets 7.9/sqrt(n).
  static const std::vector<Target> t = {
      {"pk-cmax-50mg", "naltrexone Cmax after one 50 mg oral dose", 15, 13.3, 17.2, "ng/mL", 1.95,
       "half the range of study means 13.3-17.2"},
      {"pk-tmax-50mg", "naltrexone Tmax after 50 mg", 1.0, 0.8, 1.1, "h", 0.15, "half the range 0.8-1.1 h"},
      {"pk-auc-50mg", "naltrexone AUC after one 50 mg dose", 65, 64.7, 66.2, "ng*h/mL", 2.7,
       "standard error of the mean: SD 8-9 ng*h/mL in 10 subjects (pharmacology.md 2.1)"},
      {"pk-thalf", "naltrexone elimination half-life (oral)", 4, 3, 4.5, "h", 0.75, "half the range 3-4.5 h"},
      {"met-cmax-50mg", "6-beta-naltrexol Cmax after 50 mg", 108, kNone, kNone, "ng/mL", 10.8,
       "label mean without spread; 10% (the CV of naltrexone Cmax means in the BE study)"},
      {"occ-2mg", "peak MOR occupancy within 8 h of 2 mg", 27, kNone, kNone, "%", 7.9, "one scan: scan SD 7.9"},
      {"occ-5mg", "peak MOR occupancy within 8 h of 5 mg", 49, 43, 58, "%", 4.6, "mean of 3 scans: 7.9/sqrt(3)"},
      {"occ-15mg", "peak MOR occupancy within 8 h of 15 mg", 61, kNone, kNone, "%", 7.9, "one scan: scan SD 7.9"},
      {"occ-50mg", "peak MOR occupancy within 8 h of 50 mg", 95, 92, 98, "%", 5.6, "mean of 2 scans: 7.9/sqrt(2)"},
      {"occ-50mg-48h", "MOR blockade 48 h after 50 mg", 75, 70, 80, "%", 5, "half the label's range 70-80%"},
      {"occ-50mg-halftime", "half-time of brain MOR blockade after 50 mg", 90, 72, 108, "h", 18,
       "half the range 72-108 h over 5 subjects"},
  };
  return t;
}

namespace {

constexpr unsigned kPk = 1, kOcc = 2, kAll = 3;

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

double peak_before(const Series& s, int k, double until) {
  double v = 0;
  for (std::size_t i = 0; i < s.t.size() && s.t[i] <= until + 1e-9; ++i) v = std::max(v, s.y[k][i]);
  return v;
}

std::vector<double> evaluate_human_groups(Simulator& sim, std::span<const double> p, unsigned groups) {
  std::vector<double> v(human_targets().size(), kNone);
  if (groups & kPk) {
    // Sampling as in a bioequivalence study, densely: 0-48 h.
    Series s = sim.single_dose(p, 50, true, 48, 0.01);
    double cmax = 0, tmax = 0;
    for (std::size_t i = 0; i < s.t.size(); ++i)
      if (s.y[CP][i] > cmax) {
        cmax = s.y[CP][i];
        tmax = s.t[i];
      }
    double auc = 0;
    for (std::size_t i = 0; i + 1 < s.t.size(); ++i)
      auc += 0.5 * (s.y[CP][i] + s.y[CP][i + 1]) * (s.t[i + 1] - s.t[i]);
    // Half-life: log-linear regression over 4-24 h, the post-distribution part of a
    // usual 24-h sampling schedule; AUC extrapolated to infinity with the 24-48 h slope.
    std::vector<double> tt, yy, tl, yl;
    for (std::size_t i = 0; i < s.t.size(); ++i) {
      if (s.t[i] >= 4 && s.t[i] <= 24) tt.push_back(s.t[i]), yy.push_back(s.y[CP][i]);
      if (s.t[i] >= 24) tl.push_back(s.t[i]), yl.push_back(s.y[CP][i]);
    }
    double lz = -log_slope(tl, yl);
    if (lz > 0) auc += s.y[CP].back() / lz;
    double cmet = 0;
    for (double c : s.y[CM]) cmet = std::max(cmet, c);
    v[0] = cmax;
    v[1] = tmax;
    v[2] = auc;
    v[3] = std::log(2.0) / -log_slope(tt, yy);
    v[4] = cmet;
  }
  if (groups & kOcc) {
    const double doses[] = {2, 5, 15};
    for (int k = 0; k < 3; ++k) {
      Series s = sim.single_dose(p, doses[k], true, 8, 0.02);
      v[5 + static_cast<std::size_t>(k)] = 100 * peak_before(s, OCC, 8);
    }
    Series s = sim.single_dose(p, 50, true, 168, 0.02);
    v[8] = 100 * peak_before(s, OCC, 8);
    v[9] = 100 * value_at(s, OCC, 48);
    // Lee 1988 scanned at 1, 48, 72, 120 and 168 h; half-time from a log-linear fit.
    std::vector<double> tt = {1, 48, 72, 120, 168}, yy;
    for (double x : tt) yy.push_back(value_at(s, OCC, x));
    v[10] = std::log(2.0) / -log_slope(tt, yy);
  }
  return v;
}

}  // namespace

std::vector<double> evaluate_human(Simulator& sim, std::span<const double> params) {
  return evaluate_human_groups(sim, params, kAll);
}

std::vector<Stage> human_stages() {
  return {
      {"naltrexone PK", {"CL", "VC", "Q", "VP"}, {{100, 5000}, {20, 20000}, {10, 20000}, {10, 50000}}, {0, 1, 2, 3}},
      {"6-beta-naltrexol", {"VM"}, {{10, 50000}}, {4}},
      {"MOR occupancy", {"KD", "KOFF", "KEO"}, {{1e-3, 100}, {1e-4, 20}, {1e-3, 50}}, {5, 6, 7, 8, 9, 10}},
  };
}

// ---- mouse -------------------------------------------------------------------------------

const std::vector<MouseRegimen>& mouse_regimens() {
  static const std::vector<MouseRegimen> r = {
      {"0.1 mg/kg daily", 0.1, 24, -1,
       "Zagon & McLaughlin 1983: blockade 4-6 h/day, tumour incidence 33%, survival +36%; EAE 2009: LDN protects"},
      {"0.4 mg/kg daily", 0.4, 24, -1, "Zagon & McLaughlin 1984: blockade < 10 h/day, survival +24%"},
      {"10 mg/kg daily", 10, 24, +1,
       "Zagon & McLaughlin 1983: blockade 24 h/day, incidence 100%, survival -19%; EAE 2009: HDN = vehicle"},
      {"0.1 mg/kg every 6 h", 0.1, 6, +1, "Zagon & McLaughlin 1984: blockade 24 h/day, incidence 100%, survival -17%"},
  };
  return r;
}

const std::vector<Target>& mouse_targets() {
  static const std::vector<Target> t = {
      {"mouse-blockade-0.1mg/kg", "h/day of blockade, 0.1 mg/kg daily", 5, 4, 6, "h", 1,
       "half the range 4-6 h/day (pharmacology.md 4.2, Zagon & McLaughlin 1983)"},
      {"mouse-blockade-0.4mg/kg", "h/day of blockade, 0.4 mg/kg daily", 10, kNone, 10, "h", 1,
       "< 10 h/day (Zagon & McLaughlin 1984); 1 h, the resolution of the analgesia tests", Target::Kind::AtMost},
      {"mouse-blockade-10mg/kg", "h/day of blockade, 10 mg/kg daily", 24, 24, kNone, "h", 0.5,
       "24 h/day (Zagon & McLaughlin 1983); 0.5 h", Target::Kind::AtLeast},
      {"mouse-blockade-0.1mg/kg-q6h", "h/day of blockade, 0.1 mg/kg every 6 h", 24, 24, kNone, "h", 0.5,
       "24 h/day (Zagon & McLaughlin 1984); 0.5 h", Target::Kind::AtLeast},
  };
  return t;
}

namespace {
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

std::vector<MouseOutcome> mouse_sign_switch(Simulator& sim, std::span<const double> p) {
  std::vector<MouseOutcome> out;
  for (const auto& r : mouse_regimens()) {
    MouseOutcome o;
    o.regimen = r;
    Regimen g = mouse_regimen(sim.model(), p, r);
    Series s = sim.regimen(p, g, 0.01);
    o.metrics = summarise(s, 0, g.interval_h);
    o.hours_blocked = hours_at_or_above(s.t, s.y[OCC], kMouseBlockade, 0, g.interval_h) * 24.0 / g.interval_h;
    double change = o.metrics.b_change;
    o.sign_ok = r.expected_sign < 0 ? change < 0 : change >= 0;
    out.push_back(o);
  }
  return out;
}

std::vector<double> evaluate_mouse(Simulator& sim, std::span<const double> p) {
  std::vector<double> v;
  for (const auto& r : mouse_regimens()) {
    Regimen g = mouse_regimen(sim.model(), p, r);
    Series s = sim.regimen(p, g, 0.01);
    v.push_back(hours_at_or_above(s.t, s.y[OCC], kMouseBlockade, 0, g.interval_h) * 24.0 / g.interval_h);
  }
  return v;
}

std::vector<Stage> mouse_stages() {
  return {{"mouse blockade", {"CL", "KD"}, {{1e-4, 10}, {1e-3, 1000}}, {0, 1, 2, 3}}};
}

double calibration_chi2(Simulator& sim, std::span<const double> params) {
  const bool mouse = sim.model().is_mouse();
  const auto& targets = mouse ? mouse_targets() : human_targets();
  std::vector<double> v = mouse ? evaluate_mouse(sim, params) : evaluate_human(sim, params);
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
  bool mouse;
  int evaluations = 0;
};

std::vector<double> evaluate_for(Problem& pr) {
  if (pr.mouse) return evaluate_mouse(*pr.sim, *pr.p);
  unsigned groups = 0;
  for (std::size_t t : pr.stage->targets) groups |= t <= 4 ? kPk : kOcc;
  return evaluate_human_groups(*pr.sim, *pr.p, groups);
}

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
  const bool mouse = m.is_mouse();
  const auto& targets = mouse ? mouse_targets() : human_targets();
  const auto stages = mouse ? mouse_stages() : human_stages();
  std::vector<double> p = m.typical();
  Simulator sim(m);
  FitResult result;
  for (const Stage& stage : stages) {
    Problem pr{&m, &sim, &p, &stage, &targets, mouse};
    double best = fit_stage(pr);
    for (const auto& name : stage.parameters) result.fitted.emplace_back(name, m.get(p, name));
    result.objective.push_back(best);
    result.evaluations += pr.evaluations;
    if (progress) progress("stage '" + stage.name + "': objective " + format_number(best, 4) + " after " +
                           std::to_string(pr.evaluations) + " simulations");
  }
  std::vector<double> v = mouse ? evaluate_mouse(sim, p) : evaluate_human(sim, p);
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
        Problem pr{&m, &sim, &q, &stage, &moved, mouse};
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
