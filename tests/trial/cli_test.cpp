// ldnsim trial, the real executable: summary, --json, --out, --report, --check, exit
// codes, no output file after a failure, and identical output for any --threads.
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "support.hpp"

namespace ldnsim::trial {
namespace {

using test::Scratch;

std::string copy_fixtures(const Scratch& s) {
  for (const char* f : {"linear.ldn", "population.toml", "crossover.toml", "parallel.toml"})
    s.write(f, test::read_file(test::fixture(f)));
  return s.path("crossover.toml");
}

TEST(TrialCli, SummaryJsonAndFiles) {
  Scratch s;
  std::string spec = copy_fixtures(s);
  auto r = s.run({"trial", spec, "--replicates", "20", "--threads", "2", "--engine", "interpreter", "--out", s.path("r.csv"), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("crossover design, n = 80, 20 replicates, seed 11"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Y_paired"), std::string::npos);
  auto rows = test::csv_rows(s.read("r.csv"));
  ASSERT_EQ(rows.size(), 1u + 20 * 3);
  EXPECT_EQ(rows[0][0], "replicate");
  EXPECT_EQ(rows[0].back(), "error");
  EXPECT_EQ(rows[1][1], "Y");
  EXPECT_EQ(rows[1][16], "80");  // randomised
  EXPECT_EQ(rows[1][18], "4");   // lost

  auto j = s.run({"trial", spec, "-n", "10", "--seed", "3", "--json", "--engine", "interpreter", "-q"});
  ASSERT_EQ(j.code, 0) << j.err;
  nlohmann::json doc = nlohmann::json::parse(j.out)["results"];  // the envelope of docs/json.md
  EXPECT_EQ(doc["replicates"], 10);
  EXPECT_EQ(doc["seed"], 3);
  EXPECT_EQ(doc["endpoints"].size(), 3u);
  EXPECT_EQ(doc["endpoints"][0]["analysis"], "crossover");
  EXPECT_TRUE(doc["endpoints"][0]["estimate"]["median"].is_number());
  EXPECT_EQ(doc["endpoints"][0]["published"]["estimate"], 5);
  EXPECT_EQ(doc["course"].size(), 2u);  // two sequences x one output

  // Same bytes for any thread count.
  auto a = s.run({"trial", spec, "-n", "8", "--threads", "1", "--out", s.path("a.csv"), "--engine", "interpreter", "-q"});
  auto b = s.run({"trial", spec, "-n", "8", "--threads", "3", "--out", s.path("b.csv"), "--engine", "interpreter", "-q"});
  ASSERT_EQ(a.code, 0);
  ASSERT_EQ(b.code, 0);
  EXPECT_EQ(s.read("a.csv"), s.read("b.csv"));
  EXPECT_EQ(a.out, b.out);

  auto c = s.run({"trial", spec, "--check", "--engine", "interpreter"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("group LDN-placebo: LDN from day 0, washout from day 56, placebo from day 63"), std::string::npos) << c.out;
}

TEST(TrialCli, BadSpecExitsTwoAndWritesNothing) {
  Scratch s;
  copy_fixtures(s);
  std::string text = test::read_file(test::fixture("parallel.toml"));
  text.replace(text.find("analysis = \"welch_t\""), 20, "analysis = \"crossover\"");
  std::string spec = s.write("bad.toml", text);
  const auto before = s.files();
  auto r = s.run({"trial", spec, "-n", "5", "--out", s.path("r.csv"), "--report", s.path("r.html"), "--engine", "interpreter"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("endpoints[0].analysis: 'crossover' does not fit a continuous endpoint of a parallel trial"), std::string::npos) << r.err;
  EXPECT_EQ(s.files(), before);  // no output, no temporary file
  EXPECT_TRUE(r.out.empty());

  auto u = s.run({"trial", s.path("crossover.toml"), "--replicates", "0"});
  EXPECT_EQ(u.code, 2);
  EXPECT_NE(u.err.find("--replicates: 0 is below 1 (expected a number of simulated trials, 1 to 10000000)"), std::string::npos) << u.err;
  auto m = s.run({"trial", s.path("nope.toml")});
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("nope.toml': no such file or not readable"), std::string::npos) << m.err;
  EXPECT_EQ(s.files(), before);
}

TEST(TrialCli, SolverFailureExitsThree) {
  Scratch s;
  copy_fixtures(s);
  // X' = X^2 from X(0) = 1 blows up at day 1.
  s.write("linear.ldn", "model blowup\nparam LDN = 0\nstate X = 1\nd/dt(X) = X * X\noutput Y = X\n");
  std::string text = test::read_file(test::fixture("crossover.toml"));
  std::string spec = s.write("c.toml", text);
  const auto before = s.files();
  auto r = s.run({"trial", spec, "-n", "3", "--out", s.path("r.csv"), "--engine", "interpreter", "-q"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("replicate 0, subject 1: "), std::string::npos) << r.err;
  EXPECT_EQ(s.files(), before);
}

}  // namespace
}  // namespace ldnsim::trial
