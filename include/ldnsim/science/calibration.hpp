// Calibration of the LDN models to the published targets (models/ldn/*-targets.toml, whose
// values are those of ../shared/science/targets.csv), by least squares with NLopt, so the fitted values in the model files are the output of
// a routine (`ldnsim calibrate human|mouse --write`) rather than numbers tuned by hand.
#pragma once

#include <cmath>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ldnsim/science/ldn.hpp"

namespace ldnsim::science {

inline constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// How a target's model value is read (the keys of a targets file, models/ldn/*-targets.toml).
enum class Measure {
  Peak,
  TimeOfPeak,
  AucInf,
  HalfLife,
  ValueAt,
  DecayHalfTime,
  SteadyStateMean,
  HoursBlocked
};

// A calibration target, as its targets file states it. `value`, `low`, `high` and `unit` are
// those of targets.csv (a test checks they agree) or, for a target that is not a row of
// targets.csv, of the notes line named in `source` (with its grade; E = our arithmetic);
// `sigma` is the spread the fit weighs residuals by and the tests use as tolerance, with
// its reason.
struct Target {
  std::string id;
  std::string quantity;
  double value = 0, low = kNone, high = kNone;
  std::string unit;
  double sigma = 1;
  std::string sigma_why;
  // One-sided targets: the model value only has to reach `value` (at least / at most).
  enum class Kind { Equal, AtLeast, AtMost } kind = Kind::Equal;
  // Empty for rows of targets.csv; otherwise where the value and range come from.
  std::string source = {};

  // How the model's value is read: a single dose of dose_mg (HCl), simulated `hours` on a
  // grid of step_h (SteadyStateMean: dose_mg every interval_h at steady state, one
  // interval); `measure` of output `output` (an index of LdnModel::kOutputs) with its
  // times; divided by the same measure of output `over` when over >= 0 (a ratio of two
  // outputs); times `scale`. HoursBlocked: over the steady-state cycle of `regimen`.
  Measure measure = Measure::Peak;
  int output = 0;
  int over = -1;
  double scale = 1;
  double dose_mg = 0, hours = 0, step_h = 0.01, interval_h = kNone;
  double until_h = kNone, at_h = kNone, from_h = kNone, to_h = kNone, terminal_from_h = kNone;
  std::vector<double> times_h;
  std::string regimen;
};

struct Evaluated {
  Target target;
  double model = 0;
  // Residual in units of sigma (0 when a one-sided target is met).
  double z() const;
};

// The mouse regimens of pharmacology.md 4.2 and their steady-state outcome.
struct MouseRegimen {
  std::string label;
  double mg_per_kg;
  double interval_h;
  int expected_sign;  // -1: inhibits growth/disease (protective), +1: stimulates or no benefit
  std::string evidence;
};

// One fitting stage: parameters fitted (log scale, within bounds) to a subset of targets.
// `not_identified`: parameters of the same mechanism that these targets do not identify
// (a profile of the fit is flat over part of their plausible range); they are not fitted,
// keep the value and prior range of the model file, and are reported as not identified.
struct Stage {
  std::string name;
  std::vector<std::string> parameters;
  std::vector<std::pair<double, double>> bounds;
  std::vector<std::size_t> targets;  // indices into the target list
  std::vector<std::string> not_identified = {};
};

// A model's targets file: targets, fitting stages and, for the mouse, the regimens and the
// occupancy that counts as functional blockade.
struct PharmacologyTargets {
  std::string file;
  std::vector<Target> targets;
  std::vector<Stage> stages;
  std::vector<MouseRegimen> regimens;
  double blockade = kNone;
  std::string blockade_why;
};

// Reads a targets file strictly (core/toml_reader.hpp): InputError naming file:line:column
// and key for unknown keys, missing values, unknown measures or outputs, stages naming
// unknown targets.
PharmacologyTargets load_pharmacology_targets(const std::string& path);

// The targets of a model: NAME-targets.toml beside its file, else the shipped ones of the
// human or mouse model (models/ldn/human-targets.toml, mouse-targets.toml). Read once per
// file; thread-safe.
const PharmacologyTargets& targets_of(const LdnModel& model);

// The model's value for each target (in target order), with parameter values `params`.
// With `which`, only those targets are computed (the others are NaN), each simulation once.
std::vector<double> evaluate_targets(Simulator& sim, std::span<const double> params,
                                     const std::vector<std::size_t>* which = nullptr);

struct MouseOutcome {
  MouseRegimen regimen;
  double hours_blocked = 0;  // h/day with occupancy >= the targets file's blockade level
  CycleMetrics metrics;      // over one day (all doses of the day)
  bool sign_ok = false;      // proliferation change has the expected sign
};
// The regimens of the model's targets file at steady state.
std::vector<MouseOutcome> mouse_sign_switch(Simulator& sim, std::span<const double> params);

// Sum of squared z over the model's calibration targets (human or mouse): how far a
// parameter set is from the data, used to weigh uncertainty samples.
double calibration_chi2(Simulator& sim, std::span<const double> params);

struct FitResult {
  std::vector<std::pair<std::string, double>> fitted;  // in stage order
  std::vector<Evaluated> targets;
  // Per fitted parameter (same order), when asked for: the span of refits with each
  // target of its stage moved by one sigma either way.
  std::vector<std::pair<double, double>> ranges;
  std::vector<double> objective;  // per stage, sum of squared z
  int evaluations = 0;
};

// Fits every stage in turn, starting from the model's current values, and with `ranges`
// the refits that give each fitted parameter its range. Deterministic. `progress` (may be
// empty) is called with a line of text per finished stage.
FitResult calibrate(const LdnModel& model, bool ranges = false,
                    const std::function<void(const std::string&)>& progress = {});

// The model text with `param NAME = VALUE` rewritten for the given names (6 significant
// digits), and, for the first ranges.size() of them, `logrange LOW HIGH` set on the same
// line; throws InputError naming a parameter that has no such line.
std::string rewrite_parameters(const std::string& text, const std::vector<std::pair<std::string, double>>& values,
                               const std::vector<std::pair<double, double>>& ranges = {});

// Number with 6 significant digits, as written into model files.
std::string model_number(double v);

}  // namespace ldnsim::science
