// `ldnsim simulate` output: one row per record in input order (doses too), grid rows merged
// in time order after records at equal times, --columns (data columns, states, outputs,
// parameters; case-insensitive; order kept), --obs-only, --digits, --out -, and '.' for
// missing data values. Values are checked against CP(t) = D/V exp(-CL/V (t - td)).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cli_support.hpp"

namespace ldnsim::test {
namespace {

// Subject 1: 10 mg at 0 into V = 10 L; subject 2: 20 mg at 1 h into V = 20 L; CL = 2 L/h.
constexpr const char* kData =
    "ID,TIME,EVID,AMT,DV,V,NOTE\n"
    "1,0,1,10,.,10,5\n"
    "1,2,0,0,0.65,10,\n"
    "1,2.5,0,0,.,.,7\n"
    "2,1,1,20,,20,.\n";

double cp(int id, double t) {
  if (id == 1) return std::exp(-0.2 * t);
  return t < 1 ? 0 : std::exp(-0.1 * (t - 1));
}

class CliOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    s.write("m.ldn", kOneCompartment);
    s.write("d.csv", kData);
  }
  // Runs simulate on d.csv with `extra` options, writing to stdout; expects success.
  std::vector<std::vector<std::string>> simulate(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", "-",
                                  "--engine", "interpreter", "--rtol", "1e-10", "--atol", "1e-12"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = s.run(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return csv_rows(r.out);
  }
  Scratch s;
};

TEST_F(CliOutput, OneRowPerRecordInInputOrderWithDefaultColumns) {
  auto rows = simulate({});
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"ID", "TIME", "CP", "CENT"}));
  const double times[] = {0, 2, 2.5, 1};
  const int ids[] = {1, 1, 1, 2};
  for (int i = 0; i < 4; ++i) {
    const auto& r = rows[static_cast<std::size_t>(i) + 1];
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(std::stod(r[0]), ids[i]);
    EXPECT_EQ(std::stod(r[1]), times[i]);
    EXPECT_NEAR(std::stod(r[2]), cp(ids[i], times[i]), 1e-8) << i;
    EXPECT_NEAR(std::stod(r[3]), cp(ids[i], times[i]) * (ids[i] == 1 ? 10 : 20), 1e-7) << i;
  }
  EXPECT_EQ(rows[1][2], "1");  // the dose record shows the dose given
}

TEST_F(CliOutput, ColumnsOfEveryKindCaseInsensitiveInTheOrderAsked) {
  auto rows = simulate({"--columns", "cent,Note,time,cl,id,Cp,evid,v,dv"});
  ASSERT_EQ(rows.size(), 5u);
  // names as the model declares them or the data set writes them
  EXPECT_EQ(rows[0], (std::vector<std::string>{"CENT", "NOTE", "TIME", "CL", "ID", "CP", "EVID", "V", "DV"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"10", "5", "0", "2", "1", "1", "1", "10", "."}));
  EXPECT_EQ(rows[2][1], ".");     // NOTE empty: missing
  EXPECT_EQ(rows[2][8], "0.65");  // DV
  // V is the model's parameter (data columns that name one override it): its missing value
  // on the record at 2.5 carries 10 forward, where the data column would print '.'.
  EXPECT_EQ(rows[3][1], "7");
  EXPECT_EQ(rows[3][7], "10");
  EXPECT_EQ(rows[4][7], "20");
  EXPECT_EQ(rows[4][1], ".");
  EXPECT_EQ(rows[4][8], ".");
}

TEST_F(CliOutput, SpacedColumnNamesAreTrimmedAndARepeatedOneRefused) {
  auto rows = simulate({"--columns", " ID , TIME,CP "});
  EXPECT_EQ(rows[0], (std::vector<std::string>{"ID", "TIME", "CP"}));
  EXPECT_EQ(rows[4][0], "2");
  // A table with two columns of one name is refused before anything runs (issue 12, item 8).
  RunResult r = s.run({"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", "-", "--columns", " ID , TIME,id"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--columns: 'id' is column 1 ('ID') again"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CliOutput, GridRowsMergeInTimeOrderAfterRecordsAtEqualTimes) {
  auto rows = simulate({"--grid", "0:3:1", "--columns", "ID,TIME,EVID,AMT,DV,CP"});
  // (ID, TIME, EVID, AMT, DV): records carry their own items; grid rows are observations
  // with no dosing items and no DV.
  const std::vector<std::vector<std::string>> expected = {
      {"1", "0", "1", "10", "."},   // record
      {"1", "0", "0", "0", "."},    // grid
      {"1", "1", "0", "0", "."},    // grid
      {"1", "2", "0", "0", "0.65"}, // record
      {"1", "2", "0", "0", "."},    // grid
      {"1", "2.5", "0", "0", "."},  // record
      {"1", "3", "0", "0", "."},    // grid
      {"2", "0", "0", "0", "."},    // grid, before the subject's first record
      {"2", "1", "1", "20", "."},   // record
      {"2", "1", "0", "0", "."},    // grid
      {"2", "2", "0", "0", "."},    // grid
      {"2", "3", "0", "0", "."},    // grid
  };
  ASSERT_EQ(rows.size(), expected.size() + 1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& r = rows[i + 1];
    ASSERT_EQ(r.size(), 6u);
    EXPECT_EQ(std::vector<std::string>(r.begin(), r.begin() + 5), expected[i]) << "row " << i;
    EXPECT_NEAR(std::stod(r[5]), cp(std::stoi(r[0]), std::stod(r[1])), 1e-8) << "row " << i;
  }
}

TEST_F(CliOutput, ObsOnlyDropsDoseRecordsKeepsObservationsAndGridRows) {
  auto rows = simulate({"--obs-only", "--grid", "0:2:2", "--columns", "ID,TIME,DV"});
  const std::vector<std::vector<std::string>> expected = {
      {"ID", "TIME", "DV"}, {"1", "0", "."}, {"1", "2", "0.65"}, {"1", "2", "."},
      {"1", "2.5", "."},    {"2", "0", "."}, {"2", "2", "."},
  };
  EXPECT_EQ(rows, expected);
}

TEST_F(CliOutput, ObsOnlyDropsOtherEventsAndResets) {
  s.write("d.csv", "ID,TIME,EVID,AMT,V\n1,0,1,10,10\n1,1,2,0,10\n1,2,0,0,10\n1,3,3,0,10\n1,4,4,5,10\n1,5,0,0,10\n");
  auto rows = simulate({"--obs-only", "--columns", "TIME,EVID"});
  EXPECT_EQ(rows, (std::vector<std::vector<std::string>>{{"TIME", "EVID"}, {"2", "0"}, {"5", "0"}}));
}

TEST_F(CliOutput, Digits) {
  s.write("d.csv", "ID,TIME,AMT,V,X\n1,0,10,10,3.14159265358979\n1,1,0,10,-0.000123456789\n");
  auto three = simulate({"--digits", "3", "--columns", "X,CP"});
  EXPECT_EQ(three[1][0], "3.14");
  EXPECT_EQ(three[2][0], "-0.000123");
  EXPECT_EQ(three[2][1], "0.819");  // exp(-0.2) = 0.81873...
  auto shortest = simulate({"--digits", "0", "--columns", "X"});
  EXPECT_EQ(shortest[1][0], "3.14159265358979");
  EXPECT_EQ(shortest[2][0], "-0.000123456789");
  auto standard = simulate({"--columns", "X"});
  EXPECT_EQ(standard[1][0], "3.141592654");  // 10 significant digits by default
  auto one = simulate({"--digits", "1", "--columns", "X"});
  EXPECT_EQ(one[1][0], "3");
}

TEST_F(CliOutput, DashWritesToStandardOutputAndNoFile) {
  RunResult r = s.run({"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", "-", "--engine",
                       "interpreter", "--columns", "ID,TIME"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "ID,TIME\n1,0\n1,2\n1,2.5\n2,1\n");
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "d.csv"}));
}

TEST_F(CliOutput, FileOutputEqualsStandardOutput) {
  RunResult to_file = s.run({"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", s.path("out.csv"),
                             "--engine", "interpreter", "--grid", "0:3:0.5", "-q"});
  RunResult to_stdout = s.run({"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", "-",
                               "--engine", "interpreter", "--grid", "0:3:0.5", "-q"});
  ASSERT_EQ(to_file.code, 0) << to_file.err;
  EXPECT_TRUE(to_file.out.empty());
  EXPECT_TRUE(to_file.err.empty()) << to_file.err;
  EXPECT_EQ(s.read("out.csv"), to_stdout.out);
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "d.csv", "out.csv"}));
}

TEST_F(CliOutput, ManySubjectsOnSeveralThreadsKeepSubjectOrder) {
  std::string data = "ID,TIME,AMT,V\n";
  for (int id = 1; id <= 40; ++id) data += std::to_string(id) + ",0,10," + std::to_string(5 + id) + "\n";
  s.write("d.csv", data);
  auto rows = simulate({"--threads", "3", "--grid", "4:4:1", "--columns", "ID,TIME,CP"});
  ASSERT_EQ(rows.size(), 81u);
  for (int id = 1; id <= 40; ++id) {
    const auto& grid = rows[static_cast<std::size_t>(2 * id)];
    EXPECT_EQ(grid[0], std::to_string(id));
    EXPECT_EQ(grid[1], "4");
    double v = 5 + id;
    EXPECT_NEAR(std::stod(grid[2]), 10 / v * std::exp(-2 / v * 4), 1e-8) << id;
  }
}

}  // namespace
}  // namespace ldnsim::test

namespace ldnsim::test {
namespace {

TEST(CliThreads, MoreThreadsThanSubjectsIsFine) {
  // Workers are capped at the number of subjects: --threads 64 on 2 subjects starts 2.
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  s.write("d.csv", kData);
  RunResult one = s.run({"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", "-", "--engine",
                         "interpreter", "--threads", "1"});
  RunResult many = s.run({"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", "-", "--engine",
                          "interpreter", "--threads", "64", "--stats"});
  ASSERT_EQ(many.code, 0) << many.err;
  EXPECT_EQ(many.out, one.out);
  EXPECT_NE(many.err.find("2 subjects"), std::string::npos) << many.err;
  EXPECT_NE(many.err.find("2 threads"), std::string::npos) << many.err;
}

// An absurd --threads is a usage error, not an attempt to start 100000 threads (which the
// system refuses; run_ordered then carries on with the threads it got).
TEST(CliThreads, AbsurdThreadCountIsAnErrorNotAnAbort) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  std::string data = "ID,TIME,AMT,V\n";
  for (int id = 1; id <= 100000; ++id) data += std::to_string(id) + ",0,10,10\n";
  s.write("many.csv", data);
  RunResult r = s.run({"simulate", s.path("m.ldn"), "--data", s.path("many.csv"), "--out", s.path("out.csv"),
                       "--engine", "interpreter", "--threads", "100000", "-q"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.code, 134);
  EXPECT_NE(r.code, -1);  // killed by a signal
  EXPECT_EQ(r.err.rfind("ldnsim: ", 0), 0u) << r.err;
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "many.csv"}));
}

TEST(CliNonFinite, ANanOutputExitsThreeNamingSubjectTimeAndOutputUnlessAllowed) {
  Scratch s;
  s.write("m.ldn", "state X = 10\nd/dt(X) = -0.1 * X\noutput L = log(X - 5)\n");
  s.write("d.csv", "ID,TIME\n3,0\n3,8\n");
  RunResult r = s.run({"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", s.path("o.csv")});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("ID 3: output L is NaN at time 8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; --allow-nan writes such values"), std::string::npos) << r.err;  // the option, not the field
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "d.csv"}));  // nothing half-written
  r = s.run({"simulate", s.path("m.ldn"), "--data", s.path("d.csv"), "--out", s.path("o.csv"), "--allow-nan"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(read_file(s.path("o.csv")).find("3,8,NaN,"), std::string::npos);
}

}  // namespace
}  // namespace ldnsim::test
