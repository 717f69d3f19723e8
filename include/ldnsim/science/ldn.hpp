// The LDN pharmacology models (models/ldn/human.ldn, models/ldn/mouse.ldn) seen from C++:
// named access to their parameters, regimens (nightly dose at a clock time, salt or base,
// missed days, steady state), and the numbers a 24-hour cycle is summarised by (Cmax,
// trough, hours of receptor blockade, rebound, proliferation change).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::science {

// One of the shipped LDN models, or any model declaring the same parameters and outputs.
class LdnModel {
 public:
  explicit LdnModel(lang::ModelPtr model);
  // "human", "mouse" (the shipped models) or a path to a .ldn file.
  static LdnModel load(const std::string& name_or_path, const lang::LoadOptions& options = {});

  const lang::Model& model() const { return *model_; }
  const lang::ModelPtr& ptr() const { return model_; }
  const std::string& path() const { return path_; }
  bool is_mouse() const;

  // Typical values of every parameter (the first parameter_count() slots of a block).
  std::vector<double> typical() const;
  // Index of a parameter; throws InputError naming the model when it has none.
  std::size_t param(std::string_view name) const;
  double get(std::span<const double> p, std::string_view name) const { return p[param(name)]; }
  void set(std::span<double> p, std::string_view name, double v) const { p[param(name)] = v; }

  // Output columns every LDN model provides, in this order.
  static constexpr const char* kOutputs[] = {"CP", "CM", "OCC", "BOGF", "SIG", "ENK", "RCP", "BEND", "PT", "PB"};
  static constexpr std::size_t kOutputCount = sizeof(kOutputs) / sizeof(kOutputs[0]);
  int output(std::size_t k) const { return outputs_[k]; }
  int dose_state() const { return dose_state_; }

 private:
  lang::ModelPtr model_;
  std::string path_;
  std::vector<int> outputs_;
  int dose_state_ = 0;
};

enum Out { CP = 0, CM, OCC, BOGF, SIG, ENK, RCP, BEND, PT, PB };

// A dosing regimen. Doses are mg of naltrexone HCl (salt) or of the base.
struct Regimen {
  std::string label;
  double dose_mg = 4.5;
  bool salt = true;
  double clock_h = 22;      // time of day of the dose
  double interval_h = 24;
  int days = 0;             // 0: the steady-state cycle; N: N days from the first dose
  std::vector<int> missed;  // days (1-based, within `days`) on which no dose is taken
};

// Throws UsageError naming the value and what was expected: negative, zero, non-finite,
// tiny (< policy::kMinDoseMg) or absurd doses (> policy::kMaxDoseMg), intervals of zero or below, clock times outside 0-24 h,
// missed days outside 1..days or without --days.
void validate(const Regimen& regimen);

// Output time series on a regular grid.
struct Series {
  std::vector<double> t;                 // h since the start of the simulation window
  std::vector<std::vector<double>> y;    // y[k][i]: output k (Out) at t[i]
};

// Summary of one dosing interval (the steady-state cycle, or the last day).
struct CycleMetrics {
  double cmax_cp = 0, tmax_cp = 0, trough_cp = 0;  // naltrexone, ng/mL and h after the dose
  double cmax_cm = 0, tmax_cm = 0, trough_cm = 0;  // 6-beta-naltrexol
  double occ_peak = 0, occ_trough = 0;             // MOR occupancy, fraction
  double tpeak_occ = 0;                            // h after the dose
  double hours50 = 0, hours90 = 0;                 // h per interval with occupancy >= 50% / 90%
  double ogfr_block_mean = 0;                      // mean OGFr blockade
  double enk_change = 0, rcp_change = 0, bend_change = 0;  // mean level - 1 (fractions)
  double signal_mean = 0, rebound_hours = 0;       // mean signal; h with signal above baseline
  double t_change = 0, b_change = 0;               // mean proliferation index - 1
};

// One row of the steady-state summary, as `ldnsim dose` and the explorer show it: a key,
// a label, the unit, the scale from the field's unit, and what the number rests on.
struct MetricRow {
  const char* key;
  const char* label;
  const char* unit;
  double scale;
  double CycleMetrics::*field;
  const char* basis;  // PK, MOR or ASSUMED
};
const std::vector<MetricRow>& cycle_metric_rows();
// The row with this key; throws std::out_of_range naming an unknown key (a programming error).
const MetricRow& cycle_metric_row(std::string_view key);


// Default solver settings for the LDN models (tight enough that hours above a threshold
// are exact to well under a minute).
engine::SimulationOptions default_options();

// Simulates LDN models. Not thread-safe; use one per thread.
class Simulator {
 public:
  explicit Simulator(const LdnModel& model, engine::SimulationOptions options = default_options());

  // One dose at time 0 into the dose compartment; outputs every `step` h from 0 to t_end.
  Series single_dose(std::span<const double> params, double dose_mg, bool salt, double t_end, double step);
  // Repeated doses of `dose_mg` every `interval` h from time 0 (no steady state), outputs
  // every `step` h over [0, t_end].
  Series repeated(std::span<const double> params, double dose_mg, bool salt, double interval, int doses,
                  double t_end, double step);
  // The reported window of a regimen: one interval at steady state (starting at the dose),
  // or, with days > 0, the whole simulation from the first dose (day 1 starts at the first
  // dose time). Times are h after the first reported dose; clock = (clock_h + t) mod 24.
  Series regimen(std::span<const double> params, const Regimen& regimen, double step);

  const LdnModel& model() const { return model_; }

 private:
  Series run(std::span<const double> params, const data::Dataset& ds, double t0, double t_end, double step);
  const LdnModel& model_;
  engine::SimulationOptions options_;
};

// Summarises outputs over [from, from + length] of a series (times as in the series; the
// dose is at `from`).
CycleMetrics summarise(const Series& s, double from, double length);

// Steady-state metrics of a regimen (days == 0) or of its last day (days > 0).
CycleMetrics regimen_metrics(Simulator& sim, std::span<const double> params, const Regimen& regimen,
                             double step = 0.05);

// Hours with y >= level over [from, to], crossings located by linear interpolation.
double hours_at_or_above(const std::vector<double>& t, const std::vector<double>& y, double level, double from,
                         double to);

// Unit conversions (pharmacology.md 1).
inline constexpr double kMwNaltrexone = 341.41;
inline constexpr double kMwNaltrexoneHcl = 377.87;
inline constexpr double kMwNaltrexol = 343.42;
inline double ng_per_ml_to_nm(double ng_per_ml, double mw) { return ng_per_ml * 1000.0 / mw; }

}  // namespace ldnsim::science
