// Regimens and subjects tables: the data set the `--dose` shortcut builds.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/regimen.hpp"

namespace ldnsim::data {
namespace {

std::string subjects_error(const std::string& text) {
  try {
    parse_subjects(text, "s.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Subjects, IdColumnAnywhereAndCovariates) {
  SubjectsTable t = parse_subjects("WT,id,AGE\r\n70,1,40\r\n\r\n85.5,2,61\r\n", "s.csv");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"WT", "AGE"}));
  EXPECT_EQ(t.ids, (std::vector<double>{1, 2}));
  ASSERT_EQ(t.values.size(), 2u);
  EXPECT_EQ(t.values[1], (std::vector<double>{85.5, 61}));
  EXPECT_EQ(parse_subjects("ID,WT\n+3,+1e2\n", "s.csv").values[0][0], 100);
}

TEST(Subjects, Errors) {
  std::string m = subjects_error("SUBJ,WT\n1,70\n");
  EXPECT_NE(m.find("s.csv:1"), std::string::npos) << m;
  EXPECT_NE(m.find("no ID column"), std::string::npos) << m;

  m = subjects_error("ID,WT\n1,70\n2,heavy\n");
  EXPECT_NE(m.find("s.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("column WT"), std::string::npos) << m;
  EXPECT_NE(m.find("'heavy'"), std::string::npos) << m;

  m = subjects_error("ID,WT\n1,70\n2\n");
  EXPECT_NE(m.find("s.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("ragged"), std::string::npos) << m;
  EXPECT_NE(m.find("column WT"), std::string::npos) << m;

  m = subjects_error("ID,WT\n1,70,3\n");
  EXPECT_NE(m.find("s.csv:2"), std::string::npos) << m;
  EXPECT_NE(m.find("field 3 ('3')"), std::string::npos) << m;

  m = subjects_error("ID,id\n1,2\n");
  EXPECT_NE(m.find("duplicate ID"), std::string::npos) << m;

  m = subjects_error("ID,WT\n");
  EXPECT_NE(m.find("no subjects"), std::string::npos) << m;

  m = subjects_error("");
  EXPECT_NE(m.find("empty"), std::string::npos) << m;
}

TEST(Regimen, OneSubjectWithoutATable) {
  Regimen g;
  g.amount = 4.5;
  g.cmt = 1;
  g.first = 22;
  g.interval = 24;
  g.doses = 28;
  Dataset ds = regimen_dataset(g, nullptr);
  ASSERT_EQ(ds.record_count(), 1u);
  ASSERT_EQ(ds.subject_count(), 1u);
  const Record& r = ds.records()[0];
  EXPECT_EQ(r.evid, 1);
  EXPECT_EQ(r.time, 22);
  EXPECT_EQ(r.amt, 4.5);
  EXPECT_EQ(r.cmt, 1);
  EXPECT_EQ(r.ii, 24);
  EXPECT_EQ(r.addl, 27);
  EXPECT_EQ(ds.value(0, static_cast<std::size_t>(ds.column_index("ADDL"))), 27);
  EXPECT_EQ(ds.value(0, static_cast<std::size_t>(ds.column_index("AMT"))), 4.5);
}

TEST(Regimen, SingleDoseHasNoInterval) {
  Regimen g;
  g.amount = 1;
  g.doses = 1;
  Dataset ds = regimen_dataset(g, nullptr);
  EXPECT_EQ(ds.records()[0].addl, 0);
  EXPECT_EQ(ds.records()[0].ii, 0);
}

TEST(Regimen, OneSubjectPerTableRowWithCovariateColumns) {
  SubjectsTable t = parse_subjects("ID,WT\n11,70\n12,90\n", "s.csv");
  Regimen g;
  g.amount = 2;
  g.doses = 3;
  g.interval = 12;
  Dataset ds = regimen_dataset(g, &t);
  ASSERT_EQ(ds.subject_count(), 2u);
  int wt = ds.column_index("wt");
  ASSERT_GE(wt, 0);
  EXPECT_EQ(ds.records()[1].id, 12);
  EXPECT_EQ(ds.value(1, static_cast<std::size_t>(wt)), 90);
  EXPECT_EQ(ds.value(0, static_cast<std::size_t>(wt)), 70);
  EXPECT_EQ(ds.records()[1].addl, 2);
  EXPECT_EQ(ds.file(), "s.csv");
}

TEST(Regimen, RejectsImpossibleRegimens) {
  Regimen g;
  g.amount = -1;
  EXPECT_THROW(regimen_dataset(g, nullptr), UsageError);
  g.amount = 0;
  EXPECT_THROW(regimen_dataset(g, nullptr), UsageError);
  g.amount = NAN;
  EXPECT_THROW(regimen_dataset(g, nullptr), UsageError);
  g.amount = 1;
  g.doses = 0;
  EXPECT_THROW(regimen_dataset(g, nullptr), UsageError);
  g.doses = 2;
  g.interval = 0;
  EXPECT_THROW(regimen_dataset(g, nullptr), UsageError);
}

}  // namespace
}  // namespace ldnsim::data
