#include "ldnsim/population/columns.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace ldnsim::population {
namespace {

// One subject's rows as doubles, row after row, in a byte buffer (what run_ordered passes
// from a worker to the consumer).
class NumericRows : public engine::RowSink {
 public:
  NumericRows(const data::Columns& data_columns, const std::vector<Column>& columns, const TableOptions& options,
              std::string& out)
      : columns_(columns), options_(options), grid_values_(grid_values(data_columns, columns)), out_(out) {
    row_.resize(columns.size());
  }
  void row(const engine::OutputRow& r) override {
    if (options_.obs_only && r.record && r.record->evid != 0) return;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const Column& c = columns_[i];
      double v = 0;
      switch (c.kind) {
        case Column::Kind::Id: v = r.governing->id; break;
        case Column::Kind::Time: v = r.time; break;
        case Column::Kind::State:
        case Column::Kind::Output:
        case Column::Kind::Parameter:
          v = c.kind == Column::Kind::State ? r.states[c.index]
              : c.kind == Column::Kind::Output ? r.outputs[c.index]
                                               : r.parameters[c.index];
          if (!options_.allow_nan && !std::isfinite(v)) throw_not_finite(r, c, v);
          break;
        case Column::Kind::Data:
          if (r.record) v = r.subject->value(*r.record, c.index);
          else if (grid_values_[i] == GridValue::Missing) v = std::nan("");
          else if (grid_values_[i] == GridValue::Zero) v = 0;
          else v = r.subject->value(*r.governing, c.index);
          break;
      }
      row_[i] = v;
    }
    out_.append(reinterpret_cast<const char*>(row_.data()), row_.size() * sizeof(double));
  }

 private:
  const std::vector<Column>& columns_;
  const TableOptions& options_;
  std::vector<GridValue> grid_values_;
  std::string& out_;
  std::vector<double> row_;
};

}  // namespace

ColumnTable simulate_columns(const lang::Model& model, const data::Columns& data_columns, const SubjectSource& next,
                             const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                             const TableOptions& table, const ParallelOptions& parallel) {
  ColumnTable out;
  for (const Column& c : columns) out.names.push_back(c.header);
  out.columns.resize(columns.size());
  const std::size_t width = columns.size();
  run_subjects(
      model, data_columns, next, simulation, parallel,
      [&](engine::SubjectSimulator& sim, const data::RecordsView& subject, std::string& buffer) {
        NumericRows rows(data_columns, columns, table, buffer);
        sim.run(subject, rows, {}, table.random ? &*table.random : nullptr);
      },
      [&](std::string& buffer) {
        ++out.subjects;
        if (width == 0) return;
        const std::size_t n = buffer.size() / (width * sizeof(double));
        const char* p = buffer.data();
        if (out.columns[0].capacity() < out.rows + n)
          for (auto& c : out.columns) c.reserve(std::max(2 * c.capacity(), out.rows + n));
        for (std::size_t r = 0; r < n; ++r)
          for (std::size_t k = 0; k < width; ++k, p += sizeof(double)) {
            double v;
            std::memcpy(&v, p, sizeof v);
            out.columns[k].push_back(v);
          }
        out.rows += n;
      });
  return out;
}

ColumnTable simulate_columns(const lang::Model& model, const data::Dataset& dataset,
                             const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                             const TableOptions& table, const ParallelOptions& parallel) {
  std::size_t s = 0;
  auto next = [&](data::Dataset&) -> std::optional<data::RecordsView> {
    if (s >= dataset.subject_count()) return std::nullopt;
    return dataset.subject(s++);
  };
  return simulate_columns(model, dataset.columns(), next, simulation, columns, table, parallel);
}

}  // namespace ldnsim::population
