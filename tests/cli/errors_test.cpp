// `ldnsim simulate` on bad input: a bad data set, model, option or subjects file exits
// non-zero with a message naming where the problem is, and leaves no output file (nor a
// temporary one) behind; an existing output file is left as it was. Exit codes: 0 success,
// 2 usage and input errors, 3 solver failures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_support.hpp"

namespace ldnsim::test {
namespace {

// Replaces a leading '@' by the scratch directory, so cases can name their files.
std::vector<std::string> in_dir(const Scratch& s, const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) out.push_back(!a.empty() && a[0] == '@' ? s.path(a.substr(1)) : a);
  return out;
}

void expect_parts(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& p : parts) EXPECT_NE(text.find(p), std::string::npos) << "'" << p << "' not in:\n" << text;
}

// ---- bad data sets ---------------------------------------------------------------------

struct BadData {
  const char* name;
  const char* csv;
  std::vector<std::string> parts;  // in the message, besides "ldnsim: error: "
};

void PrintTo(const BadData& c, std::ostream* os) { *os << c.name; }

class BadDataSet : public ::testing::TestWithParam<BadData> {};

TEST_P(BadDataSet, FailsWithTheMessageAndWritesNothing) {
  const BadData& c = GetParam();
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  s.write("bad.csv", c.csv);
  const std::vector<std::string> args =
      in_dir(s, {"simulate", "@m.ldn", "--data", "@bad.csv", "--out", "@out.csv", "--engine", "interpreter", "-q"});

  RunResult r = s.run(args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("ldnsim: error: ", 0), 0u) << r.err;
  expect_parts(r.err, c.parts);
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "bad.csv"}));  // no output, no temporary file

  // An output file already there is left untouched.
  s.write("out.csv", "sentinel\n");
  RunResult again = s.run(args);
  EXPECT_EQ(again.code, 2);
  EXPECT_EQ(again.err, r.err);
  EXPECT_EQ(s.read("out.csv"), "sentinel\n");
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "bad.csv", "out.csv"}));
}

const BadData kBadData[] = {
    {"RaggedRowTooFewFields", "ID,TIME,AMT,V\n1,0,10,10\n1,1,10\n", {"bad.csv:3: column V", "ragged"}},
    {"RaggedRowTooManyFields", "ID,TIME,AMT,V\n1,0,10,10,3\n", {"bad.csv:2: field 5 ('3')", "ragged"}},
    {"UnterminatedQuote", "ID,TIME,AMT,V\n1,0,10,10\n1,1,\"10,10\n", {"bad.csv:3: column AMT", "unterminated"}},
    {"TextAfterClosingQuote", "ID,TIME,AMT,V\n1,0,\"10\"0,10\n", {"bad.csv:2: column AMT", "after a closing quote"}},
    {"QuoteInsideUnquotedField", "ID,TIME,AMT,V\n1,0,1\"0,10\n", {"bad.csv:2: column AMT", "unquoted"}},
    {"DuplicateColumn", "ID,TIME,AMT,V,AMT\n1,0,10,10,1\n", {"bad.csv:1", "duplicate column 'AMT'"}},
    {"DuplicateColumnByCase", "ID,TIME,AMT,V,time\n1,0,10,10,1\n", {"bad.csv:1", "duplicate column 'time'"}},
    {"MissingIdColumn", "SUBJ,TIME,AMT,V\n1,0,10,10\n", {"bad.csv:1", "no ID column"}},
    {"MissingTimeColumn", "ID,HOUR,AMT,V\n1,0,10,10\n", {"bad.csv:1", "no TIME column"}},
    {"MissingIdValue", "ID,TIME,AMT,V\n1,0,10,10\n.,1,0,10\n", {"bad.csv:3: column ID", "'.'", "subject ID"}},
    {"MissingTimeValue", "ID,TIME,AMT,V\n1,0,10,10\n1,,0,10\n", {"bad.csv:3: column TIME", "expected a time"}},
    {"NonNumericValue", "ID,TIME,AMT,V\n1,0,ten,10\n", {"bad.csv:2: column AMT", "'ten'", "not a number"}},
    {"TimeGoingBackwards", "ID,TIME,AMT,V\n1,0,10,10\n1,5,0,10\n1,4,0,10\n",
     {"bad.csv:4: column TIME", "TIME 4 is earlier than 5", "ID 1"}},
    {"NegativeAmt", "ID,TIME,AMT,V\n1,0,-10,10\n", {"bad.csv:2: column AMT", "'-10'", "0 or more"}},
    {"NegativeIi", "ID,TIME,AMT,II,V\n1,0,10,-24,10\n", {"bad.csv:2: column II", "'-24'"}},
    {"NegativeAddl", "ID,TIME,AMT,II,ADDL,V\n1,0,10,24,-2,10\n", {"bad.csv:2: column ADDL", "'-2'"}},
    {"AddlWithoutIi", "ID,TIME,AMT,II,ADDL,V\n1,0,10,0,3,10\n", {"bad.csv:2: column II", "'0'", "ADDL = 3"}},
    {"AddlWithoutIiColumn", "ID,TIME,AMT,ADDL,V\n1,0,10,3,10\n", {"bad.csv:2: column II: absent", "ADDL = 3"}},
    {"SsWithoutIi", "ID,TIME,AMT,II,SS,V\n1,0,10,0,1,10\n", {"bad.csv:2: column II", "SS = 1"}},
    {"SsCode", "ID,TIME,AMT,II,SS,V\n1,0,10,24,3,10\n", {"bad.csv:2: column SS", "'3'"}},
    {"EvidOutOfRange", "ID,TIME,EVID,AMT,V\n1,0,7,10,10\n", {"bad.csv:2: column EVID", "'7'", "0, 1, 2, 3 or 4"}},
    {"NonIntegralEvid", "ID,TIME,EVID,AMT,V\n1,0,1.5,10,10\n", {"bad.csv:2: column EVID", "'1.5'"}},
    {"RateCode", "ID,TIME,AMT,RATE,V\n1,0,10,-4,10\n", {"bad.csv:2: column RATE", "'-4'"}},
    {"NegativeCmt", "ID,TIME,AMT,CMT,V\n1,0,10,-1,10\n", {"bad.csv:2: column CMT", "'-1'"}},
    {"CmtTheModelLacks", "ID,TIME,AMT,CMT,V\n1,0,10,1,10\n1,1,10,2,10\n",
     {"bad.csv:3: column CMT", "value 2", "model onecpt (1 CENT)"}},
    {"RateFromModelWithoutR", "ID,TIME,AMT,RATE,V\n1,0,10,0,10\n1,1,10,-1,10\n",
     {"bad.csv:3: column RATE", "-1", "no R(CENT)"}},
    {"DurationFromModelWithoutD", "ID,TIME,AMT,RATE,V\n1,0,10,-2,10\n", {"bad.csv:2: column RATE", "no D(CENT)"}},
    {"MissingCovariateColumn", "ID,TIME,AMT\n1,0,10\n", {"bad.csv", "covariate V", "no column"}},
    {"CovariateWithoutAnyValueForASubject", "ID,TIME,AMT,V\n1,0,10,10\n2,0,10,.\n",
     {"bad.csv", "ID 2", "column V", "no value"}},
    {"EmptyFile", "", {"bad.csv", "empty data set"}},
    {"HeaderOnly", "ID,TIME,AMT,V\r\n", {"bad.csv", "no data records"}},
    {"CrLfAndBomKeepLineNumbers", "\xEF\xBB\xBFID,TIME,AMT,V\r\n\r\n1,0,10,10\r\n1,1,x,10\r\n",
     {"bad.csv:4: column AMT", "'x'"}},
};

INSTANTIATE_TEST_SUITE_P(Cli, BadDataSet, ::testing::ValuesIn(kBadData),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CliInput, MissingDataFile) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  RunResult r = s.run(in_dir(s, {"simulate", "@m.ldn", "--data", "@none.csv", "--out", "@out.csv", "--engine", "interpreter"}));
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"cannot read data set", "none.csv"});
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn"}));
}

// ---- bad models ----------------------------------------------------------------------

TEST(CliInput, ModelSyntaxErrorNamesFileLineAndColumn) {
  Scratch s;
  s.write("bad.ldn", "param CL = 2\nstate A = 0\nd/dt(A) = -CL * )\n");
  s.write("d.csv", "ID,TIME,AMT\n1,0,1\n");
  RunResult r = s.run(in_dir(s, {"simulate", "@bad.ldn", "--data", "@d.csv", "--out", "@out.csv", "--engine", "interpreter"}));
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"ldnsim: error: ", "bad.ldn:3:17: error: ", "found ')'"});
  EXPECT_EQ(s.files(), (std::set<std::string>{"bad.ldn", "d.csv"}));
}

TEST(CliInput, ModelUnknownNameNamesFileLineAndColumn) {
  Scratch s;
  s.write("bad.ldn", "state A = 0\nd/dt(A) = -B\n");
  s.write("d.csv", "ID,TIME,AMT\n1,0,1\n");
  s.write("out.csv", "sentinel\n");
  RunResult r = s.run(in_dir(s, {"simulate", "@bad.ldn", "--data", "@d.csv", "--out", "@out.csv", "--engine", "interpreter"}));
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"bad.ldn:2:12: error: ", "unknown name 'B'"});
  EXPECT_EQ(s.read("out.csv"), "sentinel\n");
  EXPECT_EQ(s.files(), (std::set<std::string>{"bad.ldn", "d.csv", "out.csv"}));
}

// A syntax error found at the end of a line names the column where the line ends.
TEST(CliInput, ModelSyntaxErrorAtEndOfLineNamesAColumn) {
  Scratch s;
  s.write("bad.ldn", "param CL = 2\nstate A = 0\nd/dt(A) = -CL*\n");
  RunResult r = s.run(in_dir(s, {"check", "@bad.ldn"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.ldn:3:15: error: "), std::string::npos) << r.err;
}

TEST(CliInput, MissingModelFile) {
  Scratch s;
  s.write("d.csv", "ID,TIME,AMT\n1,0,1\n");
  RunResult r = s.run(in_dir(s, {"simulate", "@none.ldn", "--data", "@d.csv", "--out", "@out.csv"}));
  EXPECT_EQ(r.code, 2);
  expect_parts(r.err, {"ldnsim: error: ", "none.ldn"});
  EXPECT_EQ(s.files(), (std::set<std::string>{"d.csv"}));
}

// ---- bad options ---------------------------------------------------------------------

struct BadOption {
  const char* name;
  std::vector<std::string> args;   // after `simulate m.ldn --engine interpreter`
  std::vector<std::string> parts;  // in the message
  bool with_out = true;            // add --out out.csv
};

void PrintTo(const BadOption& c, std::ostream* os) { *os << c.name; }

class BadOptions : public ::testing::TestWithParam<BadOption> {};

TEST_P(BadOptions, FailWithUsageErrorAndWriteNothing) {
  const BadOption& c = GetParam();
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  s.write("d.csv", "ID,TIME,AMT,V\n1,0,10,10\n1,1,0,10\n");
  s.write("subj.csv", "ID,V\n1,10\n");
  s.write("nov.csv", "ID,WT\n1,70\n");
  s.write("badsubj.csv", "ID,V\n1,10\n2,ten\n");
  std::vector<std::string> args{"simulate", "@m.ldn", "--engine", "interpreter"};
  args.insert(args.end(), c.args.begin(), c.args.end());
  if (c.with_out) args.insert(args.end(), {"--out", "@out.csv"});
  RunResult r = s.run(in_dir(s, args));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("ldnsim: error: ", 0), 0u) << r.err;
  expect_parts(r.err, c.parts);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "d.csv", "subj.csv", "nov.csv", "badsubj.csv"}));
}

const BadOption kBadOptions[] = {
    {"GridTwoParts", {"--data", "@d.csv", "--grid", "0:24"}, {"--grid '0:24'", "START:END:STEP"}},
    {"GridNotANumber", {"--data", "@d.csv", "--grid", "0:x:1"}, {"--grid '0:x:1'", "'x' is not a number"}},
    {"GridStepZero", {"--data", "@d.csv", "--grid", "0:24:0"}, {"--grid '0:24:0'", "STEP must be above 0"}},
    {"GridBackwards", {"--data", "@d.csv", "--grid", "24:0:1"}, {"END must not be before START"}},
    {"RtolZero", {"--data", "@d.csv", "--rtol", "0"}, {"--rtol: 0 is not above 0"}},
    {"RtolOne", {"--data", "@d.csv", "--rtol", "1"}, {"--rtol"}},
    {"AtolZero", {"--data", "@d.csv", "--atol", "0"}, {"--atol: 0 is not above 0"}},
    {"MaxStepsZero", {"--data", "@d.csv", "--max-steps", "0"}, {"--max-steps"}},
    {"UnknownColumn", {"--data", "@d.csv", "--columns", "ID,TIME,NOPE"},
     {"--columns: unknown column 'NOPE'", "available: ID, TIME, CP, CENT, CL, V, AMT"}},
    {"ThreadsNegative", {"--data", "@d.csv", "--threads", "-1"}, {"--threads: -1 is below 0"}},
    {"ThreadsNotANumber", {"--data", "@d.csv", "--threads", "two"}, {"--threads", "two"}},
    {"UnknownSolver", {"--data", "@d.csv", "--solver", "euler"}, {"unknown solver 'euler'"}},
    {"DigitsTooMany", {"--data", "@d.csv", "--digits", "18"}, {"--digits: 18 is above 17"}},
    {"UnknownCovariateMode", {"--data", "@d.csv", "--covariates", "last"}, {"--covariates", "'last'"}},
    {"UnknownOption", {"--data", "@d.csv", "--bogus"}, {"--bogus"}},
    {"MissingOut", {"--data", "@d.csv"}, {"--out is required"}, false},
    {"DataAndRegimen", {"--data", "@d.csv", "--dose", "4.5mg", "--days", "1"}, {"either --data or a regimen"}},
    {"NeitherDataNorRegimen", {}, {"needs --data"}},
    {"RegimenOptionWithData", {"--data", "@d.csv", "--days", "28"}, {"--days goes with a regimen", "not with --data"}},
    {"SubjectsWithData", {"--data", "@d.csv", "--subjects", "@subj.csv"}, {"--subjects goes with a regimen"}},
    {"EveryWithData", {"--data", "@d.csv", "--every", "24h"}, {"--every goes with a regimen"}},
    {"RegimenOptionsWithoutDose", {"--subjects", "@subj.csv", "--days", "2"}, {"needs --data", "--dose"}},
    {"GridTooLong", {"--data", "@d.csv", "--grid", "0:1e9:1"}, {"--grid", "100 million"}},
    {"DigitsNegative", {"--data", "@d.csv", "--digits", "-1"}, {"--digits: -1 is below 0"}},
    {"DoseNegative", {"--subjects", "@subj.csv", "--dose", "-1mg", "--days", "1"}, {"--dose -1mg", "above 0"}},
    {"DoseZero", {"--subjects", "@subj.csv", "--dose", "0", "--days", "1"}, {"--dose 0", "above 0"}},
    {"DoseImplausible", {"--subjects", "@subj.csv", "--dose", "600mg", "--days", "1"}, {"--dose 600mg", "500 mg"}},
    {"DoseImplausibleInGrams", {"--subjects", "@subj.csv", "--dose", "0.6g", "--days", "1"}, {"--dose 0.6g", "500 mg"}},
    {"DoseUnknownUnit", {"--subjects", "@subj.csv", "--dose", "4.5kg", "--days", "1"}, {"unknown mass unit 'kg'"}},
    {"DoseNotANumber", {"--subjects", "@subj.csv", "--dose", "some", "--days", "1"}, {"'some' is not a dose"}},
    {"EveryZero", {"--subjects", "@subj.csv", "--dose", "4.5mg", "--every", "0h", "--days", "1"},
     {"--every must be above 0"}},
    {"EveryUnknownUnit", {"--subjects", "@subj.csv", "--dose", "4.5mg", "--every", "1fortnight", "--days", "1"},
     {"unknown time unit 'fortnight'"}},
    {"FirstNotAClockTime", {"--subjects", "@subj.csv", "--dose", "4.5mg", "--first", "25:00", "--days", "1"},
     {"'25:00' is not a clock time"}},
    {"RegimenWithoutDays", {"--subjects", "@subj.csv", "--dose", "4.5mg"}, {"--days"}},
    {"DoseIntoUnknownState", {"--subjects", "@subj.csv", "--dose", "4.5mg", "--days", "1", "--cmt", "GUT"},
     {"--cmt", "no state 'GUT'"}},
    {"SubjectsFileMissing", {"--subjects", "@none.csv", "--dose", "4.5mg", "--days", "1"},
     {"cannot read subjects file", "none.csv"}},
    {"SubjectsFileBadValue", {"--subjects", "@badsubj.csv", "--dose", "4.5mg", "--days", "1"},
     {"badsubj.csv:3: column V", "'ten'"}},
    {"SubjectsLackACovariate", {"--subjects", "@nov.csv", "--dose", "4.5mg", "--days", "1"},
     {"nov.csv", "covariate V"}},
    {"RegimenWithoutSubjectsLacksACovariate", {"--dose", "4.5mg", "--days", "1"}, {"covariate V"}},
    {"OutInAMissingDirectory", {"--data", "@d.csv", "--out", "@nodir/out.csv"}, {"nodir", "does not exist"}, false},
};

INSTANTIATE_TEST_SUITE_P(Cli, BadOptions, ::testing::ValuesIn(kBadOptions),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- exit codes and atomic output ---------------------------------------------------------

// A model whose solution blows up at t = 1: the solver fails, whatever the tolerances.
constexpr const char* kBlowUp = "state A = 1\nd/dt(A) = A*A\noutput Y = A\n";

TEST(CliExitCodes, SolverFailureExitsThreeAndWritesNothing) {
  Scratch s;
  s.write("blow.ldn", kBlowUp);
  s.write("d.csv", "ID,TIME\n1,0\n1,0.5\n1,2\n");
  s.write("out.csv", "sentinel\n");
  RunResult r = s.run(in_dir(s, {"simulate", "@blow.ldn", "--data", "@d.csv", "--out", "@out.csv", "--engine", "interpreter"}));
  EXPECT_EQ(r.code, 3) << r.err;
  expect_parts(r.err, {"ldnsim: error: ", "ID 1", "solver failed at time"});
  EXPECT_EQ(s.read("out.csv"), "sentinel\n");
  EXPECT_EQ(s.files(), (std::set<std::string>{"blow.ldn", "d.csv", "out.csv"}));
}

TEST(CliExitCodes, SuccessIsZeroAndDistinctFromErrors) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  s.write("d.csv", "ID,TIME,AMT,V\n1,0,10,10\n");
  s.write("bad.csv", "ID,TIME,AMT,V\n1,0,-10,10\n");
  s.write("blow.ldn", kBlowUp);
  s.write("b.csv", "ID,TIME\n1,0\n1,2\n");
  const int ok = s.run(in_dir(s, {"simulate", "@m.ldn", "--data", "@d.csv", "--out", "@out.csv", "--engine", "interpreter"})).code;
  const int input = s.run(in_dir(s, {"simulate", "@m.ldn", "--data", "@bad.csv", "--out", "@o2.csv", "--engine", "interpreter"})).code;
  const int usage = s.run(in_dir(s, {"simulate", "@m.ldn", "--data", "@d.csv", "--out", "@o2.csv", "--rtol", "0"})).code;
  const int parse = s.run(in_dir(s, {"simulate", "@m.ldn", "--nonsense"})).code;
  const int solver = s.run(in_dir(s, {"simulate", "@blow.ldn", "--data", "@b.csv", "--out", "@o2.csv", "--engine", "interpreter"})).code;
  EXPECT_EQ(ok, 0);
  EXPECT_EQ(input, 2);
  EXPECT_EQ(usage, 2);
  EXPECT_EQ(parse, 2);
  EXPECT_EQ(solver, 3);
  EXPECT_FALSE(s.exists("o2.csv"));
}

TEST(CliAtomicOutput, SuccessReplacesTheFileByRenameNotInPlace) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  s.write("d.csv", "ID,TIME,AMT,V\n1,0,10,10\n1,1,0,10\n");
  s.write("out.csv", "sentinel\n");
  // A second name for the old file: writing in place would change it too; a rename leaves it.
  fs::create_hard_link(s.dir() / "out.csv", s.dir() / "old.csv");
  RunResult r = s.run(in_dir(s, {"simulate", "@m.ldn", "--data", "@d.csv", "--out", "@out.csv", "--engine", "interpreter"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(s.read("old.csv"), "sentinel\n");
  EXPECT_EQ(s.read("out.csv").rfind("ID,TIME,CP,CENT\n1,0,1,10\n1,1,0.81873", 0), 0u) << s.read("out.csv");
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "d.csv", "out.csv", "old.csv"}));
}

TEST(CliAtomicOutput, OutputOntoADirectoryFailsAndLeavesNoTemporaryFile) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  s.write("d.csv", "ID,TIME,AMT,V\n1,0,10,10\n");
  fs::create_directory(s.dir() / "sub");
  RunResult r = s.run(in_dir(s, {"simulate", "@m.ldn", "--data", "@d.csv", "--out", "@sub", "--engine", "interpreter"}));
  EXPECT_EQ(r.code, 2) << r.err;
  expect_parts(r.err, {"ldnsim: error: ", "sub"});
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "d.csv", "sub"}));
  EXPECT_TRUE(fs::is_empty(s.dir() / "sub"));
}

}  // namespace
}  // namespace ldnsim::test
