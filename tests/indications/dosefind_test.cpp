// Dose finding (src/science/dosefind.cpp): the MCP-Mod contrast test against hand-computed
// and closed-form values, its size by simulation under the null, the target-dose
// interpolation, spec errors with their location, and a small end-to-end run that repeats
// whatever the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/random.hpp"
#include "ldnsim/science/dosefind.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

TEST(DoseFind, OptimalContrastByHand) {
  // Linear shape over three equal arms: (-1, 0, 1) / sqrt(2).
  auto c = science::optimal_contrast({0, 1, 2}, {1, 1, 1});
  EXPECT_NEAR(c[0], -1 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(c[1], 0, 1e-12);
  EXPECT_NEAR(c[2], 1 / std::sqrt(2.0), 1e-12);
  // Arm sizes 2:1:1: weighted mean 0.75, c ~ n (mu - 0.75) = (-1.5, 0.25, 1.25), length sqrt(3.875).
  c = science::optimal_contrast({0, 1, 2}, {2, 1, 1});
  EXPECT_NEAR(c[0], -1.5 / std::sqrt(3.875), 1e-12);
  EXPECT_NEAR(c[1], 0.25 / std::sqrt(3.875), 1e-12);
  EXPECT_NEAR(c[2], 1.25 / std::sqrt(3.875), 1e-12);
  EXPECT_THROW(science::optimal_contrast({1, 1, 1}, {1, 1, 1}), InputError);
}

TEST(DoseFind, CorrelationAndCriticalValuesAgainstClosedForms) {
  const double s2 = std::sqrt(2.0), s6 = std::sqrt(6.0);
  // Linear and quadratic contrasts over equal arms are orthogonal.
  auto R = science::contrast_correlation({{-1 / s2, 0, 1 / s2}, {1 / s6, -2 / s6, 1 / s6}}, {30, 30, 30});
  EXPECT_NEAR(R[0][1], 0, 1e-12);
  EXPECT_NEAR(R[0][0], 1, 1e-12);
  // Monte-Carlo SE of a 0.975 quantile from 200000 draws: sqrt(.975 .025 / 2e5) / phi(1.96) = 0.006.
  const double tol = 0.02;
  // One contrast: the normal quantile.
  EXPECT_NEAR(science::max_normal_critical_value({{1}}, 0.025, 200000, 5), stats::normal_quantile(0.975), tol);
  // Two independent: P(max < c) = Phi(c)^2.
  EXPECT_NEAR(science::max_normal_critical_value(R, 0.025, 200000, 5), stats::normal_quantile(std::sqrt(0.975)), tol);
  // Two identical (singular R): the one-contrast value.
  EXPECT_NEAR(science::max_normal_critical_value({{1, 1}, {1, 1}}, 0.025, 200000, 5), stats::normal_quantile(0.975), tol);
}

TEST(DoseFind, ContrastStatisticByHand) {
  const double s2 = std::sqrt(2.0);
  // 10, 15, 20 of 50: p = .2 .3 .4, pooled .3; z = (0.4 - 0.2)/sqrt(2) / sqrt(.21 (1/50 + 1/50)/2 * 2).
  const double z = science::max_contrast_z({{-1 / s2, 0, 1 / s2}}, {10, 15, 20}, {50, 50, 50});
  EXPECT_NEAR(z, 0.2 / s2 / std::sqrt(0.21 * (0.5 / 50 + 0.5 / 50)), 1e-12);
  // The largest of two contrasts.
  const double z2 = science::max_contrast_z({{-1 / s2, 0, 1 / s2}, {1 / s2, 0, -1 / s2}}, {10, 15, 20}, {50, 50, 50});
  EXPECT_NEAR(z2, z, 1e-12);
  EXPECT_TRUE(std::isnan(science::max_contrast_z({{-1 / s2, 0, 1 / s2}}, {0, 0, 0}, {50, 50, 50})));
  EXPECT_TRUE(std::isnan(science::max_contrast_z({{-1 / s2, 0, 1 / s2}}, {1, 0, 0}, {5, 0, 5})));
}

TEST(DoseFind, TestKeepsItsLevelUnderTheNull) {
  // Six arms of 100 with the same 30% response, the four shapes of trials/fm/dosefind.toml:
  // the share of rejections must be the one-sided 2.5% up to the normal approximation
  // (binomial 4000 trials: SE 0.25 points; the approximation's own error is a few tenths).
  const std::vector<double> doses = {0, 0.75, 1.5, 3, 4.5, 6};
  std::vector<science::DoseShape> shapes = {{"a", "emax", 0.5}, {"b", "emax", 2.25}, {"c", "sigemax", 3, 3}, {"d", "linear"}};
  std::vector<std::vector<double>> contrasts;
  for (const auto& s : shapes) {
    std::vector<double> mu;
    for (double d : doses) mu.push_back(science::shape_value(s, d));
    contrasts.push_back(science::optimal_contrast(mu, std::vector<double>(6, 1.0)));
  }
  const double crit = science::max_normal_critical_value(science::contrast_correlation(contrasts, std::vector<double>(6, 1.0)),
                                                         0.025, 200000, 11);
  EXPECT_GT(crit, stats::normal_quantile(0.975));  // four correlated shapes cost some level
  EXPECT_LT(crit, stats::normal_quantile(1 - 0.025 / 4));  // less than Bonferroni
  const int trials = 4000;
  int rejected = 0;
  for (int t = 0; t < trials; ++t) {
    RandomStream rng(3, static_cast<std::uint64_t>(t), 0);
    std::vector<long> x(6, 0), n(6, 100);
    for (auto& xi : x)
      for (int i = 0; i < 100; ++i) xi += rng.uniform() < 0.3;
    rejected += science::max_contrast_z(contrasts, x, n) > crit;
  }
  EXPECT_NEAR(static_cast<double>(rejected) / trials, 0.025, 0.0085);
}

TEST(DoseFind, TargetDoseInterpolatesOnLogDose) {
  const std::vector<double> d = {0, 1, 2, 4};
  auto t = science::target_dose(d, {0.3, 0.4, 0.45, 0.6}, 0.5);
  EXPECT_EQ(t.status, 0);
  EXPECT_NEAR(t.dose, std::pow(2.0, 4.0 / 3.0), 1e-12);  // a third of the way from log 2 to log 4
  EXPECT_EQ(science::target_dose(d, {0.3, 0.55, 0.6, 0.7}, 0.5).status, -1);
  EXPECT_EQ(science::target_dose(d, {0.5, 0.4, 0.6, 0.7}, 0.5).status, -1);  // placebo already there
  EXPECT_EQ(science::target_dose(d, {0.3, 0.4, 0.45, 0.49}, 0.5).status, 1);
  EXPECT_EQ(science::ed_text(0.5, d), "< 1 mg (below the lowest dose)");
  EXPECT_EQ(science::ed_text(std::numeric_limits<double>::infinity(), d), "> 4 mg (not reached)");
  EXPECT_EQ(science::ed_text(2.5, d), "2.5 mg");
}

std::string write_spec(const std::string& name, const std::string& text) {
  auto dir = test::temp_dir(name);
  std::ofstream(dir / "dosefind.toml") << text;
  return (dir / "dosefind.toml").string();
}

const std::string kShapes = "[[shapes]]\nmodel = \"emax\"\ned50 = 1\n[[shapes]]\nmodel = \"linear\"\n";

TEST(DoseFind, SpecErrorsAreLocated) {
  const std::string trial = test::src("trials/fm/dose-arms.toml");
  auto expect = [](const std::string& path, const std::string& what) {
    try {
      science::load_dosefind_spec(path);
      ADD_FAILURE() << "no error for " << what;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect(write_spec("df1", "[dosefind]\ntrial = \"" + trial + "\"\nn_per_arm = [10]\nworld = 3\n" + kShapes),
         "dosefind.toml:4:1: dosefind.world: unknown key (did you mean 'worlds'?)");
  expect(write_spec("df2", "[dosefind]\ntrial = \"" + trial + "\"\nn_per_arm = [20, 10]\n" + kShapes), "dosefind.n_per_arm[1]");
  expect(write_spec("df3", "[dosefind]\ntrial = \"" + trial + "\"\nn_per_arm = [10]\n[[shapes]]\nmodel = \"emax\"\n"),
         "shapes[0].ed50: missing");
  expect(write_spec("df4", "[dosefind]\ntrial = \"" + trial + "\"\nn_per_arm = [10]\ntarget = 1.5\n" + kShapes), "dosefind.target");
}

TEST(DoseFind, ATrialWithoutResponderEndpointsIsRefused) {
  test::register_all();
  // fm-b has one LDN arm and a continuous endpoint: no dose arms to compare.
  const std::string path = write_spec("df5", "[dosefind]\ntrial = \"" + test::src("trials/fm/fm-b.toml") +
                                                 "\"\nn_per_arm = [10]\nworlds = 2\ncritical_draws = 1000\n" + kShapes);
  try {
    science::run_dosefind(science::load_dosefind_spec(path), {});
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("fm-b.toml"), std::string::npos) << m;
    EXPECT_NE(m.find("dose"), std::string::npos) << m;
  }
}

TEST(DoseFind, SmallRunIsConsistentAndRepeats) {
  test::register_all();
  const std::string path = write_spec("df6", "[dosefind]\ntrial = \"" + test::src("trials/fm/dose-arms.toml") +
                                                 "\"\nn_per_arm = [15, 20]\nworlds = 3\nseed = 5\nnominal_replicates = 2\n"
                                                 "critical_draws = 2000\n" + kShapes);
  const auto spec = science::load_dosefind_spec(path);
  science::DoseFindOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const auto a = science::run_dosefind(spec, one);
  const auto b = science::run_dosefind(spec, two);
  ASSERT_EQ(a.arms.size(), 6u);
  EXPECT_EQ(a.arms[0], "placebo");
  for (std::size_t i = 1; i < a.doses_mg.size(); ++i) EXPECT_GT(a.doses_mg[i], a.doses_mg[i - 1]);
  ASSERT_EQ(a.worlds.size(), 3u);
  for (std::size_t w = 0; w < 3; ++w) {
    EXPECT_EQ(a.worlds[w].responders, b.worlds[w].responders);
    EXPECT_EQ(a.worlds[w].evaluable, b.worlds[w].evaluable);
    EXPECT_EQ(a.worlds[w].significant, b.worlds[w].significant);
    long all = 0;
    for (std::size_t i = 0; i < 6; ++i) {
      EXPECT_GT(a.worlds[w].evaluable[i], 0);
      EXPECT_LE(a.worlds[w].responders[i], a.worlds[w].evaluable[i]);
      all += a.worlds[w].evaluable[i];
    }
    // Pooled over the two sizes: at most 6 x (15 + 20) completers (simple randomisation: arms
    // differ); withdrawal is about 11% by week 12, so well over half complete.
    EXPECT_LE(all, 210);
    EXPECT_GT(all, 105);
  }
  ASSERT_EQ(a.points.size(), 2u);
  EXPECT_EQ(a.points[1].n_per_arm, 20);
  EXPECT_EQ(a.points[0].trials_failed + a.points[1].trials_failed, 0);
  EXPECT_GE(a.points[0].power, 0.0);
  EXPECT_DOUBLE_EQ(a.ed_below + a.ed_within + a.ed_above, 1.0);
  EXPECT_EQ(a.critical_value, b.critical_value);
}

TEST(DoseFind, CommandWritesJsonAndLocatesErrors) {
  const std::string path = write_spec("df7", "[dosefind]\ntrial = \"" + test::src("trials/fm/dose-arms.toml") +
                                                 "\"\nn_per_arm = [15]\nworlds = 3\nseed = 5\ncritical_draws = 2000\n" + kShapes);
  auto run = test::ldnsim("dosefind " + path + " --json --threads 2 -q", false);
  ASSERT_EQ(run.status, 0) << run.out;
  auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["command"], "dosefind");
  ASSERT_EQ(j["results"]["arms"].size(), 6u);
  EXPECT_EQ(j["results"]["arms"][5]["dose_mg"], 6.0);
  EXPECT_EQ(j["results"]["worlds"].size(), 3u);
  EXPECT_EQ(j["results"]["points"][0]["n_per_arm"], 15);
  EXPECT_TRUE(j["results"]["points"][0]["power"].is_null());  // nominal_replicates = 0
  const auto& td = j["results"]["target_dose"];
  EXPECT_NEAR(td["share_below"].get<double>() + td["share_within"].get<double>() + td["share_above"].get<double>(), 1.0, 1e-12);
  // A bad key: exit 2 and the location.
  const std::string bad = write_spec("df8", "[dosefind]\ntrial = \"" + test::src("trials/fm/dose-arms.toml") +
                                                "\"\nn_per_arm = [15]\nalpha = 0.7\n" + kShapes);
  run = test::ldnsim("dosefind " + bad + " -q");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("dosefind.toml:4:9: dosefind.alpha"), std::string::npos) << run.out;
  run = test::ldnsim("dosefind " + path + " --worlds 1 -q");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("--worlds"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace ldnsim
