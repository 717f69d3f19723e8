#include "common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

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
  engine::SimulationOptions o;
  o.method = solver::parse_method(solver);
  if (!(rtol > 0 && rtol < 1)) throw UsageError("--rtol must lie between 0 and 1");
  if (!(atol > 0)) throw UsageError("--atol must be above 0");
  if (max_steps < 1) throw UsageError("--max-steps must be at least 1");
  if (ss_max < 1) throw UsageError("--ss-max must be at least 1");
  o.tolerances.rtol = rtol;
  o.tolerances.atol = atol;
  o.tolerances.max_steps = max_steps;
  if (covariates == "nocb") o.covariates = engine::CovariateMode::NextRecord;
  else if (covariates == "locf") o.covariates = engine::CovariateMode::LastRecord;
  else throw UsageError("--covariates must be nocb or locf, not '" + covariates + "'");
  o.ss_rtol = ss_rtol;
  o.ss_atol = ss_atol;
  o.ss_max_intervals = ss_max;
  return o;
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

std::vector<double> parse_grid(const std::string& spec) {
  auto parts = std::vector<std::string>();
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ':')) parts.push_back(item);
  auto number = [&](const std::string& s) {
    double v;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
      throw UsageError("--grid '" + spec + "': '" + s + "' is not a number (expected START:END:STEP)");
    return v;
  };
  if (parts.size() != 3) throw UsageError("--grid '" + spec + "': expected START:END:STEP, e.g. 0:24:0.5");
  double a = number(parts[0]), b = number(parts[1]), step = number(parts[2]);
  if (!(step > 0)) throw UsageError("--grid '" + spec + "': STEP must be above 0");
  if (b < a) throw UsageError("--grid '" + spec + "': END must not be before START");
  double count = std::floor((b - a) / step + 1e-9) + 1;
  if (count > 1e8) throw UsageError("--grid '" + spec + "': more than 100 million times");
  std::vector<double> g;
  g.reserve(static_cast<std::size_t>(count));
  // Times as START + k*STEP (not repeated addition), so whole hours stay exact.
  for (long k = 0; k < static_cast<long>(count); ++k) g.push_back(a + static_cast<double>(k) * step);
  return g;
}

}  // namespace ldnsim::cli
