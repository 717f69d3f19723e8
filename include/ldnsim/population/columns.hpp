// Simulating a data set into numeric columns instead of CSV text: what the R and Python
// front ends hand to their users as data frames and arrays (no text round trip). The same
// columns, rows, subjects order and values as simulate_table, at full double precision.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ldnsim/population/table.hpp"

namespace ldnsim::population {

// A table as columns of doubles (a data column's missing value is NaN).
struct ColumnTable {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;  // one per name, each `rows` long
  std::size_t rows = 0;
  std::size_t subjects = 0;
};

// simulate_table's rows as numbers: subjects in parallel, appended in subject order.
ColumnTable simulate_columns(const lang::Model& model, const data::Columns& data_columns, const SubjectSource& next,
                             const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                             const TableOptions& table, const ParallelOptions& parallel);

// The same for a data set held in memory.
ColumnTable simulate_columns(const lang::Model& model, const data::Dataset& dataset,
                             const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                             const TableOptions& table, const ParallelOptions& parallel);

}  // namespace ldnsim::population
