// Building a data set from a dosing regimen when there is no data set: the same dose at a
// fixed interval, for one subject or for each row of a subjects table.
#pragma once

#include <string>
#include <vector>

#include "ldnsim/data/dataset.hpp"

namespace ldnsim::data {

struct Regimen {
  double amount = 0;    // per dose, in the model's amount unit
  int cmt = 0;          // 1-based; 0 = the model's default dose compartment
  double first = 0;     // time of the first dose, h
  double interval = 24; // h
  int doses = 1;
  double rate = 0;      // 0: bolus; > 0: zero-order infusion
};

// A subjects table: an ID column and any covariate columns, one row per subject.
struct SubjectsTable {
  std::string file;
  std::vector<std::string> columns;      // without ID
  std::vector<double> ids;
  std::vector<std::vector<double>> values;  // per subject, per column
};

SubjectsTable read_subjects(const std::string& path);
SubjectsTable parse_subjects(std::string_view text, const std::string& file_name);

// One dose record (with ADDL) per subject; subject covariates become columns.
Dataset regimen_dataset(const Regimen& regimen, const SubjectsTable* subjects);

}  // namespace ldnsim::data
