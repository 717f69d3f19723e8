#include "ldnsim/data/regimen.hpp"

#include <cmath>
#include <unordered_map>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/data/csv.hpp"

namespace ldnsim::data {

SubjectsTable parse_subjects(std::string_view text, const std::string& file_name) {
  std::vector<CsvRow> rows = parse_csv(text, file_name);
  const std::string file = printable(file_name);
  if (rows.empty()) throw InputError(file + ": empty subjects file (expected a header with ID)");
  SubjectsTable t;
  t.file = file_name;
  int id_col = -1;
  const auto& header = rows[0].fields;
  for (std::size_t c = 0; c < header.size(); ++c) {
    bool is_id = header[c].size() == 2 && (header[c][0] == 'I' || header[c][0] == 'i') &&
                 (header[c][1] == 'D' || header[c][1] == 'd');
    if (is_id) {
      if (id_col >= 0) throw InputError(file + ":" + std::to_string(rows[0].line) + ": duplicate ID column");
      id_col = static_cast<int>(c);
    } else {
      t.columns.push_back(header[c]);
    }
  }
  if (id_col < 0) throw InputError(file + ":" + std::to_string(rows[0].line) + ": no ID column in the header");
  std::unordered_map<double, int> lines;  // ID -> line
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (row.fields.size() != header.size()) {
      const bool few = row.fields.size() < header.size();
      throw InputError(file + ":" + std::to_string(row.line) + ": " +
                       (few ? "column " + printable(header[row.fields.size()]) + ": no field ("
                            : "field " + std::to_string(header.size() + 1) + " ('" +
                                  printable(row.fields[header.size()]) + "'): no column for it (") +
                       std::to_string(row.fields.size()) + " fields, but the header has " +
                       std::to_string(header.size()) + ": ragged row; expected one field per column)");
    }
    std::vector<double> vals;
    double id = 0;
    for (std::size_t c = 0; c < row.fields.size(); ++c) {
      const std::string& f = row.fields[c];
      std::optional<double> parsed = parse_number(f);
      if (!parsed)
        throw InputError(file + ":" + std::to_string(row.line) + ": column " + printable(header[c]) + ": '" +
                         printable(f) + "' is not a number (expected a number; a subjects file has no missing values)");
      if (static_cast<int>(c) == id_col) id = *parsed;
      else vals.push_back(*parsed);
    }
    if (auto [it, fresh] = lines.emplace(id, row.line); !fresh)
      throw InputError(file + ":" + std::to_string(row.line) + ": ID " + format_number(id) + " again (also on line " +
                       std::to_string(it->second) + "; expected one row per subject)");
    t.ids.push_back(id);
    t.values.push_back(std::move(vals));
  }
  if (t.ids.empty()) throw InputError(file + ": no subjects after the header");
  return t;
}

SubjectsTable read_subjects(const std::string& path) {
  return parse_subjects(read_text_file(path, "subjects file"), path);
}

Dataset regimen_dataset(const Regimen& g, const SubjectsTable* subjects) {
  if (!(g.amount > 0) || !std::isfinite(g.amount)) throw UsageError("the dose must be above 0");
  if (g.doses < 1) throw UsageError("the regimen needs at least one dose");
  if (g.doses > 1 && !(g.interval > 0)) throw UsageError("the dosing interval must be above 0");
  std::vector<std::string> names = {"ID", "TIME", "EVID", "AMT", "CMT", "RATE", "II", "ADDL"};
  if (subjects)
    for (const auto& c : subjects->columns) names.push_back(c);
  DatasetBuilder ds(Columns(std::move(names), subjects ? subjects->file : "<regimen>", subjects ? 1 : 0));
  const std::size_t nsub = subjects ? subjects->ids.size() : 1;
  std::vector<double> row;
  for (std::size_t s = 0; s < nsub; ++s) {
    row = {subjects ? subjects->ids[s] : 1.0, g.first, 1.0, g.amount, static_cast<double>(g.cmt), g.rate,
           g.doses > 1 ? g.interval : 0.0, static_cast<double>(g.doses - 1)};
    if (subjects) row.insert(row.end(), subjects->values[s].begin(), subjects->values[s].end());
    ds.add(row, subjects ? static_cast<int>(s + 2) : 0);
  }
  return ds.build();
}

}  // namespace ldnsim::data
