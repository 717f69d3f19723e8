#include "ldnsim/population/table.hpp"

#include <cmath>
#include <memory>

#include "ldnsim/core/argument_error.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim::population {

std::vector<Column> resolve_columns(const lang::Model& model, const data::Columns& data_columns,
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
    } else if (int c = data_columns.index(name); c >= 0) {
      cols.push_back({Column::Kind::Data, static_cast<std::size_t>(c), data_columns[static_cast<std::size_t>(c)]});
    } else {
      std::string known = "ID, TIME";
      for (const auto& o2 : model.outputs()) known += ", " + o2.name;
      for (const auto& s2 : model.states()) known += ", " + s2.name;
      for (const auto& p2 : model.parameters()) known += ", " + p2.name;
      for (const auto& c2 : data_columns.names())
        if (!iequals(c2, "ID") && !iequals(c2, "TIME") && model.parameter_index(c2) < 0) known += ", " + c2;
      throw ArgumentError("columns", ": unknown column '" + printable(name, 40) + "' (available: " + printable(known, 2000) + ")");
    }
    // Two columns of one name make a table that CSV readers silently collapse or rename.
    for (std::size_t i = 0; i + 1 < cols.size(); ++i)
      if (iequals(cols[i].header, cols.back().header))
        throw ArgumentError("columns", ": '" + printable(name, 40) + "' is column " + std::to_string(i + 1) + " ('" +
                            printable(cols[i].header, 40) + "') again; expected each column once (names are case-insensitive)");
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

std::vector<GridValue> grid_values(const data::Columns& data_columns, const std::vector<Column>& columns) {
  // Grid rows are observations: no dosing items, no DV; other columns carry the values of
  // the record that governs them.
  std::vector<GridValue> kinds(columns.size(), GridValue::Governing);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].kind != Column::Kind::Data) continue;
    std::string_view name = data_columns[columns[i].index];
    bool dosing = false;
    for (const char* item : {"EVID", "AMT", "CMT", "RATE", "II", "ADDL", "SS", "MDV"}) dosing = dosing || iequals(name, item);
    if (iequals(name, "DV")) kinds[i] = GridValue::Missing;
    else if (dosing) kinds[i] = GridValue::Zero;
  }
  return kinds;
}

CsvRows::CsvRows(const data::Columns& data_columns, const std::vector<Column>& columns, const TableOptions& options)
    : columns_(columns), options_(options), grid_values_(grid_values(data_columns, columns)) {}

void throw_not_finite(const engine::OutputRow& r, const Column& c, double v) {
  const char* kind = c.kind == Column::Kind::Output ? "output" : c.kind == Column::Kind::State ? "state" : "parameter";
  throw SolverError("ID " + format_number(r.governing->id) + ": " + kind + " " + c.header + " is " +
                    format_number(v) + " at time " + format_number(r.time) +
                    " (the model gives no finite value there; allow_nan writes such values instead of failing)");
}

void CsvRows::row(const engine::OutputRow& r) {
  if (options_.obs_only && r.record && r.record->evid != 0) return;
  // The row is written into a buffer with room for every column, then appended once.
  line_.resize(columns_.size() * (kMaxNumberChars + 1) + 1);
  char* w = line_.data();
  const int digits = options_.digits;
  const bool check = !options_.allow_nan;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i) *w++ = ',';
    const Column& c = columns_[i];
    switch (c.kind) {
      case Column::Kind::Id: w = write_number(w, r.governing->id, digits); break;
      case Column::Kind::Time: w = write_number(w, r.time, digits); break;
      case Column::Kind::State:
      case Column::Kind::Output:
      case Column::Kind::Parameter: {
        const double v = c.kind == Column::Kind::State    ? r.states[c.index]
                         : c.kind == Column::Kind::Output ? r.outputs[c.index]
                                                          : r.parameters[c.index];
        if (check && !std::isfinite(v)) throw_not_finite(r, c, v);
        w = write_number(w, v, digits);
        break;
      }
      case Column::Kind::Data: {
        double v;
        if (r.record) v = r.subject->value(*r.record, c.index);
        else if (grid_values_[i] == GridValue::Missing) v = std::nan("");
        else if (grid_values_[i] == GridValue::Zero) v = 0;
        else v = r.subject->value(*r.governing, c.index);
        if (std::isnan(v)) *w++ = '.';
        else w = write_number(w, v, digits);
        break;
      }
    }
  }
  *w++ = '\n';
  out_->append(line_.data(), static_cast<std::size_t>(w - line_.data()));
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

void run_subjects(const lang::Model& model, const data::Columns& data_columns, const SubjectSource& next,
                  const engine::SimulationOptions& simulation, const ParallelOptions& parallel,
                  const std::function<void(engine::SubjectSimulator&, const data::RecordsView&, std::string&)>& simulate,
                  const std::function<void(std::string&)>& consume) {
  engine::Binding binding(model, data_columns);
  // Per worker: its simulator (created by that worker on first use), its buffer for the
  // records of the subject it reads, and the view of them it simulates next.
  struct Worker {
    std::unique_ptr<engine::SubjectSimulator> sim;
    data::Dataset buffer;
    std::optional<data::RecordsView> subject;
  };
  std::vector<Worker> workers(static_cast<std::size_t>(worker_count(parallel)));
  // The rows are only written or collected, and only by rank 0: under mpirun they go to
  // rank 0 alone.
  ParallelOptions options = parallel;
  options.results_on_all_ranks = false;
  run_ordered_reading(
      options,
      [&](std::size_t worker, std::size_t) {
        Worker& w = workers[worker];
        w.subject = next(w.buffer);
        return w.subject.has_value();
      },
      [&](std::size_t worker, std::size_t, std::string& buffer) {
        Worker& w = workers[worker];
        if (!w.sim) w.sim = std::make_unique<engine::SubjectSimulator>(model, binding, simulation);
        simulate(*w.sim, *w.subject, buffer);
      },
      [&](std::size_t, std::string& buffer) { consume(buffer); });
}

std::size_t simulate_table(const lang::Model& model, const data::Columns& data_columns, const SubjectSource& next,
                           const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                           const TableOptions& table, const ParallelOptions& parallel,
                           const std::function<void(std::string_view)>& write,
                           const std::function<void(std::string_view)>& write_events) {
  write(csv_header(columns));
  std::size_t subjects = 0;
  run_subjects(
      model, data_columns, next, simulation, parallel,
      [&](engine::SubjectSimulator& sim, const data::RecordsView& subject, std::string& buffer) {
        CsvRows rows(data_columns, columns, table);
        // Rows and events of a subject travel in one buffer, split by a NUL byte.
        std::string events;
        rows.attach(buffer, write_events ? &events : nullptr);
        sim.run(subject, rows, {}, table.random ? &*table.random : nullptr);
        if (write_events) {
          buffer += '\0';
          buffer += events;
        }
      },
      [&](std::string& buffer) {
        ++subjects;
        if (!write_events) {
          write(buffer);
          return;
        }
        std::size_t split = buffer.find('\0');
        write(std::string_view(buffer).substr(0, split));
        write_events(std::string_view(buffer).substr(split + 1));
      });
  return subjects;
}

std::size_t simulate_table(const lang::Model& model, const data::Dataset& dataset,
                           const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                           const TableOptions& table, const ParallelOptions& parallel,
                           const std::function<void(std::string_view)>& write,
                           const std::function<void(std::string_view)>& write_events) {
  std::size_t s = 0;
  auto next = [&](data::Dataset&) -> std::optional<data::RecordsView> {
    if (s >= dataset.subject_count()) return std::nullopt;
    return dataset.subject(s++);
  };
  return simulate_table(model, dataset.columns(), next, simulation, columns, table, parallel, write, write_events);
}

std::size_t simulate_table(const lang::Model& model, data::DatasetReader& reader,
                           const engine::SimulationOptions& simulation, const std::vector<Column>& columns,
                           const TableOptions& table, const ParallelOptions& parallel,
                           const std::function<void(std::string_view)>& write,
                           const std::function<void(std::string_view)>& write_events) {
  auto next = [&](data::Dataset& buffer) -> std::optional<data::RecordsView> {
    if (!reader.next_subject(buffer)) return std::nullopt;
    return buffer.subject(0);
  };
  return simulate_table(model, reader.columns(), next, simulation, columns, table, parallel, write, write_events);
}

}  // namespace ldnsim::population
