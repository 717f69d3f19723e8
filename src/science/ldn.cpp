#include "ldnsim/science/ldn.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "ldnsim/core/argument_error.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/paths.hpp"
#include "ldnsim/core/policy.hpp"

namespace ldnsim::science {

LdnModel::LdnModel(lang::ModelPtr model) : model_(std::move(model)), path_(model_->file()) {
  for (const char* name : kOutputs) {
    int k = model_->output_index(name);
    if (k < 0)
      throw InputError("model " + model_->name() + " (" + model_->file() + ") has no output " + name +
                       "; the LDN commands need the outputs of models/ldn/human.ldn");
    outputs_.push_back(k);
  }
  dose_state_ = 0;
  for (std::size_t s = 0; s < model_->state_count(); ++s)
    if (model_->states()[s].depot) dose_state_ = static_cast<int>(s);
  // Every parameter the C++ side reads must exist.
  for (const char* p : {"SALT", "WT"}) param(p);
}

LdnModel LdnModel::load(const std::string& name_or_path, const lang::LoadOptions& options) {
  std::string path = name_or_path;
  if (name_or_path == "human" || name_or_path == "mouse")
    path = find_resource("models/ldn/" + name_or_path + ".ldn");
  else if (!std::filesystem::exists(path))
    throw UsageError("model '" + name_or_path + "': no such file (expected human, mouse or a .ldn file)");
  return LdnModel(lang::load_model(path, options));
}

bool LdnModel::is_mouse() const { return model_->name().find("mouse") != std::string::npos; }

std::vector<double> LdnModel::typical() const {
  std::vector<double> block = model_->default_parameter_block();
  block.resize(model_->parameter_count());
  return block;
}

std::size_t LdnModel::param(std::string_view name) const {
  int k = model_->parameter_index(name);
  if (k < 0)
    throw InputError("model " + model_->name() + " (" + model_->file() + ") has no parameter " +
                     std::string(name));
  return static_cast<std::size_t>(k);
}

void validate(const Regimen& g) {
  const std::string what = g.label.empty() ? format_number(g.dose_mg) + " mg" : g.label;
  if (!std::isfinite(g.dose_mg) || g.dose_mg <= 0)
    throw UsageError("dose " + what + ": a dose must be above 0 mg");
  if (g.dose_mg < kMinDoseMg)
    throw UsageError("dose " + what + ": below 0.001 mg (1 microgram), the lowest dose computed: so little drug is "
                     "lost in the solver's tolerance (expected 0.001-" + format_number(policy::kMaxDoseMg) + " mg)");
  if (g.dose_mg > policy::kMaxDoseMg) throw UsageError("dose " + what + ": " + policy::max_dose_reason());
  if (!std::isfinite(g.interval_h) || g.interval_h <= 0)
    throw UsageError("dosing interval " + format_number(g.interval_h) + " h: the interval must be above 0 h");
  if (g.interval_h > 24 * 14)
    throw UsageError("dosing interval " + format_number(g.interval_h) + " h: expected at most 14 days");
  if (!std::isfinite(g.clock_h) || g.clock_h < 0 || g.clock_h >= 24)
    throw UsageError("dose time " + format_number(g.clock_h) + " h: expected a clock time in 0-24 h");
  if (g.days < 0 || g.days > 3650) throw ArgumentError("days", " " + std::to_string(g.days) + ": expected 1-3650");
  for (int d : g.missed) {
    if (g.days == 0) throw ArgumentError("missed", ": missed doses need a number of days (the simulation starts drug-naive on day 1)");
    if (d < 1 || d > g.days)
      throw UsageError("missed day " + std::to_string(d) + ": expected a day in 1-" + std::to_string(g.days));
  }
}

engine::SimulationOptions default_options() {
  engine::SimulationOptions o;
  o.tolerances.rtol = 1e-7;
  o.tolerances.atol = 1e-10;
  o.ss_rtol = 1e-7;
  o.ss_atol = 1e-9;
  o.ss_max_intervals = 5000;
  return o;
}

namespace {

class Collect : public engine::RowSink {
 public:
  Collect(const LdnModel& m, Series& s) : m_(m), s_(s) {}
  void row(const engine::OutputRow& r) override {
    if (r.record) return;  // grid rows only
    s_.t.push_back(r.time);
    for (std::size_t k = 0; k < LdnModel::kOutputCount; ++k)
      s_.y[k].push_back(r.outputs[static_cast<std::size_t>(m_.output(k))]);
  }

 private:
  const LdnModel& m_;
  Series& s_;
};

data::DatasetBuilder dose_dataset() {
  return data::DatasetBuilder(data::Columns({"ID", "TIME", "EVID", "AMT", "CMT", "RATE", "II", "ADDL", "SS"},
                                            "<LDN regimen>", 0));
}

void add_dose(data::DatasetBuilder& ds, int cmt, double time, double amt, double ii, int addl, int ss) {
  ds.add({1.0, time, 1.0, amt, static_cast<double>(cmt), 0.0, ii, static_cast<double>(addl), static_cast<double>(ss)});
}

data::Dataset finish(data::DatasetBuilder& ds) { return ds.build(); }

}  // namespace

Simulator::Simulator(const LdnModel& model, engine::SimulationOptions options)
    : model_(model), options_(std::move(options)) {}

Series Simulator::run(std::span<const double> params, const data::Dataset& ds, double t0, double t_end,
                      double step) {
  engine::SimulationOptions opt = options_;
  const double count = std::floor((t_end - t0) / step + 1e-9);
  opt.grid.clear();
  opt.grid.reserve(static_cast<std::size_t>(count) + 1);
  for (long k = 0; k <= static_cast<long>(count); ++k) opt.grid.push_back(t0 + static_cast<double>(k) * step);
  if (opt.grid.back() < t_end - 1e-9) opt.grid.push_back(t_end);
  engine::Binding binding(model_.model(), ds.columns());
  engine::SubjectSimulator sim(model_.model(), binding, opt);
  Series s;
  s.y.resize(LdnModel::kOutputCount);
  Collect sink(model_, s);
  sim.run(ds.subject(0), sink, params);
  return s;
}

namespace {
std::vector<double> with_salt(const LdnModel& m, std::span<const double> params, bool salt) {
  std::vector<double> p(params.begin(), params.end());
  m.set(p, "SALT", salt ? 1.0 : 0.0);
  return p;
}
}  // namespace

Series Simulator::single_dose(std::span<const double> params, double dose_mg, bool salt, double t_end,
                              double step) {
  auto p = with_salt(model_, params, salt);
  data::DatasetBuilder ds = dose_dataset();
  add_dose(ds, model_.dose_state() + 1, 0, dose_mg, 0, 0, 0);
  return run(p, finish(ds), 0, t_end, step);
}

Series Simulator::repeated(std::span<const double> params, double dose_mg, bool salt, double interval, int doses,
                           double t_end, double step) {
  auto p = with_salt(model_, params, salt);
  data::DatasetBuilder ds = dose_dataset();
  add_dose(ds, model_.dose_state() + 1, 0, dose_mg, doses > 1 ? interval : 0, doses - 1, 0);
  return run(p, finish(ds), 0, t_end, step);
}

Series Simulator::regimen(std::span<const double> params, const Regimen& g, double step) {
  validate(g);
  auto p = with_salt(model_, params, g.salt);
  data::DatasetBuilder ds = dose_dataset();
  const int cmt = model_.dose_state() + 1;
  if (g.days == 0) {
    add_dose(ds, cmt, 0, g.dose_mg, g.interval_h, 0, 1);
    return run(p, finish(ds), 0, g.interval_h, step);
  }
  const int doses = static_cast<int>(std::floor(g.days * 24.0 / g.interval_h + 1e-9));
  for (int k = 0; k < doses; ++k) {
    const double time = k * g.interval_h;
    const int day = static_cast<int>(std::floor(time / 24.0)) + 1;
    if (std::find(g.missed.begin(), g.missed.end(), day) != g.missed.end()) continue;
    add_dose(ds, cmt, time, g.dose_mg, 0, 0, 0);
  }
  if (ds.record_count() == 0) throw UsageError("every dose of the regimen is missed; nothing to simulate");
  return run(p, finish(ds), 0, g.days * 24.0, step);
}

double hours_at_or_above(const std::vector<double>& t, const std::vector<double>& y, double level, double from,
                         double to) {
  double total = 0;
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    double a = std::max(t[i], from), b = std::min(t[i + 1], to);
    if (b <= a) continue;
    const double dt = t[i + 1] - t[i];
    // linear interpolation of y over [t[i], t[i+1]], restricted to [a, b]
    auto at = [&](double x) { return y[i] + (y[i + 1] - y[i]) * (x - t[i]) / dt; };
    double ya = at(a), yb = at(b);
    if (ya >= level && yb >= level) total += b - a;
    else if (ya >= level || yb >= level) {
      double tc = a + (level - ya) / (yb - ya) * (b - a);
      total += ya >= level ? tc - a : b - tc;
    }
  }
  return total;
}

CycleMetrics summarise(const Series& s, double from, double length) {
  const double to = from + length;
  const double eps = 1e-9;
  std::size_t i0 = 0, i1 = 0;
  while (i0 < s.t.size() && s.t[i0] < from - eps) ++i0;
  i1 = i0;
  while (i1 + 1 < s.t.size() && s.t[i1 + 1] <= to + eps) ++i1;
  if (i0 >= s.t.size() || i1 <= i0) throw Error("summarise: the series does not cover the dosing interval");
  auto peak = [&](int k, double& vmax, double& tmax) {
    vmax = -1e300;
    for (std::size_t i = i0; i <= i1; ++i)
      if (s.y[k][i] > vmax) {
        vmax = s.y[k][i];
        tmax = s.t[i] - from;
      }
  };
  auto minimum = [&](int k) {
    double v = 1e300;
    for (std::size_t i = i0; i <= i1; ++i) v = std::min(v, s.y[k][i]);
    return v;
  };
  auto mean = [&](int k) {
    double area = 0;
    for (std::size_t i = i0; i < i1; ++i) area += 0.5 * (s.y[k][i] + s.y[k][i + 1]) * (s.t[i + 1] - s.t[i]);
    return area / (s.t[i1] - s.t[i0]);
  };
  CycleMetrics m;
  peak(CP, m.cmax_cp, m.tmax_cp);
  peak(CM, m.cmax_cm, m.tmax_cm);
  m.trough_cp = s.y[CP][i1];
  m.trough_cm = s.y[CM][i1];
  peak(OCC, m.occ_peak, m.tpeak_occ);
  m.occ_trough = minimum(OCC);
  m.hours50 = hours_at_or_above(s.t, s.y[OCC], 0.5, from, to);
  m.hours90 = hours_at_or_above(s.t, s.y[OCC], 0.9, from, to);
  m.ogfr_block_mean = mean(BOGF);
  m.enk_change = mean(ENK) - 1;
  m.rcp_change = mean(RCP) - 1;
  m.bend_change = mean(BEND) - 1;
  m.signal_mean = mean(SIG);
  m.rebound_hours = hours_at_or_above(s.t, s.y[SIG], 1.0, from, to);
  m.t_change = mean(PT) - 1;
  m.b_change = mean(PB) - 1;
  return m;
}

CycleMetrics regimen_metrics(Simulator& sim, std::span<const double> params, const Regimen& g, double step) {
  Series s = sim.regimen(params, g, step);
  if (g.days == 0) return summarise(s, 0, g.interval_h);
  const double end = g.days * 24.0;
  return summarise(s, end - g.interval_h, g.interval_h);
}

const std::vector<MetricRow>& cycle_metric_rows() {
  using M = CycleMetrics;
  static const std::vector<MetricRow> r = {
      {"cmax_ntx", "naltrexone Cmax", "ng/mL", 1, &M::cmax_cp, "PK"},
      {"cmax_ntx_nm", "naltrexone Cmax", "nM", 1000 / kMwNaltrexone, &M::cmax_cp, "PK"},
      {"tmax_ntx", "naltrexone Tmax", "h", 1, &M::tmax_cp, "PK"},
      {"trough_ntx", "naltrexone trough", "ng/mL", 1, &M::trough_cp, "PK"},
      {"trough_ntx_nm", "naltrexone trough", "nM", 1000 / kMwNaltrexone, &M::trough_cp, "PK"},
      {"cmax_nol", "6b-naltrexol Cmax", "ng/mL", 1, &M::cmax_cm, "PK"},
      {"cmax_nol_nm", "6b-naltrexol Cmax", "nM", 1000 / kMwNaltrexol, &M::cmax_cm, "PK"},
      {"tmax_nol", "6b-naltrexol Tmax", "h", 1, &M::tmax_cm, "PK"},
      {"trough_nol", "6b-naltrexol trough", "ng/mL", 1, &M::trough_cm, "PK"},
      {"trough_nol_nm", "6b-naltrexol trough", "nM", 1000 / kMwNaltrexol, &M::trough_cm, "PK"},
      {"occ_peak", "MOR occupancy peak", "%", 100, &M::occ_peak, "MOR"},
      {"occ_trough", "MOR occupancy trough", "%", 100, &M::occ_trough, "MOR"},
      {"hours50", "hours/day MOR >= 50%", "h", 1, &M::hours50, "MOR"},
      {"hours90", "hours/day MOR >= 90%", "h", 1, &M::hours90, "MOR"},
      {"ogfr_block", "OGFr blockade (mean)", "%", 100, &M::ogfr_block_mean, "ASSUMED"},
      {"ogf_change", "OGF change (mean)", "%", 100, &M::enk_change, "ASSUMED"},
      {"receptor_change", "OGF receptor change", "%", 100, &M::rcp_change, "ASSUMED"},
      {"bend_change", "beta-endorphin change", "%", 100, &M::bend_change, "ASSUMED"},
      {"signal_mean", "OGF-OGFr signal (mean)", "x", 1, &M::signal_mean, "ASSUMED"},
      {"rebound_hours", "hours/day signal > baseline", "h", 1, &M::rebound_hours, "ASSUMED"},
      {"t_change", "T-cell proliferation change", "%", 100, &M::t_change, "ASSUMED"},
      {"b_change", "B-cell proliferation change", "%", 100, &M::b_change, "ASSUMED"},
  };
  return r;
}

}  // namespace ldnsim::science
