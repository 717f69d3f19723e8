// `--help` on every command, `ldnsim check` and `ldnsim params`, and the regimen shortcut
// (--dose --every --first --days --subjects) checked against a hand calculation.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cli_support.hpp"

namespace ldnsim::test {
namespace {

void expect_parts(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& p : parts) EXPECT_NE(text.find(p), std::string::npos) << "'" << p << "' not in:\n" << text;
}

// ---- help --------------------------------------------------------------------------------

TEST(CliHelp, TopLevel) {
  Scratch s;
  for (const char* flag : {"--help", "-h"}) {
    RunResult r = s.run({flag});
    EXPECT_EQ(r.code, 0) << flag;
    expect_parts(r.out, {"Usage:", "simulate", "check", "params", "--quiet",
                         "Exit status: 0 success, 2 usage or input error", "3 solver failure"});
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
}

TEST(CliHelp, Simulate) {
  Scratch s;
  RunResult r = s.run({"simulate", "--help"});
  EXPECT_EQ(r.code, 0);
  expect_parts(r.out, {"Usage:", "simulate", "model", "--data", "--out", "--columns", "--grid", "--obs-only",
                       "--digits", "--dose", "--every", "--first", "--days", "--doses", "--cmt", "--subjects",
                       "--solver", "--rtol", "--atol", "--covariates", "--engine", "--threads"});
  EXPECT_EQ(s.files(), std::set<std::string>{});
}

TEST(CliHelp, HelpWinsOverMissingArguments) {
  Scratch s;
  // --out and the model are required, but asking for help is not an error
  RunResult r = s.run({"simulate", "-h"});
  EXPECT_EQ(r.code, 0);
  expect_parts(r.out, {"--out"});
}

TEST(CliHelp, Check) {
  Scratch s;
  RunResult r = s.run({"check", "--help"});
  EXPECT_EQ(r.code, 0);
  expect_parts(r.out, {"Usage:", "check", "model", "--code"});
}

TEST(CliHelp, Params) {
  Scratch s;
  RunResult r = s.run({"params", "--help"});
  EXPECT_EQ(r.code, 0);
  expect_parts(r.out, {"Usage:", "params", "model", "--markdown"});
}

TEST(CliHelp, UnknownCommandIsAUsageError) {
  Scratch s;
  RunResult r = s.run({"simulte", "m.ldn"});
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"ldnsim: error: ", "simulte", "--help"});
}

// ---- check and params ---------------------------------------------------------------------

TEST(CliCheck, ListsStatesParametersAndOutputs) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  RunResult r = s.run({"check", s.path("m.ldn")});
  EXPECT_EQ(r.code, 0) << r.err;
  expect_parts(r.out, {"model onecpt: 2 parameters, 1 states, 1 outputs (ok)", "one compartment, IV bolus",
                       "states:", "CENT", "mg", "(depot: default dose compartment)", "parameters:", "CL",
                       "= 2", "L/h", "V", "(covariate: from data)", "outputs:", "CP", "mg/L"});
  // sections in order
  EXPECT_LT(r.out.find("states:"), r.out.find("parameters:"));
  EXPECT_LT(r.out.find("parameters:"), r.out.find("outputs:"));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliCheck, ListsDosingProperties) {
  Scratch s;
  s.write("m.ldn", "state A = 0 depot\nstate B = 0\nd/dt(A) = -A\nd/dt(B) = A - B\nF(B) = 0.5\nR(B) = 2\n");
  RunResult r = s.run({"check", s.path("m.ldn")});
  EXPECT_EQ(r.code, 0) << r.err;
  expect_parts(r.out, {"dosing properties:", "F(B)", "R(B)"});
  EXPECT_EQ(r.out.find("D(B)"), std::string::npos);
}

TEST(CliCheck, ReportsTheErrorOfAnInvalidModel) {
  Scratch s;
  s.write("bad.ldn", "param CL = 2\nstate A = 0\nd/dt(A) = -CL * )\n");
  RunResult r = s.run({"check", s.path("bad.ldn")});
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"ldnsim: error: ", "bad.ldn:3:17: error: ", "found ')'"});
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliCheck, ReportsASemanticError) {
  Scratch s;
  s.write("bad.ldn", "state A = 0\nstate B = 0\nd/dt(A) = -A\n");
  RunResult r = s.run({"check", s.path("bad.ldn")});
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"ldnsim: error: ", "bad.ldn:", "B"});
}

TEST(CliCheck, MissingFileAndMissingArgument) {
  Scratch s;
  RunResult r = s.run({"check", s.path("none.ldn")});
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"none.ldn"});
  r = s.run({"check"});
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"model"});
}

TEST(CliParams, TableAndMarkdown) {
  Scratch s;
  s.write("m.ldn", "param CL = 2 unit \"L/h\" source \"a paper\" range 1 4\ncovariate V unit \"L\"\n"
                   "state A = 0\nd/dt(A) = -CL/V*A\n");
  RunResult r = s.run({"params", s.path("m.ldn")});
  EXPECT_EQ(r.code, 0) << r.err;
  expect_parts(r.out, {"CL", "2", "L/h", "1-4", "a paper", "V", "(data)"});
  r = s.run({"params", s.path("m.ldn"), "--markdown"});
  EXPECT_EQ(r.code, 0) << r.err;
  expect_parts(r.out, {"| parameter | value | unit |", "| CL | 2 | L/h | 1-4 |", "| V | (data) | L |"});
}

// ---- the regimen shortcut ------------------------------------------------------------------

TEST(CliRegimen, NightlyDosesForTwoDaysWithSubjectCovariates) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  s.write("subjects.csv", "ID,V\n1,10\n2,25\n");
  RunResult r = s.run({"simulate", s.path("m.ldn"), "--dose", "4.5mg", "--every", "24h", "--first", "22:00",
                       "--days", "2", "--subjects", s.path("subjects.csv"), "--out", s.path("out.csv"),
                       "--engine", "interpreter", "--rtol", "1e-10", "--atol", "1e-12", "--columns",
                       "ID,TIME,EVID,AMT,V,CP,CENT"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto rows = csv_rows(s.read("out.csv"));
  EXPECT_EQ(rows[0], (std::vector<std::string>{"ID", "TIME", "EVID", "AMT", "V", "CP", "CENT"}));
  // Per subject: the dose record at 22 h (doses at 22 and 46 h, as ADDL), then an hourly
  // grid over the 2 days, 0..48 h: 50 rows.
  ASSERT_EQ(rows.size(), 1u + 2 * 50);
  const double volume[] = {10, 25};
  for (int subject = 0; subject < 2; ++subject) {
    const double v = volume[subject], k = 2 / v;
    std::size_t row = 1 + static_cast<std::size_t>(subject) * 50;
    for (int hour = 0; hour <= 48; ++hour) {
      if (hour == 22) {  // the dose record comes before the grid row at the same time
        const auto& dose = rows[row++];
        EXPECT_EQ(dose[0], std::to_string(subject + 1));
        EXPECT_EQ(dose[1], "22");
        EXPECT_EQ(dose[2], "1");
        EXPECT_EQ(dose[3], "4.5");
        EXPECT_NEAR(std::stod(dose[6]), 4.5, 1e-9);
      }
      const auto& g = rows[row++];
      ASSERT_EQ(g.size(), 7u);
      EXPECT_EQ(g[0], std::to_string(subject + 1));
      EXPECT_EQ(std::stod(g[1]), hour);
      EXPECT_EQ(g[2], "0");
      EXPECT_EQ(std::stod(g[4]), v);  // the covariate from the subjects file
      double expected = 0;            // C(t) = sum over doses given of Dose/V exp(-CL/V (t - td))
      for (double td : {22.0, 46.0})
        if (hour >= td) expected += 4.5 / v * std::exp(-k * (hour - td));
      EXPECT_NEAR(std::stod(g[5]), expected, 1e-8 + 1e-7 * expected) << "ID " << subject + 1 << " t " << hour;
    }
  }
  // spot values by hand: ID 1 at 23 h: 0.45 exp(-0.2) = 0.368428833; at 46 h, the second
  // dose on top of the first: 0.45 (1 + exp(-4.8)) = 0.453703386
  EXPECT_EQ(rows[25][1], "23");
  EXPECT_NEAR(std::stod(rows[25][5]), 0.368428833, 1e-8);
  EXPECT_EQ(rows[48][1], "46");
  EXPECT_NEAR(std::stod(rows[48][5]), 0.453703386, 1e-8);
}

TEST(CliRegimen, DoseConvertedIntoTheCompartmentsMassUnit) {
  Scratch s;
  s.write("ug.ldn", "param CL = 2\nparam V = 10\nstate CENT = 0 unit \"ug\"\nd/dt(CENT) = -CL/V*CENT\n");
  RunResult r = s.run({"simulate", s.path("ug.ldn"), "--dose", "4.5mg", "--doses", "3", "--every", "12h",
                       "--out", "-", "--engine", "interpreter", "--rtol", "1e-10", "--atol", "1e-9",
                       "--columns", "TIME,AMT,CENT"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto rows = csv_rows(r.out);
  // Doses at 0, 12 and 24 h; without --days the grid runs hourly to the end of the last
  // interval, 36 h: 37 grid rows and the dose record.
  ASSERT_EQ(rows.size(), 1u + 1 + 37);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"0", "4500", "4500"}));
  EXPECT_EQ(rows.back()[0], "36");
  double expected = 0;
  for (double td : {0.0, 12.0, 24.0}) expected += 4500 * std::exp(-0.2 * (36 - td));
  EXPECT_NEAR(std::stod(rows.back()[2]), expected, 1e-6);
}

TEST(CliRegimen, OneSubjectWithoutASubjectsFileAndAGrid) {
  Scratch s;
  s.write("m.ldn", "param CL = 2\nparam V = 10\nstate CENT = 0 unit \"mg\"\nd/dt(CENT) = -CL/V*CENT\n"
                   "output CP = CENT/V\n");
  RunResult r = s.run({"simulate", s.path("m.ldn"), "--dose", "1", "--days", "1", "--first", "6", "--grid",
                       "0:12:6", "--out", "-", "--engine", "interpreter", "--columns", "ID,TIME,CP", "--digits", "6"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "ID,TIME,CP\n1,0,0\n1,6,0.1\n1,6,0.1\n1,12,0.0301194\n");  // 0.1 exp(-1.2)
}

}  // namespace
}  // namespace ldnsim::test
