// Uncertainty end to end for the clinical model (issue 9, item 3): one mechanism that draws
// every uncertain input of a simulated trial jointly, by level:
//   sampling     nothing is drawn: the replicates' chance only
//   parameters   + every fitted parameter of the clinical model (models/ms/patient.ldn):
//                normal around its estimate with its SE, jointly with the other estimates
//                of its calibration stage (correlations in MODEL.fit.toml, written by
//                calibrate; independent where the file has none), kept inside its stated
//                range; fitted but not identified: uniform over its prior range
//   assumptions  + every assumption-only parameter (role assumption, neither fitted nor
//                data) uniform over its stated range, the lymphocyte change LDN causes
//                (the driver's DPROL times PROLX, PROLX drawn from the pharmacology's
//                Latin hypercube of models/ldn/human.ldn over every ranged parameter, so a
//                draw can have LDN raising proliferation and relapses), and
//                a between-trial term: the trial's placebo relapse rate ARR_RR times
//                exp(ARR_TAU z - ARR_TAU^2 / 2), z ~ N(0, 1)
// Every draw is a pure function of (seed, draw), so results do not depend on threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ldnsim/lang/instance.hpp"

namespace ldnsim::science {

enum class UncertaintyLevel { Sampling, Parameters, Assumptions };
UncertaintyLevel parse_uncertainty_level(const std::string& text);  // UsageError listing the levels
const char* to_string(UncertaintyLevel level);
// What an interval at this level covers, for outputs: "sampling", "sampling + parameters",
// "sampling + parameters + assumptions".
std::string coverage_text(UncertaintyLevel level);

struct DrawnParameter {
  std::string name;
  std::size_t index = 0;
  std::string distribution;  // "normal" (estimate, se, within [low, high]) | "uniform" (low, high)
  double estimate = 0, se = 0, low = 0, high = 0;
  std::string why;  // fitted | not identified | assumption
};

struct DrawPlan {
  UncertaintyLevel level = UncertaintyLevel::Sampling;
  std::vector<DrawnParameter> parameters;
  // The lymphocyte change: PROLX samples (change of the sample / typical change, mean
  // T-cell proliferation at 4.5 mg nightly at 22:00) and their weights (equal).
  bool lymphocytes = false;
  std::vector<double> prolx, prolx_weight;
  double change_typical = 0, change_low = 0, change_high = 0;  // % at 4.5 mg: typical, 2.5-97.5%
  // Fitted estimates drawn jointly: members index `parameters`, `chol` is the Cholesky
  // factor of their correlation (MODEL.fit.toml, written by calibrate); the others are
  // independent.
  struct Block {
    std::vector<std::size_t> members;
    std::vector<std::vector<double>> chol;
  };
  std::vector<Block> blocks;
  std::string correlations_file;  // read, when it exists
  bool heterogeneity = false;
  double tau = 0;  // between-trial SD of the log placebo relapse rate
  std::string covers;
};

// The plan for a clinical model instance (its current values are the centre). `keep`:
// parameters not to draw (fixed by --set, or drawn by the caller). The pharmacology runs
// `pharmacology_samples` Latin-hypercube samples (assumptions level, when the model has
// PROLX). Throws InputError when the assumptions level is asked of a model that declares
// ARR_TAU without ARR_RR, or a PROLX without DPROL.
DrawPlan plan_draws(const lang::ModelInstance& base, UncertaintyLevel level, const std::vector<std::string>& keep,
                    std::size_t pharmacology_samples, std::uint64_t seed, int threads);

// Draw k of the plan, written into `out` (a copy of the base instance).
void apply_draw(const DrawPlan& plan, std::size_t k, std::uint64_t seed, lang::ModelInstance& out);

}  // namespace ldnsim::science
