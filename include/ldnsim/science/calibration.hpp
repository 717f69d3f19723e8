// Calibration of the LDN models to the published targets (../shared/science/targets.csv),
// by least squares with NLopt, so the fitted values in the model files are the output of
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

// A calibration target. `value`, `low`, `high` and `unit` are those of targets.csv (a test
// checks they agree) or, for a target that is not a row of targets.csv, of the notes line
// named in `source` (with its grade; E = our arithmetic); `sigma` is the spread the fit
// weighs residuals by and the tests use as tolerance, with its reason.
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
};

struct Evaluated {
  Target target;
  double model = 0;
  // Residual in units of sigma (0 when a one-sided target is met).
  double z() const;
};

// Human targets, in this order: PK of naltrexone (Cmax, Tmax, AUC, half-life after 50 mg),
// 6-beta-naltrexol (Cmax, Tmax, half-life, AUC ratio to naltrexone after 50 mg, mean
// plasma ratio at steady state), MOR occupancy (peaks at 2, 5, 15, 50 mg; 48 h after 50 mg;
// half-time after 50 mg; time of the peak after 2 mg).
const std::vector<Target>& human_targets();
std::vector<double> evaluate_human(Simulator& sim, std::span<const double> params);

// Mouse targets: hours a day of functional MOR blockade (occupancy >= 90%, see
// kMouseBlockade) at steady state for 0.1 mg/kg daily, 0.4 mg/kg daily, 10 mg/kg daily and
// 0.1 mg/kg every 6 h (pharmacology.md 4.2).
const std::vector<Target>& mouse_targets();
std::vector<double> evaluate_mouse(Simulator& sim, std::span<const double> params);

// Functional blockade in the mouse: morphine analgesia is abolished when the antagonist
// shifts morphine's dose-response at least 10-fold, i.e. dose ratio 1/(1 - occupancy) >= 10
// (Gaddum/Schild arithmetic), i.e. occupancy >= 90%.
inline constexpr double kMouseBlockade = 0.9;

// The mouse regimens of pharmacology.md 4.2 and their steady-state outcome.
struct MouseRegimen {
  std::string label;
  double mg_per_kg;
  double interval_h;
  int expected_sign;  // -1: inhibits growth/disease (protective), +1: stimulates or no benefit
  std::string evidence;
};
const std::vector<MouseRegimen>& mouse_regimens();
struct MouseOutcome {
  MouseRegimen regimen;
  double hours_blocked = 0;  // h/day with occupancy >= kMouseBlockade
  CycleMetrics metrics;      // over one day (all doses of the day)
  bool sign_ok = false;      // proliferation change has the expected sign
};
std::vector<MouseOutcome> mouse_sign_switch(Simulator& sim, std::span<const double> params);

// Sum of squared z over the model's calibration targets (human or mouse): how far a
// parameter set is from the data, used to weigh uncertainty samples.
double calibration_chi2(Simulator& sim, std::span<const double> params);

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
std::vector<Stage> human_stages();
std::vector<Stage> mouse_stages();

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
