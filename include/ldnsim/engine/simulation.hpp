// Moving one subject through time with NONMEM's event semantics: records in input order,
// doses (bolus, zero-order infusion, modeled rate or duration) with bioavailability and
// lag time per compartment, additional doses, steady state (SS=1 and SS=2, boluses and
// infusions, II < DUR and II == DUR), resets (EVID 3 and 4) and time-varying covariates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ldnsim/data/dataset.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/solver/integrator.hpp"

namespace ldnsim::engine {

// Which record's covariate values apply between two records.
enum class CovariateMode {
  NextRecord,  // NONMEM: the interval (t[i-1], t[i]] uses record i's values (NOCB)
  LastRecord,  // the values of record i apply from t[i] on (LOCF, mrgsolve's nocb=FALSE)
};

struct SimulationOptions {
  solver::Method method = solver::Method::Auto;
  solver::Tolerances tolerances;
  CovariateMode covariates = CovariateMode::NextRecord;
  // Output times added to every subject on top of its records (sorted, unique).
  std::vector<double> grid;
  // Steady state: the dosing interval is repeated until the state changes by less than
  // ss_atol + ss_rtol*|x| over one interval; 0 means the solver's rtol and atol (the
  // interval map itself is integrated 100 times more tightly).
  double ss_rtol = 0;
  double ss_atol = 0;
  int ss_max_intervals = 2000;
};

// How a data set's columns feed a model: checked once for the header, and record by
// record for each subject (check(), which SubjectSimulator::run calls).
class Binding {
 public:
  // Throws InputError naming the file for covariates the model needs that the data set
  // lacks.
  Binding(const lang::Model& model, const data::Columns& columns);
  // The same, then check() on every subject of the data set.
  Binding(const lang::Model& model, const data::Dataset& dataset);

  // Throws InputError naming the record (line) and field for doses into compartments the
  // model lacks, and RATE=-1 / -2 where the model defines no R / D for that compartment.
  void check(const data::RecordsView& records) const;

  struct ParameterColumn {
    std::size_t column;
    std::size_t parameter;
  };
  const std::vector<ParameterColumn>& parameter_columns() const { return columns_; }
  int default_dose_compartment() const { return default_cmt_; }  // 0-based

 private:
  const lang::Model* model_;
  std::vector<ParameterColumn> columns_;
  int default_cmt_ = 0;
};

// One row of output: the system at one time.
struct OutputRow {
  const data::Record* record;      // the record, or nullptr for a grid row
  const data::Record* governing;   // the record whose data columns apply (grid rows)
  double time;
  const double* states;
  const double* outputs;
  const double* parameters;        // the parameter block in effect
  const data::RecordsView* subject;  // the subject's records (and their data columns)
};

// An event of the model (`event NAME ...`) that fired, after its actions were applied.
struct EventRow {
  int event;          // index into Model::events()
  const char* name;
  double id;          // subject ID
  double time;
  const double* states;
  const double* parameters;
};

class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void row(const OutputRow& r) = 0;
  virtual void event(const EventRow&) {}
};

// Switches chance on: random declarations, between-subject variability, rate events and
// output noise are drawn from streams keyed by (seed, replicate, subject ID, purpose).
// Without a key, a subject is the model's typical subject.
struct RandomKey {
  std::uint64_t seed = 0;
  std::uint64_t replicate = 0;
};

// Simulates subjects one after another, one subject's records per call; one per thread,
// reused across subjects so that buffers are allocated once.
class SubjectSimulator {
 public:
  SubjectSimulator(const lang::Model& model, const Binding& binding, const SimulationOptions& options);
  ~SubjectSimulator();
  SubjectSimulator(const SubjectSimulator&) = delete;
  SubjectSimulator& operator=(const SubjectSimulator&) = delete;

  // Runs one subject: `subject` holds its records (one ID), which the binding checks
  // first. `parameters`, if given, replaces the model's typical values for this subject
  // (data columns still override it); `key`, if given, draws everything random. Throws
  // InputError for records the model cannot take, SolverError naming subject, time and
  // state on numerical failure.
  void run(const data::RecordsView& subject, RowSink& sink, std::span<const double> parameters = {},
           const RandomKey* key = nullptr);

  const solver::IntegratorStats& stats() const;
  long rhs_calls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ldnsim::engine
