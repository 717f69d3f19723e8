#include "ldnsim/data/dataset.hpp"

#include <cctype>
#include <cmath>
#include <limits>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/data/csv.hpp"

namespace ldnsim::data {
namespace {

std::string upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

bool is_missing_text(std::string_view s) { return s.empty() || s == "."; }

}  // namespace

bool Dataset::is_standard_item(std::string_view name) {
  static const char* items[] = {"ID", "TIME", "EVID", "AMT", "CMT", "RATE",
                                "II", "ADDL", "SS", "DV", "MDV", "C"};
  std::string u = upper(name);
  for (const char* i : items)
    if (u == i) return true;
  return false;
}

int Dataset::column_index(std::string_view name) const {
  std::string u = upper(name);
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (upper(columns[i]) == u) return static_cast<int>(i);
  return -1;
}

Dataset parse_dataset(std::string_view text, const std::string& file_name) {
  std::vector<CsvRow> rows = parse_csv(text, file_name);
  Dataset ds;
  ds.file = file_name;
  if (rows.empty()) throw InputError(file_name + ": empty data set (expected a header row)");
  ds.columns = rows[0].fields;
  const int header_line = rows[0].line;
  auto where = [&](int line) { return file_name + ":" + std::to_string(line); };

  for (std::size_t i = 0; i < ds.columns.size(); ++i) {
    if (ds.columns[i].empty())
      throw InputError(where(header_line) + ": column " + std::to_string(i + 1) +
                       " has an empty name in the header");
    for (std::size_t j = 0; j < i; ++j)
      if (upper(ds.columns[i]) == upper(ds.columns[j]))
        throw InputError(where(header_line) + ": duplicate column '" + ds.columns[i] +
                         "' (columns " + std::to_string(j + 1) + " and " +
                         std::to_string(i + 1) + "; names are case-insensitive)");
  }
  const int c_id = ds.column_index("ID");
  const int c_time = ds.column_index("TIME");
  if (c_id < 0) throw InputError(where(header_line) + ": no ID column in the header");
  if (c_time < 0) throw InputError(where(header_line) + ": no TIME column in the header");
  const int c_evid = ds.column_index("EVID"), c_amt = ds.column_index("AMT"),
            c_cmt = ds.column_index("CMT"), c_rate = ds.column_index("RATE"),
            c_ii = ds.column_index("II"), c_addl = ds.column_index("ADDL"),
            c_ss = ds.column_index("SS"), c_dv = ds.column_index("DV"),
            c_comment = ds.column_index("C");
  const std::size_t ncol = ds.columns.size();

  double previous_id = kMissing;
  double previous_time = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    const std::string& first = row.fields[0];
    if (!first.empty() && (first[0] == '#' || first[0] == 'C' || first[0] == 'c')) continue;
    if (c_comment >= 0 && static_cast<std::size_t>(c_comment) < row.fields.size()) {
      const std::string& c = row.fields[static_cast<std::size_t>(c_comment)];
      if (!is_missing_text(c) && c != "0") continue;
    }
    if (row.fields.size() < ncol)
      throw InputError(where(row.line) + ": column " + ds.columns[row.fields.size()] + ": no field (" +
                       std::to_string(row.fields.size()) + " fields, but the header has " +
                       std::to_string(ncol) + ": ragged row; expected a field for every column, "
                       "'.' where missing)");
    if (row.fields.size() > ncol)
      throw InputError(where(row.line) + ": field " + std::to_string(ncol + 1) + " ('" + row.fields[ncol] +
                       "'): no column for it (" + std::to_string(row.fields.size()) +
                       " fields, but the header has " + std::to_string(ncol) +
                       ": ragged row; expected a field for every column and no more)");
    std::size_t base = ds.values.size();
    ds.values.resize(base + ncol, kMissing);
    for (std::size_t c = 0; c < ncol; ++c) {
      const std::string& f = row.fields[c];
      if (static_cast<int>(c) == c_comment || is_missing_text(f)) continue;
      std::optional<double> v = parse_number(f);
      if (!v)
        throw InputError(where(row.line) + ": column " + ds.columns[c] + ": '" + f +
                         "' is not a number (expected a number, or '.' or nothing where missing)");
      ds.values[base + c] = *v;
    }
    const double* v = &ds.values[base];
    auto field = [&](int c, double fallback) {
      return (c < 0 || std::isnan(v[c])) ? fallback : v[c];
    };
    // `item` names the data item when its column is absent (c < 0), e.g. II for ADDL > 0.
    auto bad = [&](int c, const std::string& expected, const char* item = "") {
      if (c < 0)
        throw InputError(where(row.line) + ": column " + item + ": absent from the header, expected " +
                         expected);
      throw InputError(where(row.line) + ": column " + ds.columns[static_cast<std::size_t>(c)] +
                       ": value '" + row.fields[static_cast<std::size_t>(c)] + "', expected " + expected);
    };
    auto integer = [&](int c, double fallback, const char* expected) {
      double x = field(c, fallback);
      if (x != std::floor(x) || std::fabs(x) > 1e9) bad(c, expected);
      return static_cast<int>(x);
    };

    Record rec;
    rec.row = ds.records.size();
    rec.line = row.line;
    if (std::isnan(v[c_id])) bad(c_id, "a subject ID (it is missing)");
    if (std::isnan(v[c_time])) bad(c_time, "a time (it is missing)");
    rec.id = v[c_id];
    rec.time = v[c_time];
    rec.amt = field(c_amt, 0);
    rec.rate = field(c_rate, 0);
    rec.ii = field(c_ii, 0);
    rec.dv = field(c_dv, kMissing);
    rec.evid = integer(c_evid, (c_evid < 0 && (rec.amt > 0 || rec.rate != 0)) ? 1 : 0,
                       "an EVID of 0, 1, 2, 3 or 4");
    rec.cmt = integer(c_cmt, 0, "a whole compartment number");
    rec.addl = integer(c_addl, 0, "a whole number of additional doses");
    rec.ss = integer(c_ss, 0, "SS 0, 1 or 2");

    if (rec.evid < 0 || rec.evid > 4) bad(c_evid, "an EVID of 0, 1, 2, 3 or 4");
    if (rec.amt < 0) bad(c_amt, "an amount of 0 or more");
    if (rec.ii < 0) bad(c_ii, "an interval of 0 or more");
    if (rec.addl < 0) bad(c_addl, "a number of additional doses of 0 or more");
    if (rec.cmt < 0)
      bad(c_cmt, "a compartment number of 1 or more (switching compartments off with a "
                 "negative CMT is not supported)");
    if (rec.ss < 0 || rec.ss > 2)
      bad(c_ss, "SS 0 (none), 1 (steady state, reset) or 2 (steady state, superposed)");
    if (!(rec.rate >= 0 || rec.rate == -1 || rec.rate == -2))
      bad(c_rate, "a rate > 0, 0 (bolus), -1 (rate from the model) or -2 (duration from the model)");
    if (rec.is_dose()) {
      if (rec.addl > 0 && rec.ii <= 0)
        bad(c_ii, "an interval II > 0, because ADDL = " + std::to_string(rec.addl) +
                  " asks for additional doses", "II");
      if (rec.ss > 0 && rec.ii <= 0 && !(rec.rate > 0 && rec.amt == 0))
        bad(c_ii, "an interval II > 0 for a steady-state dose (SS = " + std::to_string(rec.ss) +
                  "; only a constant infusion, AMT 0 with RATE > 0, may have II 0)", "II");
      if (rec.ss > 0 && rec.ii == 0 && rec.rate > 0 && rec.amt != 0)
        bad(c_amt, "AMT 0 for a steady-state constant infusion (SS with II 0)");
    } else {
      // NONMEM ignores dosing items on other records; keep them harmless here.
      rec.addl = 0;
      rec.ss = 0;
    }

    bool new_subject = ds.records.empty() || rec.id != previous_id;
    if (new_subject) {
      ds.subjects.emplace_back(ds.records.size(), ds.records.size());
    } else if (rec.time < previous_time && !rec.resets()) {
      throw InputError(where(row.line) + ": column " + ds.columns[static_cast<std::size_t>(c_time)] +
                       ": TIME " + format_number(rec.time) + " is earlier than " +
                       format_number(previous_time) + " on the previous record of ID " +
                       format_number(rec.id) + " (time may go back only at a reset, EVID 3 or 4)");
    }
    previous_id = rec.id;
    previous_time = rec.time;
    ds.records.push_back(rec);
    ds.subjects.back().second = ds.records.size();
  }
  if (ds.records.empty()) throw InputError(file_name + ": no data records after the header");
  return ds;
}

Dataset read_dataset(const std::string& path) {
  return parse_dataset(read_text_file(path, "data set"), path);
}

}  // namespace ldnsim::data
