#include "common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "ldnsim/api/frontend.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/population/parallel.hpp"

namespace ldnsim::cli {

void SolverFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--solver", solver,
                 "ODE solver: auto (Dormand-Prince, handing stiff stretches to CVODES BDF), dopri5, "
                 "rosenbrock, bdf or adams (SUNDIALS CVODES)")
      ->capture_default_str();
  cmd.add_option("--rtol", rtol, "relative tolerance")->capture_default_str();
  cmd.add_option("--atol", atol, "absolute tolerance")->capture_default_str();
  cmd.add_option("--max-steps", max_steps, "steps allowed between two outputs")->capture_default_str();
  cmd.add_option("--covariates", covariates,
                 "which record's covariates apply between records: nocb (NONMEM: the next "
                 "record's) or locf (the last record's)")
      ->capture_default_str();
  cmd.add_option("--engine", engine,
                 "how to run the model: auto (native code, compiled and cached on first use, "
                 "else the interpreter), native or interpreter")
      ->capture_default_str();
  cmd.add_option("--ss-rtol", ss_rtol, "steady-state convergence, relative (0: --rtol)");
  cmd.add_option("--ss-atol", ss_atol, "steady-state convergence, absolute (0: --atol)");
  cmd.add_option("--ss-max", ss_max, "dosing intervals tried to reach steady state")->capture_default_str();
}

engine::SimulationOptions SolverFlags::simulation_options() const {
  return api::SolverSettings{solver, rtol, atol, max_steps, covariates, ss_rtol, ss_atol, ss_max}.options();
}

lang::LoadOptions SolverFlags::load_options(bool verbose) const {
  lang::LoadOptions o;
  if (engine == "auto") o.engine = lang::Engine::Auto;
  else if (engine == "native") o.engine = lang::Engine::Native;
  else if (engine == "interpreter") o.engine = lang::Engine::Interpreter;
  else throw UsageError("--engine must be auto, native or interpreter, not '" + engine + "'");
  o.verbose = verbose;
  return o;
}

void RunFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--threads", threads, "worker threads (0: one per core)")->capture_default_str();
  cmd.add_flag("--quiet,-q", quiet, "no progress or notes on stderr");
}

int RunFlags::thread_count() const {
  if (threads < 0) throw UsageError("--threads must be 0 or more");
  if (threads > 1024)
    throw UsageError("--threads " + std::to_string(threads) + ": at most 1024 (this machine has " +
                     std::to_string(population::hardware_threads()) + " hardware threads)");
  return threads == 0 ? population::hardware_threads() : threads;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

}  // namespace ldnsim::cli
