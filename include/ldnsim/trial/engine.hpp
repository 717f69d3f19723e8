// The in-silico trial engine: for each replicate r, draw the cohort (seed, r), randomise
// it, build each subject's data set (visits, treatment phases as covariate columns from
// the arms' drivers), simulate it with the clinical model, apply withdrawal and data loss,
// extract the endpoints and analyse them. Replicates run in parallel with
// population::run_ordered, so results are byte-identical for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/instance.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/trial/analysis.hpp"
#include "ldnsim/trial/driver.hpp"
#include "ldnsim/trial/population.hpp"
#include "ldnsim/trial/spec.hpp"

namespace ldnsim::trial {

// One subject's outcome in one replicate, for callers that want subject-level data
// (calibration against placebo arms, custom analyses).
struct SubjectOutcome {
  const Subject* subject = nullptr;
  int group = 0;             // arm index (crossover: sequence index)
  double withdrawn_at = -1;  // study day of withdrawal, -1 if none
  bool lost = false;         // removed by administrative data loss
  double follow_up = 0;      // study days observed (retrospective: chart follow-up)
  // values[o * visits + v]: output o of Trial::observed_outputs() at Trial::visits()[v];
  // NaN when not observed (after withdrawal or follow-up, lost, not charted).
  std::vector<double> values;
  // event_times[k]: study days at which counted event k (Trial::counted_events()) fired,
  // up to the end of follow-up or withdrawal.
  std::vector<std::vector<double>> event_times;
};

struct ReplicateResult {
  std::size_t replicate = 0;
  long randomised = 0, withdrawn = 0, lost = 0, screened = 0;
  std::vector<long> withdrawn_by_group;
  std::vector<EndpointResult> endpoints;  // by TrialSpec::endpoints
  // course[(g * outputs + o) * visits + v]: mean of output o over the observed subjects of
  // group g at visit v (NaN if none).
  std::vector<double> course;
};

struct RunOptions {
  std::size_t replicates = 1000;
  std::uint64_t seed = 1;
  // Parameter values of every replicate (nullptr: the trial's own, Trial::instance()); an
  // instance of the trial's model.
  const lang::ModelInstance* model = nullptr;
  int threads = 1;
  bool progress = false;
  // Called in replicate order on the calling thread, with every subject of the replicate.
  std::function<void(std::size_t replicate, const std::vector<SubjectOutcome>&)> on_subjects;
};

// One simulated trial, the unit of work: the random streams of replicate `replicate` under
// `seed`, with the parameter values of `model` (nullptr: the trial's own). Units are
// independent of each other, so any subset can run on any thread or process; results are
// gathered in unit order.
struct ReplicateUnit {
  std::uint64_t seed = 1;
  std::size_t replicate = 0;
  const lang::ModelInstance* model = nullptr;
};

struct TrialResults {
  std::uint64_t seed = 0;
  std::vector<ReplicateResult> replicates;
};

class Trial {
 public:
  // Reads the trial spec, its population spec and its model; checks the spec against the
  // model (endpoint outputs, driver covariates) and creates the drivers, found by name in
  // `drivers` (DriverRegistry::builtin(), science::ldn_drivers(), ...). Throws InputError
  // naming file, key and what was expected; ModelError for a bad model.
  static Trial load(const std::string& spec_path, const DriverRegistry& drivers, const lang::LoadOptions& load = {},
                    const engine::SimulationOptions& simulation = default_simulation_options());
  // The same from specs already read, with a model instance: its parameter values are the
  // trial's own (what run() uses unless told otherwise).
  Trial(TrialSpec spec, PopulationSpec population, lang::ModelInstance model, const DriverRegistry& drivers,
        const engine::SimulationOptions& simulation = default_simulation_options());
  // With the model file's values.
  Trial(TrialSpec spec, PopulationSpec population, lang::ModelPtr model, const DriverRegistry& drivers,
        const engine::SimulationOptions& simulation = default_simulation_options());
  Trial(Trial&&) noexcept;
  ~Trial();

  static engine::SimulationOptions default_simulation_options();

  const TrialSpec& spec() const;
  const PopulationSpec& population() const;
  const lang::Model& model() const;
  // The model with the trial's parameter values.
  const lang::ModelInstance& instance() const;
  // Study times (days) at which outputs are read, ascending; visits()[0] == 0.
  const std::vector<double>& visits() const;
  // Names of the model outputs read at visits (endpoint outputs, then the dropout flag).
  const std::vector<std::string>& observed_outputs() const;
  // Names of the model events that count endpoints count.
  const std::vector<std::string>& counted_events() const;
  // Group labels: arm names, or "LDN-placebo" style sequence labels for crossovers.
  const std::vector<std::string>& groups() const;
  // A readable description of the plan (what --check prints).
  std::string plan() const;

  // Replicates 0 .. options.replicates-1 with options.seed.
  TrialResults run(const RunOptions& options) const;
  // The given units, in parallel (options.threads, options.progress; options.on_subjects is
  // called in unit order with the unit's index); results in unit order, each the same
  // whatever the thread count and whatever other units run.
  std::vector<ReplicateResult> run_units(const std::vector<ReplicateUnit>& units, const RunOptions& options) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Per endpoint, over replicates.
struct EndpointSummary {
  std::string name, label, analysis, output;
  std::size_t replicates = 0, failed = 0;
  double median = stats::kNaN, p025 = stats::kNaN, p975 = stats::kNaN;  // of the estimates
  double power = stats::kNaN;  // share of replicates with a significant result
  stats::Interval power_ci;    // exact 95%
  double median_n = stats::kNaN;
  double median_mean_treatment = stats::kNaN, median_mean_control = stats::kNaN;
  std::string first_error;     // of the first failed replicate
};

struct TrialSummary {
  std::vector<EndpointSummary> endpoints;
  double median_randomised = 0, median_withdrawn = 0, median_lost = 0, median_screened = 0;
  long min_withdrawn = 0, max_withdrawn = 0, min_lost = 0, max_lost = 0;
};

TrialSummary summarise(const Trial& trial, const TrialResults& results);
nlohmann::json to_json(const Trial& trial, const TrialResults& results, const TrialSummary& summary);
std::string summary_text(const Trial& trial, const TrialResults& results, const TrialSummary& summary);
// One row per replicate and endpoint (docs/trials.md "Results"); shortest exact numbers.
std::string results_csv(const Trial& trial, const TrialResults& results);
// An HTML page (report::Html): the summary table, estimate distributions, arms' courses.
std::string report_html(const Trial& trial, const TrialResults& results, const TrialSummary& summary);

}  // namespace ldnsim::trial
