// What ldnsim does not know (issue 9, item 7): a model's assumption-only parameters (role
// `assumption`, neither fitted, nor data, nor an input), which answers each one drives and
// what measurement would pin it down. The model file says what the value is and why; a
// notes file beside it (MODEL.unknowns.toml, one table per parameter with `drives` and
// `measure`) says the rest, and must cover exactly the assumption-only parameters.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ldnsim/lang/model.hpp"

namespace ldnsim::science {

struct Unknown {
  std::string name, unit, assumption, drives, measure;
  double value = 0;
  std::optional<double> low, high;
  bool effect = false;  // an LDN effect (role effect): what `power` varies
};

// True for a parameter that rests on an assumption alone.
bool assumption_only(const lang::Parameter& p);

// The notes file of a model file: models/ms/patient.ldn -> models/ms/patient.unknowns.toml.
std::string unknowns_file(const std::string& model_path);

// The model's assumption-only parameters with their notes, in model order. InputError
// (file:line:column, key) for a note on a parameter the model lacks or that is not
// assumption-only, a note without `drives` or `measure`, or an assumption-only parameter
// without a note.
std::vector<Unknown> unknowns(const lang::Model& model, const std::string& notes_path);

// As a Markdown table (docs).
std::string unknowns_markdown(const std::vector<Unknown>& list);

}  // namespace ldnsim::science
