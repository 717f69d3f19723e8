// NONMEM-style data sets: one record a row, standard data items (ID TIME EVID AMT CMT RATE
// II ADDL SS DV) plus any other columns, which models read as covariates.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ldnsim::data {

// One data record with NONMEM's semantics, read off its typed fields.
class Record {
 public:
  std::size_t row = 0;  // position among the data records (output order)
  int line = 0;         // line in the file, for messages
  double id = 0;
  double time = 0;
  int evid = 0;   // 0 observation, 1 dose, 2 other, 3 reset, 4 reset and dose
  double amt = 0;
  int cmt = 0;    // 1-based compartment; 0 = the model's default dose compartment
  double rate = 0;
  double ii = 0;
  int addl = 0;
  int ss = 0;     // 0 none, 1 steady state (reset), 2 steady state (superposed)
  double dv = 0;

  bool is_dose() const { return evid == 1 || evid == 4; }
  bool resets() const { return evid == 3 || evid == 4; }
  bool is_infusion() const { return is_dose() && rate != 0; }
  bool rate_from_model() const { return rate == -1; }      // R(cmt)
  bool duration_from_model() const { return rate == -2; }  // D(cmt)
  bool is_steady_state() const { return is_dose() && ss != 0; }
  // SS=1 with AMT=0 and a rate: a constant infusion already at steady state.
  bool is_constant_infusion() const { return is_steady_state() && ii == 0 && rate > 0; }
};

class Dataset {
 public:
  std::string file;
  std::vector<std::string> columns;  // header names as written
  std::vector<Record> records;
  // Every column's value for every record, row-major; NaN where missing ('.' or empty).
  std::vector<double> values;
  // Records of each subject, as [begin, end) into `records`: a subject is a run of
  // consecutive records with the same ID, as in NONMEM.
  std::vector<std::pair<std::size_t, std::size_t>> subjects;

  std::size_t column_count() const { return columns.size(); }
  double value(std::size_t record, std::size_t column) const {
    return values[record * columns.size() + column];
  }
  // Case-insensitive; -1 when absent.
  int column_index(std::string_view name) const;
  // True when the column is one of NONMEM's standard data items.
  static bool is_standard_item(std::string_view name);
};

// Parses a data set. Throws InputError naming file, line and field for: ragged rows, bad
// quoting, duplicate or missing ID/TIME columns, non-numeric values, time going backwards
// within an ID (allowed only at a reset, EVID 3 or 4), negative AMT or II, ADDL without
// II, SS without II, unknown EVID or SS codes, and RATE other than > 0, 0, -1 or -2.
Dataset parse_dataset(std::string_view text, const std::string& file_name);
Dataset read_dataset(const std::string& path);

}  // namespace ldnsim::data
