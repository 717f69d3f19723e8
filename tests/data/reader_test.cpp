// data::DatasetReader (a data set read subject by subject, in memory bounded by the
// largest subject), data::DatasetBuilder (data sets made in code obey the reader's rules)
// and the limits on what a data set may ask for.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/csv.hpp"
#include "ldnsim/data/dataset.hpp"

namespace ldnsim::data {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void expect_parts(const std::string& m, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(m.empty()) << "no InputError";
  for (const char* p : parts) EXPECT_NE(m.find(p), std::string::npos) << "'" << p << "' not in: " << m;
}

// Reads every subject of `text` one at a time.
std::vector<Dataset> subjects_of(const std::string& text, DatasetLimits limits = {}) {
  DatasetReader reader(text, "d.csv", limits);
  std::vector<Dataset> out;
  Dataset buffer;
  while (reader.next_subject(buffer)) out.push_back(buffer);
  return out;
}

TEST(DatasetReader, HandsOverOneSubjectAtATimeInFileOrder) {
  const std::string text = "ID,TIME,AMT,WT\n1,0,10,70\n1,1,.,71\n# note\n2,0,5,80\n3,0,1,90\n3,2,.,.\n";
  std::vector<Dataset> s = subjects_of(text);
  ASSERT_EQ(s.size(), 3u);
  const std::size_t counts[] = {2, 1, 2};
  const double ids[] = {1, 2, 3};
  std::size_t row = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_EQ(s[k].subject_count(), 1u);
    RecordsView v = s[k].subject(0);
    EXPECT_EQ(v.size(), counts[k]);
    EXPECT_EQ(v.id(), ids[k]);
    EXPECT_EQ(v.columns()[3], "WT");
    for (const Record& r : v.records()) EXPECT_EQ(r.row, row++);  // rows count through the file
  }
  EXPECT_EQ(s[0].subject(0).value(s[0].subject(0)[1], 3), 71);
  EXPECT_EQ(s[1].subject(0)[0].line, 5);
  EXPECT_TRUE(std::isnan(s[2].subject(0).value(s[2].subject(0)[1], 3)));
  // The same records as reading the whole text at once.
  Dataset whole = parse_dataset(text, "d.csv");
  ASSERT_EQ(whole.record_count(), 5u);
  EXPECT_EQ(whole.subject_count(), 3u);
  EXPECT_EQ(whole.records()[3].id, 3);
}

TEST(DatasetReader, ReusesTheCallersBufferAndEndsCleanly) {
  DatasetReader reader("ID,TIME\n1,0\n2,0\n", "d.csv");
  Dataset buffer;
  EXPECT_TRUE(reader.next_subject(buffer));
  EXPECT_EQ(buffer.subject(0).id(), 1);
  EXPECT_TRUE(reader.next_subject(buffer));
  EXPECT_EQ(buffer.subject(0).id(), 2);
  EXPECT_EQ(buffer.record_count(), 1u);
  EXPECT_FALSE(reader.next_subject(buffer));
  EXPECT_FALSE(reader.next_subject(buffer));
}

TEST(DatasetReader, ErrorsComeWhenTheirRecordIsReached) {
  // A subject is complete when the next one's first record has been read, so an error in
  // that record comes first; later records are not read at all.
  DatasetReader reader("ID,TIME,AMT\n1,0,10\n1,1,.\n2,0,x\n3,0,y\n", "d.csv");
  Dataset buffer;
  expect_parts(message_of([&] { reader.next_subject(buffer); }), {"d.csv:4", "column AMT", "'x'"});
}

TEST(DatasetReader, ASubjectLargerThanTheBoundIsNamedWithItsSizeAndTheBound) {
  std::string text = "ID,TIME\n1,0\n";
  for (int k = 0; k < 20000; ++k) text += "2," + std::to_string(k) + "\n";
  text += "3,0\n";
  DatasetLimits limits;
  limits.max_subject_bytes = 1u << 20;  // 1 MB: about 10,000 records of two columns
  DatasetReader reader(text, "d.csv", limits);
  Dataset buffer;
  EXPECT_TRUE(reader.next_subject(buffer));
  expect_parts(message_of([&] { reader.next_subject(buffer); }),
               {"ID 2", "from line 3", "records so far need 1 MB", "bound of 1 MB for one subject"});
  // With room for it, the same file reads.
  EXPECT_EQ(subjects_of(text).size(), 3u);
}

TEST(DatasetReader, AnEmptyFileAndAHeaderWithoutRecords) {
  expect_parts(message_of([] { DatasetReader r("", "d.csv"); }), {"d.csv", "empty data set"});
  expect_parts(message_of([] {
                 DatasetReader r("ID,TIME\n", "d.csv");
                 Dataset b;
                 r.next_subject(b);
               }),
               {"d.csv", "no data records"});
}

TEST(DatasetReader, RowsSpanningReadBlocks) {
  // More than one read block (1 MB), with quoted fields.
  std::string text = "ID,TIME,DV\n";
  int records = 0;
  for (int id = 1; text.size() < (3u << 20); ++id)
    for (int t = 0; t < 50; ++t, ++records)
      text += std::to_string(id) + "," + std::to_string(t) + ",\"" + std::to_string(t) + ".5\"\n";
  DatasetReader reader(text, "d.csv");
  Dataset buffer;
  int seen = 0, subjects = 0;
  while (reader.next_subject(buffer)) {
    ++subjects;
    for (const Record& r : buffer.records()) {
      EXPECT_EQ(r.dv, r.time + 0.5);
      EXPECT_EQ(r.line, 2 + seen);
      ++seen;
    }
  }
  EXPECT_EQ(seen, records);
  EXPECT_EQ(subjects, records / 50);
  EXPECT_EQ(reader.bytes_read(), text.size());
}

TEST(Csv, QuotedNewlinesAcrossReadBlocks) {
  std::string text = "A,NOTE\n";
  int rows = 0;
  while (text.size() < (3u << 20)) text += std::to_string(rows++) + ",\"a, \"\"q\"\"\nb\"\n";
  CsvReader in(std::string_view(text), "in.csv");
  ASSERT_TRUE(in.next());
  for (int k = 0; k < rows; ++k) {
    ASSERT_TRUE(in.next());
    ASSERT_EQ(in.size(), 2u);
    EXPECT_EQ(in[0], std::to_string(k));
    EXPECT_EQ(in[1], "a, \"q\"\nb");
    EXPECT_TRUE(in.quoted(1));
    EXPECT_EQ(in.line(), 2 + 2 * k);
  }
  EXPECT_FALSE(in.next());
}

// ---- the header ----------------------------------------------------------------------

TEST(DatasetHeader, AByteOrderMarkIsAccepted) {
  Dataset ds = parse_dataset("\xEF\xBB\xBFID,TIME,AMT\n1,0,10\n", "d.csv");
  EXPECT_EQ(ds.columns()[0], "ID");
  EXPECT_EQ(ds.records()[0].amt, 10);
}

TEST(DatasetHeader, TabAndSemicolonSeparatedFilesAreNamed) {
  expect_parts(message_of([] { parse_dataset("ID\tTIME\tAMT\n1\t0\t10\n", "d.csv"); }),
               {"d.csv:1", "no ID column", "2 tabs", "tab-separated", "comma-separated"});
  expect_parts(message_of([] { parse_dataset("ID;TIME;AMT\n1;0;10\n", "d.csv"); }),
               {"d.csv:1", "no ID column", "2 semicolons", "semicolon-separated"});
  expect_parts(message_of([] { parse_dataset("\xEF\xBB\xBFID TIME AMT\n1 0 10\n", "d.csv"); }),
               {"d.csv:1", "space-separated"});
  // Without a delimiter to blame, the message stays the plain one.
  expect_parts(message_of([] { parse_dataset("SUBJ,TIME\n1,0\n", "d.csv"); }), {"no ID column in the header"});
}

TEST(DatasetHeader, ColumnsAreBoundedAndLinear) {
  // 9,000 columns read (duplicates are found with a hash, not by comparing all pairs).
  std::string header = "ID,TIME", row = "1,0";
  for (int c = 0; c < 8998; ++c) {
    header += ",X" + std::to_string(c);
    row += "," + std::to_string(c);
  }
  Dataset ds = parse_dataset(header + "\n" + row + "\n", "d.csv");
  EXPECT_EQ(ds.column_count(), 9000u);
  EXPECT_EQ(ds.column_index("x8997"), 8999);
  EXPECT_EQ(ds.value(0, 8999), 8997);
  // Past the limit: an error naming the count and the limit, before any record is read.
  for (int c = 8998; c < 20000; ++c) header += ",X" + std::to_string(c);
  expect_parts(message_of([&] { parse_dataset(header + "\n", "d.csv"); }),
               {"d.csv:1", "20002 fields", "limit of 10000"});
  expect_parts(message_of([&] { parse_dataset("ID,TIME,X1,x1\n", "d.csv"); }), {"duplicate column 'x1'", "3 and 4"});
}

TEST(DatasetHeader, ControlBytesInNamesAndValuesAreEscapedInMessages) {
  std::string m = message_of([] { parse_dataset("ID,TIME,AMT\n1,0,\x1b[31mred\n", "d.csv"); });
  expect_parts(m, {"d.csv:2", "column AMT", "\\x1b[31mred"});
  EXPECT_EQ(m.find('\x1b'), std::string::npos) << m;
}

// ---- records -------------------------------------------------------------------------

TEST(DatasetRecords, AnInfusionOfNothingIsRejected) {
  // AMT 0 with RATE 10 and SS 0 gave nothing and said nothing; NONMEM reads AMT 0 with a
  // rate only as a steady-state constant infusion.
  expect_parts(message_of([] { parse_dataset("ID,TIME,AMT,RATE,SS\n1,0,0,10,0\n", "d.csv"); }),
               {"d.csv:2", "column AMT", "'0'", "RATE 10", "infuses nothing", "SS 1 or 2 with II 0"});
  expect_parts(message_of([] { parse_dataset("ID,TIME,EVID,AMT,RATE\n1,0,1,.,-2\n", "d.csv"); }),
               {"d.csv:2", "column AMT", "RATE -2"});
  expect_parts(message_of([] { parse_dataset("ID,TIME,AMT,RATE,II,SS\n1,0,0,10,24,1\n", "d.csv"); }),
               {"d.csv:2", "column AMT", "II 24"});
  // The constant steady-state infusion, a bolus of 0 and a rate on an observation still read.
  Dataset ok = parse_dataset("ID,TIME,EVID,AMT,RATE,II,SS\n1,0,1,0,10,0,1\n1,1,1,0,0,0,0\n1,2,0,0,5,0,0\n", "d.csv");
  EXPECT_TRUE(ok.records()[0].is_constant_infusion());
  EXPECT_FALSE(ok.records()[2].is_dose());
}

TEST(DatasetRecords, AdditionalDosesAreBounded) {
  expect_parts(message_of([] { parse_dataset("ID,TIME,AMT,II,ADDL\n1,0,10,1,1000001\n", "d.csv"); }),
               {"d.csv:2", "column ADDL", "'1000001'", "at most 1000000 additional doses"});
  EXPECT_EQ(parse_dataset("ID,TIME,AMT,II,ADDL\n1,0,10,1,1000000\n", "d.csv").records()[0].addl, 1000000);
}

TEST(DatasetBuilder, RecordsMadeInCodeFollowTheReadersRules) {
  DatasetBuilder b(Columns({"ID", "TIME", "EVID", "AMT", "II", "ADDL", "WT"}, "<regimen>", 0));
  b.add({1, 22, 1, 4500, 24, 364, 70}).add({1, 30, 0, 0, 0, 0, 71}).add({2, 0, 1, 10, 0, 0, 80});
  Dataset ds = b.build();
  ASSERT_EQ(ds.subject_count(), 2u);
  const Record& d = ds.records()[0];
  EXPECT_TRUE(d.is_dose());
  EXPECT_EQ(d.addl, 364);
  EXPECT_EQ(d.ii, 24);
  EXPECT_EQ(ds.subject(0).value(ds.subject(0)[1], 6), 71);
  EXPECT_EQ(b.record_count(), 0u);  // build() hands the records over
  // The same errors as a file, the value formatted when there is no text.
  expect_parts(message_of([&] { b.add({1, 0, 7, 0, 0, 0, 70}); }), {"<regimen>", "column EVID", "'7'"});
  b.clear();
  expect_parts(message_of([&] { b.add({1, 0, 1, 10, 0, 3, 70}); }), {"column II", "ADDL = 3"});
  b.clear();
  b.add({1, 5, 0, 0, 0, 0, 70});
  expect_parts(message_of([&] { b.add({1, 4, 0, 0, 0, 0, 70}); }), {"TIME 4 is earlier than 5", "ID 1"});
  b.clear();
  b.add({1, 5, 0, 0, 0, 0, 70}).add({2, 0, 0, 0, 0, 0, 70});
  expect_parts(message_of([&] { b.add({1, 9, 0, 0, 0, 0, 70}); }), {"ID 1 again"});
  expect_parts(message_of([] { DatasetBuilder(Columns({"ID", "TIME"}, "x", 0)).build(); }), {"no data records"});
  expect_parts(message_of([] { Columns({"ID", "AMT"}, "x.csv", 1); }), {"x.csv:1", "no TIME column"});
}

TEST(Csv, ARowBeyondTheLimitIsAnError) {
  std::string text = "a,b\n\"" + std::string(3u << 20, 'x') + "\n";  // an unclosed quote eats the rest
  CsvLimits limits;
  limits.max_row_bytes = 1u << 20;
  CsvReader in(std::string_view(text), "in.csv", limits);
  EXPECT_TRUE(in.next());
  expect_parts(message_of([&] { in.next(); }), {"in.csv:2", "a row longer than 1 MB", "quote left open"});
  CsvLimits few;
  few.max_fields = 3;
  CsvReader wide(std::string_view("a,b,c,d\n"), "in.csv", few);
  expect_parts(message_of([&] { wide.next(); }), {"in.csv:1", "4 fields in one row", "limit of 3"});
}

}  // namespace
}  // namespace ldnsim::data
