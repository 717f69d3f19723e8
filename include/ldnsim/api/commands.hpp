// The science commands for the R package and the Python module: `ldnsim dose`, `trial`,
// `reproduce`, `claims` and `power`, run in this process with the command line's options,
// defaults, checks and messages, and their --json document returned (docs/json.md). The
// one place where the front ends reach those commands: when each becomes a request ->
// result function (issue 14), this adapter changes and the front ends do not.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ldnsim::api {

// args: the command and its arguments as typed after `ldnsim`, e.g. {"dose", "4.5mg",
// "--compare", "1.5mg"} (--json is added). Returns the JSON document as `ldnsim ... --json`
// prints it (the same text; "seconds" is the wall time). poll: called on the calling thread
// about every 50 ms while the command's workers run (a front end's interrupt check); what
// it throws cancels the run cleanly and is rethrown.
std::string command_json(const std::vector<std::string>& args, const std::function<void()>& poll = {});

}  // namespace ldnsim::api
