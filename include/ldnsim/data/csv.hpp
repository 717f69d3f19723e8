// RFC 4180 CSV reading with errors that name the line and field: a streaming reader that
// holds one row at a time (files of any size in bounded memory), and whole-text parsing on
// top of it for small files.
#pragma once

#include "ldnsim/core/files.hpp"
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ldnsim::data {

// Bounds on what one row may hold, checked before anything is allocated for it.
struct CsvLimits {
  std::size_t max_fields = 10000;            // fields in one row
  std::size_t max_row_bytes = 64u << 20;     // bytes of one row (quoted newlines included)
};

// Reads CSV rows one at a time, from a file (read in blocks) or from text in memory.
// Quoted fields may hold commas, doubled quotes and newlines. Blank lines are skipped;
// unquoted fields are trimmed of surrounding blanks; a UTF-8 byte-order mark at the start
// is skipped. Throws InputError (naming file, line and field: by its column name once
// set_header was called) on an unterminated quote, text after a closing quote, a quote
// inside an unquoted field, and rows beyond the limits. Fields are views into the
// reader's buffer, valid until the next call to next(); reading allocates nothing per
// field.
class CsvReader {
 public:
  // Throws InputError naming the file when it cannot be opened ("cannot read WHAT 'path'").
  CsvReader(const std::string& path, const char* what, CsvLimits limits = {});
  // Reads `text` (which must outlive the reader), named `file_name` in messages.
  CsvReader(std::string_view text, std::string file_name, CsvLimits limits = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Moves to the next row with content; false at the end of the input.
  bool next();
  std::size_t size() const { return fields_.size(); }
  std::string_view operator[](std::size_t i) const {
    return {buffer_.data() + fields_[i].begin, fields_[i].length};
  }
  bool quoted(std::size_t i) const { return fields_[i].quoted; }
  int line() const { return row_line_; }  // 1-based line where the row starts
  const std::string& file() const { return file_; }
  // Bytes of input consumed so far.
  std::uint64_t bytes_read() const { return consumed_ + pos_; }
  // Column names for messages about later rows ("column AMT (field 3)").
  void set_header(std::vector<std::string> names) { header_ = std::move(names); }
  const CsvLimits& limits() const { return limits_; }
  void set_limits(const CsvLimits& limits) { limits_ = limits; }

 private:
  struct Field {
    std::uint32_t begin;
    std::uint32_t length;
    bool quoted;
  };
  enum class Scan { Row, NeedMore };

  Scan scan_row();
  void split_plain(std::size_t row_end);
  bool refill();
  std::string field_name(std::size_t k) const;
  std::string where(int line) const;
  [[noreturn]] void fail(int line, std::size_t field, const std::string& what) const;
  [[noreturn]] void too_many_fields(int line, std::size_t from, std::size_t row_end) const;

  std::string file_;
  CsvLimits limits_;
  std::FILE* in_ = nullptr;
  std::string_view text_;      // the source, when reading from memory
  std::size_t text_pos_ = 0;
  bool eof_ = false;
  std::string buffer_;         // [0, end_) holds input not yet consumed before pos_
  std::size_t end_ = 0;
  std::size_t pos_ = 0;        // start of the next row in buffer_
  std::uint64_t consumed_ = 0; // bytes dropped from the front of buffer_ so far
  int line_ = 1;               // line at pos_
  int row_line_ = 0;
  bool started_ = false;
  std::vector<Field> fields_;
  std::vector<std::string> header_;
};

struct CsvRow {
  int line = 0;  // 1-based line where the row starts
  std::vector<std::string> fields;
};

// Splits `text` into rows (CsvReader's rules; every row kept, for small files).
std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file_name);

// A field as a finite number: decimal or exponent notation, an optional sign ('+' too, as
// Fortran and spreadsheets write it); nullopt for anything else (text, "nan", "inf", 1e999).
std::optional<double> parse_number_general(std::string_view field);

inline std::optional<double> parse_number(std::string_view f) {
  // Plain decimals of up to 15 digits ("0", "-0.25", "237.588") are an exact integer
  // divided by an exact power of ten: one correctly rounded division gives the same
  // double as a correct parser (Clinger's fast path), at a fraction of the cost.
  if (!f.empty() && f.size() <= 17) {
    std::size_t k = 0;
    const bool negative = f[0] == '-';
    if (negative) ++k;
    std::uint64_t q = 0;
    int digits = 0, decimals = -1;
    for (; k < f.size(); ++k) {
      const unsigned d = static_cast<unsigned>(f[k] - '0');
      if (d < 10) {
        q = q * 10 + d;
        ++digits;
        if (decimals >= 0) ++decimals;
      } else if (f[k] == '.' && decimals < 0) {
        decimals = 0;
      } else {
        break;
      }
    }
    if (k == f.size() && digits > 0 && digits <= 15) {
      constexpr double kTens[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
      double v = static_cast<double>(q);
      if (decimals > 0) v /= kTens[decimals];
      return negative ? -v : v;
    }
  }
  return parse_number_general(f);
}

// Reads a whole file; throws InputError if it cannot be read (core/files.hpp).
using ldnsim::read_text_file;

}  // namespace ldnsim::data
