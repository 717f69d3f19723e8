// The rendering of `ldnsim power` results (science::run_power): text, the --json document
// (docs/json.md) and the HTML report. Nothing here computes a figure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ldnsim/science/power.hpp"

namespace ldnsim::output {

// What was asked, echoed in the document's "inputs" (the rest is in PowerOptions).
struct PowerInputs {
  std::string spec;              // the trial spec
  std::vector<std::string> set;  // the NAME=VALUE settings as given
  std::string report;            // the HTML report's path ("" for none)
};

// The whole --json document; the caller adds "seconds".
nlohmann::ordered_json power_json(const science::PowerResult& result, const science::PowerOptions& options,
                                  const PowerInputs& inputs);
// The text table of power and assurance per n, the LDN effect and the notes.
std::string power_text(const science::PowerResult& result, const science::PowerOptions& options);
// The self-contained HTML report.
std::string power_report_html(const science::PowerResult& result, const science::PowerOptions& options);

}  // namespace ldnsim::output
