// A row sink that keeps every row of a simulation in memory, for assertions.
#pragma once

#include <vector>

#include "ldnsim/engine/simulation.hpp"

namespace ldnsim::test {

struct Row {
  bool is_record;
  std::size_t record_row;  // data-set row when is_record
  double time;
  std::vector<double> states;
  std::vector<double> outputs;
};

class Collect : public engine::RowSink {
 public:
  void row(const engine::OutputRow& r) override {
    Row x;
    x.is_record = r.record != nullptr;
    x.record_row = r.record ? r.record->row : 0;
    x.time = r.time;
    x.states.assign(r.states, r.states + n_states);
    x.outputs.assign(r.outputs, r.outputs + n_outputs);
    rows.push_back(std::move(x));
  }
  std::size_t n_states = 0, n_outputs = 0;
  std::vector<Row> rows;
};

}  // namespace ldnsim::test
