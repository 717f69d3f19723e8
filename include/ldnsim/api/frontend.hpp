// What the R package and the Python module call: the same library functions as the
// command line (model loading, simulation), with requests made of plain values and data
// frames handed over as columns of numbers, and results as columns of numbers. The front
// ends only convert their objects to and from these; no engine logic lives in them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/data/dataset.hpp"
#include "ldnsim/data/regimen.hpp"
#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/population/columns.hpp"

namespace ldnsim::api {

// Registers what the command line registers at start (the shipped models' native code and
// the "ldn" treatment driver); called once, by every function below.
void initialise();

// A model from a file path or from model text (a string with a line break is text),
// compiled as the command line compiles it (native code, cached on disk), and kept in
// memory by (path or text, file contents, engine) so that loading it again is free.
// `engine`: auto, native or interpreter. Throws ModelError / InputError as the CLI does.
lang::ModelPtr load_model(const std::string& path_or_text, const std::string& engine = "auto");

// A data frame's column, as the front end hands it over: numbers (NaN where missing), or
// texts (read as a CSV field is: a number, or '.' or nothing where missing).
struct FrameColumn {
  std::string name;
  std::span<const double> numbers;       // used when texts is empty
  std::vector<std::string_view> texts;   // a character column
  std::optional<std::string> refuse;     // why the column cannot be read (e.g. a factor)
};

// A data set from a data frame (`source` names it in messages, its rows counted from 1 as
// lines): the rules of a data set file, with the same messages (DatasetBuilder).
data::Dataset dataset_from_frame(const std::vector<FrameColumn>& columns, std::size_t rows,
                                 const std::string& source = "data.frame");

// A regimen instead of a data set, as `ldnsim simulate --dose ... --every ... --first ...
// --days/--doses ... --cmt ...` builds it; `subjects` (optional) gives one row per subject
// (--subjects FILE).
struct RegimenRequest {
  std::string dose;               // "4.5mg", or a plain number in the model's amount unit
  std::string every = "24h";
  std::string first = "0:00";
  double days = 0;
  int doses = 0;
  std::string cmt;                // state receiving the dose; empty: the model's depot
};
// Also fills `grid` (hourly over the regimen) when it is empty.
data::Dataset regimen_dataset(const lang::Model& model, const RegimenRequest& regimen, std::vector<double>& grid,
                              const data::SubjectsTable* subjects = nullptr);

// The solver settings of every simulating command (--solver, --rtol, --atol, --max-steps,
// --covariates, --ss-rtol, --ss-atol, --ss-max).
struct SolverSettings {
  std::string solver = "auto";
  double rtol = 1e-6, atol = 1e-9;
  long max_steps = 1000000;
  std::string covariates = "nocb";
  double ss_rtol = 0, ss_atol = 0;
  int ss_max = 2000;
  // Checked; throws UsageError naming the option.
  engine::SimulationOptions options() const;
};

struct SimulateRequest {
  std::vector<double> grid;                 // extra output times ("START:END:STEP" via parse_grid)
  std::vector<std::string> columns;         // empty: ID, TIME, every output and state
  bool obs_only = false;
  bool allow_nan = false;
  std::optional<std::uint64_t> seed;        // none: every subject is the typical one
  int threads = 1;                          // 1 or more
  SolverSettings solver;
  // Called on the calling thread about every 50 ms while the workers run; a front end
  // checks for a user interrupt there and throws to cancel (workers stop cleanly).
  std::function<void()> poll;
};

// `ldnsim simulate`'s table, as numbers: the same columns, rows and values (at full
// precision; the CLI's --digits 0 writes the same doubles).
population::ColumnTable simulate(const lang::Model& model, const data::Dataset& data, const SimulateRequest& request);

// "START:END:STEP" -> times, as --grid.
std::vector<double> parse_grid(const std::string& spec);

}  // namespace ldnsim::api
