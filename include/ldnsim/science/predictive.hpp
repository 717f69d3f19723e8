// Predictive replicates: simulated trials whose parameter values are drawn, per replicate,
// from the uncertainty the model file states for them, so that the spread of a statistic
// over replicates covers sampling, parameter and assumption uncertainty together (what a
// row marked *prediction* needs). Used by `ldnsim reproduce` for studies with
// `uncertainty = N` (docs/fibromyalgia.md "Predictions").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ldnsim/lang/instance.hpp"
#include "ldnsim/science/clinical_uncertainty.hpp"
#include "ldnsim/trial/engine.hpp"

namespace ldnsim::science {

// A parameter drawn in each world: a fitted value with `se` from normal(value, se) cut to
// its range; any other with a range (not an input) uniformly, or log-uniformly for
// `logrange`, over it.
// (Not clinical_uncertainty.hpp's DrawnParameter: two structs of one name in one namespace
// broke the one-definition rule.)
struct WorldParameter {
  std::string name;
  std::size_t index = 0;
  double value = 0, low = 0, high = 0, se = 0;
  bool log = false;
};
std::vector<WorldParameter> drawn_parameters(const lang::ModelInstance& model);

// `worlds` parameter sets drawn from stream (seed, world, parameter); world 0 is drawn too
// (no world keeps the file's values).
std::vector<lang::ModelInstance> draw_worlds(const lang::ModelInstance& model, std::size_t worlds, std::uint64_t seed);

// Replicates 0 .. options.replicates-1 of `trial`, replicate r in world r mod worlds.
trial::TrialResults run_predictive(const trial::Trial& trial, const trial::RunOptions& options, std::size_t worlds);

// As run_predictive, with the worlds drawn by power's mechanism (clinical_uncertainty.hpp):
// world w is draw w of `plan` (seed options.seed).
trial::TrialResults run_planned(const trial::Trial& trial, const trial::RunOptions& options, const DrawPlan& plan, std::size_t worlds);

}  // namespace ldnsim::science
