// data::parse_dataset and read_dataset: NONMEM conventions, and an InputError naming file,
// line, column and value (and what was expected) for every kind of bad record.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <unistd.h>
#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/dataset.hpp"
#include "paths.hpp"

namespace ldnsim::data {
namespace {

Dataset parse(const std::string& text) { return parse_dataset(text, "d.csv"); }

// The message of the InputError parsing `text` throws ("" if it parses).
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Expects an InputError whose message holds every one of `parts`.
void expect_error(const std::string& text, std::initializer_list<const char*> parts) {
  std::string m = error_of(text);
  ASSERT_FALSE(m.empty()) << "no InputError for:\n" << text;
  for (const char* p : parts) EXPECT_NE(m.find(p), std::string::npos) << "'" << p << "' not in: " << m;
}

// ---- columns -----------------------------------------------------------------------

TEST(Dataset, HeaderNamesAreCaseInsensitive) {
  Dataset ds = parse("id,Time,eVid,amt,Cmt,rate,ii,addl,ss,dv\n"
                     "7,0,1,100,2,0,12,3,0,.\n"
                     "7,1.5,0,0,0,0,0,0,0,4.25\n");
  ASSERT_EQ(ds.record_count(), 2u);
  const Record& d = ds.records()[0];
  EXPECT_EQ(d.id, 7);
  EXPECT_EQ(d.time, 0);
  EXPECT_EQ(d.evid, 1);
  EXPECT_EQ(d.amt, 100);
  EXPECT_EQ(d.cmt, 2);
  EXPECT_EQ(d.ii, 12);
  EXPECT_EQ(d.addl, 3);
  EXPECT_TRUE(std::isnan(d.dv));
  EXPECT_EQ(ds.records()[1].time, 1.5);
  EXPECT_EQ(ds.records()[1].dv, 4.25);
  EXPECT_EQ(ds.column_index("AMT"), 3);
  EXPECT_EQ(ds.column_index("amt"), 3);
  EXPECT_EQ(ds.column_index("WT"), -1);
  EXPECT_EQ(ds.columns()[1], "Time");  // names kept as written
}

TEST(Dataset, StandardItemsAndExtraColumns) {
  Dataset ds = parse("ID,TIME,AMT,WT,SEX\n1,0,10,70.5,1\n1,2,.,71,.\n");
  ASSERT_EQ(ds.column_count(), 5u);
  EXPECT_TRUE(Columns::is_standard_item("amt"));
  EXPECT_TRUE(Columns::is_standard_item("MDV"));
  EXPECT_FALSE(Columns::is_standard_item("WT"));
  EXPECT_EQ(ds.value(0, 3), 70.5);
  EXPECT_EQ(ds.value(0, 4), 1);
  EXPECT_EQ(ds.value(1, 3), 71);
  EXPECT_TRUE(std::isnan(ds.value(1, 4)));
  EXPECT_TRUE(std::isnan(ds.value(1, 2)));  // AMT '.'
  EXPECT_EQ(ds.records()[1].amt, 0);          // missing AMT reads as 0
}

TEST(Dataset, DotAndEmptyAreMissing) {
  Dataset ds = parse("ID,TIME,DV,WT\n1,0,.,\n1,1,,.\n1,2,\"\",3\n");
  for (std::size_t r = 0; r < 3; ++r) {
    EXPECT_TRUE(std::isnan(ds.records()[r].dv)) << r;
    EXPECT_TRUE(std::isnan(ds.value(r, 2))) << r;
  }
  EXPECT_TRUE(std::isnan(ds.value(0, 3)));
  EXPECT_TRUE(std::isnan(ds.value(1, 3)));
  EXPECT_EQ(ds.value(2, 3), 3);
}

TEST(Dataset, NumbersInEveryNotation) {
  Dataset ds = parse("ID,TIME,X\n1,0,1e3\n1,.5,-.25\n1,1.,2.5E-2\n");
  EXPECT_EQ(ds.value(0, 2), 1000);
  EXPECT_EQ(ds.records()[1].time, 0.5);
  EXPECT_EQ(ds.value(1, 2), -0.25);
  EXPECT_EQ(ds.records()[2].time, 1);
  EXPECT_EQ(ds.value(2, 2), 0.025);
  Dataset plus = parse("ID,TIME,AMT\n+1,+0.5,+10\n");
  EXPECT_EQ(plus.records()[0].id, 1);
  EXPECT_EQ(plus.records()[0].time, 0.5);
  EXPECT_EQ(plus.records()[0].amt, 10);
}

// ---- comments, blank lines, line ends ----------------------------------------------------

TEST(Dataset, CommentColumnWithAValueMarksCommentRows) {
  Dataset ds = parse("C,ID,TIME,AMT\n"
                     ".,1,0,10\n"
                     "C,1,1,20\n"
                     "x,1,2,30\n"
                     ",1,3,40\n"
                     "\"dropped, with a comma\",1,4,50\n"
                     "0,1,5,60\n");  // 0 is no comment flag (as in NONMEM, where only 'C' is)
  ASSERT_EQ(ds.record_count(), 3u);
  EXPECT_EQ(ds.records()[0].amt, 10);
  EXPECT_EQ(ds.records()[1].amt, 40);
  EXPECT_EQ(ds.records()[1].line, 5);
  EXPECT_EQ(ds.records()[2].amt, 60);
  EXPECT_TRUE(std::isnan(ds.value(0, 0)));  // the C column itself holds no value
}

TEST(Dataset, CommentColumnNeedNotComeFirst) {
  Dataset ds = parse("ID,TIME,AMT,C\n1,0,10,.\n1,1,20,1\n1,2,30,\n");
  ASSERT_EQ(ds.record_count(), 2u);
  EXPECT_EQ(ds.records()[1].amt, 30);
}

TEST(Dataset, FirstFieldStartingWithCOrHashMarksCommentRows) {
  Dataset ds = parse("ID,TIME,AMT\n"
                     "#1,0,999\n"
                     "C this row is a note\n"
                     "1,0,10\n"
                     "# a ragged comment, with, many, fields, is fine\n"
                     "1,1,20\n");
  ASSERT_EQ(ds.record_count(), 2u);
  EXPECT_EQ(ds.records()[0].amt, 10);
  EXPECT_EQ(ds.records()[0].line, 4);
  EXPECT_EQ(ds.records()[1].line, 6);
}

TEST(Dataset, CrLfBomAndBlankLines) {
  Dataset ds = parse("\xEF\xBB\xBFID,TIME,AMT,DV\r\n"
                     "\r\n"
                     "1,0,10,.\r\n"
                     "\r\n"
                     "1,1,.,2.5\r\n");
  ASSERT_EQ(ds.record_count(), 2u);
  EXPECT_EQ(ds.columns()[0], "ID");
  EXPECT_EQ(ds.columns()[3], "DV");
  EXPECT_EQ(ds.records()[0].line, 3);
  EXPECT_EQ(ds.records()[1].line, 5);
  EXPECT_EQ(ds.records()[1].dv, 2.5);
}

TEST(Dataset, LineNumbersCountQuotedNewlines) {
  std::string m = error_of("C,ID,TIME,AMT\n\"two\nlines\",1,0,1\n.,1,1,-5\n");
  EXPECT_NE(m.find("d.csv:4"), std::string::npos) << m;
}

// ---- subjects and EVID ---------------------------------------------------------------

TEST(Dataset, SubjectsAreRunsOfConsecutiveIds) {
  Dataset ds = parse("ID,TIME\n1,0\n1,1\n2,0\n2,5\n3,0\n");
  ASSERT_EQ(ds.subject_count(), 3u);
  EXPECT_EQ(ds.subject_range(0), (std::pair<std::size_t, std::size_t>{0, 2}));
  EXPECT_EQ(ds.subject_range(1), (std::pair<std::size_t, std::size_t>{2, 4}));
  EXPECT_EQ(ds.subject_range(2), (std::pair<std::size_t, std::size_t>{4, 5}));
  EXPECT_EQ(ds.subject(1).id(), 2);
  EXPECT_EQ(ds.subject(1).size(), 2u);
  EXPECT_EQ(ds.subject(1)[1].time, 5);
  for (std::size_t r = 0; r < ds.record_count(); ++r) EXPECT_EQ(ds.records()[r].row, r);
}

TEST(DatasetErrors, ASubjectSplitIntoTwoRuns) {
  // NONMEM data sets are grouped by ID; a later run with an ID seen before is an error
  // (it would share the first run's random streams and be two subjects with one ID).
  expect_error("ID,TIME\n1,0\n1,1\n2,0\n2,5\n1,7\n3,0\n", {"d.csv:6", "column ID", "ID 1 again", "consecutive"});
}

TEST(Dataset, TimeMayStartLowerForANewSubject) {
  Dataset ds = parse("ID,TIME\n1,10\n2,0\n");
  EXPECT_EQ(ds.subject_count(), 2u);
}

TEST(Dataset, EvidDefaultsFromAmtWhenAbsent) {
  Dataset ds = parse("ID,TIME,AMT,RATE,SS\n1,0,100,0,0\n1,1,0,0,0\n1,2,.,.,.\n1,3,0,5,1\n");
  EXPECT_EQ(ds.records()[0].evid, 1);
  EXPECT_TRUE(ds.records()[0].is_dose());
  EXPECT_EQ(ds.records()[1].evid, 0);
  EXPECT_EQ(ds.records()[2].evid, 0);
  EXPECT_EQ(ds.records()[3].evid, 1);  // constant steady-state infusion: AMT 0, RATE 5
  EXPECT_TRUE(ds.records()[3].is_constant_infusion());
}

TEST(Dataset, MissingEvidWithAnEvidColumnIsZero) {
  Dataset ds = parse("ID,TIME,EVID,AMT\n1,0,.,100\n");
  EXPECT_EQ(ds.records()[0].evid, 0);
}

TEST(Dataset, TimeMayGoBackAtAReset) {
  Dataset ds = parse("ID,TIME,EVID,AMT\n1,0,1,10\n1,5,0,0\n1,2,3,0\n1,1,4,10\n1,3,0,0\n");
  EXPECT_EQ(ds.record_count(), 5u);
  EXPECT_EQ(ds.subject_count(), 1u);
  EXPECT_TRUE(ds.records()[2].resets());
}

TEST(Dataset, DosingItemsAreIgnoredOnNonDoseRecords) {
  Dataset ds = parse("ID,TIME,EVID,AMT,II,ADDL,SS\n1,0,0,0,0,3,1\n");
  EXPECT_EQ(ds.records()[0].addl, 0);
  EXPECT_EQ(ds.records()[0].ss, 0);
}

TEST(Dataset, ValidSteadyStateRecords) {
  Dataset ds = parse("ID,TIME,EVID,AMT,RATE,II,SS\n"
                     "1,0,1,100,0,12,1\n"
                     "1,0,1,0,5,0,1\n"  // constant infusion at steady state
                     "1,0,1,100,10,24,2\n");
  EXPECT_TRUE(ds.records()[0].is_steady_state());
  EXPECT_TRUE(ds.records()[1].is_constant_infusion());
  EXPECT_EQ(ds.records()[2].ss, 2);
}

TEST(Dataset, RateCodes) {
  Dataset ds = parse("ID,TIME,AMT,RATE\n1,0,10,-1\n1,0,10,-2\n1,0,10,2.5\n");
  EXPECT_TRUE(ds.records()[0].rate_from_model());
  EXPECT_TRUE(ds.records()[1].duration_from_model());
  EXPECT_TRUE(ds.records()[2].is_infusion());
}

TEST(Dataset, ReadDatasetFromAFile) {
  auto dir = std::filesystem::temp_directory_path() / ("ldnsim-data-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "d.csv").string();
  {
    std::ofstream(path) << "ID,TIME,AMT\n1,0,10\n1,x,.\n";
  }
  try {
    read_dataset(path);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":3"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
  EXPECT_THROW(read_dataset(path), InputError);  // gone
}

TEST(Dataset, NmtestsReferenceDataSet) {
  Dataset ds = read_dataset(test::shared_path("nmtests/1001-input.csv"));
  EXPECT_EQ(ds.column_index("c"), 0);
  EXPECT_EQ(ds.column_index("TIME"), 2);
  ASSERT_GT(ds.subject_count(), 0u);
  EXPECT_EQ(ds.records()[0].id, 1);
  EXPECT_EQ(ds.records()[0].amt, 100);
  EXPECT_EQ(ds.records()[0].addl, 3);
  EXPECT_EQ(ds.records()[0].line, 2);
  // IDs are consecutive runs: IDs 1..29
  EXPECT_EQ(ds.records()[ds.subject_range(ds.subject_count() - 1).first].id, static_cast<double>(ds.subject_count()));
}

// ---- structural errors ------------------------------------------------------------------

TEST(DatasetErrors, EmptyFile) {
  expect_error("", {"d.csv", "empty", "header"});
  expect_error("\n\n", {"d.csv", "empty"});
}

TEST(DatasetErrors, HeaderOnly) { expect_error("ID,TIME\n", {"d.csv", "no data records"}); }

TEST(DatasetErrors, RaggedRowWithTooFewFields) {
  expect_error("ID,TIME,AMT,DV\n1,0,10,.\n1,1,5\n", {"d.csv:3", "3 fields", "header has 4", "DV"});
}

TEST(DatasetErrors, RaggedRowWithTooManyFields) {
  expect_error("ID,TIME,AMT\n1,0,10\n1,1,5,7\n", {"d.csv:3", "4 fields", "header has 3", "'7'"});
}

TEST(DatasetErrors, UnterminatedQuote) {
  expect_error("ID,TIME,AMT\n1,0,\"10\n1,1,5\n", {"d.csv:2", "AMT", "unterminated"});
}

TEST(DatasetErrors, TextAfterClosingQuote) {
  expect_error("ID,TIME,AMT\n1,\"0\"5,10\n", {"d.csv:2", "TIME", "after a closing quote", "'5'"});
}

TEST(DatasetErrors, QuoteInsideUnquotedField) {
  expect_error("ID,TIME,AMT\n1,0,1\"0\n", {"d.csv:2", "AMT", "unquoted"});
}

TEST(DatasetErrors, DuplicateColumn) {
  expect_error("ID,TIME,AMT,AMT\n1,0,1,1\n", {"d.csv:1", "duplicate", "'AMT'", "3", "4"});
}

TEST(DatasetErrors, DuplicateColumnDifferingByCase) {
  expect_error("ID,TIME,Wt,WT\n1,0,1,1\n", {"d.csv:1", "duplicate", "WT", "case"});
  expect_error("id,TIME,ID\n1,0,1\n", {"d.csv:1", "duplicate", "ID"});
}

TEST(DatasetErrors, EmptyColumnName) { expect_error("ID,,TIME\n1,2,3\n", {"d.csv:1", "column 2", "empty name"}); }

TEST(DatasetErrors, MissingIdColumn) { expect_error("SUBJ,TIME\n1,0\n", {"d.csv:1", "no ID column"}); }

TEST(DatasetErrors, MissingTimeColumn) { expect_error("ID,T\n1,0\n", {"d.csv:1", "no TIME column"}); }

TEST(DatasetErrors, MissingIdValue) {
  expect_error("ID,TIME\n1,0\n.,1\n", {"d.csv:3", "column ID", "'.'", "expected a subject ID"});
  expect_error("ID,TIME\n1,0\n,1\n", {"d.csv:3", "column ID", "missing"});
}

TEST(DatasetErrors, MissingTimeValue) {
  expect_error("ID,TIME\n1,0\n1,.\n", {"d.csv:3", "column TIME", "'.'", "expected a time"});
}

TEST(DatasetErrors, NonNumericValues) {
  expect_error("ID,TIME,AMT\n1,0,10mg\n", {"d.csv:2", "column AMT", "'10mg'", "not a number", "expected a number"});
  expect_error("ID,TIME\nA,0\n", {"d.csv:2", "column ID", "'A'", "not a number"});
  expect_error("ID,TIME,WT\n1,0,seventy\n", {"d.csv:2", "column WT", "'seventy'"});
  expect_error("ID,TIME\n1,1:30\n", {"d.csv:2", "column TIME", "'1:30'"});
  expect_error("ID,TIME,DV\n1,0,nan\n", {"d.csv:2", "column DV", "'nan'"});
  expect_error("ID,TIME,DV\n1,0,inf\n", {"d.csv:2", "column DV", "'inf'"});
  expect_error("ID,TIME,DV\n1,0,1e999\n", {"d.csv:2", "column DV", "'1e999'"});
}

TEST(DatasetErrors, TimeGoingBackwardsWithinAnId) {
  expect_error("ID,TIME,AMT\n1,0,10\n1,5,0\n1,4.5,0\n",
               {"d.csv:4", "column TIME", "4.5", "earlier than 5", "ID 1", "EVID 3 or 4"});
}

TEST(DatasetErrors, TimeGoingBackwardsOnAnObservationAfterAnEvidTwo) {
  expect_error("ID,TIME,EVID\n2,3,2\n2,1,0\n", {"d.csv:3", "TIME", "earlier than 3", "ID 2"});
}

TEST(DatasetErrors, NegativeAmt) {
  expect_error("ID,TIME,EVID,AMT\n1,0,1,-10\n", {"d.csv:2", "column AMT", "'-10'", "expected an amount of 0 or more"});
}

TEST(DatasetErrors, NegativeIi) {
  expect_error("ID,TIME,AMT,II\n1,0,10,-24\n", {"d.csv:2", "column II", "'-24'", "expected"});
}

TEST(DatasetErrors, NegativeAddl) {
  expect_error("ID,TIME,AMT,II,ADDL\n1,0,10,24,-1\n", {"d.csv:2", "column ADDL", "'-1'", "expected"});
}

TEST(DatasetErrors, AddlWithoutIi) {
  expect_error("ID,TIME,AMT,II,ADDL\n1,0,10,0,3\n", {"d.csv:2", "column II", "'0'", "II > 0", "ADDL = 3"});
  expect_error("ID,TIME,AMT,II,ADDL\n1,0,10,.,3\n", {"d.csv:2", "column II", "ADDL = 3"});
}

TEST(DatasetErrors, AddlWithoutAnIiColumn) {
  expect_error("ID,TIME,AMT,ADDL\n1,0,10,3\n", {"d.csv:2", "column II: absent", "ADDL = 3"});
}

TEST(DatasetErrors, SsWithoutIi) {
  expect_error("ID,TIME,AMT,II,SS\n1,0,10,0,1\n", {"d.csv:2", "column II", "'0'", "steady-state", "SS = 1"});
  expect_error("ID,TIME,AMT,RATE,II,SS\n1,0,10,5,0,2\n", {"d.csv:2", "II", "SS = 2"});
}

TEST(DatasetErrors, SsWithoutAnIiColumn) {
  expect_error("ID,TIME,AMT,SS\n1,0,10,1\n", {"d.csv:2", "column II: absent", "SS = 1"});
}

TEST(DatasetErrors, SteadyStateConstantInfusionNeedsAmtZero) {
  expect_error("ID,TIME,AMT,RATE,II,SS\n1,0,10,5,0,1\n", {"d.csv:2", "column II", "'0'", "AMT 0 with RATE > 0"});
}

TEST(DatasetErrors, UnknownSsCode) {
  expect_error("ID,TIME,AMT,II,SS\n1,0,10,24,3\n", {"d.csv:2", "column SS", "'3'", "SS 0"});
  expect_error("ID,TIME,AMT,II,SS\n1,0,10,24,-1\n", {"d.csv:2", "column SS", "'-1'"});
}

TEST(DatasetErrors, EvidOutsideZeroToFour) {
  expect_error("ID,TIME,EVID\n1,0,5\n", {"d.csv:2", "column EVID", "'5'", "0, 1, 2, 3 or 4"});
  expect_error("ID,TIME,EVID\n1,0,-1\n", {"d.csv:2", "column EVID", "'-1'"});
}

TEST(DatasetErrors, RateCodesOtherThanPositiveZeroMinusOneMinusTwo) {
  expect_error("ID,TIME,AMT,RATE\n1,0,10,-3\n", {"d.csv:2", "column RATE", "'-3'", "-1", "-2"});
  expect_error("ID,TIME,AMT,RATE\n1,0,10,-0.5\n", {"d.csv:2", "column RATE", "'-0.5'"});
}

TEST(DatasetErrors, NonIntegralCodes) {
  expect_error("ID,TIME,EVID\n1,0,1.5\n", {"d.csv:2", "column EVID", "'1.5'", "expected"});
  expect_error("ID,TIME,AMT,CMT\n1,0,1,2.5\n", {"d.csv:2", "column CMT", "'2.5'", "compartment"});
  expect_error("ID,TIME,AMT,II,ADDL\n1,0,1,24,1.5\n", {"d.csv:2", "column ADDL", "'1.5'"});
  expect_error("ID,TIME,AMT,II,SS\n1,0,1,24,0.5\n", {"d.csv:2", "column SS", "'0.5'"});
  expect_error("ID,TIME,EVID\n1,0,1e12\n", {"d.csv:2", "column EVID", "'1e12'"});
}

TEST(DatasetErrors, NegativeCmt) {
  expect_error("ID,TIME,AMT,CMT\n1,0,1,-2\n", {"d.csv:2", "column CMT", "'-2'", "1 or more"});
}

TEST(DatasetErrors, ColumnNameAsWrittenInMessages) {
  expect_error("id,time,amt\n1,0,-1\n", {"d.csv:2", "column amt", "'-1'"});
}

TEST(DatasetErrors, FirstBadRecordIsReported) {
  // the first of two bad lines, after a comment and a blank line
  expect_error("ID,TIME,AMT\n# note\n\n1,0,x\n1,0,y\n", {"d.csv:4", "'x'"});
}

}  // namespace
}  // namespace ldnsim::data
