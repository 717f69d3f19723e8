// RFC 4180 CSV reading with errors that name the line and field.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ldnsim::data {

struct CsvRow {
  int line = 0;  // 1-based line where the row starts
  std::vector<std::string> fields;
};

// Splits `text` into rows. Quoted fields may hold commas, doubled quotes and newlines.
// Throws InputError (naming file, line and field: by its name in the first row, the
// header, once that is read) on an unterminated quote, text after a closing quote or a
// quote inside an unquoted field. Blank lines are skipped. Fields are trimmed of
// surrounding blanks unless quoted.
std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file_name);

// A field as a finite number: decimal or exponent notation, an optional sign ('+' too, as
// Fortran and spreadsheets write it); nullopt for anything else (text, "nan", "inf", 1e999).
std::optional<double> parse_number(std::string_view field);

// Reads a whole file; throws InputError if it cannot be read.
std::string read_text_file(const std::string& path, const char* what);

}  // namespace ldnsim::data
