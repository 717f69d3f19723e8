// Pieces shared by the ldnsim subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "ldnsim/api/frontend.hpp"
#include "ldnsim/cli/commands.hpp"
#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::cli {

// Options every simulating command takes.
struct SolverFlags {
  std::string solver = "auto";
  double rtol = 1e-6;
  double atol = 1e-9;
  long max_steps = 1000000;
  std::string covariates = "nocb";
  std::string engine = "auto";
  double ss_rtol = 0;
  double ss_atol = 0;
  int ss_max = 2000;

  void add_to(CLI::App& cmd);
  engine::SimulationOptions simulation_options() const;
  lang::LoadOptions load_options(bool verbose) const;
};

// Whether progress lines and notes go to stderr: only on a terminal, and not with --quiet
// (docs/json.md), so a redirected stderr holds nothing but warnings and errors.
bool notes_on_stderr(bool quiet);

struct RunFlags {
  int threads = 0;  // 0: all hardware threads
  bool quiet = false;
  void add_to(CLI::App& cmd);
  int thread_count() const;
};

// For options naming a file: an empty value is refused when the command line is read
// (`--out ''`), before any work. The files themselves are checked by OutputPlan.
const CLI::Validator& file_name();

// Checks of numeric options, run on the text as given when the command line is read (so a
// default meaning "not given" is never confused with a value the user typed): a finite
// number, whole for count_in, within [lo, hi] (above lo for number_above). The message names
// the value and says what was expected, e.g. "--days: -1 is below 1 (expected a number of
// days, 1 to 36525)".
CLI::Validator count_in(long long lo, long long hi, const std::string& expected);
CLI::Validator number_in(double lo, double hi, const std::string& expected);
CLI::Validator number_above(double lo, double hi, const std::string& expected);
// A seed: a whole number, 0 or more (so --seed -1 is an error, not "no seed").
CLI::Validator seed_number();

// "START:END:STEP" -> sorted times; throws UsageError.
using api::parse_grid;
std::vector<std::string> split_list(const std::string& s);

void add_simulate_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_params_command(CLI::App& app);
// The local explorer, ldnsim serve (src/cli/serve_cmd.cpp, src/server).
void add_serve_command(CLI::App& app);
// The LDN science commands (src/cli/calibrate_cmd.cpp, dose_cmd.cpp, sensitivity_cmd.cpp).
void add_calibrate_command(CLI::App& app);
void add_dose_command(CLI::App& app);
void add_sensitivity_command(CLI::App& app);
// The clinical half: `ldnsim reproduce` (src/cli/reproduce_cmd.cpp).
void add_reproduce_command(CLI::App& app);
// Virtual trials (src/cli/trial_cmd.cpp).
void add_trial_command(CLI::App& app);
// Popular claims about LDN held against the evidence (src/cli/claims_cmd.cpp).
void add_claims_command(CLI::App& app);
// Sample-size curves of trial specs (src/cli/power_cmd.cpp).
void add_power_command(CLI::App& app);
// Dose finding over parameter worlds (src/cli/dosefind_cmd.cpp).
void add_dosefind_command(CLI::App& app);
// The main job on built-in defaults (what `ldnsim` with no arguments runs): `reproduce`
// with its defaults, the published studies against the model.
int run_default_job(bool quiet);

}  // namespace ldnsim::cli
