#include "common.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "ldnsim/api/frontend.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/population/parallel.hpp"

namespace ldnsim::cli {

void SolverFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--solver", solver,
                 "ODE solver: auto (Dormand-Prince, handing stiff stretches to CVODES BDF), dopri5, "
                 "rosenbrock, bdf or adams (SUNDIALS CVODES)")
      ->capture_default_str();
  constexpr double kLargest = std::numeric_limits<double>::max();
  cmd.add_option("--rtol", rtol, "relative tolerance")
      ->capture_default_str()
      ->check(number_above(0, 1, "a relative tolerance above 0 and below 1"));
  cmd.add_option("--atol", atol, "absolute tolerance")
      ->capture_default_str()
      ->check(number_above(0, kLargest, "an absolute tolerance above 0"));
  cmd.add_option("--max-steps", max_steps, "steps allowed between two outputs")
      ->capture_default_str()
      ->check(count_in(1, 1000000000000, "a number of steps, 1 to 1e12"));
  cmd.add_option("--covariates", covariates,
                 "which record's covariates apply between records: nocb (NONMEM: the next "
                 "record's) or locf (the last record's)")
      ->capture_default_str();
  cmd.add_option("--engine", engine,
                 "how to run the model: auto (native code, compiled and cached on first use, "
                 "else the interpreter), native or interpreter")
      ->capture_default_str();
  cmd.add_option("--ss-rtol", ss_rtol, "steady-state convergence, relative (0: --rtol)")
      ->check(number_in(0, 0.5, "a relative tolerance, 0 (the --rtol) to 0.5"));
  cmd.add_option("--ss-atol", ss_atol, "steady-state convergence, absolute (0: --atol)")
      ->check(number_in(0, kLargest, "an absolute tolerance, 0 (the --atol) or more"));
  cmd.add_option("--ss-max", ss_max, "dosing intervals tried to reach steady state")
      ->capture_default_str()
      ->check(count_in(1, 1000000, "a number of dosing intervals, 1 to 1000000"));
}

engine::SimulationOptions SolverFlags::simulation_options() const {
  return api::SolverSettings{solver, rtol, atol, max_steps, covariates, ss_rtol, ss_atol, ss_max}.options();
}

bool notes_on_stderr(bool quiet) { return !quiet && ::isatty(STDERR_FILENO); }

lang::LoadOptions SolverFlags::load_options(bool verbose) const {
  lang::LoadOptions o;
  if (engine == "auto") o.engine = lang::Engine::Auto;
  else if (engine == "native") o.engine = lang::Engine::Native;
  else if (engine == "interpreter") o.engine = lang::Engine::Interpreter;
  else throw UsageError("--engine must be auto, native or interpreter, not '" + printable(engine, 40) + "'");
  o.verbose = verbose && ::isatty(STDERR_FILENO);  // "compiling ... to native code": a note
  return o;
}

void RunFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--threads", threads, "worker threads (0: one per core)")
      ->capture_default_str()
      ->check(count_in(0, 1024, "a number of worker threads, 0 (one per core) to 1024"));
  cmd.add_flag("--quiet,-q", quiet, "no progress or notes on stderr");
}

int RunFlags::thread_count() const {
  if (threads < 0) throw UsageError("--threads must be 0 or more");
  if (threads > 1024)
    throw UsageError("--threads " + std::to_string(threads) + ": at most 1024 (this machine has " +
                     std::to_string(population::hardware_threads()) + " hardware threads)");
  return threads == 0 ? population::hardware_threads() : threads;
}

const CLI::Validator& file_name() {
  static const CLI::Validator v(
      [](std::string& s) { return s.empty() ? std::string("expected a file name, not an empty string") : std::string(); },
      "FILE");
  return v;
}

namespace {

// The value as a number, or the reason it is not one.
std::string read_number(const std::string& text, double& v) {
  const std::string shown = printable(text, 40);
  const char* b = text.data();
  const char* e = text.data() + text.size();
  if (b != e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec == std::errc::result_out_of_range) return shown + " is out of range";
  if (ec != std::errc() || p != e) return "'" + shown + "' is not a number";
  if (std::isnan(v)) return shown + " is not a number";
  if (std::isinf(v)) return shown + " is not a finite number";
  return "";
}

std::string bounds_problem(const std::string& text, double v, double lo, double hi, bool open_low) {
  const std::string shown = printable(text, 40);
  if (open_low ? !(v > lo) : v < lo) return shown + " is " + (open_low && v == lo ? "not above " : "below ") + format_number(lo);
  if (v > hi) return shown + " is above " + format_number(hi);
  return "";
}

// The check behind count_in, number_in and number_above.
CLI::Validator number_check(double lo, double hi, const std::string& expected, bool whole, bool open_low) {
  return CLI::Validator(
      [=](std::string& text) {
        double v = 0;
        std::string problem = read_number(text, v);
        if (problem.empty() && whole && v != std::floor(v)) problem = printable(text, 40) + " is not a whole number";
        if (problem.empty()) problem = bounds_problem(text, v, lo, hi, open_low);
        return problem.empty() ? problem : problem + " (expected " + expected + ")";
      },
      "");
}

}  // namespace

CLI::Validator count_in(long long lo, long long hi, const std::string& expected) {
  return number_check(static_cast<double>(lo), static_cast<double>(hi), expected, true, false);
}

CLI::Validator number_in(double lo, double hi, const std::string& expected) {
  return number_check(lo, hi, expected, false, false);
}

CLI::Validator number_above(double lo, double hi, const std::string& expected) {
  return number_check(lo, hi, expected, false, true);
}

CLI::Validator seed_number() {
  return count_in(0, std::numeric_limits<long long>::max(), "a seed: a whole number, 0 or more");
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
