// NONMEM-style data sets: one record a row, standard data items (ID TIME EVID AMT CMT RATE
// II ADDL SS DV) plus any other columns, which models read as covariates.
//
// A data set is made only by reading a file or text (DatasetReader, read_dataset,
// parse_dataset) or by a DatasetBuilder; both apply the same rules to every record, so a
// Record always agrees with its row of values. Large files are read subject by subject
// (DatasetReader), in memory bounded by the largest subject, not by the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ldnsim::data {

// Bounds on what a data set may ask for, checked before anything is allocated.
struct DatasetLimits {
  std::size_t max_columns = 10000;
  // One subject's records in memory (records and values), the unit of read-ahead: a
  // subject beyond it is an error naming the subject, its size and this bound.
  std::size_t max_subject_bytes = std::size_t{256} << 20;
  int max_addl = 1000000;  // additional doses of one record
};

// One data record with NONMEM's semantics, read off its typed fields; a small value type
// whose predicates state the dosing rules.
class Record {
 public:
  std::size_t row = 0;  // position among the data records of the whole data set
  int line = 0;         // line in the file, for messages (0: not from a file)
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

// The header of a data set: column names as written, looked up case-insensitively.
class Columns {
 public:
  Columns() = default;
  // Throws InputError naming `file` and `line` for an empty or duplicate name (names are
  // case-insensitive), a missing ID or TIME column, or more than `max_columns` columns.
  Columns(std::vector<std::string> names, std::string file, int line = 1, std::size_t max_columns = 10000);

  std::size_t size() const { return d_->names.size(); }
  const std::string& operator[](std::size_t i) const { return d_->names[i]; }
  const std::vector<std::string>& names() const { return d_->names; }
  const std::string& file() const { return d_->file; }
  // Case-insensitive; -1 when absent.
  int index(std::string_view name) const;
  // True when the column is one of NONMEM's standard data items.
  static bool is_standard_item(std::string_view name);

  // Columns of the standard items (-1 when absent).
  struct Items {
    int id = -1, time = -1, evid = -1, amt = -1, cmt = -1, rate = -1, ii = -1, addl = -1, ss = -1, dv = -1,
        mdv = -1, comment = -1;
  };
  const Items& items() const { return d_->items; }
  // True when both are the same header (copies of one Columns).
  bool same(const Columns& o) const { return d_ == o.d_; }

 private:
  // Shared and immutable: copies are cheap (a data set read subject by subject hands its
  // header to every subject).
  struct Data {
    std::vector<std::string> names;
    std::string file;
    std::unordered_map<std::string, int> index;  // upper-case name -> column
    Items items;
  };
  std::shared_ptr<const Data> d_ = std::make_shared<const Data>();
};

// Records (a run of them, e.g. one subject's) with their values: a view into a Dataset.
class RecordsView {
 public:
  RecordsView() = default;
  RecordsView(const Columns& columns, std::span<const Record> records, const double* values)
      : columns_(&columns), records_(records), values_(values) {}
  const Columns& columns() const { return *columns_; }
  std::span<const Record> records() const { return records_; }
  std::size_t size() const { return records_.size(); }
  const Record& operator[](std::size_t i) const { return records_[i]; }
  double id() const { return records_.front().id; }
  // Every column's value for record `r` (one of records()); NaN where missing.
  const double* values(const Record& r) const {
    return values_ + static_cast<std::size_t>(&r - records_.data()) * columns_->size();
  }
  double value(const Record& r, std::size_t column) const { return values(r)[column]; }

 private:
  const Columns* columns_ = nullptr;
  std::span<const Record> records_;
  const double* values_ = nullptr;
};

class Dataset {
 public:
  Dataset() = default;

  const Columns& columns() const { return columns_; }
  const std::string& file() const { return columns_.file(); }
  std::size_t column_count() const { return columns_.size(); }
  int column_index(std::string_view name) const { return columns_.index(name); }

  std::span<const Record> records() const { return records_; }
  std::size_t record_count() const { return records_.size(); }
  // Every column's value of record r (index into records()); NaN where missing.
  double value(std::size_t record, std::size_t column) const { return values_[record * columns_.size() + column]; }

  // A subject is a run of consecutive records with the same ID, as in NONMEM.
  std::size_t subject_count() const { return subjects_.size(); }
  RecordsView subject(std::size_t s) const {
    const auto [b, e] = subjects_[s];
    return RecordsView(columns_, std::span<const Record>(records_).subspan(b, e - b),
                       values_.data() + b * columns_.size());
  }
  // Records of subject s as [begin, end) into records().
  std::pair<std::size_t, std::size_t> subject_range(std::size_t s) const { return subjects_[s]; }

  // Bytes held (records and values), for the read-ahead bound.
  std::size_t memory_bytes() const {
    return records_.capacity() * sizeof(Record) + values_.capacity() * sizeof(double);
  }

 private:
  friend class DatasetBuilder;
  Columns columns_;
  std::vector<Record> records_;
  std::vector<double> values_;
  std::vector<std::pair<std::size_t, std::size_t>> subjects_;
};

// The texts of a row's fields, for messages that quote what the file said (optional).
using FieldTexts = std::span<const std::string_view>;

// Builds a data set record by record with the rules every data set obeys. Each record is
// given as one value per column (NaN: missing), and its typed fields are read from them as
// from a file. Throws InputError naming file, line (when given), column, value and what
// was expected, for: non-integral or unknown codes (EVID 0-4, SS 0-2), RATE other than
// > 0, 0, -1, -2, negative AMT, II or ADDL, ADDL above the limit, ADDL without II, SS
// without II (except a steady-state constant infusion: AMT 0, RATE > 0, II 0), an infusion
// of nothing (AMT 0 with RATE != 0 outside that case), time going back within a subject
// (allowed only at a reset, EVID 3 or 4), and a subject's records split into two runs.
class DatasetBuilder {
 public:
  explicit DatasetBuilder(Columns columns, DatasetLimits limits = {});

  // Appends a record; `texts`, if given, holds the fields as written (for messages).
  DatasetBuilder& add(std::span<const double> values, int line = 0, FieldTexts texts = {});
  DatasetBuilder& add(std::initializer_list<double> values, int line = 0) {
    return add(std::span<const double>(values.begin(), values.size()), line);
  }
  const Dataset& dataset() const { return ds_; }
  std::size_t record_count() const { return ds_.records_.size(); }
  // The data set so far; throws InputError when it has no record.
  Dataset build();
  // Starts again with no records (keeping the columns and the buffers' capacity). With
  // `same_data_set`, what follows continues the same data set: IDs already seen stay
  // seen and record rows keep counting (a streaming reader passes on subject by subject).
  void clear(bool same_data_set = false);

  // Moves the records before `keep_from` into `out` (replacing its records), keeping the
  // rest: how a reader hands over a finished subject.
  void take_front(std::size_t keep_from, Dataset& out);

 private:
  Record read_record(const double* v, int line, FieldTexts texts) const;

  Dataset ds_;
  DatasetLimits limits_;
  std::size_t next_row_ = 0;
  bool has_previous_ = false;
  double previous_id_ = 0, previous_time_ = 0;
  std::unordered_set<double> finished_ids_;  // subjects whose run has ended
};

// Reads a data set file subject by subject: memory holds one subject (and the first
// record of the next), whatever the size of the file. Applies DatasetBuilder's rules.
class DatasetReader {
 public:
  // Reads the header; throws InputError for a missing file, an empty file, a bad header
  // (naming the delimiter when the file is tab- or semicolon-separated).
  explicit DatasetReader(const std::string& path, DatasetLimits limits = {});
  // Reads `text` (which must outlive the reader), named `file_name` in messages.
  DatasetReader(std::string_view text, std::string file_name, DatasetLimits limits = {});
  ~DatasetReader();
  DatasetReader(const DatasetReader&) = delete;
  DatasetReader& operator=(const DatasetReader&) = delete;

  const Columns& columns() const;
  // Reads the next subject into `out` (replacing what it held, reusing its buffers): one
  // subject, out.subject(0). False at the end (throws InputError if the file had no
  // record at all). Throws InputError for a bad record, and for a subject whose records
  // need more memory than the limit (naming the subject, its size and the bound).
  bool next_subject(Dataset& out);
  // Reads every remaining record into one data set (small files); throws InputError if
  // the file has no record.
  Dataset read_all();
  // Bytes of the file read so far.
  std::uint64_t bytes_read() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whole data sets in memory (tests, small files): the reader's rules, every subject kept.
Dataset parse_dataset(std::string_view text, const std::string& file_name);
Dataset read_dataset(const std::string& path);

}  // namespace ldnsim::data
