#include "ldnsim/data/regimen.hpp"

#include <cmath>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/csv.hpp"

namespace ldnsim::data {

SubjectsTable parse_subjects(std::string_view text, const std::string& file_name) {
  std::vector<CsvRow> rows = parse_csv(text, file_name);
  if (rows.empty()) throw InputError(file_name + ": empty subjects file (expected a header with ID)");
  SubjectsTable t;
  t.file = file_name;
  int id_col = -1;
  const auto& header = rows[0].fields;
  for (std::size_t c = 0; c < header.size(); ++c) {
    bool is_id = header[c].size() == 2 && (header[c][0] == 'I' || header[c][0] == 'i') &&
                 (header[c][1] == 'D' || header[c][1] == 'd');
    if (is_id) {
      if (id_col >= 0) throw InputError(file_name + ":" + std::to_string(rows[0].line) + ": duplicate ID column");
      id_col = static_cast<int>(c);
    } else {
      t.columns.push_back(header[c]);
    }
  }
  if (id_col < 0) throw InputError(file_name + ":" + std::to_string(rows[0].line) + ": no ID column in the header");
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (row.fields.size() != header.size()) {
      const bool few = row.fields.size() < header.size();
      throw InputError(file_name + ":" + std::to_string(row.line) + ": " +
                       (few ? "column " + header[row.fields.size()] + ": no field ("
                            : "field " + std::to_string(header.size() + 1) + " ('" + row.fields[header.size()] +
                                  "'): no column for it (") +
                       std::to_string(row.fields.size()) + " fields, but the header has " +
                       std::to_string(header.size()) + ": ragged row; expected one field per column)");
    }
    std::vector<double> vals;
    double id = 0;
    for (std::size_t c = 0; c < row.fields.size(); ++c) {
      const std::string& f = row.fields[c];
      std::optional<double> parsed = parse_number(f);
      if (!parsed)
        throw InputError(file_name + ":" + std::to_string(row.line) + ": column " + header[c] + ": '" + f +
                         "' is not a number (expected a number; a subjects file has no missing values)");
      if (static_cast<int>(c) == id_col) id = *parsed;
      else vals.push_back(*parsed);
    }
    t.ids.push_back(id);
    t.values.push_back(std::move(vals));
  }
  if (t.ids.empty()) throw InputError(file_name + ": no subjects after the header");
  return t;
}

SubjectsTable read_subjects(const std::string& path) {
  return parse_subjects(read_text_file(path, "subjects file"), path);
}

Dataset regimen_dataset(const Regimen& g, const SubjectsTable* subjects) {
  if (!(g.amount > 0) || !std::isfinite(g.amount)) throw UsageError("the dose must be above 0");
  if (g.doses < 1) throw UsageError("the regimen needs at least one dose");
  if (g.doses > 1 && !(g.interval > 0)) throw UsageError("the dosing interval must be above 0");
  Dataset ds;
  ds.file = subjects ? subjects->file : "<regimen>";
  ds.columns = {"ID", "TIME", "EVID", "AMT", "CMT", "RATE", "II", "ADDL"};
  if (subjects)
    for (const auto& c : subjects->columns) ds.columns.push_back(c);
  std::size_t nsub = subjects ? subjects->ids.size() : 1;
  for (std::size_t s = 0; s < nsub; ++s) {
    Record r;
    r.row = ds.records.size();
    r.line = subjects ? static_cast<int>(s + 2) : 0;
    r.id = subjects ? subjects->ids[s] : 1;
    r.time = g.first;
    r.evid = 1;
    r.amt = g.amount;
    r.cmt = g.cmt;
    r.rate = g.rate;
    r.ii = g.doses > 1 ? g.interval : 0;
    r.addl = g.doses - 1;
    ds.values.insert(ds.values.end(), {r.id, r.time, 1.0, r.amt, static_cast<double>(r.cmt), r.rate, r.ii,
                                       static_cast<double>(r.addl)});
    if (subjects) ds.values.insert(ds.values.end(), subjects->values[s].begin(), subjects->values[s].end());
    ds.subjects.emplace_back(ds.records.size(), ds.records.size() + 1);
    ds.records.push_back(r);
  }
  return ds;
}

}  // namespace ldnsim::data
