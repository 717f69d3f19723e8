// The command line's commands as a library (ldnsim_commands: src/cli without main.cpp), for
// the `ldnsim` program and for front ends that run a command in their own process.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ldnsim::cli {

// Prints a command's --json document on stdout (docs/json.md), or, inside run_json on this
// thread, hands it to run_json instead.
void print_json(const nlohmann::ordered_json& document);

// Runs `ldnsim ARGS... --json` for dose, trial, reproduce, claims or power in this process
// (args: the command, then its arguments as typed) and returns the document it would print.
// The command's own options, defaults, checks and messages; a command-line mistake is thrown
// as a UsageError with the message `ldnsim` prints, other errors as the command throws them.
nlohmann::ordered_json run_json(const std::vector<std::string>& args);

}  // namespace ldnsim::cli
