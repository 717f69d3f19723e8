// Hostile models through the real executable: a model file named like C++ code (run by
// `simulate` and named by a trial spec), and commands that promise to run nothing.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_support.hpp"

namespace ldnsim::lang {
namespace {

using test::Scratch;
namespace fs = std::filesystem;

const char* kModel = "param CL = 2\nparam V = 10\nstate CENT = 0 unit \"mg\" depot\n"
                     "d/dt(CENT) = -CL / V * CENT\noutput CP = CENT / V\n";

// The file name of issue 12: its newline ends the generated code's comment, and what
// follows would declare system() and call it from a static initialiser. The command
// touches the file named by $LDNSIM_PWN_MARKER (a name cannot hold '/').
const std::string kExploitName =
    "b\nextern \"C\" int system(const char*);\nstatic int pwn = system(\"touch $LDNSIM_PWN_MARKER\");\n#define ZZ .ldn";

// The same name as a TOML basic string.
std::string toml_string(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '\n') r += "\\n";
    else if (c == '"') r += "\\\"";
    else if (c == '\\') r += "\\\\";
    else r += c;
  }
  return r + "\"";
}

class HostileCli : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("LDNSIM_PWN_MARKER", s.path("PWNED").c_str(), 1); }
  void TearDown() override {
    ::unsetenv("LDNSIM_PWN_MARKER");
    ::unsetenv("LDNSIM_CXX");
  }
  Scratch s;
};

TEST_F(HostileCli, SimulatingAModelNamedLikeCodeRunsNothing) {
  if (std::system("c++ --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no C++ compiler";
  const std::string model = s.write(kExploitName, kModel);
  auto r = s.run({"simulate", model, "--dose", "4.5mg", "--every", "24h", "--days", "1", "--engine", "native",
                  "--out", s.path("out.csv"), "-q"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(s.exists("PWNED")) << "the model's file name ran as code";
  // Another model with the same equations, clean name: still nothing runs.
  auto clean = s.run({"simulate", s.write("clean.ldn", kModel), "--dose", "4.5mg", "--every", "24h", "--days", "1",
                      "--engine", "native", "--out", s.path("clean.csv"), "-q"});
  EXPECT_EQ(clean.code, 0) << clean.err;
  EXPECT_FALSE(s.exists("PWNED"));
  EXPECT_EQ(s.read("out.csv"), s.read("clean.csv"));
}

// `check` and `trial --check` run nothing, and compile nothing: a "compiler" that leaves a
// mark when called proves it.
TEST_F(HostileCli, CheckCompilesNothing) {
  const std::string fake = s.write("fake-cxx", "#!/bin/sh\ntouch \"$LDNSIM_PWN_MARKER\"\nexit 1\n");
  fs::permissions(fake, fs::perms::owner_all);
  ::setenv("LDNSIM_CXX", fake.c_str(), 1);
  const std::string root = LDNSIM_SOURCE_DIR;
  const std::string model = s.write(kExploitName, test::read_file(root + "/tests/trial/data/linear.ldn"));
  s.write("population.toml", test::read_file(root + "/tests/trial/data/population.toml"));
  std::string spec = test::read_file(root + "/tests/trial/data/crossover.toml");
  const std::string from = "model = \"linear.ldn\"";
  spec.replace(spec.find(from), from.size(), "model = " + toml_string(kExploitName));
  const std::string spec_path = s.write("spec.toml", spec);

  auto check = s.run({"check", model});
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_FALSE(s.exists("PWNED")) << "check called the compiler";
  auto trial = s.run({"trial", spec_path, "--check"});
  EXPECT_EQ(trial.code, 0) << trial.err;
  EXPECT_FALSE(s.exists("PWNED")) << "trial --check called the compiler";
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string r;
  for (std::size_t i = 0; i < n; ++i) r += s;
  return r;
}

// The shapes that crashed `check` and `simulate` with a stack overflow (exit 139): now a
// located error and exit 2, messages of a few lines.
TEST_F(HostileCli, DeepExpressionsExitWithAnErrorNotACrash) {
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"parentheses", "-" + repeat("(", 8000) + "C" + repeat(")", 8000)},
      {"sum", "C" + repeat(" + C", 11999)},
      {"minus", repeat("-", 100000) + "C"},
      {"not", repeat("not ", 100000) + "C"},
      {"power", "C" + repeat("^C", 100000)},
      {"if", repeat("if C > 0 then ", 10000) + "1" + repeat(" else 0", 10000)},
      {"unclosed", repeat("(", 100000) + "C"},
  };
  for (const auto& [name, equation] : shapes) {
    const std::string model = s.write(name + ".ldn", "state C = 1 unit \"mg\" depot\nd/dt(C) = " + equation + "\n");
    auto check = s.run({"check", model});
    EXPECT_EQ(check.code, 2) << name << ": " << check.err.substr(0, 300);
    EXPECT_NE(check.err.find(name + ".ldn:2:"), std::string::npos) << name << ": " << check.err.substr(0, 300);
    EXPECT_NE(check.err.find("the limit is"), std::string::npos) << name << ": " << check.err.substr(0, 300);
    EXPECT_LT(check.err.size(), 600u) << name;
    auto sim = s.run({"simulate", model, "--dose", "1mg", "--every", "24h", "--days", "1", "--out", s.path("o.csv")});
    EXPECT_EQ(sim.code, 2) << name << ": " << sim.err.substr(0, 300);
    EXPECT_NE(sim.err.find("the limit is"), std::string::npos) << name << ": " << sim.err.substr(0, 300);
  }
}

// A distribution's argument that goes out of its domain while simulating stops the run as a
// solver failure (exit 3) naming the subject, the draw and the value; a constant one is a
// located error (exit 2) before anything runs.
TEST_F(HostileCli, BadDrawArgumentsStopTheRun) {
  const std::string model =
      s.write("draw.ldn", "param SD = 1\nrandom R ~ normal(0, SD)\nstate C = 0 unit \"mg\" depot\n"
                          "d/dt(C) = -C\noutput Y = C + R\n");
  s.write("data.csv", "ID,TIME,EVID,AMT,SD\n1,0,1,1,0.5\n1,1,0,0,0.5\n2,0,1,1,-0.25\n2,1,0,0,-0.25\n");
  auto r = s.run({"simulate", model, "--data", s.path("data.csv"), "--seed", "1", "--out", s.path("o.csv"), "-q"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("ID 2: normal(mean, sd) in random R (" + s.path("draw.ldn") + ":2:22): sd = -0.25, expected a "
                       "finite number of 0 or more"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(s.exists("o.csv"));
  const std::string bad = s.write("bad.ldn", "random R ~ exponential(-1)\nstate C = 0\nd/dt(C) = R\n");
  auto c = s.run({"check", bad});
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("bad.ldn:1:24: error: exponential(): the rate is -1; expected a finite number above 0"),
            std::string::npos)
      << c.err;
}

}  // namespace
}  // namespace ldnsim::lang
