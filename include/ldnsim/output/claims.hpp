// The rendering of `ldnsim claims` results (science::evaluate_claims): text, the --json
// document (docs/json.md) and the HTML report. Front ends (the CLI, the R and Python
// packages) call evaluate_claims and then one of these; nothing here computes a figure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ldnsim/science/claims.hpp"

namespace ldnsim::output {

// What was asked, echoed in the document's "inputs".
struct ClaimsInputs {
  std::string file;              // the claims file
  std::vector<std::string> ids;  // the claims asked for (empty: all)
  std::string report;            // the HTML report's path ("" for none)
};

// The whole --json document: envelope, inputs, results (rule, counts, claims with their
// parts), warnings and evidence. The caller adds "seconds".
nlohmann::ordered_json claims_json(const science::ClaimsRun& run, const science::ClaimsOptions& options,
                                   const ClaimsInputs& inputs);
// The text summary table and each claim's parts, and the verdict rule.
std::string claims_text(const science::ClaimsRun& run, const science::ClaimsOptions& options);
// The self-contained HTML report (needs the report library's chart scripts).
std::string claims_report_html(const science::ClaimsRun& run, const science::ClaimsOptions& options);

}  // namespace ldnsim::output
