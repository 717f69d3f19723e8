// Private to the trial engine (src/trial/engine*.cpp), not a public header: Trial::Impl, the
// state a loaded trial keeps (set up once by engine_setup.cpp) and the per-worker simulators.
// The public surface is include/ldnsim/trial/engine.hpp.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "ldnsim/trial/engine.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/population/bytes.hpp"
#include "ldnsim/population/parallel.hpp"

namespace ldnsim::trial {

namespace engine_detail {

constexpr double kNaN = stats::kNaN;
constexpr double kDaysPerYear = 365.25;

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// One phase of a subject's study: from `start` (study day) on, the covariates of `arm`
// (-1: washout, off treatment).
struct Phase {
  double start;
  int arm;
};

struct Record {
  double day;
  int evid;    // 0 observation at a visit, 2 a change of treatment phase
  int visit;   // visit index (evid 0)
  int phase;   // phase whose covariates the record carries
};

}  // namespace engine_detail

struct Trial::Impl {
  TrialSpec spec;
  PopulationSpec population;
  lang::ModelPtr model;
  std::unique_ptr<lang::ModelInstance> instance;  // the trial's own parameter values
  engine::SimulationOptions simulation;
  std::unique_ptr<CohortGenerator> generator;

  std::vector<double> visits;                // study days
  std::vector<std::string> outputs;          // observed output names
  std::vector<int> output_index;             // into the model's outputs
  std::vector<int> endpoint_output;          // per endpoint: slot in `outputs` (-1: event count)
  std::vector<std::string> events;           // counted model events
  std::vector<int> event_slot;               // per model event: index into `events`, or -1
  std::vector<int> endpoint_event;           // per endpoint: index into `events`, or -1
  int dropout_slot = -1;
  std::vector<std::string> groups;
  std::vector<std::vector<engine_detail::Phase>> phases;    // per group

  // Data-set columns: ID, TIME, EVID, then population columns, then treatment columns.
  std::vector<std::size_t> population_columns;  // population column index per data column
  std::vector<std::string> treatment_columns;   // model parameter names
  std::vector<std::vector<int>> arm_columns;    // per arm: treatment column per driver value
  DriverRegistry drivers;                       // the caller's, copied: each worker makes its own drivers
  std::vector<double> washout_values;           // per treatment column
  data::Columns data_columns;
  std::unique_ptr<engine::Binding> binding;
  std::vector<int> stratify_columns;

  struct Worker {
    std::optional<data::DatasetBuilder> ds;  // one subject's records
    std::unique_ptr<engine::SubjectSimulator> sim;
    std::vector<std::unique_ptr<TreatmentDriver>> drivers;  // per arm
    std::vector<engine_detail::Record> records;
    std::vector<double> phase_values;  // per phase, per treatment column
    std::vector<double> row;           // one record's values
    std::vector<double> driver_out;
  };
  std::mutex workers_mutex;
  std::vector<std::unique_ptr<Worker>> workers;

  Worker& worker(std::size_t w) {
    std::lock_guard<std::mutex> lock(workers_mutex);
    if (workers.size() <= w) workers.resize(w + 1);
    if (!workers[w]) {
      auto x = std::make_unique<Worker>();
      x->ds.emplace(data_columns);
      x->sim = std::make_unique<engine::SubjectSimulator>(*model, *binding, simulation);
      DriverContext ctx{model.get(), spec.dir};
      for (const auto& arm : spec.arms) x->drivers.push_back(drivers.make(arm.driver, ctx));
      workers[w] = std::move(x);
    }
    return *workers[w];
  }

  void setup();
  void simulate_subject(Worker& w, std::uint64_t seed, std::size_t replicate, std::span<const double> parameters,
                        const Subject& s, int group, double end_day, double withdraw_day, SubjectOutcome& out);
  ReplicateResult run_replicate(Worker& w, const ReplicateUnit& unit, std::vector<Subject>& cohort,
                                std::vector<SubjectOutcome>& outcomes);
  void allocate(std::uint64_t seed, std::size_t replicate, const std::vector<Subject>& cohort, std::vector<int>& group) const;
  void extract(const EndpointSpec& e, const std::vector<SubjectOutcome>& outcomes, EndpointData& d) const;
};

}  // namespace ldnsim::trial
