// Private to the claims code (src/science/claims*.cpp), not a public header: the figures a
// part is tested with, the simulated runs (a study or a pharmacology band, each run once and
// shared by every part that uses it) and the evaluator that caches them. The public surface
// is include/ldnsim/science/claims.hpp.
#pragma once

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ldnsim/lang/instance.hpp"
#include "ldnsim/science/calibration.hpp"
#include "ldnsim/science/claims.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/ldn.hpp"
#include "ldnsim/trial/engine.hpp"

namespace ldnsim::science::claims_detail {

namespace fs = std::filesystem;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The pharmacology metrics a part may name (`metric`), in the order metrics_of returns them.
inline const std::vector<std::string> kMetrics = {"t_peak_change", "t_mean_change", "b_mean_change", "occ_trough",
                                                  "occ_peak", "bend_change", "enk_change"};

// ---- figures (claims_figures.cpp) -------------------------------------------------------------

std::string num(double v, int digits = 3);
Figure central95(std::vector<double> v);
// Weighted 2.5/50/97.5% points (weights >= 0).
Figure weighted95(const std::vector<double>& v, const std::vector<double>& w);
Figure scaled(Figure f, double s);
std::string figure_text(const Figure& f, const std::string& unit);
std::string set_text(const std::map<std::string, double>& set);

// A simulated study, run once per (spec, parameter values) and shared by every part.
struct TrialRun {
  std::unique_ptr<trial::Trial> trial;
  trial::TrialResults results;
  std::string description;
  std::vector<CurvePoint> curve;  // progression-free share, when asked
};

// A pharmacology band, run once per (model, dose, band).
struct PharmRun {
  std::string description;
  std::vector<double> typical;                 // metrics at the typical values, by kMetrics
  std::vector<std::vector<double>> samples;    // [sample][metric]
  std::vector<double> weights;
  double ess = 0;
  double hours_above = 0;  // typical: h/day with the T-cell index changed by at least the part's hours_above %
  // Assumption-only ranged parameters (role assumption, neither fitted nor data), each
  // moved alone to either end of its stated range: the metrics there (rule c).
  struct Span {
    std::string name, range;
    std::vector<double> low, high;  // metrics, by kMetrics
  };
  std::vector<Span> assumptions;
};

// A parameter whose value has no data behind it: role assumption, and neither fitted,
// data nor an input (rule c of the verdict).
bool assumption_only(const lang::Parameter& q);
std::string canonical(const std::string& path);
// The calibration spec a parameter's source names ("fitted by `ldnsim calibrate SPEC`",
// the clause `ldnsim calibrate --write` writes), or "" when none.
std::string fitted_by(const lang::Parameter& q);
// The metrics of a steady-state cycle, by kMetrics.
std::vector<double> metrics_of(const Series& s, double interval);

// ---- the simulated runs (claims_runs.cpp) -----------------------------------------------------

class Evaluator {
 public:
  Evaluator(const ClaimsSpec& spec, const ClaimsOptions& o) : spec_(spec), o_(o) {}

  TrialRun& trial_run(const std::string& study, const std::map<std::string, double>& set, bool curve,
                      const std::string& curve_endpoint);
  PharmRun& pharm_run(const ClaimPart& p);
  const lang::Model& patient() { return *model_of(spec_.model_path); }
  // The calibration spec named relative to the ldnsim tree that holds the model file (the
  // clause is written relative to it): the nearest ancestor of the model's folder where
  // the path exists. Null when there is none.
  const CalibrationSpec* calibration(const std::string& model_path, const std::string& rel);
  // Every calibration spec that fitted a parameter of the model.
  std::vector<const CalibrationSpec*> calibrations_of(const std::string& model_path);
  // Each model file is read and compiled once.
  const lang::ModelPtr& model_of(const std::string& path);

  std::size_t trials_run = 0, pharmacology_runs = 0;

 private:
  const ClaimsSpec& spec_;
  const ClaimsOptions& o_;
  std::map<std::string, std::unique_ptr<TrialRun>> trials_;
  std::map<std::string, std::unique_ptr<PharmRun>> pharm_;
  std::map<std::string, lang::ModelPtr> models_;
  std::map<std::string, std::unique_ptr<CalibrationSpec>> calibrations_;
};

// ---- figures of runs (claims_figures.cpp) -----------------------------------------------------

// The statistic of a trial part over the replicates of a run (before scaling).
Figure trial_figure(const ClaimPart& p, const TrialRun& run, const std::string& where);
// P(X >= k), X ~ Bin(n, p).
double tail(long k, long n, double p);
Figure binomial_figure(const Figure& p, long k, long n);
// The p at which P(X >= k) = target (bisection; P increases with p).
double p_needed(long k, long n, double target);
std::string short_path(const std::string& path);

}  // namespace ldnsim::science::claims_detail
