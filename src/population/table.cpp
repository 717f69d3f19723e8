#include "ldnsim/population/table.hpp"

#include <cctype>

#include "ldnsim/core/text.hpp"
#include <cmath>
#include <memory>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"

namespace ldnsim::population {
namespace {


}  // namespace

std::vector<Column> resolve_columns(const lang::Model& model, const data::Dataset& ds,
                                    const std::vector<std::string>& requested) {
  std::vector<Column> cols;
  if (requested.empty()) {
    cols.push_back({Column::Kind::Id, 0, "ID"});
    cols.push_back({Column::Kind::Time, 0, "TIME"});
    for (std::size_t o = 0; o < model.output_count(); ++o)
      cols.push_back({Column::Kind::Output, o, model.outputs()[o].name});
    // A state the model also declares as an output (`output ENK`) is that output: written
    // once, so every column name is unique.
    for (std::size_t s = 0; s < model.state_count(); ++s)
      if (model.output_index(model.states()[s].name) < 0) cols.push_back({Column::Kind::State, s, model.states()[s].name});
    return cols;
  }
  for (const std::string& name : requested) {
    if (iequals(name, "ID")) {
      cols.push_back({Column::Kind::Id, 0, "ID"});
    } else if (iequals(name, "TIME")) {
      cols.push_back({Column::Kind::Time, 0, "TIME"});
    } else if (int o = model.output_index(name); o >= 0) {
      cols.push_back({Column::Kind::Output, static_cast<std::size_t>(o), model.outputs()[static_cast<std::size_t>(o)].name});
    } else if (int s = model.state_index(name); s >= 0) {
      cols.push_back({Column::Kind::State, static_cast<std::size_t>(s), model.states()[static_cast<std::size_t>(s)].name});
    } else if (int p = model.parameter_index(name); p >= 0) {
      cols.push_back({Column::Kind::Parameter, static_cast<std::size_t>(p), model.parameters()[static_cast<std::size_t>(p)].name});
    } else if (int c = ds.column_index(name); c >= 0) {
      cols.push_back({Column::Kind::Data, static_cast<std::size_t>(c), ds.columns[static_cast<std::size_t>(c)]});
    } else {
      std::string known = "ID, TIME";
      for (const auto& o2 : model.outputs()) known += ", " + o2.name;
      for (const auto& s2 : model.states()) known += ", " + s2.name;
      for (const auto& p2 : model.parameters()) known += ", " + p2.name;
      for (const auto& c2 : ds.columns)
        if (!iequals(c2, "ID") && !iequals(c2, "TIME") && model.parameter_index(c2) < 0) known += ", " + c2;
      throw UsageError("--columns: unknown column '" + printable(name, 40) + "' (available: " + known + ")");
    }
  }
  return cols;
}

std::string csv_header(const std::vector<Column>& columns) {
  std::string s;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) s += ',';
    s += columns[i].header;
  }
  s += '\n';
  return s;
}

void CsvRows::row(const engine::OutputRow& r) {
  if (options_.obs_only && r.record && r.record->evid != 0) return;
  std::string& out = *out_;
  const int digits = options_.digits;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i) out += ',';
    const Column& c = columns_[i];
    switch (c.kind) {
      case Column::Kind::Id: append_number(out, r.governing->id, digits); break;
      case Column::Kind::Time: append_number(out, r.time, digits); break;
      case Column::Kind::State: append_number(out, r.states[c.index], digits); break;
      case Column::Kind::Output: append_number(out, r.outputs[c.index], digits); break;
      case Column::Kind::Parameter: append_number(out, r.parameters[c.index], digits); break;
      case Column::Kind::Data: {
        double v;
        if (r.record) {
          v = ds_.value(r.record->row, c.index);
        } else {
          // Grid rows are observations: no dosing items, no DV; other columns carry the
          // values of the record that governs them.
          std::string_view name = ds_.columns[c.index];
          bool dosing = iequals(name, "EVID") || iequals(name, "AMT") || iequals(name, "CMT") ||
                        iequals(name, "RATE") || iequals(name, "II") || iequals(name, "ADDL") ||
                        iequals(name, "SS") || iequals(name, "MDV");
          if (iequals(name, "DV")) v = std::nan("");
          else if (dosing) v = 0;
          else v = ds_.value(r.governing->row, c.index);
        }
        if (std::isnan(v)) out += '.';
        else append_number(out, v, digits);
        break;
      }
    }
  }
  out += '\n';
}

void CsvRows::event(const engine::EventRow& e) {
  if (!events_) return;
  append_number(*events_, e.id, options_.digits);
  *events_ += ',';
  append_number(*events_, e.time, options_.digits);
  *events_ += ',';
  *events_ += e.name;
  *events_ += '\n';
}

void simulate_table(const lang::Model& model, const data::Dataset& ds,
                    const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                    const TableOptions& table, const ParallelOptions& parallel,
                    const std::function<void(std::string_view)>& write,
                    const std::function<void(std::string_view)>& write_events) {
  engine::Binding binding(model, ds);
  write(csv_header(columns));
  // One simulator per worker, created by that worker on first use.
  std::vector<std::unique_ptr<engine::SubjectSimulator>> simulators(
      static_cast<std::size_t>(worker_count(parallel)));
  run_ordered(
      ds.subjects.size(), parallel,
      [&](std::size_t worker, std::size_t i, std::string& buffer) {
        auto& sim = simulators[worker];
        if (!sim) sim = std::make_unique<engine::SubjectSimulator>(model, ds, binding, simulation);
        CsvRows rows(ds, columns, table);
        // Rows and events of a subject travel in one buffer, split by a NUL byte.
        std::string events;
        rows.attach(buffer, write_events ? &events : nullptr);
        sim->run(i, rows, {}, table.random ? &*table.random : nullptr);
        if (write_events) {
          buffer += '\0';
          buffer += events;
        }
      },
      [&](std::size_t, std::string& buffer) {
        if (!write_events) {
          write(buffer);
          return;
        }
        std::size_t split = buffer.find('\0');
        write(std::string_view(buffer).substr(0, split));
        write_events(std::string_view(buffer).substr(split + 1));
      });
}

}  // namespace ldnsim::population
