// The rendering of `ldnsim reproduce` results (science::run_reproduce): text, the --json
// document (docs/json.md) and the HTML report. Nothing here computes a figure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ldnsim/science/reproduce.hpp"

namespace ldnsim::output {

// What was asked, echoed in the document's "inputs".
struct ReproduceInputs {
  long long replicates = 0;  // 0: the spec's
  long long seed = -1;       // -1: each study's own
  int threads = 1;
  std::string report;        // the HTML report's path ("" for none)
};

// "N studies, R replicates each, seed S" (or "each study's own seed"), for the text and the report.
std::string reproduce_when(const science::ReproduceResult& result, long long seed);
// The whole --json document; the caller adds "seconds".
nlohmann::ordered_json reproduce_json(const science::ReproduceResult& result, const science::ReproduceSpec& spec,
                                      const ReproduceInputs& inputs);
// The published-vs-simulated table and the notes.
std::string reproduce_text(const science::ReproduceResult& result, const std::string& when);
// The self-contained HTML report.
std::string reproduce_report_html(const science::ReproduceResult& result, const science::ReproduceSpec& spec,
                                  const std::string& when);

}  // namespace ldnsim::output
