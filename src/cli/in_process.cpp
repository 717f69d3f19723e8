// The science commands run inside another program (the R package, the Python module): the
// command line's own code, with its options, checks and messages, whose --json document
// is handed back instead of printed (see common.hpp, run_json).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "common.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/output/json_output.hpp"

namespace ldnsim::cli {
namespace {

// Where print_json puts the document on this thread (run_json), or null: stdout.
thread_local nlohmann::ordered_json* t_capture = nullptr;

}  // namespace

void print_json(const nlohmann::ordered_json& document) {
  if (t_capture) {
    *t_capture = document;
    return;
  }
  std::fputs(json_output::dump(document).c_str(), stdout);
}

nlohmann::ordered_json run_json(const std::vector<std::string>& args) {
  CLI::App app{"ldnsim"};
  app.require_subcommand(1, 1);
  add_dose_command(app);
  add_trial_command(app);
  add_reproduce_command(app);
  add_claims_command(app);
  add_power_command(app);
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  reversed.insert(reversed.begin(), "--json");
  nlohmann::ordered_json document;
  struct Capture {
    explicit Capture(nlohmann::ordered_json* d) : previous(t_capture) { t_capture = d; }
    ~Capture() { t_capture = previous; }
    nlohmann::ordered_json* previous;
  } capture(&document);
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // The command line's usage errors, with the message `ldnsim` prints for them.
    throw UsageError(e.what());
  }
  if (document.is_null()) throw UsageError("ldnsim " + (args.empty() ? std::string() : args.front()) + ": no JSON document");
  return document;
}

}  // namespace ldnsim::cli
