// The LDN commands end to end: errors, determinism across thread counts, outputs, and the
// parameter tables of docs/model.md regenerated from the model files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "common.hpp"

using ldnsim::test::run_ldnsim;
using ldnsim::test::CommandResult;

namespace {

std::string without_seconds(const std::string& json) {
  return std::regex_replace(json, std::regex("\"seconds\": [0-9.e+-]+"), "\"seconds\": 0");
}

}  // namespace

TEST(DoseCommand, ImpossibleRegimensFailClearly) {
  struct Case {
    std::string args, expect;
  };
  for (const Case& c : std::vector<Case>{
           {"dose 600mg", "above 500 mg"},
           {"dose -- -1mg", "above 0"},
           {"dose 0mg", "above 0"},
           {"dose 4.5xg", "unknown mass unit"},
           {"dose 4.5mg --every 0h", "interval"},
           {"dose 4.5mg --at 25:00", "clock"},
           {"dose 4.5mg --missed 3", "--days"},
           {"dose 4.5mg --days 5 --missed 9", "1-5"},
           {"dose 4.5mg --compare 3mg,900mg", "900mg"},
           {"dose 4.5mg --uncertainty -5", "--uncertainty"},
           {"dose 4.5mg --set NOPE=1", "no parameter NOPE"},
           {"dose 4.5mg --model nowhere.ldn", "nowhere.ldn"},
       }) {
    CommandResult r = run_ldnsim(c.args);
    EXPECT_NE(r.status, 0) << c.args;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << " said: " << r.out;
  }
}

TEST(DoseCommand, PrintsEveryQuantityPerRegimen) {
  CommandResult r = run_ldnsim("dose 4.5mg --at 22:00 --compare 1.5mg,3mg,50mg -q");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* s : {"naltrexone Cmax", "6b-naltrexol trough", "nM", "MOR occupancy peak", "MOR occupancy trough",
                        "hours/day MOR >= 50%", "hours/day MOR >= 90%", "OGF change", "OGF receptor change",
                        "T-cell proliferation change", "B-cell proliferation change", "1.5mg", "50mg", "ASSUMED"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

// Same seed, same bytes, whatever the number of threads.
TEST(DoseCommand, UncertaintyIsIndependentOfThreads) {
  CommandResult a = run_ldnsim("dose 4.5mg --compare 1.5mg --uncertainty 64 --json --threads 1 -q");
  CommandResult b = run_ldnsim("dose 4.5mg --compare 1.5mg --uncertainty 64 --json --threads 2 -q");
  ASSERT_EQ(a.status, 0) << a.out;
  ASSERT_EQ(b.status, 0) << b.out;
  EXPECT_EQ(without_seconds(a.out), without_seconds(b.out));
  auto j = nlohmann::json::parse(a.out);
  auto band = j["results"]["regimens"][0]["metrics"]["occ_trough"]["band"];
  EXPECT_LE(band["p05"].get<double>(), band["median"].get<double>());
  EXPECT_LE(band["median"].get<double>(), band["p95"].get<double>());
  EXPECT_GT(j["results"]["uncertainty"]["effective_sample_size"].get<double>(), 2);
}

TEST(DoseCommand, WritesTheCycleAtomically) {
  auto dir = std::filesystem::temp_directory_path() / ("ldnsim-dose-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string csv = (dir / "cycle.csv").string(), json = (dir / "summary.json").string();
  CommandResult r = run_ldnsim("dose 4.5mg --compare 4.5mg@08:00 --csv " + csv + " --json-out " + json + " -q");
  ASSERT_EQ(r.status, 0) << r.out;
  std::string text = ldnsim::test::read_file(csv);
  EXPECT_EQ(text.rfind("regimen,t_h,clock,CP_ng_mL", 0), 0u);
  // 2 regimens x (24 h / 0.05 h + 1) rows + header
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2 * 481 + 1);
  EXPECT_NE(text.find("4.5mg@08:00,0,08:00"), std::string::npos);
  auto j = nlohmann::json::parse(ldnsim::test::read_file(json));
  EXPECT_EQ(j["results"]["regimens"].size(), 2u);
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_TRUE(e.path().filename() == "cycle.csv" || e.path().filename() == "summary.json") << e.path();
  std::filesystem::remove_all(dir);
}

TEST(SensitivityCommand, RanksAndIsDeterministic) {
  CommandResult a = run_ldnsim("sensitivity --trajectories 6 --json --threads 1 -q");
  CommandResult b = run_ldnsim("sensitivity --trajectories 6 --json --threads 2 -q");
  ASSERT_EQ(a.status, 0) << a.out;
  EXPECT_EQ(without_seconds(a.out), without_seconds(b.out));
  auto j = nlohmann::json::parse(a.out);
  for (const char* k : {"hours50", "hours90", "occ_trough", "t_change", "b_change"}) {
    const auto& rank = j["results"]["outputs"][k]["ranking"];
    ASSERT_GT(rank.size(), 5u) << k;
    for (std::size_t i = 1; i < rank.size(); ++i)
      EXPECT_GE(rank[i - 1]["mu_star"].get<double>(), rank[i]["mu_star"].get<double>()) << k;
  }
  CommandResult bad = run_ldnsim("sensitivity --levels 3");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.out.find("--levels"), std::string::npos) << bad.out;
}

TEST(CalibrateCommand, ModelFilesHoldTheFit) {
  for (const char* m : {"human", "mouse"}) {
    CommandResult r = run_ldnsim(std::string("calibrate ") + m + " --check -q");
    EXPECT_EQ(r.status, 0) << m << ": " << r.out;
  }
}

// docs/model.md shows `ldnsim params MODEL --markdown` for each model between markers;
// refresh with tests/science/update_model_doc.sh.
TEST(Docs, ParameterTablesAreCurrent) {
  std::string doc = ldnsim::test::read_file(std::string(LDNSIM_SOURCE_DIR) + "/docs/model.md");
  ASSERT_FALSE(doc.empty());
  for (const char* m : {"human", "mouse"}) {
    std::string begin = std::string("<!-- params ") + m + " begin -->\n";
    std::string end = std::string("<!-- params ") + m + " end -->";
    auto b = doc.find(begin), e = doc.find(end);
    ASSERT_NE(b, std::string::npos) << begin;
    ASSERT_NE(e, std::string::npos) << end;
    std::string shown = doc.substr(b + begin.size(), e - b - begin.size());
    CommandResult r = run_ldnsim(std::string("params ") + LDNSIM_SOURCE_DIR + "/models/ldn/" + m + ".ldn --markdown");
    ASSERT_EQ(r.status, 0);
    EXPECT_EQ(shown, r.out) << "docs/model.md is out of date: run tests/science/update_model_doc.sh";
  }
}

// The HTML page of the cycle: self-contained, one chart per panel.
TEST(DoseCommand, WritesThePlot) {
  auto path = std::filesystem::temp_directory_path() / ("ldnsim-dose-" + std::to_string(::getpid()) + ".html");
  CommandResult r = run_ldnsim("dose 4.5mg --compare 1.5mg --plot " + path.string() + " -q");
  if (r.status != 0 && r.out.find("npm ci") != std::string::npos)
    GTEST_SKIP() << "report libraries not installed: " << r.out;
  ASSERT_EQ(r.status, 0) << r.out;
  std::string html = ldnsim::test::read_file(path.string());
  for (const char* s : {"chart-1", "chart-5", "MOR occupancy", "naltrexone", "4.5mg", "1.5mg", "assumptions"})
    EXPECT_NE(html.find(s), std::string::npos) << s;
  std::filesystem::remove(path);
}
