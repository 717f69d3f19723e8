#include "ldnsim/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "ldnsim/core/error.hpp"

namespace ldnsim::data {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file_name) {
  std::vector<CsvRow> rows;
  std::size_t i = 0;
  int line = 1;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte-order mark
  const std::size_t n = text.size();
  // Names field k (0-based) of a row by the header (the first row) once there is one.
  auto field_name = [&rows](std::size_t k) {
    std::string s = "field " + std::to_string(k + 1);
    if (!rows.empty() && k < rows[0].fields.size() && !rows[0].fields[k].empty())
      s = "column " + rows[0].fields[k] + " (" + s + ")";
    return s;
  };
  while (i < n) {
    CsvRow row;
    row.line = line;
    bool row_has_content = false;
    while (true) {
      std::string field;
      bool quoted = false;
      // skip leading blanks before a possible quote
      std::size_t start = i;
      while (i < n && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i < n && text[i] == '"') {
        quoted = true;
        int quote_line = line;
        ++i;
        while (true) {
          if (i >= n)
            throw InputError(file_name + ":" + std::to_string(quote_line) + ": " +
                             field_name(row.fields.size()) +
                             ": unterminated quoted field (a '\"' opened here is never closed; "
                             "expected a closing '\"')");
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
        if (i < n && text[i] != ',' && text[i] != '\n')
          throw InputError(file_name + ":" + std::to_string(line) + ": " +
                           field_name(row.fields.size()) + ": unexpected text after a closing quote (found '" +
                           std::string(1, text[i]) + "', expected ',' or end of line)");
      } else {
        i = start;
        std::size_t b = i;
        while (i < n && text[i] != ',' && text[i] != '\n') {
          if (text[i] == '"')
            throw InputError(file_name + ":" + std::to_string(line) + ": " +
                             field_name(row.fields.size()) + ": a '\"' inside an unquoted field (quote the whole field and "
                             "double the quote)");
          ++i;
        }
        std::size_t e = i;
        if (e > b && text[e - 1] == '\r') --e;
        field = trim(text.substr(b, e - b));
      }
      if (quoted || !field.empty()) row_has_content = true;
      row.fields.push_back(std::move(field));
      if (i < n && text[i] == ',') {
        ++i;
        row_has_content = true;
        continue;
      }
      break;
    }
    if (i < n && text[i] == '\n') ++i;
    if (row_has_content) rows.push_back(std::move(row));
    ++line;
  }
  return rows;
}

std::optional<double> parse_number(std::string_view f) {
  if (f.size() > 1 && f[0] == '+' && f[1] != '-' && f[1] != '+') f.remove_prefix(1);
  double v;
  auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (f.empty() || ec != std::errc() || ptr != f.data() + f.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string read_text_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(std::string("cannot read ") + what + " '" + path + "': no such file or not readable");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ldnsim::data
