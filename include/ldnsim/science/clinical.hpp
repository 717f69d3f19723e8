// The clinical half of the science layer: statistics of simulated studies compared with
// published ones, and the calibration of the virtual MS patient (models/ms/patient.ldn)
// by minimum distance on published summary statistics (`ldnsim calibrate SPEC`).
//
// A calibration spec (TOML, docs/clinical.md "Calibration specs") names the model file,
// stages of parameters with bounds, and targets: a study (trial spec), an endpoint, a
// statistic of the simulated replicates (mean estimate, mean standard error, share
// significant, withdrawals, ...) and the published value with the spread it is weighed
// by. Each stage minimises sum(z^2), z = (simulated - published) / sqrt(sigma^2 + MC^2),
// over its parameters with NLopt's BOBYQA, every evaluation re-running the studies with
// the same seed (common random numbers). The uncertainty of the estimates comes from the
// Gauss-Newton approximation cov = (J'J)^-1 of the weighted residuals' Jacobian (central
// differences): the published spreads propagated into the parameters.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/trial/engine.hpp"

namespace ldnsim::science {

// What is read off a simulated study, per replicate.
enum class Statistic {
  Estimate,       // the endpoint's estimate
  StdError,       // its standard error (from the confidence interval)
  T,              // estimate / standard error (a verdict "significant" or "not" as a bound on it)
  Significant,    // 1 when significant, else 0
  MeanTreatment,  // mean measure of the treatment group
  MeanControl,
  Withdrawn,      // subjects withdrawn in the replicate
  Lost,           // subjects lost to data problems
};
Statistic parse_statistic(const std::string& name);  // throws InputError listing the names
const char* to_string(Statistic s);

// The value of a statistic in one replicate; NaN when it could not be computed (a failed
// analysis). `endpoint` indexes TrialSpec::endpoints (ignored for Withdrawn and Lost).
double statistic_value(const trial::Trial& trial, const trial::ReplicateResult& r, int endpoint, Statistic s);

// Index of an endpoint by name (NAME or NAME@TIME); -1 if none.
int endpoint_index(const trial::Trial& trial, const std::string& name);

// Simulation options for the clinical model: the trial engine's, with Dormand-Prince.
// The model's relaxation rates (days to weeks) make 12-week visit intervals mildly stiff,
// so `auto` hands them to BDF, which costs ten times more for the same answer.
engine::SimulationOptions clinical_simulation_options();

// ---- calibration specs -------------------------------------------------------------------

struct ClinicalTarget {
  std::string id, key;     // key: "targets[3]", for messages
  std::string study;       // trial spec path (resolved)
  std::string endpoint;    // endpoint name ("" for withdrawn/lost)
  Statistic statistic = Statistic::Estimate;
  double value = 0, sigma = 1;
  std::string sigma_why, grade, unit;
  enum class Kind { Equal, AtLeast, AtMost } kind = Kind::Equal;
  double scale = 1;        // shown values = value * scale (e.g. 100 for %)
};

struct FitParameter {
  std::string name;
  double low = 0, high = 1;
  bool log = false;
};

struct FitStage {
  std::string name;
  std::vector<FitParameter> parameters;
  std::vector<std::size_t> targets;  // indices into CalibrationSpec::targets
};

struct CalibrationSpec {
  std::string file, dir;
  std::string name, title;
  std::string model_path;  // the parameter file the fit is written into (resolved)
  std::size_t replicates = 20;
  std::uint64_t seed = 1;
  int max_evaluations = 200;
  std::vector<FitStage> stages;
  std::vector<ClinicalTarget> targets;
};

// Throws InputError naming FILE:LINE:COLUMN and the key: unknown keys, missing or
// mistyped values, bounds that are not low < high (log: 0 < low), unknown targets in a
// stage, a parameter the model does not declare (checked by calibrate_clinical), studies
// that cannot be read.
CalibrationSpec load_calibration_spec(const std::string& path);

struct ParameterFit {
  std::string name, unit, stage;
  double start = 0, estimate = 0;
  double se = std::numeric_limits<double>::quiet_NaN();  // NaN: not identified by the targets
  double low95 = 0, high95 = 0;                          // 95% range, within the bounds
  double bound_low = 0, bound_high = 0;
  bool at_bound = false;
};

struct TargetFit {
  ClinicalTarget target;
  double model = 0;   // mean over replicates
  double mc_se = 0;   // Monte-Carlo SE of that mean
  double z = 0;
  bool fitted = true;  // false: a check (in no stage)
};

// The correlation of a stage's identified estimates (Gauss-Newton covariance, unit
// coordinates: on the log scale for log-scaled parameters).
struct StageCorrelation {
  std::string stage;
  std::vector<std::string> names;
  std::vector<std::vector<double>> r;
};

struct CalibrationResult {
  std::vector<ParameterFit> parameters;  // stage order
  std::vector<StageCorrelation> correlations;  // stages with two or more identified estimates
  std::vector<TargetFit> targets;        // spec order
  std::vector<double> objective;         // per stage, sum of z^2 at the estimate
  int evaluations = 0;
};

struct CalibrationOptions {
  int threads = 1;
  // A line of text per evaluation and per stage (may be empty).
  std::function<void(const std::string&)> progress;
  // Evaluate the targets at the model file's values without fitting (--check).
  bool evaluate_only = false;
};

// Fits every stage in turn, starting from the model file's values; later stages use the
// earlier estimates. Deterministic for a given spec, whatever the thread count.
CalibrationResult calibrate_clinical(const CalibrationSpec& spec, const CalibrationOptions& options);

// The model text with the estimates written in (src/science/model_file.cpp, the only code
// that rewrites model files): `param NAME = VALUE`, `range LOW HIGH` (the 95% range),
// `se SE` and `role ... fitted` (with `unidentified` when the targets do not identify the
// parameter: then no `se`, and the prior range is kept), and in the source text the clause
// "fitted by `ldnsim calibrate SPEC`" (replacing "to be fitted ..." or an earlier such
// clause). Throws InputError naming a parameter without a `param` line.
std::string write_fit(const std::string& model_text, const CalibrationResult& fit, const std::string& spec_name);

// The correlations of a model's fitted estimates live beside it (MODEL.fit.toml: one
// [[fits]] entry per calibration spec and stage, `parameters` and `correlation`), written by
// `ldnsim calibrate SPEC` and read by the uncertainty draws (clinical_uncertainty.hpp).
std::string fit_correlations_file(const std::string& model_path);
// `existing` (the file's text, or "") with the entries of `spec_name` replaced by `fit`'s.
std::string write_fit_correlations(const std::string& existing, const CalibrationResult& fit, const std::string& spec_name);
// Every entry of a correlations file (InputError with file:line for a malformed one).
std::vector<StageCorrelation> read_fit_correlations(const std::string& path);

}  // namespace ldnsim::science
