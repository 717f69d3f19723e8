// `--json` on every command (docs/json.md): the common envelope, and the fields checked
// against the same command's human-readable output or against known numbers. Errors
// with --json still go to stderr with a non-zero exit and nothing on stdout.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "../cli/cli_support.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/models/builtin.hpp"
#include "ldnsim/science/calibration.hpp"

namespace ldnsim::test {
namespace {

using nlohmann::json;

std::string model_file(const std::string& name) { return std::string(LDNSIM_SOURCE_DIR) + "/models/ldn/" + name + ".ldn"; }

// Runs a command with --json; checks the exit status, that stdout is one JSON document in
// the common envelope, and returns it.
json run_json(Scratch& s, std::vector<std::string> args, const std::string& command, int status = 0) {
  RunResult r = s.run(args);
  EXPECT_EQ(r.code, status) << r.err;
  json j;
  try {
    j = json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.out.substr(0, 300);
    return json::object();
  }
  EXPECT_EQ(j["command"], command);
  EXPECT_EQ(j["ldnsim_version"], LDNSIM_VERSION);
  EXPECT_TRUE(j["inputs"].is_object());
  EXPECT_TRUE(j["results"].is_object());
  EXPECT_TRUE(j["warnings"].is_array());
  EXPECT_TRUE(j["evidence"].is_array());
  // the envelope comes first, in this order
  EXPECT_EQ(r.out.find("\"command\""), r.out.find_first_of('"'));
  EXPECT_LT(r.out.find("\"ldnsim_version\""), r.out.find("\"inputs\""));
  EXPECT_LT(r.out.find("\"inputs\""), r.out.find("\"results\""));
  return j;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) out.push_back(l);
  return out;
}

// `ldnsim dose`'s number format (dose_cmd.cpp).
std::string dose_fmt(double v) {
  double a = std::fabs(v);
  char buf[32];
  if (a != 0 && a < 0.01) std::snprintf(buf, sizeof buf, "%.2e", v);
  else if (a < 10) std::snprintf(buf, sizeof buf, "%.3g", v);
  else std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

TEST(JsonOutput, Check) {
  Scratch s;
  const std::string path = model_file("human");
  json j = run_json(s, {"check", path, "--json"}, "check");
  RunResult text = s.run({"check", path});
  ASSERT_EQ(text.code, 0);
  const auto& r = j["results"];
  // "model ldn_human: 34 parameters, 13 states, 12 outputs (ok)"
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text.out, m, std::regex(R"(model (\S+): (\d+) parameters, (\d+) states, (\d+) outputs \(ok\))")));
  EXPECT_EQ(r["name"], m[1].str());
  EXPECT_EQ(r["counts"]["parameters"], std::stoi(m[2]));
  EXPECT_EQ(r["counts"]["states"], std::stoi(m[3]));
  EXPECT_EQ(r["counts"]["outputs"], std::stoi(m[4]));
  EXPECT_EQ(r["parameters"].size(), r["counts"]["parameters"].get<std::size_t>());
  EXPECT_EQ(r["states"].size(), r["counts"]["states"].get<std::size_t>());
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["states"][0]["name"], "GUT");
  EXPECT_EQ(r["states"][0]["depot"], true);
  for (const auto& p : r["parameters"]) {
    // each parameter line of the text: "  NAME = VALUE UNIT"
    std::string v = p["value"].is_null() ? "(covariate: from data)" : format_number(p["value"].get<double>(), 6);
    std::regex line("\n  " + p["name"].get<std::string>() + " += " + std::regex_replace(v, std::regex(R"([.()+*])"), R"(\$&)"));
    EXPECT_TRUE(std::regex_search(text.out, line)) << p.dump();
  }
  for (const auto& o : r["outputs"]) EXPECT_NE(text.out.find("  " + o["name"].get<std::string>()), std::string::npos);
  EXPECT_FALSE(r.contains("generated_cpp"));
  json code = run_json(s, {"check", path, "--json", "--code"}, "check");
  EXPECT_NE(code["results"]["generated_cpp"].get<std::string>().find("rhs"), std::string::npos);
}

TEST(JsonOutput, CheckErrorsGoToStderr) {
  Scratch s;
  s.write("bad.ldn", "model bad\nstate X = 0\nd/dt(X) = -K*X\n");
  RunResult r = s.run({"check", s.path("bad.ldn"), "--json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("bad.ldn"), std::string::npos) << r.err;
}

TEST(JsonOutput, Params) {
  Scratch s;
  const std::string path = model_file("human");
  json j = run_json(s, {"params", path, "--json"}, "params");
  RunResult text = s.run({"params", path});
  ASSERT_EQ(text.code, 0);
  auto rows = lines_of(text.out);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front().rfind("parameter", 0), 0u) << rows.front();  // the header row
  rows.erase(rows.begin());
  const auto& params = j["results"]["parameters"];
  ASSERT_EQ(params.size(), rows.size());
  std::size_t assumptions = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& p = params[i];
    std::istringstream row(rows[i]);
    std::string name, value;
    row >> name >> value;
    EXPECT_EQ(p["name"], name) << rows[i];
    EXPECT_EQ(p["value"].is_null() ? "(data)" : format_number(p["value"].get<double>(), 6), value) << rows[i];
    if (!p["range"].is_null()) {
      std::string range = format_number(p["range"]["low"].get<double>(), 4) + "-" +
                          format_number(p["range"]["high"].get<double>(), 4);
      EXPECT_NE(rows[i].find(range), std::string::npos) << rows[i];
    }
    if (!p["assumption"].get<std::string>().empty()) {
      ++assumptions;
      EXPECT_NE(rows[i].find("assumption: " + p["assumption"].get<std::string>()), std::string::npos) << rows[i];
    }
  }
  EXPECT_GT(assumptions, 0u);
  ASSERT_EQ(j["evidence"].size(), 1u);
  EXPECT_EQ(j["evidence"][0].get<std::string>().rfind(std::to_string(assumptions) + " of " + std::to_string(rows.size()), 0), 0u);
  RunResult both = s.run({"params", path, "--json", "--markdown"});
  EXPECT_EQ(both.code, 2);
  EXPECT_NE(both.err.find("--markdown or --json"), std::string::npos);
}

TEST(JsonOutput, ParamsWarnsAboutUnsourcedValues) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  json j = run_json(s, {"params", s.path("m.ldn"), "--json"}, "params");
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_NE(j["warnings"][0].get<std::string>().find("CL"), std::string::npos) << j["warnings"];
  EXPECT_TRUE(j["results"]["parameters"][1]["covariate"].get<bool>());  // V
  EXPECT_TRUE(j["results"]["parameters"][1]["value"].is_null());
}

TEST(JsonOutput, DoseAgreesWithItsTableAndWithLinearPk) {
  Scratch s;
  json j = run_json(s, {"dose", "4.5mg", "--compare", "1.5mg,4.5mg@08:00", "--json", "-q"}, "dose");
  RunResult text = s.run({"dose", "4.5mg", "--compare", "1.5mg,4.5mg@08:00", "-q"});
  ASSERT_EQ(text.code, 0);
  const auto& regs = j["results"]["regimens"];
  ASSERT_EQ(regs.size(), 3u);
  EXPECT_EQ(j["inputs"]["dose"], "4.5mg");
  EXPECT_EQ(j["inputs"]["compare"], json({"1.5mg", "4.5mg@08:00"}));
  EXPECT_EQ(j["results"]["steady_state"], true);
  EXPECT_TRUE(j["results"]["uncertainty"].is_null());
  EXPECT_EQ(j["evidence"].size(), 4u);
  EXPECT_TRUE(j["seconds"].is_number());
  // every row of the table: label, unit, then one cell per regimen
  for (auto& [key, m] : regs[0]["metrics"].items()) {
    const std::string head = m["label"].get<std::string>();
    std::string prefix = head + std::string(30 - head.size(), ' ') + " " + m["unit"].get<std::string>();
    bool found = false;
    for (const auto& line : lines_of(text.out)) {
      if (line.rfind(prefix, 0) != 0 || line.size() < 37 || line[prefix.size()] != ' ') continue;
      std::istringstream cells(line.substr(37));
      std::string a, b, c;
      cells >> a >> b >> c;
      EXPECT_EQ(a, dose_fmt(regs[0]["metrics"][key]["value"].get<double>())) << key;
      EXPECT_EQ(b, dose_fmt(regs[1]["metrics"][key]["value"].get<double>())) << key;
      EXPECT_EQ(c, dose_fmt(regs[2]["metrics"][key]["value"].get<double>())) << key;
      found = true;
    }
    EXPECT_TRUE(found) << key;
  }
  // known relations: linear PK (a third of the dose, a third of Cmax and of the trough), no body clock
  auto v = [&](int g, const char* k) { return regs[g]["metrics"][k]["value"].get<double>(); };
  EXPECT_NEAR(v(1, "cmax_ntx") / v(0, "cmax_ntx"), 1.0 / 3, 1e-9);
  EXPECT_NEAR(v(1, "trough_nol") / v(0, "trough_nol"), 1.0 / 3, 1e-9);
  EXPECT_NEAR(v(0, "cmax_ntx_nm"), v(0, "cmax_ntx") * 1000 / 341.41, 1e-9);
  EXPECT_EQ(regs[2]["metrics"], regs[0]["metrics"]);
  EXPECT_EQ(regs[0]["dose_time"], "22:00");
  EXPECT_EQ(regs[2]["dose_time"], "08:00");
  EXPECT_EQ(regs[0]["peaks"]["naltrexone"], "23:00");
  EXPECT_EQ(regs[2]["peaks"]["naltrexone"], "09:00");
  // the peak clock times and the blockade-free verdict, as the text gives them
  EXPECT_NE(text.out.find("naltrexone " + regs[1]["peaks"]["naltrexone"].get<std::string>()), std::string::npos);
  EXPECT_NE(text.out.find("-> " + regs[1]["blockade_free_window"].get<std::string>()), std::string::npos);
}

TEST(JsonOutput, DoseUncertaintyAndErrors) {
  Scratch s;
  json j = run_json(s, {"dose", "4.5mg", "--uncertainty", "16", "--json", "-q", "--threads", "1"}, "dose");
  const auto& u = j["results"]["uncertainty"];
  EXPECT_EQ(u["samples"], 16);
  EXPECT_FALSE(u["parameters"].empty());
  const auto& band = j["results"]["regimens"][0]["metrics"]["occ_peak"]["band"];
  EXPECT_LE(band["p05"].get<double>(), band["median"].get<double>());
  EXPECT_LE(band["median"].get<double>(), band["p95"].get<double>());
  // 16 samples weighted by the calibration targets: few carry the weight, which is said
  if (u["effective_sample_size"].get<double>() < 1.6) {
    EXPECT_FALSE(j["warnings"].empty());
  }

  RunResult bad = s.run({"dose", "600mg", "--json"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(bad.out.empty()) << bad.out;
  EXPECT_NE(bad.err.find("above 500 mg"), std::string::npos) << bad.err;
}

TEST(JsonOutput, DoseJsonOutFileIsTheSameDocument) {
  Scratch s;
  RunResult r = s.run({"dose", "3mg", "--json", "--json-out", s.path("out.json"), "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto strip = [](std::string t) { return std::regex_replace(t, std::regex("\"seconds\": [0-9.e+-]+"), ""); };
  EXPECT_EQ(strip(s.read("out.json")), strip(r.out));
  EXPECT_EQ(s.files(), std::set<std::string>{"out.json"});
}

TEST(JsonOutput, Sensitivity) {
  Scratch s;
  json j = run_json(s, {"sensitivity", "--trajectories", "4", "--json", "-q", "--threads", "2"}, "sensitivity");
  RunResult text = s.run({"sensitivity", "--trajectories", "4", "-q", "--threads", "2"});
  ASSERT_EQ(text.code, 0);
  EXPECT_EQ(j["inputs"]["trajectories"], 4);
  const auto& outputs = j["results"]["outputs"];
  const std::size_t parameters = outputs["hours50"]["ranking"].size();
  EXPECT_EQ(j["results"]["method"]["simulations"], 4 * (parameters + 1));
  EXPECT_NE(text.out.find(std::to_string(4 * (parameters + 1)) + " simulations"), std::string::npos);
  // the text's ranking of each answer: "  1    KD         data ..."
  for (auto& [key, o] : outputs.items()) {
    const std::string head = o["label"].get<std::string>() + " (" + o["unit"].get<std::string>() + "): ";
    auto at = text.out.find(head);
    ASSERT_NE(at, std::string::npos) << head;
    char share[16];
    std::snprintf(share, sizeof share, "%.0f%%", 100 * o["assumption_share"].get<double>());
    EXPECT_EQ(text.out.compare(at + head.size(), std::strlen(share), share), 0) << key;
    if (text.out.find("no parameter moves it", at) < text.out.find("\n\n", at)) continue;
    for (int rank = 1; rank <= 3; ++rank) {
      const auto& p = o["ranking"][static_cast<std::size_t>(rank - 1)];
      std::regex row("\n  " + std::to_string(rank) + " +" + p["parameter"].get<std::string>() + " +" +
                     p["kind"].get<std::string>() + " ");
      EXPECT_TRUE(std::regex_search(text.out.substr(at), row)) << key << " rank " << rank;
    }
  }
  EXPECT_EQ(j["evidence"].size(), 3u);
}

TEST(JsonOutput, CalibrateHuman) {
  Scratch s;
  json j = run_json(s, {"calibrate", "human", "--json", "-q"}, "calibrate");
  const auto& r = j["results"];
  EXPECT_EQ(r["file_up_to_date"], true);  // as `calibrate human --check` (science tests)
  EXPECT_TRUE(j["warnings"].empty()) << j["warnings"];
  EXPECT_EQ(r["written"], false);
  models::register_builtin_models();
  const auto& targets = science::targets_of(science::LdnModel::load("human")).targets;
  ASSERT_EQ(r["targets"].size(), targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& t = r["targets"][i];
    EXPECT_EQ(t["id"], targets[i].id);
    EXPECT_EQ(t["published"].get<double>(), targets[i].value);
    EXPECT_EQ(t["sigma"].get<double>(), targets[i].sigma);
    if (targets[i].kind == science::Target::Kind::Equal) {
      EXPECT_NEAR(t["z"].get<double>(), (t["model"].get<double>() - targets[i].value) / targets[i].sigma, 1e-9) << t;
    }
    EXPECT_LT(std::fabs(t["z"].get<double>()), 3) << t;
  }
  for (const auto& f : r["fitted"]) {
    EXPECT_NEAR(f["fitted"].get<double>(), f["in_file"].get<double>(), 1e-3 * std::fabs(f["in_file"].get<double>()));
    EXPECT_LE(f["range"][0].get<double>(), f["fitted"].get<double>());
    EXPECT_GE(f["range"][1].get<double>(), f["fitted"].get<double>());
  }
}

TEST(JsonOutput, SimulateSummarisesTheTable) {
  Scratch s;
  s.write("m.ldn", kOneCompartment);
  s.write("data.csv", "ID,TIME,EVID,AMT,CMT,V\n1,0,1,100,1,10\n1,1,0,0,1,10\n1,2,0,0,1,10\n2,0,1,50,1,5\n2,4,0,0,1,5\n");
  json j = run_json(s, {"simulate", s.path("m.ldn"), "--data", s.path("data.csv"), "--out", s.path("out.csv"),
                        "--grid", "0:4:1", "--json", "-q"},
                    "simulate");
  auto csv = csv_rows(s.read("out.csv"));
  ASSERT_GT(csv.size(), 1u);
  const auto& r = j["results"];
  EXPECT_EQ(r["subjects"], 2);
  EXPECT_EQ(r["rows"], csv.size() - 1);
  EXPECT_EQ(r["columns"], json(csv[0]));
  EXPECT_EQ(r["files"][0]["path"], s.path("out.csv"));
  EXPECT_EQ(r["files"][0]["rows"], csv.size() - 1);
  EXPECT_EQ(r["engine"].is_string(), true);
  EXPECT_EQ(j["inputs"]["data"], s.path("data.csv"));
  EXPECT_EQ(j["inputs"]["grid"], "0:4:1");
  EXPECT_TRUE(j["inputs"]["regimen"].is_null());
  EXPECT_TRUE(j["seconds"].is_number());
}

TEST(JsonOutput, SimulateRegimenAndErrors) {
  Scratch s;
  json j = run_json(s, {"simulate", model_file("human"), "--dose", "4.5mg", "--first", "22:00", "--days", "2",
                        "--out", s.path("ldn.csv"), "--json", "-q"},
                    "simulate");
  auto csv = csv_rows(s.read("ldn.csv"));
  EXPECT_EQ(j["results"]["rows"], csv.size() - 1);
  EXPECT_EQ(j["results"]["subjects"], 1);
  EXPECT_EQ(j["inputs"]["regimen"]["dose"], "4.5mg");

  RunResult stdout_table = s.run({"simulate", model_file("human"), "--dose", "4.5mg", "--days", "1", "--out", "-", "--json"});
  EXPECT_EQ(stdout_table.code, 2);
  EXPECT_TRUE(stdout_table.out.empty());
  EXPECT_NE(stdout_table.err.find("--json"), std::string::npos) << stdout_table.err;
  RunResult missing = s.run({"simulate", s.path("none.ldn"), "--dose", "1", "--days", "1", "--out", s.path("x.csv"), "--json"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(missing.out.empty());
  EXPECT_FALSE(s.exists("x.csv"));
}

TEST(JsonOutput, Trial) {
  Scratch s;
  const std::string spec = std::string(LDNSIM_SOURCE_DIR) + "/tests/trial/data/parallel.toml";
  json j = run_json(s, {"trial", spec, "-n", "6", "--seed", "4", "--json", "-q", "--threads", "1"}, "trial");
  RunResult text = s.run({"trial", spec, "-n", "6", "--seed", "4", "-q", "--threads", "1"});
  ASSERT_EQ(text.code, 0) << text.err;
  const auto& r = j["results"];
  EXPECT_EQ(j["inputs"]["replicates"], 6);
  EXPECT_EQ(j["inputs"]["seed"], 4);
  EXPECT_EQ(r["replicates"], 6);
  EXPECT_EQ(r["seed"], 4);
  // "parallel design, n = 60, 6 replicates, seed 4, alpha 0.05"
  EXPECT_NE(text.out.find(r["trial"]["design"].get<std::string>() + " design, n = " + std::to_string(r["trial"]["n"].get<long>()) +
                          ", 6 replicates, seed 4"),
            std::string::npos)
      << text.out;
  ASSERT_FALSE(r["endpoints"].empty());
  for (const auto& e : r["endpoints"]) {
    std::regex row("\n" + e["name"].get<std::string>() + " +" + e["analysis"].get<std::string>() + " ");
    EXPECT_TRUE(std::regex_search(text.out, row)) << e["name"];
  }
  EXPECT_FALSE(j["evidence"].empty());
}

}  // namespace
}  // namespace ldnsim::test
