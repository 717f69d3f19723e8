// ldnsim simulate: a model over a NONMEM data set (or a regimen), to CSV.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <cstdio>
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/core/units.hpp"
#include "ldnsim/data/regimen.hpp"
#include "ldnsim/population/table.hpp"
#include "ldnsim/output/json_output.hpp"

namespace ldnsim::cli {
namespace {

struct SimulateFlags {
  std::string model;
  std::string data;
  std::string out;
  std::string columns;
  std::string grid;
  bool obs_only = false;
  bool allow_nan = false;
  int digits = 10;
  bool stats = false;
  bool json = false;
  long long seed = -1;
  std::string events;
  // regimen shortcut
  std::string dose, every = "24h", first = "0:00", cmt;
  double days = 0;
  int doses = 0;
  std::string subjects;
  std::vector<const CLI::Option*> regimen_options;  // every regimen option but --dose
  SolverFlags solver;
  RunFlags run;
};

data::Dataset regimen_data(const SimulateFlags& f, const lang::Model& m, std::vector<double>& grid) {
  std::unique_ptr<data::SubjectsTable> subjects;
  if (!f.subjects.empty()) subjects = std::make_unique<data::SubjectsTable>(data::read_subjects(f.subjects));
  return api::regimen_dataset(m, {f.dose, f.every, f.first, f.days, f.doses, f.cmt}, grid, subjects.get());
}

int run_simulate(const SimulateFlags& f) {
  OutputPlan()
      .input("the model", f.model).input("--data", f.data).input("--subjects", f.subjects)
      .output("--out", f.out, OutputPlan::kStdoutAllowed).output("--events", f.events)
      .check();
  auto options = f.solver.simulation_options();
  int threads = f.run.thread_count();
  if (f.digits < 0 || f.digits > 17) throw UsageError("--digits must lie in 0-17");
  lang::ModelPtr model = lang::load_model(f.model, f.solver.load_options(!f.run.quiet));
  if (!f.grid.empty()) options.grid = parse_grid(f.grid);
  data::Dataset ds;
  std::unique_ptr<data::DatasetReader> reader;  // a data set file, read subject by subject
  if (!f.data.empty()) {
    if (!f.dose.empty()) throw UsageError("give either --data or a regimen (--dose ...), not both");
    for (const CLI::Option* o : f.regimen_options)
      if (o->count() > 0)
        throw UsageError(o->get_name() + " goes with a regimen (--dose ...), not with --data");
    reader = std::make_unique<data::DatasetReader>(f.data);
  } else if (!f.dose.empty()) {
    ds = regimen_data(f, *model, options.grid);
  } else {
    throw UsageError("simulate needs --data DATA.csv or a regimen (--dose 4.5mg --every 24h --days 28)");
  }
  if (f.json && f.out == "-")
    throw UsageError("--json prints the summary on standard output: give --out a file (the table itself stays CSV)");
  auto columns = population::resolve_columns(*model, reader ? reader->columns() : ds.columns(), split_list(f.columns));
  population::TableOptions table;
  table.digits = f.digits;
  table.obs_only = f.obs_only;
  table.allow_nan = f.allow_nan;
  if (f.seed >= 0) table.random = engine::RandomKey{static_cast<std::uint64_t>(f.seed), 0};
  population::ParallelOptions par;
  // A worker per subject at most: more would idle, and a --threads far beyond what the
  // system can start made thread creation fail mid-pool, which aborted the process.
  if (!reader)
    threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads),
                                                     std::max<std::size_t>(1, ds.subject_count())));
  par.threads = threads;
  par.progress = !f.run.quiet;
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<AtomicFile> file, events_file;
  if (f.out != "-") file = std::make_unique<AtomicFile>(f.out);
  std::function<void(std::string_view)> write_events;
  std::size_t lines = 0, event_lines = 0;  // CSV lines written, headers included
  auto count = [](std::string_view text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); };
  if (!f.events.empty()) {
    events_file = std::make_unique<AtomicFile>(f.events);
    events_file->write("ID,TIME,EVENT\n");
    event_lines = 1;
    write_events = [&](std::string_view text) {
      event_lines += count(text);
      events_file->write(text);
    };
  }
  auto write = [&](std::string_view text) {
    if (f.json) lines += count(text);  // only --json reports rows; a scan of every byte otherwise
    if (file) file->write(text);
    else std::fwrite(text.data(), 1, text.size(), stdout);
  };
  std::size_t subjects = 0;
  try {
    subjects = reader ? population::simulate_table(*model, *reader, options, columns, table, par, write, write_events)
                      : population::simulate_table(*model, ds, options, columns, table, par, write, write_events);
  } catch (const SolverError& e) {
    // The table names its input (TableOptions::allow_nan); here it is the option.
    std::string message = e.what();
    if (const auto at = message.rfind("; allow_nan writes"); at != std::string::npos) message.replace(at + 2, 9, "--allow-nan");
    throw SolverError(message);
  }
  if (file) file->commit();
  if (events_file) events_file->commit();
  // Workers start as subjects come: a data set file with fewer subjects used fewer.
  if (reader) threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), std::max<std::size_t>(1, subjects)));
  if (f.json) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto j = json_output::envelope("simulate");
    nlohmann::ordered_json regimen = nullptr;
    if (!f.dose.empty())
      regimen = {{"dose", f.dose}, {"every", f.every}, {"first", f.first}, {"days", f.days}, {"doses", f.doses},
                 {"cmt", f.cmt}, {"subjects", f.subjects.empty() ? nlohmann::ordered_json(nullptr)
                                                                 : nlohmann::ordered_json(f.subjects)}};
    j["inputs"] = {{"model", f.model},
                   {"data", f.data.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.data)},
                   {"regimen", regimen},
                   {"out", f.out},
                   {"events", f.events.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.events)},
                   {"columns", split_list(f.columns)},
                   {"grid", f.grid.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.grid)},
                   {"obs_only", f.obs_only},
                   {"digits", f.digits},
                   {"seed", f.seed >= 0 ? nlohmann::ordered_json(f.seed) : nlohmann::ordered_json(nullptr)},
                   {"solver", {{"method", f.solver.solver},
                               {"rtol", f.solver.rtol},
                               {"atol", f.solver.atol},
                               {"max_steps", f.solver.max_steps},
                               {"covariates", f.solver.covariates},
                               {"engine", f.solver.engine}}}};
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    for (const auto& c : columns) names.push_back(c.header);
    const std::size_t rows = lines > 0 ? lines - 1 : 0;
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    files.push_back({{"path", f.out}, {"kind", "table"}, {"format", "csv"}, {"rows", rows}});
    if (events_file)
      files.push_back({{"path", f.events}, {"kind", "events"}, {"format", "csv"}, {"rows", event_lines - 1}});
    j["results"] = {{"model", model->name()},
                    {"engine", model->is_native() ? "native" : "interpreted"},
                    {"subjects", subjects},
                    {"rows", rows},
                    {"columns", names},
                    {"files", files},
                    {"threads", threads}};
    if (rows == 0) j["warnings"].push_back("the table has no rows (only its header)");
    if (f.seed < 0 && !model->subject_draws().empty())
      j["evidence"].push_back("without --seed every subject is the typical one: random draws are at their typical "
                              "values");
    j["seconds"] = secs;
    std::fputs(json_output::dump(j).c_str(), stdout);
  }
  if (f.stats) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "ldnsim: %zu subjects in %.3f s (%s code, %d thread%s)\n", subjects, secs,
                 model->is_native() ? "native" : "interpreted", threads, threads == 1 ? "" : "s");
  }
  return 0;
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto f = std::make_shared<SimulateFlags>();
  CLI::App* cmd = app.add_subcommand("simulate", "Simulate a model over a NONMEM-style data set or a regimen");
  cmd->add_option("model", f->model, "model file (.ldn)")->required()->check(file_name());
  cmd->add_option("--data", f->data, "NONMEM-style data set (CSV)")->check(file_name());
  cmd->add_option("--out", f->out, "output CSV ('-' for standard output)")->required()->check(file_name());
  cmd->add_option("--columns", f->columns,
                  "comma-separated output columns: ID, TIME, outputs, states, parameters, data columns "
                  "(default: ID, TIME, every output, then every state not also declared as an output)");
  cmd->add_option("--grid", f->grid, "extra output times for every subject, START:END:STEP (e.g. 0:8760:1)");
  cmd->add_flag("--obs-only", f->obs_only, "leave out dose, other-event and reset records");
  cmd->add_flag("--allow-nan", f->allow_nan,
                "write NaN and infinite outputs (NaN, Inf) instead of failing (exit 3) at the first one");
  cmd->add_option("--digits", f->digits, "significant digits in the output (0: shortest exact)")
      ->capture_default_str()
      ->check(count_in(0, 17, "significant digits, 0 (shortest exact) to 17"));
  cmd->add_flag("--stats", f->stats, "report timing on stderr");
  cmd->add_flag("--json", f->json,
                "print a JSON summary on stdout (subjects, rows, columns, files, timing; docs/json.md); the table "
                "itself stays CSV in --out");
  cmd->add_option("--seed", f->seed,
                  "draw everything random (random declarations, between-subject variability, rate "
                  "events, output noise) from this seed; without it each subject is the typical one")
      ->check(seed_number());
  cmd->add_option("--events", f->events, "write the model's events to this CSV (ID,TIME,EVENT)")->check(file_name());
  auto* g = cmd->add_option_group("regimen", "a regimen instead of a data set");
  g->add_option("--dose", f->dose, "dose per administration, e.g. 4.5mg");
  f->regimen_options = {
      g->add_option("--every", f->every, "dosing interval, e.g. 24h")->capture_default_str(),
      g->add_option("--first", f->first, "clock time of the first dose on day 0, e.g. 22:00")->capture_default_str(),
      g->add_option("--days", f->days, "days of dosing (output hourly over them unless --grid)")
          ->check(number_above(0, 36525, "a number of days above 0, at most 36525 (100 years)")),
      g->add_option("--doses", f->doses, "number of doses (instead of --days)")
          ->check(count_in(1, 100000, "a number of doses, 1 to 100000")),
      g->add_option("--cmt", f->cmt, "state that receives the dose (default: the model's depot)"),
      g->add_option("--subjects", f->subjects, "CSV with an ID column and covariates, one row per subject")
          ->check(file_name())};
  f->solver.add_to(*cmd);
  f->run.add_to(*cmd);
  cmd->callback([f] { run_simulate(*f); });
}

}  // namespace ldnsim::cli
