#include "ldnsim/data/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/text.hpp"
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

std::string where(const std::string& file, int line) {
  return line > 0 ? printable(file) + ":" + std::to_string(line) : printable(file);
}

// What a header that is one field holds instead of commas, if anything: "tab", ...
std::string other_delimiter(const std::vector<std::string>& names) {
  if (names.size() != 1) return "";
  const std::string& h = names[0];
  const auto tabs = std::count(h.begin(), h.end(), '\t');
  const auto semicolons = std::count(h.begin(), h.end(), ';');
  const auto spaces = std::count(h.begin(), h.end(), ' ');
  if (tabs >= semicolons && tabs > 0) return std::to_string(tabs) + " tab" + (tabs > 1 ? "s" : "") + ": tab-separated";
  if (semicolons > 0) return std::to_string(semicolons) + " semicolon" + (semicolons > 1 ? "s" : "") + ": semicolon-separated";
  if (spaces > 0) return std::to_string(spaces) + " space" + (spaces > 1 ? "s" : "") + ": space-separated";
  return "";
}

}  // namespace

// ---- Columns ---------------------------------------------------------------------------

Columns::Columns(std::vector<std::string> names, std::string file, int line, std::size_t max_columns) {
  const std::string at = where(file, line);
  if (names.size() > max_columns)
    throw InputError(at + ": " + std::to_string(names.size()) + " columns in the header, more than the limit of " +
                     std::to_string(max_columns));
  auto d = std::make_shared<Data>();
  d->file = std::move(file);
  d->index.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty())
      throw InputError(at + ": column " + std::to_string(i + 1) + " has an empty name in the header");
    auto [it, fresh] = d->index.emplace(upper(names[i]), static_cast<int>(i));
    if (!fresh) {
      const auto j = static_cast<std::size_t>(it->second);
      throw InputError(at + ": duplicate column '" + printable(names[i]) + "' (columns " + std::to_string(j + 1) +
                       " and " + std::to_string(i + 1) + "; names are case-insensitive)");
    }
  }
  auto find = [&](const char* item) {
    auto it = d->index.find(item);
    return it == d->index.end() ? -1 : it->second;
  };
  Items& x = d->items;
  x.id = find("ID");
  x.time = find("TIME");
  x.evid = find("EVID");
  x.amt = find("AMT");
  x.cmt = find("CMT");
  x.rate = find("RATE");
  x.ii = find("II");
  x.addl = find("ADDL");
  x.ss = find("SS");
  x.dv = find("DV");
  x.mdv = find("MDV");
  x.comment = find("C");
  for (const char* item : {"ID", "TIME"}) {
    if (find(item) >= 0) continue;
    std::string why = "no " + std::string(item) + " column in the header";
    if (std::string other = other_delimiter(names); !other.empty())
      why += ", which is one field '" + printable(names[0]) + "' holding " + other +
             " data, but ldnsim reads comma-separated data sets (save the file as CSV with commas)";
    throw InputError(at + ": " + why);
  }
  d->names = std::move(names);
  d_ = std::move(d);
}

int Columns::index(std::string_view name) const {
  auto it = d_->index.find(upper(name));
  return it == d_->index.end() ? -1 : it->second;
}

bool Columns::is_standard_item(std::string_view name) {
  static const char* items[] = {"ID", "TIME", "EVID", "AMT", "CMT", "RATE",
                                "II", "ADDL", "SS", "DV", "MDV", "C"};
  std::string u = upper(name);
  for (const char* i : items)
    if (u == i) return true;
  return false;
}

// ---- DatasetBuilder --------------------------------------------------------------------

DatasetBuilder::DatasetBuilder(Columns columns, DatasetLimits limits) : limits_(limits) {
  ds_.columns_ = std::move(columns);
}

Record DatasetBuilder::read_record(const double* v, int line, FieldTexts texts) const {
  const Columns& cols = ds_.columns_;
  const Columns::Items& c = cols.items();
  auto field = [&](int k, double fallback) { return (k < 0 || std::isnan(v[k])) ? fallback : v[k]; };
  // The value as written, when known.
  auto shown = [&](int k) {
    const auto i = static_cast<std::size_t>(k);
    if (i < texts.size()) return printable(texts[i]);
    return std::isnan(v[k]) ? std::string(".") : format_number(v[k], 17);
  };
  // `item` names the data item when its column is absent (k < 0), e.g. II for ADDL > 0.
  auto bad = [&](int k, const std::string& expected, const char* item = "") {
    const std::string at = where(cols.file(), line);
    if (k < 0) throw InputError(at + ": column " + item + ": absent from the header, expected " + expected);
    throw InputError(at + ": column " + printable(cols[static_cast<std::size_t>(k)]) + ": value '" + shown(k) +
                     "', expected " + expected);
  };
  auto integer = [&](int k, double fallback, const char* expected) {
    double x = field(k, fallback);
    if (x != std::floor(x) || std::fabs(x) > 1e9) bad(k, expected);
    return static_cast<int>(x);
  };

  Record rec;
  rec.row = next_row_;
  rec.line = line;
  if (std::isnan(v[c.id])) bad(c.id, "a subject ID (it is missing)");
  if (std::isnan(v[c.time])) bad(c.time, "a time (it is missing)");
  rec.id = v[c.id];
  rec.time = v[c.time];
  rec.amt = field(c.amt, 0);
  rec.rate = field(c.rate, 0);
  rec.ii = field(c.ii, 0);
  rec.dv = field(c.dv, kMissing);
  rec.evid = integer(c.evid, (c.evid < 0 && (rec.amt > 0 || rec.rate != 0)) ? 1 : 0, "an EVID of 0, 1, 2, 3 or 4");
  rec.cmt = integer(c.cmt, 0, "a whole compartment number");
  rec.addl = integer(c.addl, 0, "a whole number of additional doses");
  rec.ss = integer(c.ss, 0, "SS 0, 1 or 2");

  if (rec.evid < 0 || rec.evid > 4) bad(c.evid, "an EVID of 0, 1, 2, 3 or 4");
  if (rec.amt < 0) bad(c.amt, "an amount of 0 or more");
  if (rec.ii < 0) bad(c.ii, "an interval of 0 or more");
  if (rec.addl < 0) bad(c.addl, "a number of additional doses of 0 or more");
  if (rec.cmt < 0)
    bad(c.cmt, "a compartment number of 1 or more (switching compartments off with a "
               "negative CMT is not supported)");
  if (rec.ss < 0 || rec.ss > 2) bad(c.ss, "SS 0 (none), 1 (steady state, reset) or 2 (steady state, superposed)");
  if (!(rec.rate >= 0 || rec.rate == -1 || rec.rate == -2))
    bad(c.rate, "a rate > 0, 0 (bolus), -1 (rate from the model) or -2 (duration from the model)");
  if (rec.is_dose()) {
    if (rec.addl > limits_.max_addl)
      bad(c.addl, "at most " + std::to_string(limits_.max_addl) + " additional doses (the limit for one record)");
    if (rec.addl > 0 && rec.ii <= 0)
      bad(c.ii, "an interval II > 0, because ADDL = " + std::to_string(rec.addl) + " asks for additional doses",
          "II");
    const bool constant_infusion = rec.ss > 0 && rec.ii == 0 && rec.rate > 0 && rec.amt == 0;
    if (rec.ss > 0 && rec.ii <= 0 && !(rec.rate > 0 && rec.amt == 0))
      bad(c.ii, "an interval II > 0 for a steady-state dose (SS = " + std::to_string(rec.ss) +
                    "; only a constant infusion, AMT 0 with RATE > 0, may have II 0)",
          "II");
    if (rec.ss > 0 && rec.ii == 0 && rec.rate > 0 && rec.amt != 0)
      bad(c.amt, "AMT 0 for a steady-state constant infusion (SS with II 0)");
    // NONMEM gives AMT 0 with a rate a meaning only as a steady-state constant infusion.
    if (rec.rate != 0 && rec.amt == 0 && !constant_infusion)
      bad(c.amt,
          "an amount above 0 for an infusion (RATE " + format_number(rec.rate) + ", SS " + std::to_string(rec.ss) +
              ", II " + format_number(rec.ii) +
              "): AMT 0 with a rate infuses nothing; NONMEM reads AMT 0 with RATE > 0 only as a "
              "steady-state constant infusion, SS 1 or 2 with II 0",
          "AMT");
  } else {
    // NONMEM ignores dosing items on other records; keep them harmless here.
    rec.addl = 0;
    rec.ss = 0;
  }
  return rec;
}

DatasetBuilder& DatasetBuilder::add(std::span<const double> values, int line, FieldTexts texts) {
  const Columns& cols = ds_.columns_;
  if (values.size() != cols.size())
    throw std::logic_error("DatasetBuilder::add: " + std::to_string(values.size()) + " values for " +
                           std::to_string(cols.size()) + " columns");
  Record rec = read_record(values.data(), line, texts);
  const bool new_subject = !has_previous_ || rec.id != previous_id_;
  if (new_subject) {
    if (has_previous_) finished_ids_.insert(previous_id_);
    if (finished_ids_.count(rec.id))
      throw InputError(where(cols.file(), line) + ": column " +
                       printable(cols[static_cast<std::size_t>(cols.items().id)]) + ": ID " + format_number(rec.id) +
                       " again, after other subjects (the records of a subject must be consecutive, as NONMEM "
                       "data sets are grouped by ID: sort the file by ID, or give the later records their own ID)");
  } else if (rec.time < previous_time_ && !rec.resets()) {
    throw InputError(where(cols.file(), line) + ": column " +
                     printable(cols[static_cast<std::size_t>(cols.items().time)]) + ": TIME " +
                     format_number(rec.time) + " is earlier than " + format_number(previous_time_) +
                     " on the previous record of ID " + format_number(rec.id) +
                     " (time may go back only at a reset, EVID 3 or 4)");
  }
  has_previous_ = true;
  previous_id_ = rec.id;
  previous_time_ = rec.time;
  ++next_row_;
  const std::size_t at = ds_.records_.size();
  if (new_subject) ds_.subjects_.emplace_back(at, at);
  ds_.records_.push_back(rec);
  const std::size_t base = ds_.values_.size();
  ds_.values_.resize(base + values.size());
  for (std::size_t k = 0; k < values.size(); ++k) ds_.values_[base + k] = values[k];
  ds_.subjects_.back().second = at + 1;
  return *this;
}

Dataset DatasetBuilder::build() {
  if (ds_.records_.empty()) throw InputError(printable(ds_.file()) + ": no data records after the header");
  Dataset out = std::move(ds_);
  ds_ = Dataset();
  ds_.columns_ = out.columns_;
  clear();
  return out;
}

void DatasetBuilder::clear(bool same_data_set) {
  ds_.records_.clear();
  ds_.values_.clear();
  ds_.subjects_.clear();
  if (same_data_set) return;
  next_row_ = 0;
  has_previous_ = false;
  finished_ids_.clear();
}

void DatasetBuilder::take_front(std::size_t keep_from, Dataset& out) {
  const std::size_t ncol = ds_.columns_.size();
  if (!out.columns_.same(ds_.columns_)) out.columns_ = ds_.columns_;
  std::swap(out.records_, ds_.records_);
  std::swap(out.values_, ds_.values_);
  ds_.records_.assign(out.records_.begin() + static_cast<std::ptrdiff_t>(keep_from), out.records_.end());
  ds_.values_.assign(out.values_.begin() + static_cast<std::ptrdiff_t>(keep_from * ncol), out.values_.end());
  out.records_.resize(keep_from);
  out.values_.resize(keep_from * ncol);
  out.subjects_.clear();
  std::vector<std::pair<std::size_t, std::size_t>> rest;
  for (auto [b, e] : ds_.subjects_) {
    if (e <= keep_from) out.subjects_.emplace_back(b, e);
    else rest.emplace_back(b - keep_from, e - keep_from);
  }
  ds_.subjects_ = std::move(rest);
}

// ---- DatasetReader ---------------------------------------------------------------------

struct DatasetReader::Impl {
  CsvReader csv;
  DatasetLimits limits;
  std::optional<DatasetBuilder> builder;
  std::vector<double> values;
  std::vector<std::string_view> texts;
  bool any_record = false;
  bool done = false;

  template <class... Source>
  Impl(DatasetLimits l, Source&&... source)
      : csv(std::forward<Source>(source)..., CsvLimits{l.max_columns}), limits(l) {
    if (!csv.next()) throw InputError(printable(csv.file()) + ": empty data set (expected a header row)");
    std::vector<std::string> names;
    names.reserve(csv.size());
    for (std::size_t k = 0; k < csv.size(); ++k) names.emplace_back(csv[k]);
    Columns columns(names, csv.file(), csv.line(), limits.max_columns);
    csv.set_header(std::move(names));
    builder.emplace(std::move(columns), limits);
    values.resize(builder->dataset().column_count());
  }

  const Columns& columns() const { return builder->dataset().columns(); }

  // Reads the next data record into the builder; false at the end of the file.
  bool read_record() {
    const Columns& cols = columns();
    const std::size_t ncol = cols.size();
    const int c_comment = cols.items().comment;
    while (csv.next()) {
      const std::string_view first = csv[0];
      if (!first.empty() && (first[0] == '#' || first[0] == 'C' || first[0] == 'c')) continue;
      if (c_comment >= 0 && static_cast<std::size_t>(c_comment) < csv.size()) {
        const std::string_view c = csv[static_cast<std::size_t>(c_comment)];
        if (!is_missing_text(c) && c != "0") continue;
      }
      auto at = [&] { return where(csv.file(), csv.line()); };
      if (csv.size() < ncol)
        throw InputError(at() + ": column " + printable(cols[csv.size()]) + ": no field (" + std::to_string(csv.size()) +
                         " fields, but the header has " + std::to_string(ncol) +
                         ": ragged row; expected a field for every column, '.' where missing)");
      if (csv.size() > ncol)
        throw InputError(at() + ": field " + std::to_string(ncol + 1) + " ('" + printable(csv[ncol]) +
                         "'): no column for it (" + std::to_string(csv.size()) + " fields, but the header has " +
                         std::to_string(ncol) + ": ragged row; expected a field for every column and no more)");
      for (std::size_t k = 0; k < ncol; ++k) {
        const std::string_view f = csv[k];
        if (static_cast<int>(k) == c_comment || is_missing_text(f)) {
          values[k] = kMissing;
          continue;
        }
        std::optional<double> v = parse_number(f);
        if (!v)
          throw InputError(where(csv.file(), csv.line()) + ": column " + printable(cols[k]) + ": '" + printable(f) +
                           "' is not a number (expected a number, or '.' or nothing where missing)");
        values[k] = *v;
      }
      try {
        builder->add(values, csv.line());
      } catch (const InputError&) {
        // The same error again, quoting the fields as written (add changes nothing when
        // it throws).
        texts.resize(ncol);
        for (std::size_t k = 0; k < ncol; ++k) texts[k] = csv[k];
        builder->add(values, csv.line(), texts);
        throw;
      }
      any_record = true;
      return true;
    }
    return false;
  }

  // Bytes the current subject (the records from `first` on) holds.
  std::size_t subject_bytes(std::size_t count) const {
    return count * (sizeof(Record) + columns().size() * sizeof(double));
  }

  bool next_subject(Dataset& out) {
    while (!done) {
      if (!read_record()) {
        done = true;
        break;
      }
      const Dataset& ds = builder->dataset();
      const std::size_t n = ds.record_count();
      const auto [first, end] = ds.subject_range(ds.subject_count() - 1);
      if (first > 0) {  // the last record starts the next subject
        builder->take_front(first, out);
        return true;
      }
      if (subject_bytes(end - first) > limits.max_subject_bytes) {
        const Record& r0 = ds.records()[first];
        throw InputError(where(csv.file(), csv.line()) + ": ID " + format_number(r0.id) + " (from line " +
                         std::to_string(r0.line) + "): " + std::to_string(n) + " records so far need " +
                         std::to_string(subject_bytes(n) >> 20) + " MB, more than the bound of " +
                         std::to_string(limits.max_subject_bytes >> 20) +
                         " MB for one subject (subjects are read and simulated one at a time; each must fit)");
      }
    }
    if (builder->record_count() > 0) {
      builder->take_front(builder->record_count(), out);
      return true;
    }
    if (!any_record) throw InputError(printable(csv.file()) + ": no data records after the header");
    return false;
  }
};

DatasetReader::DatasetReader(const std::string& path, DatasetLimits limits)
    : impl_(std::make_unique<Impl>(limits, path, "data set")) {}

DatasetReader::DatasetReader(std::string_view text, std::string file_name, DatasetLimits limits)
    : impl_(std::make_unique<Impl>(limits, text, std::move(file_name))) {}

DatasetReader::~DatasetReader() = default;

const Columns& DatasetReader::columns() const { return impl_->columns(); }
bool DatasetReader::next_subject(Dataset& out) { return impl_->next_subject(out); }
std::uint64_t DatasetReader::bytes_read() const { return impl_->csv.bytes_read(); }

Dataset DatasetReader::read_all() {
  while (impl_->read_record()) {
  }
  impl_->done = true;
  return impl_->builder->build();
}

Dataset parse_dataset(std::string_view text, const std::string& file_name) {
  return DatasetReader(text, file_name).read_all();
}

Dataset read_dataset(const std::string& path) { return DatasetReader(path).read_all(); }

}  // namespace ldnsim::data
