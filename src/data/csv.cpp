#include "ldnsim/data/csv.hpp"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim::data {
namespace {

constexpr std::size_t kBlock = 1u << 20;  // bytes read at a time

bool blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

CsvReader::CsvReader(const std::string& path, const char* what, CsvLimits limits)
    : file_(path), limits_(limits) {
  in_ = std::fopen(path.c_str(), "rb");
  if (!in_)
    throw InputError(std::string("cannot read ") + what + " '" + printable(path) +
                     "': no such file or not readable");
}

CsvReader::CsvReader(std::string_view text, std::string file_name, CsvLimits limits)
    : file_(std::move(file_name)), limits_(limits), text_(text) {}

CsvReader::~CsvReader() {
  if (in_) std::fclose(in_);
}

std::string CsvReader::where(int line) const { return printable(file_) + ":" + std::to_string(line); }

std::string CsvReader::field_name(std::size_t k) const {
  std::string s = "field " + std::to_string(k + 1);
  if (k < header_.size() && !header_[k].empty()) s = "column " + printable(header_[k]) + " (" + s + ")";
  return s;
}

// Counts the fields of a row beyond the limit (without keeping them) for the message.
void CsvReader::too_many_fields(int line, std::size_t i, std::size_t row_end) const {
  std::size_t count = fields_.size() + 1;
  bool in_quotes = false;
  for (; i < row_end; ++i) {
    if (buffer_[i] == '"') in_quotes = !in_quotes;
    else if (buffer_[i] == ',' && !in_quotes) ++count;
  }
  throw InputError(where(line) + ": " + std::to_string(count) + " fields in one row, more than the limit of " +
                   std::to_string(limits_.max_fields));
}

void CsvReader::fail(int line, std::size_t field, const std::string& what) const {
  throw InputError(where(line) + ": " + field_name(field) + ": " + what);
}

// Moves the unread rest to the front of the buffer and appends the next block; false when
// there is nothing more to read.
bool CsvReader::refill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    consumed_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ > limits_.max_row_bytes)
    throw InputError(where(line_) + ": a row longer than " + std::to_string(limits_.max_row_bytes >> 20) +
                     " MB (the limit for one row; is a quote left open?)");
  if (buffer_.size() < end_ + kBlock) buffer_.resize(end_ + kBlock);
  std::size_t got = 0;
  if (in_) {
    got = std::fread(buffer_.data() + end_, 1, kBlock, in_);
    if (got < kBlock) {
      if (std::ferror(in_))
        throw InputError("cannot read '" + printable(file_) + "': read error after " +
                         std::to_string(consumed_ + end_) + " bytes");
      eof_ = true;
    }
  } else {
    got = std::min(kBlock, text_.size() - text_pos_);
    std::memcpy(buffer_.data() + end_, text_.data() + text_pos_, got);
    text_pos_ += got;
    if (text_pos_ == text_.size()) eof_ = true;
  }
  if (!started_) {
    started_ = true;
    if (got >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;  // UTF-8 BOM
  }
  end_ += got;
  return got > 0 || eof_;
}

// Splits the row starting at pos_ into fields, if the buffer holds all of it. First finds
// where the row ends (a newline outside quotes), then splits it, unescaping quoted fields
// in place (their text only shrinks).
CsvReader::Scan CsvReader::scan_row() {
  char* buf = buffer_.data();
  // 1. The end of the row: the first newline, unless a quote comes before it.
  std::size_t row_end = std::string::npos;
  const void* nl = std::memchr(buf + pos_, '\n', end_ - pos_);
  const std::size_t line_end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - buf) : end_;
  const bool has_quote = std::memchr(buf + pos_, '"', line_end - pos_) != nullptr;
  if (!has_quote) {
    if (nl) row_end = line_end;
  } else {
    std::size_t i = pos_;
    bool at_field_start = true, in_quotes = false;
    while (i < end_) {
      const char c = buf[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 >= end_ && !eof_) return Scan::NeedMore;
          if (i + 1 < end_ && buf[i + 1] == '"') {
            i += 2;
            continue;
          }
          in_quotes = false;
        }
        ++i;
        continue;
      }
      if (c == '\n') {
        row_end = i;
        break;
      }
      if (c == ',') {
        at_field_start = true;
      } else if (c == '"' && at_field_start) {
        in_quotes = true;
        at_field_start = false;
      } else if (!blank(c)) {
        at_field_start = false;
      }
      ++i;
    }
  }
  if (row_end == std::string::npos) {
    if (!eof_) return Scan::NeedMore;
    row_end = end_;
  }
  if (!has_quote) {
    split_plain(row_end);
    return Scan::Row;
  }
  // 2. The fields.
  fields_.clear();
  int line = line_;
  row_line_ = line_;
  std::size_t i = pos_;
  while (true) {
    if (fields_.size() >= limits_.max_fields) too_many_fields(line, i, row_end);
    const std::size_t start = i;
    while (i < row_end && blank(buf[i])) ++i;
    Field f{};
    if (i < row_end && buf[i] == '"') {
      const int quote_line = line;
      const std::size_t q = i;
      std::size_t w = q;
      ++i;
      while (true) {
        if (i >= row_end)
          fail(quote_line, fields_.size(),
               "unterminated quoted field (a '\"' opened here is never closed; expected a closing '\"')");
        const char c = buf[i];
        if (c == '"') {
          if (i + 1 < row_end && buf[i + 1] == '"') {
            buf[w++] = '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (c == '\n') ++line;
        buf[w++] = c;
        ++i;
      }
      f = {static_cast<std::uint32_t>(q), static_cast<std::uint32_t>(w - q), true};
      while (i < row_end && (blank(buf[i]) || buf[i] == '\r')) ++i;
      if (i < row_end && buf[i] != ',')
        fail(line, fields_.size(),
             "unexpected text after a closing quote (found '" + printable(std::string_view(buf + i, 1)) +
                 "', expected ',' or end of line)");
    } else {
      i = start;
      while (i < row_end && buf[i] != ',') {
        if (buf[i] == '"')
          fail(line, fields_.size(),
               "a '\"' inside an unquoted field (quote the whole field and double the quote)");
        ++i;
      }
      std::size_t b = start, e = i;
      if (e > b && buf[e - 1] == '\r') --e;
      while (b < e && blank(buf[b])) ++b;
      while (e > b && blank(buf[e - 1])) --e;
      f = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e - b), false};
    }
    fields_.push_back(f);
    if (i < row_end && buf[i] == ',') {
      ++i;
      continue;
    }
    break;
  }
  pos_ = row_end < end_ ? row_end + 1 : end_;
  line_ = line + 1;
  return Scan::Row;
}

// The fields of a row without quotes, [pos_, row_end): split at commas and trimmed.
void CsvReader::split_plain(std::size_t row_end) {
  const char* buf = buffer_.data();
  fields_.clear();
  row_line_ = line_;
  std::size_t start = pos_;  // of the field being read
  auto field = [&](std::size_t e, bool last) {
    std::size_t b = start;
    if (last && e > b && buf[e - 1] == '\r') --e;
    while (b < e && blank(buf[b])) ++b;
    while (e > b && blank(buf[e - 1])) --e;
    if (fields_.size() >= limits_.max_fields) too_many_fields(line_, start, row_end);
    fields_.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e - b), false});
  };
  // The commas, eight bytes at a time: a byte of x = word ^ ",,,,,,,," is zero exactly
  // where a comma is, and its high bit in z below is set exactly then (no carry crosses a
  // byte, so no false positive). Fields are short, so this beats a byte loop's branches.
  constexpr std::uint64_t kCommas = 0x2C2C2C2C2C2C2C2CULL, kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  std::size_t i = pos_;
  if constexpr (std::endian::native == std::endian::little) {  // else the byte loop does it all
    for (; i + 8 <= row_end; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, buf + i, 8);
      const std::uint64_t x = word ^ kCommas;
      std::uint64_t z = ~(((x & kLow7) + kLow7) | x | kLow7);
      while (z) {
        const std::size_t comma = i + static_cast<std::size_t>(std::countr_zero(z) >> 3);
        field(comma, false);
        start = comma + 1;
        z &= z - 1;
      }
    }
  }
  for (; i < row_end; ++i)
    if (buf[i] == ',') {
      field(i, false);
      start = i + 1;
    }
  field(row_end, true);
  pos_ = row_end < end_ ? row_end + 1 : end_;
  ++line_;
}

bool CsvReader::next() {
  while (true) {
    if (pos_ >= end_) {
      if (eof_ || !refill()) return false;
      if (pos_ >= end_) return false;
    }
    if (scan_row() == Scan::NeedMore) {
      if (!refill()) return false;
      continue;
    }
    const bool content = fields_.size() > 1 || fields_[0].length > 0 || fields_[0].quoted;
    if (content) return true;
  }
}

std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file_name) {
  std::vector<CsvRow> rows;
  CsvReader in(text, file_name);
  while (in.next()) {
    CsvRow row;
    row.line = in.line();
    row.fields.reserve(in.size());
    for (std::size_t k = 0; k < in.size(); ++k) row.fields.emplace_back(in[k]);
    if (rows.empty()) in.set_header(row.fields);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<double> parse_number_general(std::string_view f) {
  if (f.size() > 1 && f[0] == '+' && f[1] != '-' && f[1] != '+') f.remove_prefix(1);
  double v;
  auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (f.empty() || ec != std::errc() || ptr != f.data() + f.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}


}  // namespace ldnsim::data
