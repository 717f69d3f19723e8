// Simulating a data set to CSV: columns chosen by name (data columns, states, outputs,
// parameters), subjects in parallel, rows streamed in subject order. A data set file is
// read subject by subject while earlier subjects are simulated, so memory holds a few
// subjects, never the file.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/data/dataset.hpp"
#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/population/parallel.hpp"

namespace ldnsim::population {

struct Column {
  enum class Kind { Id, Time, Data, State, Output, Parameter };
  Kind kind;
  std::size_t index = 0;
  std::string header;
};

// Resolves requested names (case-insensitive): ID and TIME, then outputs, states,
// parameters, then other data columns. An empty request gives ID, TIME, every output and
// every state. Throws UsageError for an unknown name, listing what is available.
std::vector<Column> resolve_columns(const lang::Model& model, const data::Columns& data_columns,
                                    const std::vector<std::string>& requested);

struct TableOptions {
  int digits = 10;        // significant digits; 0 = shortest exact representation
  bool obs_only = false;  // drop dose, other-event and reset records (keep EVID 0 and grid rows)
  // A NaN or infinite output or state is a SolverError naming the subject, the time and
  // the column, unless allowed (then written as NaN, Inf or -Inf).
  bool allow_nan = false;
  // Draw everything random from this seed (subject streams keyed by ID); none: the
  // typical subject.
  std::optional<engine::RandomKey> random;
};

// What a grid row (an output time that is no record) holds in a data column: the value
// of the record governing it, 0 (dosing items: EVID, AMT, CMT, RATE, II, ADDL, SS, MDV) or
// missing (DV). One entry per table column (Governing for non-data columns).
enum class GridValue { Governing, Zero, Missing };
std::vector<GridValue> grid_values(const data::Columns& data_columns, const std::vector<Column>& columns);

// The SolverError for a NaN or infinite output, state or parameter `v` in column `c`.
[[noreturn]] void throw_not_finite(const engine::OutputRow& r, const Column& c, double v);

// Formats rows of one subject into a CSV buffer.
class CsvRows : public engine::RowSink {
 public:
  CsvRows(const data::Columns& data_columns, const std::vector<Column>& columns, const TableOptions& options);
  void attach(std::string& buffer, std::string* events = nullptr) {
    out_ = &buffer;
    events_ = events;
  }
  void row(const engine::OutputRow& r) override;
  // Event log lines: ID,TIME,EVENT.
  void event(const engine::EventRow& e) override;

 private:
  const std::vector<Column>& columns_;
  TableOptions options_;
  // Per column of the table: for a data column, what a grid row holds there.
  std::vector<GridValue> grid_values_;
  std::vector<char> line_;  // one row as it is written
  std::string* out_ = nullptr;
  std::string* events_ = nullptr;
};

std::string csv_header(const std::vector<Column>& columns);

// The next subject's records: a source fills `buffer` (a worker's, reused) with them and
// returns a view of them (or of records held elsewhere), or nothing after the last subject.
// Called one subject at a time, in order.
using SubjectSource = std::function<std::optional<data::RecordsView>(data::Dataset& buffer)>;

// Runs every subject of `next` on the workers of `parallel`, each worker with its own
// simulator: simulate(simulator, subject, buffer) fills a subject's buffer on a worker,
// consume(buffer) takes the buffers on the calling thread in subject order.
void run_subjects(const lang::Model& model, const data::Columns& data_columns, const SubjectSource& next,
                  const engine::SimulationOptions& simulation, const ParallelOptions& parallel,
                  const std::function<void(engine::SubjectSimulator&, const data::RecordsView&, std::string&)>& simulate,
                  const std::function<void(std::string&)>& consume);

// Simulates every subject of `next` and hands CSV text (header first) to `write` in
// subject order; the model's events, if `write_events` is given, go to it as CSV
// (ID,TIME,EVENT). Returns the number of subjects.
std::size_t simulate_table(const lang::Model& model, const data::Columns& data_columns, const SubjectSource& next,
                           const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                           const TableOptions& table, const ParallelOptions& parallel,
                           const std::function<void(std::string_view)>& write,
                           const std::function<void(std::string_view)>& write_events = {});

// The same for a data set held in memory.
std::size_t simulate_table(const lang::Model& model, const data::Dataset& dataset,
                           const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                           const TableOptions& table, const ParallelOptions& parallel,
                           const std::function<void(std::string_view)>& write,
                           const std::function<void(std::string_view)>& write_events = {});

// The same for a data set file, read subject by subject while subjects are simulated.
std::size_t simulate_table(const lang::Model& model, data::DatasetReader& reader,
                           const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                           const TableOptions& table, const ParallelOptions& parallel,
                           const std::function<void(std::string_view)>& write,
                           const std::function<void(std::string_view)>& write_events = {});

}  // namespace ldnsim::population
