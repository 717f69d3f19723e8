// The calibrated virtual patients against the published numbers (studies.md sections 1-4
// and 9, targets.csv). Each check runs a study spec with its own seed, not the seed the
// calibration used, and compares the mean over replicates (Monte-Carlo error small against
// the tolerances) with the published value; each tolerance is the published spread, and
// the comment says where it comes from. Sharafaddinzadeh 2010 is a prediction and is not
// compared with anything.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "ldnsim/science/clinical.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

using test::study_means;

// Mean over replicates of an endpoint's statistic (or withdrawals).
const auto& run = study_means;

// targets.csv, read from ../shared: the published value of a target id.
double published(const std::string& id) {
  std::ifstream in(test::shared("science/targets.csv"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(id + ",", 0) == 0) {
      std::stringstream ss(line);
      std::string cell;
      for (int k = 0; k < 4 && std::getline(ss, cell, ','); ++k) {
      }
      return std::stod(cell);
    }
  ADD_FAILURE() << "no target " << id << " in targets.csv";
  return NAN;
}

constexpr auto E = science::Statistic::Estimate;

TEST(NaturalHistory, UntreatedRrmsMatchesPlaceboArms) {
  auto m = run("trials/natural-history/rrms-placebo.toml", 30, 77, {{"ARR", E}, {"relapse_free", E}, {"CDP12", E}});
  // ARR: inside the range of placebo-arm means 0.36-0.40 (FREEDOMS, DEFINE, CONFIRM), with
  // the sampling SE of one arm (0.02) beyond it.
  EXPECT_NEAR(m["ARR/estimate"], published("nh-rrms-arr"), 0.03);
  EXPECT_GE(m["ARR/estimate"], 0.36 - 0.02);
  EXPECT_LE(m["ARR/estimate"], 0.40 + 0.02);
  // Relapse-free at 2 years: FREEDOMS 46%, DEFINE 54%.
  EXPECT_GE(100 * m["relapse_free/estimate"], 46);
  EXPECT_LE(100 * m["relapse_free/estimate"], 54);
  // 12-week CDP at 2 years: FREEDOMS 24%, DEFINE 27%, +- the binomial SE of an arm of 418 (2.1).
  EXPECT_GE(100 * m["CDP12/estimate"], 24 - 2.1);
  EXPECT_LE(100 * m["CDP12/estimate"], 27 + 2.1);
}

TEST(NaturalHistory, UntreatedRrmsThreeYearProgressionStaysUnderTheConstantHazardBound) {
  auto two = run("trials/natural-history/rrms-placebo.toml", 30, 77, {{"CDP12", E}});
  auto three = run("trials/natural-history/rrms-placebo-3y.toml", 30, 81, {{"CDP12", E}});
  // studies.md 9b: the 2-year placebo CDP projected at a constant hazard gives 34%
  // (FREEDOMS) to 38% (DEFINE) at 3 years, an upper bound since the real hazard falls;
  // section 10 suggests 30-37%. Bounds: that range widened by the binomial SE of an arm
  // of 418 at 38% (2.4). A disability that drifts continuously through the 1-point
  // threshold gives 49% here.
  EXPECT_LE(100 * three["CDP12/estimate"], 38 + 2.4);
  EXPECT_GE(100 * three["CDP12/estimate"], 30 - 2.4);
  EXPECT_GT(three["CDP12/estimate"], two["CDP12/estimate"]);
}

TEST(NaturalHistory, UntreatedPpmsMatchesOratorio) {
  auto m = run("trials/natural-history/ppms-placebo.toml", 30, 78, {{"CDP12", E}, {"CDP24", E}});
  // ORATORIO placebo 39.3% (12-week) and 35.7% (24-week): two binomial SEs of an arm of 244 (3.1 each).
  EXPECT_NEAR(100 * m["CDP12/estimate"], published("nh-ppms-cdp12w-120w"), 6.2);
  EXPECT_NEAR(100 * m["CDP24/estimate"], published("nh-ppms-cdp24w-120w"), 6.2);
  EXPECT_GT(m["CDP12/estimate"], m["CDP24/estimate"]);  // a longer confirmation confirms fewer
}

TEST(PlaceboResponse, FatigueAndSpasticity) {
  auto f = run("trials/placebo/nourbakhsh2021.toml", 30, 79, {{"MFIS_change", E}, {"MFIS_6w", E}});
  // Nourbakhsh 2021: -10.7 on placebo; SE of a mean change of 141 with SD ~10.3 is 0.9: 2 SE.
  EXPECT_NEAR(f["MFIS_change/estimate"], -10.7, 1.8);
  // 51.3 -> 40.6; the entry mean's 95% CI is +-2.3 points.
  EXPECT_NEAR(f["MFIS_6w/estimate"], 40.6, 2.3 + 1.8);
  auto s = run("trials/placebo/collin2010.toml", 30, 80, {{"SPNRS_change", E}});
  // Collin 2010: -0.8; SE of a mean change of ~170 with SD 2.4 is 0.18: 2 SE.
  EXPECT_NEAR(s["SPNRS_change/estimate"], -0.8, 0.36);
}

TEST(LdnStudies, Cree2010QualityOfLife) {
  auto m = run("trials/cree2010.toml", 100, 81,
               {{"MCS", E}, {"MHI", E}, {"PES", E}, {"PDQ", E}, {"PCS", E}, {"MFIS", E}, {"withdrawn", science::Statistic::Withdrawn},
                {"MCS", science::Statistic::StdError}});
  // Published differences (LDN - placebo) +- 1.96 published SEs (SE = |estimate| / t of the
  // p-value with 58 df): MCS 3.3 (p 0.04, SE 1.57), MHI 6 (p < 0.01, SE <= 2.25), PES -1.6
  // (p 0.04, SE 0.76), PDQ -2.4 (p 0.05, SE 1.20).
  EXPECT_NEAR(m["MCS/estimate"], published("cree-mcs"), 1.96 * 1.574);
  EXPECT_NEAR(m["MHI/estimate"], published("cree-mhi"), 1.96 * 2.253);
  EXPECT_NEAR(m["PES/estimate"], -published("cree-pes"), 1.96 * 0.763);
  EXPECT_NEAR(m["PDQ/estimate"], -published("cree-pdq"), 1.96 * 1.199);
  // PCS and MFIS: not significant, so |estimate| below 2 of the MCS's SE scaled to the
  // instrument's SD (PCS 11/10.5, MFIS 17/10.5).
  EXPECT_LT(std::fabs(m["PCS/estimate"]), 2 * 1.574 * 11 / 10.5);
  EXPECT_LT(std::fabs(m["MFIS/estimate"]), 2 * 1.574 * 17 / 10.5);
  // The simulated SE of the MCS difference: the published 1.57 +- two sampling SDs of an
  // SE with 58 df (0.146 each).
  EXPECT_NEAR(m["MCS/se"], 1.574, 2 * 0.146);
  // Withdrawals: 10 of 80, +- 2 binomial SDs (2.96).
  EXPECT_NEAR(m["withdrawn/withdrawn"], 10, 2 * 2.96);
}

TEST(LdnStudies, Gironi2008OpenLabelPpms) {
  auto m = run("trials/gironi2008.toml", 100, 82,
               {{"withdrawn", science::Statistic::Withdrawn}, {"major_AE", E}, {"progression", E},
                {"spasticity", science::Statistic::Significant}});
  // 5 of 40 dropped out: +- 2 binomial SDs (2.09).
  EXPECT_NEAR(m["withdrawn/withdrawn"], 5, 2 * 2.09);
  // 2 major AEs in 40 (5%): +- 2 binomial SEs (3.4%).
  EXPECT_NEAR(100 * m["major_AE/estimate"], 5, 2 * 3.45);
  // 1 progression in ~35 completers: exact 95% CI 0.07-14.9% (studies.md 1).
  EXPECT_LE(100 * m["progression/estimate"], 14.9);
  // "Spasticity significantly reduced": the published verdict must not be a rare outcome.
  EXPECT_GE(m["spasticity/significant"], 0.025);
}

TEST(LdnStudies, Turel2015ChartReview) {
  auto m = run("trials/turel2015.toml", 40, 83,
               {{"insomnia", E}, {"vivid_dreams", E}, {"any_side_effect", E}, {"less_fatigue", E}});
  // Grade S figures, +- 2 x their binomial SE in 215 charts (the weights of the fit, which
  // doubles the SE of secondary-source numbers): insomnia 6% (3.2), vivid dreams 5% (3.0),
  // any side effect 23% (5.7), less fatigue 60% (6.7).
  EXPECT_NEAR(100 * m["insomnia/estimate"], published("turel-insomnia"), 2 * 3.2);
  EXPECT_NEAR(100 * m["vivid_dreams/estimate"], published("turel-vivid-dreams"), 2 * 3.0);
  EXPECT_NEAR(100 * m["any_side_effect/estimate"], 100 - published("turel-no-ae"), 2 * 5.7);
  EXPECT_NEAR(100 * m["less_fatigue/estimate"], published("turel-less-fatigue"), 2 * 6.7);
}

TEST(LdnStudies, MorningDosingHalvesSleepSideEffects) {
  // The same clinic cohort dosed at 07:00: night-time naltrexone falls to a fraction
  // (driver test), and with it insomnia and vivid dreams.
  std::string spec = test::read(test::src("trials/turel2015.toml"));
  auto at = spec.find("time_of_day = \"22:00\"");
  ASSERT_NE(at, std::string::npos);
  spec.replace(at, 21, "time_of_day = \"07:00\"");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"\"../models/ms/patient.ldn\"", "\"" + test::src("models/ms/patient.ldn") + "\""},
                                 {"\"populations/turel2015.toml\"", "\"" + test::src("trials/populations/turel2015.toml") + "\""}}) {
    auto k = spec.find(from);
    ASSERT_NE(k, std::string::npos) << from;
    spec.replace(k, from.size(), to);
  }
  auto dir = test::temp_dir("morning");
  const std::string path = (dir / "turel2015-morning.toml").string();
  { std::ofstream(path) << spec; }
  auto bed = run("trials/turel2015.toml", 20, 84, {{"insomnia", E}, {"vivid_dreams", E}});
  auto morning = run(path, 20, 84, {{"insomnia", E}, {"vivid_dreams", E}});
  std::filesystem::remove_all(dir);
  EXPECT_LT(morning["insomnia/estimate"], 0.5 * bed["insomnia/estimate"]);
  EXPECT_LT(morning["vivid_dreams/estimate"], 0.5 * bed["vivid_dreams/estimate"]);
}

}  // namespace
}  // namespace ldnsim
