// Simulating a whole data set to CSV: columns chosen by name (data columns, states,
// outputs, parameters), subjects in parallel, rows streamed in subject order.
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
std::vector<Column> resolve_columns(const lang::Model& model, const data::Dataset& dataset,
                                    const std::vector<std::string>& requested);

struct TableOptions {
  int digits = 10;        // significant digits; 0 = shortest exact representation
  bool obs_only = false;  // drop dose, other-event and reset records (keep EVID 0 and grid rows)
  // Draw everything random from this seed (subject streams keyed by ID); none: the
  // typical subject.
  std::optional<engine::RandomKey> random;
};

// Formats rows of one subject into a CSV buffer.
class CsvRows : public engine::RowSink {
 public:
  CsvRows(const data::Dataset& dataset, const std::vector<Column>& columns, const TableOptions& options)
      : ds_(dataset), columns_(columns), options_(options) {}
  void attach(std::string& buffer, std::string* events = nullptr) {
    out_ = &buffer;
    events_ = events;
  }
  void row(const engine::OutputRow& r) override;
  // Event log lines: ID,TIME,EVENT.
  void event(const engine::EventRow& e) override;

 private:
  const data::Dataset& ds_;
  const std::vector<Column>& columns_;
  TableOptions options_;
  std::string* out_ = nullptr;
  std::string* events_ = nullptr;
};

std::string csv_header(const std::vector<Column>& columns);

// Simulates every subject and hands CSV text (header first) to `write` in subject order;
// the model's events, if `write_events` is given, go to it as CSV (ID,TIME,EVENT).
void simulate_table(const lang::Model& model, const data::Dataset& dataset,
                    const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                    const TableOptions& table, const ParallelOptions& parallel,
                    const std::function<void(std::string_view)>& write,
                    const std::function<void(std::string_view)>& write_events = {});

}  // namespace ldnsim::population
