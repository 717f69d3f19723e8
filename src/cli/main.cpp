// ldnsim command line.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "common.hpp"
#include "ldnsim/core/argument_error.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/distributed/session.hpp"
#include "ldnsim/models/builtin.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/output/json_output.hpp"

namespace {

// A message as printed: each line through ldnsim::printable (control bytes and broken UTF-8
// escaped, cut at 2000 bytes), whatever value a layer echoed into it.
std::string safe(std::string_view message) {
  std::string out;
  for (std::size_t start = 0;;) {
    const std::size_t nl = message.find('\n', start);
    out += ldnsim::printable(message.substr(start, nl == std::string_view::npos ? nl : nl - start), 2000);
    if (nl == std::string_view::npos) return out;
    out += '\n';
    start = nl + 1;
  }
}

}  // namespace

namespace {

// The option that sets a library input (ArgumentError::field): "--" and the field with
// '-' for '_', except where the option is spelled otherwise.
std::string option_for(const std::string& field) {
  if (field == "effect_parameters") return "--effect";
  std::string o = "--" + field;
  for (char& c : o)
    if (c == '_') c = '-';
  return o;
}

int run(int argc, char** argv) {
  ldnsim::models::register_builtin_models();
  CLI::App app{"ldnsim: simulation of low-dose naltrexone (LDN) in multiple sclerosis, from dose to trial.\n"
               "Run without a command for the main job: `ldnsim reproduce` on its defaults (the published\n"
               "studies as in-silico trials, published vs simulated, with an HTML report)."};
  app.require_subcommand(0, 1);
  app.footer("Exit status: 0 success, 2 usage or input error (bad option, model, data set), "
             "3 solver failure, 1 internal error.");
  bool quiet = false;
  app.add_flag("--quiet,-q", quiet, "no progress or notes on stderr (main job)");
  app.set_version_flag("--version", "ldnsim " + std::string(ldnsim::json_output::version()),
                       "print ldnsim's version and exit");
  ldnsim::cli::add_simulate_command(app);
  ldnsim::cli::add_check_command(app);
  ldnsim::cli::add_params_command(app);
  ldnsim::cli::add_dose_command(app);
  ldnsim::cli::add_serve_command(app);
  ldnsim::cli::add_calibrate_command(app);
  ldnsim::cli::add_sensitivity_command(app);
  ldnsim::cli::add_reproduce_command(app);
  ldnsim::cli::add_trial_command(app);
  ldnsim::cli::add_claims_command(app);
  ldnsim::cli::add_power_command(app);
  ldnsim::cli::add_dosefind_command(app);
  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) return ldnsim::cli::run_default_job(quiet);
  } catch (const CLI::RuntimeError& e) {
    // A command's own non-zero status (e.g. `calibrate --check`: 1 when the file is out of
    // date), not a command-line mistake: no message, that status.
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    // --help exits 0. Every other command-line mistake (an unknown option, a missing or
    // malformed value) is a usage error with the same exit code, 2, as ldnsim's own checks
    // of option values and of input files, whatever CLI11's code for it (100-127).
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "ldnsim: error: " << safe(e.what()) << "\nRun with --help for more information.\n";
    return 2;
  } catch (const ldnsim::ArgumentError& e) {
    // A library input named by its field (PowerOptions::n, ...): the option that sets it.
    std::fflush(stdout);
    std::cerr << "ldnsim: error: " << option_for(e.field()) << safe(e.detail()) << "\n";
    return 2;
  } catch (const ldnsim::SolverError& e) {  // a numerical failure: exit 3
    std::fflush(stdout);
    std::cerr << "ldnsim: error: " << safe(e.what()) << "\n";
    return 3;
  } catch (const ldnsim::Error& e) {
    std::fflush(stdout);
    std::cerr << "ldnsim: error: " << safe(e.what()) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "ldnsim: internal error: " << safe(e.what()) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun every rank runs the command; rank 0 alone writes (docs/scale.md).
  ldnsim::distributed::Session session(argc, argv);
  return session.finish(run(argc, argv));
}
