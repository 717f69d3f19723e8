// The common shape of ldnsim's machine-readable output (`--json` on every command, and the
// explorer's JSON API), documented in docs/json.md:
//
//   {"command": "dose", "ldnsim_version": "0.1.0",
//    "inputs":   {...the options and files as ldnsim understood them...},
//    "results":  {...what the command computed...},
//    "warnings": ["...things that went wrong or look wrong, e.g. failed samples..."],
//    "evidence": ["...what the numbers rest on, e.g. extrapolated or assumed..."]}
//
// plus "seconds" (wall time) on commands that time themselves: the only field that
// differs between two runs with the same inputs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ldnsim::json_output {

// ldnsim's version ("0.1.0"), from the project version.
std::string_view version();

// {"command": command, "ldnsim_version": version(), "inputs": {}, "results": {},
//  "warnings": [], "evidence": []}, in that key order.
nlohmann::ordered_json envelope(std::string_view command);

// Serialises for stdout or a file: two-space indentation, a final newline, and invalid
// UTF-8 in strings (from file names, say) replaced by U+FFFD rather than throwing.
std::string dump(const nlohmann::ordered_json& document);

}  // namespace ldnsim::json_output
