// Every command's numeric options refuse zero (where it means nothing), negative, NaN,
// infinite and huge values when the command line is read, with a message naming the
// option, the value and what was expected, and exit status 2 (issue 12, items 3 and 7).
// Options whose default means "not given" (--weight, --replicates of reproduce, --seed)
// are no longer confused with a value typed in.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_support.hpp"

namespace ldnsim::test {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Case {
  std::vector<std::string> command;  // the command and what it needs besides the option
  std::string option;
  std::vector<std::string> values;  // each refused
};

TEST(CliOptions, NumericOptionsRefuseNonsense) {
  Scratch s;
  const std::string model = s.write("m.ldn", kOneCompartment);
  const std::string data = s.write("d.csv", "ID,TIME,EVID,AMT,V\n1,0,1,10,10\n");
  const std::string spec = std::string(LDNSIM_SOURCE_DIR) + "/tests/trial/data/parallel.toml";
  const std::vector<std::string> sim = {"simulate", model, "--data", data, "--out", s.path("o.csv")};
  const std::vector<std::string> reg = {"simulate", model, "--dose", "10", "--out", s.path("o.csv")};
  const std::vector<Case> cases = {
      {sim, "--digits", {"-1", "18", "nan"}},
      {sim, "--seed", {"-1", "1.5", "inf"}},
      {sim, "--threads", {"-1", "5000", "nan"}},
      {sim, "--rtol", {"0", "-1", "nan", "2"}},
      {sim, "--atol", {"0", "-1", "nan", "inf"}},
      {sim, "--ss-rtol", {"-1", "nan"}},
      {sim, "--ss-atol", {"-1", "inf"}},
      {reg, "--days", {"-1", "0", "nan", "inf", "1e9", "1e400"}},
      {reg, "--doses", {"0", "-1", "1e9"}},
      {{"dose", "4.5mg"}, "--days", {"-1", "0", "nan", "1e9"}},
      {{"dose", "4.5mg"}, "--weight", {"0", "-70", "nan", "inf", "1e9"}},
      {{"dose", "4.5mg"}, "--uncertainty", {"-1", "1e9"}},
      {{"dose", "4.5mg"}, "--seed", {"-1"}},
      {{"dose", "4.5mg"}, "--step", {"0", "-1", "nan", "2", "1e-9"}},
      {{"trial", spec}, "--replicates", {"0", "-1", "nan", "1e12"}},
      {{"trial", spec}, "--seed", {"-1"}},
      {{"reproduce"}, "--replicates", {"0", "-1"}},
      {{"reproduce"}, "--seed", {"-1", "nan"}},
      {{"claims"}, "--replicates", {"0", "1"}},
      {{"claims"}, "--samples", {"0"}},
      {{"claims"}, "--seed", {"-1"}},
      {{"power", spec}, "--replicates", {"0"}},
      {{"power", spec}, "--draws", {"-1"}},
      {{"power", spec}, "--draw-replicates", {"0"}},
      {{"power", spec}, "--seed", {"-1"}},
      {{"sensitivity"}, "--trajectories", {"0"}},
      {{"sensitivity"}, "--levels", {"0", "3"}},
      {{"sensitivity"}, "--seed", {"-1"}},
      {{"sensitivity"}, "--top", {"0"}},
      {{"calibrate"}, "--threads", {"-1"}},
      {{"serve"}, "--port", {"-1", "70000", "nan"}},
  };
  for (const Case& c : cases)
    for (const std::string& v : c.values) {
      std::vector<std::string> args = c.command;
      args.push_back(c.option);
      args.push_back(v);
      args.push_back("-q");
      RunResult r = s.run(args);
      const std::string what = args[0] + " " + c.option + " " + v;
      EXPECT_EQ(r.code, 2) << what << "\n" << r.err;
      EXPECT_TRUE(contains(r.err, c.option)) << what << ": " << r.err;
      if (v != "1e-9" && v != "3") {  // those two are refused after reading, with their own message
        EXPECT_TRUE(contains(r.err, v + " ") || contains(r.err, "'" + v + "'")) << what << ": " << r.err;
      }
      EXPECT_TRUE(contains(r.err, "expected")) << what << ": " << r.err;
      EXPECT_TRUE(r.out.empty()) << what << ": " << r.out;
    }
  EXPECT_FALSE(s.exists("o.csv"));
}

// Messages name the real problem: no 309-digit range for --seed -1, no grid the user never
// gave for --days 1e9, no "give --days" when --days was given.
TEST(CliOptions, MessagesNameTheRealProblem) {
  Scratch s;
  const std::string model = s.write("m.ldn", kOneCompartment);
  const std::vector<std::string> reg = {"simulate", model, "--dose", "10", "--out", s.path("o.csv")};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = reg;
    args.insert(args.end(), extra.begin(), extra.end());
    return s.run(args);
  };
  RunResult r = run({"--days", "1", "--seed", "-1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--seed: -1 is below 0 (expected a seed")) << r.err;
  EXPECT_LT(r.err.size(), 200u) << r.err;
  for (const char* days : {"-1", "0", "nan"}) {
    r = run({"--days", days});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, std::string("--days: ") + days)) << r.err;
    EXPECT_FALSE(contains(r.err, "give --days")) << r.err;
  }
  r = run({"--days", "1e9"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--days: 1e9 is above 36525")) << r.err;
  EXPECT_FALSE(contains(r.err, "--grid")) << r.err;
  // --days that ends before the first dose says so
  r = run({"--days", "0.5", "--first", "22:00"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--days 0.5 ends before the first dose")) << r.err;
  // an interval giving millions of doses is refused before the data set is built
  r = run({"--days", "28", "--every", "1e-9h"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "doses (expected at most 100000")) << r.err;
  // dose: an interval shorter than the output step, or one giving millions of doses, and
  // thousands of regimens compared are refused before anything is simulated
  r = s.run({"dose", "4.5mg", "--every", "1e-9h", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--every 1e-9h: an interval of 1e-09 h holds less than two output steps (--step 0.05 h)"))
      << r.err;
  r = s.run({"dose", "4.5mg", "--every", "0.2h", "--days", "3650", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--every 0.2h over --days 3650 gives 4.38e+05 doses (expected at most 100000")) << r.err;
  std::string many = "1mg";
  for (int i = 0; i < 500; ++i) many += ",1mg";
  r = s.run({"dose", "4.5mg", "--compare", many, "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--compare: 501 regimens; expected at most 20")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out.substr(0, 200);
  // no length at all
  r = run({});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "give --days")) << r.err;
}

// `dose 1e-320mg` gave negative concentrations and occupancy (the amounts sank below the
// solver's tolerance): doses below 1 microgram are refused, and at 1 microgram the figures
// are still exact, checked by linearity (the PK is linear: a tenth of the dose, a tenth of
// every concentration) and by sign.
TEST(CliOptions, TinyDosesAreRefusedAndMicrogramDosesExact) {
  Scratch s;
  for (const char* dose : {"1e-320mg", "1e-12mg", "0.0009mg"}) {
    RunResult r = s.run({"dose", dose});
    EXPECT_EQ(r.code, 2) << dose;
    EXPECT_TRUE(contains(r.err, "below 0.001 mg")) << r.err;
  }
  RunResult r = s.run({"dose", "0.001mg", "--compare", "0.01mg", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string& out = r.out;
  auto value = [&](std::size_t regimen, const std::string& key) {
    // "regimens": [{... "metrics": {"KEY": {"label": ..., "value": V, ...
    std::size_t at = 0;
    for (std::size_t k = 0; k <= regimen; ++k) at = out.find("\"metrics\"", at + 1);
    at = out.find("\"" + key + "\"", at);
    at = out.find("\"value\":", at);
    return std::stod(out.substr(at + 8));
  };
  for (const char* key : {"cmax_ntx", "trough_ntx", "cmax_nol", "trough_nol"}) {
    const double low = value(0, key), high = value(1, key);
    EXPECT_GT(low, 0) << key;
    EXPECT_NEAR(low / high, 0.1, 1e-6) << key;
  }
  EXPECT_GT(value(0, "occ_trough"), 0);
}

// Control bytes and huge values typed on the command line come back escaped and cut.
TEST(CliOptions, EchoedValuesAreEscapedAndCut) {
  Scratch s;
  RunResult r = s.run({"dose", "4.5mg", "--at", "\x1b[31mred\x07"});
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(contains(r.err, "\x1b")) << r.err;
  EXPECT_TRUE(contains(r.err, "\\x1b[31mred\\x07")) << r.err;
  r = s.run({"dose", std::string(100000, '7') + "mg"});
  EXPECT_EQ(r.code, 2);
  EXPECT_LT(r.err.size(), 1000u);
  EXPECT_TRUE(contains(r.err, "(100002 bytes)")) << r.err;
  r = s.run({"dose", "4.5mg", "--weight", "\x1b]0;pwned\x07"});
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(contains(r.err, "\x1b")) << r.err;
  // CLI11's own messages too (an unknown option)
  r = s.run({"dose", "4.5mg", "--\x1b[2Jwipe"});
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(contains(r.err, "\x1b")) << r.err;
}

}  // namespace
}  // namespace ldnsim::test
