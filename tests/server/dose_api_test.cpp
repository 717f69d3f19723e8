// The explorer's computation: strict parsing of the query, the same numbers as
// `ldnsim dose --json`, deterministic cached answers, speed, and the warm-up before missed
// doses being long enough.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "../cli/cli_support.hpp"
#include "ldnsim/core/files.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/policy.hpp"
#include "ldnsim/models/builtin.hpp"
#include "ldnsim/server/dose_api.hpp"
#include "ldnsim/server/explorer.hpp"
#include "ldnsim/output/json_output.hpp"

namespace ldnsim::test {
namespace {

using server::BadRequest;
using server::DoseExplorer;
using server::DoseQuery;
using server::QueryParams;

DoseExplorer& explorer() {
  static bool registered = (models::register_builtin_models(), true);
  (void)registered;
  static DoseExplorer e("human");
  return e;
}

nlohmann::json answer(const DoseQuery& q) { return nlohmann::json::parse(*explorer().dose(q)); }

// The BadRequest a query gets, or a failed expectation if it gets none.
BadRequest refused(const QueryParams& params) {
  try {
    server::parse_dose_query(params);
  } catch (const BadRequest& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << params.begin()->first << "=" << params.begin()->second;
  return BadRequest("", "", "");
}

TEST(DoseQueryParsing, DefaultsAndValidValues) {
  DoseQuery d = server::parse_dose_query({});
  EXPECT_EQ(d.mg, 4.5);
  EXPECT_EQ(d.minute, 22 * 60);
  EXPECT_TRUE(d.salt);
  EXPECT_EQ(d.missed, 0);
  EXPECT_EQ(d.key(), "mg=4.5&at=22:00&form=hcl&missed=0");

  DoseQuery q = server::parse_dose_query({{"mg", "0.25"}, {"at", "7:05"}, {"form", "base"}, {"missed", "3"}});
  EXPECT_EQ(q.mg, 0.25);
  EXPECT_EQ(q.minute, 7 * 60 + 5);
  EXPECT_FALSE(q.salt);
  EXPECT_EQ(q.missed, 3);
  EXPECT_EQ(q.key(), "mg=0.25&at=07:05&form=base&missed=3");
  EXPECT_EQ(server::parse_dose_query({{"mg", "500"}}).mg, 500);
  EXPECT_EQ(server::parse_dose_query({{"mg", "+1e1"}}).mg, 10);
  EXPECT_EQ(server::parse_dose_query({{"at", "00:00"}}).minute, 0);
  EXPECT_EQ(server::parse_dose_query({{"at", "23:59"}}).minute, 23 * 60 + 59);
  EXPECT_TRUE(server::parse_dose_query({{"form", "HCl"}}).salt);
}

TEST(DoseQueryParsing, BadValuesNameTheParameterAndWhatWasExpected) {
  struct Case {
    std::string name, value, words;
  };
  for (const Case& c : std::vector<Case>{
           {"mg", "-1", "a dose must be above 0 mg"},
           {"mg", "0", "a dose must be above 0 mg"},
           {"mg", "500.5", "above 500 mg"},
           {"mg", "1e9", "above 500 mg"},
           {"mg", "abc", "not a number"},
           {"mg", "4.5mg", "not a number"},
           {"mg", "nan", "not a number"},
           {"mg", "inf", "not a number"},
           {"mg", "", "no value"},
           {"mg", " 4.5", "not a number"},
           {"at", "25:00", "no such time of day"},
           {"at", "22:60", "no such time of day"},
           {"at", "22", "HH:MM"},
           {"at", "7:5", "HH:MM"},
           {"at", "-1:00", "HH:MM"},
           {"at", "22:00:00", "HH:MM"},
           {"at", "", "HH:MM"},
           {"form", "tablet", "hcl"},
           {"missed", "4", "0 to 3"},
           {"missed", "-1", "0 to 3"},
           {"missed", "1.5", "0 to 3"},
           {"missed", "", "0 to 3"},
       }) {
    BadRequest e = refused({{c.name, c.value}});
    EXPECT_EQ(e.parameter(), c.name) << c.name << "=" << c.value;
    std::string what = e.what();
    EXPECT_EQ(what.rfind(c.name + "=" + c.value + ":", 0), 0u) << what;
    EXPECT_NE(what.find(c.words), std::string::npos) << what;
    EXPECT_NE(what.find("expected"), std::string::npos) << what;
    EXPECT_FALSE(e.expected().empty());
  }
}

TEST(DoseQueryParsing, UnknownAndRepeatedParameters) {
  BadRequest unknown = refused({{"dose", "4.5"}});
  EXPECT_EQ(unknown.parameter(), "dose");
  EXPECT_NE(std::string(unknown.what()).find("unknown parameter 'dose'"), std::string::npos) << unknown.what();
  EXPECT_NE(std::string(unknown.what()).find("mg, at, form, missed"), std::string::npos) << unknown.what();

  BadRequest twice = refused({{"mg", "1"}, {"mg", "2"}});
  EXPECT_EQ(twice.parameter(), "mg");
  EXPECT_NE(std::string(twice.what()).find("more than once"), std::string::npos) << twice.what();
}

TEST(DoseQueryParsing, HostileValuesAreCutShortInMessages) {
  BadRequest e = refused({{"mg", std::string(5000, '9') + "\n\x01"}});
  EXPECT_LT(std::string(e.what()).size(), 300u);
  EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  EXPECT_NE(e.value().find("..."), std::string::npos);
  auto j = e.to_json();
  EXPECT_EQ(j["parameter"], "mg");
  EXPECT_EQ(j["error"], e.what());
}

// The API's figures are those of `ldnsim dose --json`, to the last bit.
void expect_same_as_dose_command(const DoseQuery& q, const std::vector<std::string>& args) {
  Scratch s;
  RunResult r = s.run(args);
  ASSERT_EQ(r.code, 0) << r.err;
  auto cli = nlohmann::json::parse(r.out)["results"]["regimens"][0]["metrics"];
  auto api = answer(q)["results"]["metrics"];
  ASSERT_EQ(api.size(), cli.size());
  for (auto& [key, m] : cli.items()) {
    ASSERT_TRUE(api.contains(key)) << key;
    EXPECT_EQ(api[key]["value"].get<double>(), m["value"].get<double>()) << key << " for " << q.key();
    EXPECT_EQ(api[key]["unit"], m["unit"]) << key;
    EXPECT_EQ(api[key]["basis"], m["basis"]) << key;
    EXPECT_EQ(api[key]["label"], m["label"]) << key;
  }
}

TEST(DoseExplorer, SameNumbersAsTheDoseCommand) {
  expect_same_as_dose_command(DoseQuery{}, {"dose", "4.5mg", "--at", "22:00", "--json", "-q"});
  DoseQuery q;
  q.mg = 3;
  q.minute = 8 * 60 + 30;
  q.salt = false;
  expect_same_as_dose_command(q, {"dose", "3mg", "--at", "08:30", "--base", "--json", "-q"});
  // missed doses: kWarmupDays nightly doses, then the missed ones, last day reported
  q = DoseQuery{};
  q.missed = 2;
  const int days = server::kWarmupDays + 2;
  expect_same_as_dose_command(q, {"dose", "4.5mg", "--days", std::to_string(days), "--missed",
                                  std::to_string(days - 1) + "," + std::to_string(days), "--json", "-q"});
}

TEST(DoseExplorer, CycleCoversOneDayFromTheDose) {
  auto j = answer(DoseQuery{});
  EXPECT_EQ(j["command"], "serve");
  EXPECT_EQ(j["endpoint"], "/api/dose");
  EXPECT_EQ(j["ldnsim_version"], LDNSIM_VERSION);
  EXPECT_EQ(j["inputs"]["at"], "22:00");
  EXPECT_FALSE(j["evidence"].empty());
  const auto& c = j["results"]["cycle"];
  ASSERT_EQ(c["t_h"].size(), 481u);  // 24 h every 0.05 h
  EXPECT_EQ(c["t_h"].front(), 0.0);
  EXPECT_EQ(c["t_h"].back(), 24.0);
  EXPECT_EQ(c["clock_h"].front(), 22.0);
  EXPECT_EQ(c["clock_h"].back(), 46.0);
  for (const char* k : {"naltrexone_ng_ml", "naltrexol_ng_ml", "occupancy_pct", "ogf_signal", "t_proliferation",
                        "b_proliferation"})
    EXPECT_EQ(c[k].size(), 481u) << k;
  double peak = 0;
  for (const auto& v : c["naltrexone_ng_ml"]) peak = std::max(peak, v.get<double>());
  const auto& m = j["results"]["metrics"];
  EXPECT_NEAR(peak, m["cmax_ntx"]["value"].get<double>(), 1e-4 * peak);  // 5 significant digits
  EXPECT_EQ(j["results"]["window"]["steady_state"], true);
  EXPECT_FALSE(j["results"].contains("steady_state_reference"));
  EXPECT_TRUE(j["warnings"].empty());
}

TEST(DoseExplorer, DirectionsOfChange) {
  DoseQuery low, high;
  low.mg = 1.5;
  high.mg = 9;
  auto a = answer(low)["results"]["metrics"], b = answer(high)["results"]["metrics"];
  EXPECT_NEAR(b["cmax_ntx"]["value"].get<double>() / a["cmax_ntx"]["value"].get<double>(), 6, 1e-6);  // linear PK
  EXPECT_GT(b["occ_peak"]["value"].get<double>(), a["occ_peak"]["value"].get<double>());
  EXPECT_GT(b["occ_trough"]["value"].get<double>(), a["occ_trough"]["value"].get<double>());
  EXPECT_GE(b["hours50"]["value"].get<double>(), a["hours50"]["value"].get<double>());

  DoseQuery morning, base;
  morning.minute = 8 * 60;
  base.salt = false;
  auto night = answer(DoseQuery{});
  auto m = answer(morning);
  EXPECT_EQ(m["results"]["metrics"], night["results"]["metrics"]);  // no body clock in the model
  EXPECT_EQ(m["results"]["peaks"]["naltrexone"], "09:00");
  EXPECT_EQ(night["results"]["peaks"]["naltrexone"], "23:00");
  EXPECT_NEAR(answer(base)["results"]["metrics"]["cmax_ntx"]["value"].get<double>() /
                  night["results"]["metrics"]["cmax_ntx"]["value"].get<double>(),
              377.87 / 341.41, 1e-9);

  DoseQuery missed;
  missed.missed = 1;
  auto x = answer(missed);
  EXPECT_EQ(x["results"]["window"]["steady_state"], false);
  EXPECT_LT(x["results"]["metrics"]["occ_trough"]["value"].get<double>(),
            night["results"]["metrics"]["occ_trough"]["value"].get<double>());
  EXPECT_EQ(x["results"]["steady_state_reference"]["metrics"], night["results"]["metrics"]);
  EXPECT_EQ(x["results"]["steady_state_reference"]["cycle"], night["results"]["cycle"]);
  EXPECT_FALSE(x["warnings"].empty());

  DoseQuery big;
  big.mg = 100;
  EXPECT_NE(answer(big)["warnings"].dump().find("above 50 mg"), std::string::npos);
}

// kWarmupDays of nightly doses from drug-naive reach the steady state closely enough that
// the day before a missed dose is the steady-state cycle, at low and high doses.
TEST(DoseExplorer, WarmUpReachesSteadyState) {
  const auto& model = explorer().model();
  science::Simulator sim(model);
  const auto p = model.typical();
  for (double mg : {0.5, 4.5, 50.0}) {
    science::Regimen ss, warm;
    ss.dose_mg = warm.dose_mg = mg;
    warm.days = server::kWarmupDays;
    auto a = science::regimen_metrics(sim, p, ss), b = science::regimen_metrics(sim, p, warm);
    for (const auto& row : server::dose_metrics()) {
      const double x = a.*(row.field) * row.scale, y = b.*(row.field) * row.scale;
      // relative 0.1%, or 0.01 in the metric's unit (percentage points, hours) near zero
      EXPECT_NEAR(y, x, std::max(1e-3 * std::fabs(x), 0.01)) << row.key << " at " << mg << " mg";
    }
  }
}

TEST(DoseExplorer, AnswersAreCachedDeterministicAndFast) {
  DoseExplorer e("human", 2);
  DoseQuery a, b, c;
  b.mg = 3;
  c.mg = 1.5;
  c.missed = 3;
  bool cached = true;
  auto start = std::chrono::steady_clock::now();
  auto first = e.dose(c, &cached);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(cached);
  EXPECT_LT(seconds, 0.5) << "the slowest regimen (3 missed doses after the warm-up) took " << seconds << " s";
  auto again = e.dose(c, &cached);
  EXPECT_TRUE(cached);
  EXPECT_EQ(first.get(), again.get());
  EXPECT_EQ(*first, json_output::dump(e.compute(c)));  // computed afresh: the same bytes
  e.dose(a);
  e.dose(b);  // capacity 2: c, the least recently used, is dropped
  EXPECT_EQ(e.cache_size(), 2u);
  e.dose(c, &cached);
  EXPECT_FALSE(cached);
  e.dose(b, &cached);
  EXPECT_TRUE(cached);
}

TEST(DoseExplorer, ApiIndexListsTheParameters) {
  auto j = server::api_index();
  EXPECT_EQ(j["command"], "serve");
  std::string text = j.dump();
  for (const char* s : {"/api/dose", "\"mg\"", "\"at\"", "\"form\"", "\"missed\""})
    EXPECT_NE(text.find(s), std::string::npos) << s;
}

TEST(ExplorerPage, MissingChartLibrariesSayHowToInstallThem) {
  try {
    server::explorer_page("ldn_human", "/nowhere/node_modules");
    FAIL() << "built a page without the chart libraries";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("npm ci --prefix report"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/nowhere/node_modules"), std::string::npos) << e.what();
  }
}

// The page's HTML and application live in src/server/page.html and page.js, embedded at
// build time: the page served is those files' bytes with the placeholders filled and the
// chart libraries between them, nothing else, and no placeholder is left.
TEST(ExplorerPage, IsTheAssetFilesWithThePlaceholdersFilled) {
  const std::string modules = std::string(LDNSIM_SOURCE_DIR) + "/report/node_modules";
  std::string page;
  try {
    page = server::explorer_page("ldn_human", modules);
  } catch (const InputError& e) {
    GTEST_SKIP() << "chart libraries not installed (npm ci --prefix report): " << e.what();
  }
  auto file = [](const std::string& name) {
    return read_text_file(std::string(LDNSIM_SOURCE_DIR) + "/src/server/" + name, "page asset");
  };
  auto fill = [](std::string s) {
    auto replace = [&s](const std::string& from, const std::string& to) {
      for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
    };
    replace("@CSP@", server::kExplorerContentSecurityPolicy);
    replace("@VERSION@", std::string(json_output::version()));
    replace("@MODEL@", "ldn_human");
    replace("@MIN_DOSE_MG@", format_number(policy::kMinDoseMg));
    replace("@MAX_DOSE_MG@", format_number(policy::kMaxDoseMg));
    return s;
  };
  const std::string head = fill(file("page.html"));
  const std::string tail = "<script>\n" + fill(file("page.js")) + "</script>\n</body>\n</html>\n";
  ASSERT_GT(page.size(), head.size() + tail.size());
  EXPECT_EQ(page.substr(0, head.size()), head);
  EXPECT_EQ(page.substr(page.size() - tail.size()), tail);
  for (const char* p : {"@CSP@", "@VERSION@", "@MODEL@", "@MIN_DOSE_MG@", "@MAX_DOSE_MG@"})
    EXPECT_EQ(page.find(p), std::string::npos) << p;
  // the same page every time: nothing is read at run time but the chart libraries
  EXPECT_EQ(server::explorer_page("ldn_human", modules), page);
}

TEST(DoseExplorer, UnknownModelFailsClearly) {
  try {
    DoseExplorer e("/nowhere/model.ldn");
    FAIL() << "loaded a model that does not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nowhere/model.ldn"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ldnsim::test
