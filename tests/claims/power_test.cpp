// ldnsim power: sample-size ranges, simulated power and assurance against closed-form
// power on a normal endpoint, bad input, determinism, the command.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "ldnsim/core/error.hpp"
#include "ldnsim/lang/instance.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/clinical_uncertainty.hpp"
#include "ldnsim/science/power.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "ldnsim/stats/power.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

TEST(PowerRange, Parsing) {
  auto v = science::parse_sample_sizes("40:400:40");
  ASSERT_EQ(v.size(), 10u);
  EXPECT_EQ(v.front(), 40);
  EXPECT_EQ(v.back(), 400);
  EXPECT_EQ(science::parse_sample_sizes("80,40,80"), (std::vector<long>{40, 80}));
  EXPECT_EQ(science::parse_sample_sizes("10:15:10"), (std::vector<long>{10}));
  auto fails = [](const std::string& s, const std::string& what) {
    try {
      science::parse_sample_sizes(s);
      ADD_FAILURE() << s;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("n " + s), std::string::npos) << e.what();
    }
  };
  fails("400:40:40", "START (400) is above END (40)");
  fails("40:400:0", "STEP must be at least 1");
  fails("0:10:5", "START must be at least 1");
  fails("a:b:c", "not a range of whole numbers");
  fails("40:400", "not a range of whole numbers");
  fails("40,x", "'x' is not a whole number");
  fails("1:100000:1", "more than 200");
}

// A parallel trial on a normal endpoint: change in Y = EFFECT (treated) + N(0, 4^2).
struct NormalTrial {
  std::filesystem::path dir;
  std::string spec;
  NormalTrial(double effect, double se)
      : NormalTrial("param EFFECT = " + std::to_string(effect) + " se " + std::to_string(se) + " role effect fitted source \"test\"") {}
  explicit NormalTrial(const std::string& effect_line) {
    dir = test::temp_dir("power-normal");
    std::string model = test::read(test::src("tests/trial/data/linear.ldn"));
    const std::string from = "param EFFECT = 5 description \"true treatment effect on Y\"";
    model.replace(model.find(from), from.size(), effect_line);
    std::ofstream(dir / "linear.ldn") << model;
    std::ofstream(dir / "population.toml") << test::read(test::src("tests/trial/data/population.toml"));
    std::ofstream(dir / "spec.toml") << R"([trial]
name = "normal"
design = "parallel"
model = "linear.ldn"
population = "population.toml"

[enrollment]
n = 40
allocation = [1, 1]

[[arms]]
name = "LDN"
covariates = { LDN = 1 }

[[arms]]
name = "placebo"
placebo = true
covariates = { LDN = 0 }

[schedule]
duration = "24w"

[[endpoints]]
name = "Y"
output = "Y"
measure = "change"
time = "24w"
analysis = "student_t"
primary = true
)";
    spec = (dir / "spec.toml").string();
  }
};

TEST(PowerSimulated, MatchesClosedFormPower) {
  test::register_all();
  NormalTrial t(3.0, 1.5);
  science::PowerOptions o;
  o.n = {20, 40, 80};
  o.replicates = 400;
  o.draws = 0;
  o.effect_parameters = {"EFFECT"};
  o.better = "higher";
  o.seed = 11;
  o.threads = 2;
  auto r = science::run_power(t.spec, o);
  ASSERT_EQ(r.points.size(), 3u);
  EXPECT_FALSE(r.assurance);
  for (const auto& p : r.points) {
    const double exact = stats::power_two_means(3.0, 4.0, p.n / 2.0, 0.05, stats::PowerMethod::T);
    const double se = std::sqrt(exact * (1 - exact) / 400.0);
    EXPECT_NEAR(p.power, exact, 4 * se) << "n = " << p.n;
    EXPECT_NEAR(p.median_estimate, 3.0, 0.5);
  }
  // 80% power: R power.t.test(delta = 3, sd = 4, power = .8)$n = 28.9 per group -> 58 in total
  const double n80 = 2 * stats::sample_size_two_means(3.0, 4.0, 0.8, 0.05, stats::PowerMethod::T);
  EXPECT_EQ(r.n80_power, 80);  // the grid point after 58
  EXPECT_NEAR(r.n80_power_interpolated, n80, 12);
}

TEST(PowerSimulated, AssuranceMatchesIntegratedPower) {
  test::register_all();
  NormalTrial t(2.0, 1.5);
  science::PowerOptions o;
  o.n = {40};
  o.replicates = 100;
  o.draws = 300;
  o.draw_replicates = 4;
  o.effect_parameters = {"EFFECT"};
  o.better = "higher";
  o.seed = 5;
  o.threads = 2;
  auto r = science::run_power(t.spec, o);
  ASSERT_TRUE(r.assurance);
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0].distribution, "normal");
  EXPECT_DOUBLE_EQ(r.effects[0].se, 1.5);
  // E over theta ~ N(2, 1.5^2) of P(significant and positive): the t-test's power for theta > 0
  // (power_two_means ignores the wrong direction), the normal tail for theta < 0.
  double a = 0, w = 0;
  for (int i = -4000; i <= 4000; ++i) {
    const double z = i / 1000.0, theta = 2.0 + 1.5 * z, dens = std::exp(-z * z / 2);
    const double se = 4.0 * std::sqrt(2.0 / 20.0);
    const double p = theta > 0 ? stats::power_two_means(theta, 4.0, 20, 0.05, stats::PowerMethod::T)
                               : stats::normal_cdf(theta / se - 1.959963984540054);
    a += p * dens;
    w += dens;
  }
  a /= w;
  const auto& pt = r.points[0];
  EXPECT_NEAR(pt.assurance, a, 0.08) << "analytic " << a;
  EXPECT_LT(pt.assurance_low, a);
  EXPECT_GT(pt.assurance_high, a);
  // power at the point estimate, for contrast: the power curve is convex there, so the
  // uncertainty raises the average
  EXPECT_NEAR(pt.power, stats::power_two_means(2.0, 4.0, 20, 0.05, stats::PowerMethod::T), 0.15);
}

// An effect its targets do not identify (a null without numbers) is drawn over its prior
// range for assurance, flagged as not identified, and power at its value is not presented
// as power at a measured (nil) effect (issue 9).
TEST(PowerSimulated, AnUnidentifiedEffectIsDrawnOverItsPriorRangeAndSaidSo) {
  test::register_all();
  NormalTrial t("param EFFECT = 0 range -3 3 role effect fitted unidentified source \"test: a null without numbers\"");
  science::PowerOptions o;
  o.n = {40};
  o.replicates = 20;
  o.draws = 8;
  o.draw_replicates = 2;
  o.effect_parameters = {"EFFECT"};
  o.better = "higher";
  o.threads = 2;
  auto r = science::run_power(t.spec, o);
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_FALSE(r.effects[0].identified);
  EXPECT_EQ(r.effects[0].distribution, "uniform");
  EXPECT_EQ(r.effects[0].low, -3);
  EXPECT_EQ(r.effects[0].high, 3);
  EXPECT_TRUE(r.assurance);
  auto cli = test::ldnsim("power " + t.spec + " --n 40 --replicates 20 --draws 4 --draw-replicates 2 --effect EFFECT -q", false);
  ASSERT_EQ(cli.status, 0) << cli.out;
  EXPECT_NE(cli.out.find("EFFECT is not identified by its calibration targets"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("(not identified: its prior range)"), std::string::npos) << cli.out;
  auto js = test::ldnsim("power " + t.spec + " --n 40 --replicates 20 --draws 4 --draw-replicates 2 --effect EFFECT -q --json", false);
  ASSERT_EQ(js.status, 0) << js.out;
  EXPECT_FALSE(nlohmann::json::parse(js.out)["results"]["effects"][0]["identified"].get<bool>());
}

TEST(PowerSimulated, ZeroEffectGivesTheFalsePositiveRate) {
  test::register_all();
  NormalTrial t(3.0, 1.5);
  science::PowerOptions o;
  o.n = {60};
  o.replicates = 400;
  o.effect_from = "zero";
  o.effect_parameters = {"EFFECT"};
  o.better = "higher";
  auto r = science::run_power(t.spec, o);
  EXPECT_FALSE(r.assurance);
  EXPECT_LT(r.points[0].power, 0.065);  // one-sided share of a 5% two-sided test: 2.5%
  EXPECT_NEAR(r.points[0].median_estimate, 0, 0.5);
  o.better = "any";
  auto any = science::run_power(t.spec, o);
  EXPECT_NEAR(any.points[0].power, 0.05, 4 * std::sqrt(0.05 * 0.95 / 400));
}

TEST(PowerSimulated, BadInputAndDeterminism) {
  test::register_all();
  NormalTrial t(3.0, 1.5);
  science::PowerOptions o;
  o.n = {2, 40};
  o.replicates = 20;
  o.effect_parameters = {"EFFECT"};
  try {
    science::run_power(t.spec, o);
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("below the design's minimum of 4"), std::string::npos) << e.what();
  }
  o.n = {40};
  o.endpoint = "nope";
  EXPECT_THROW(science::run_power(t.spec, o), UsageError);
  o.endpoint = "";
  o.effect_parameters = {"NO_SUCH"};
  EXPECT_THROW(science::run_power(t.spec, o), UsageError);
  o.effect_parameters = {"EFFECT"};
  o.draws = 6;
  o.draw_replicates = 2;
  o.threads = 1;
  auto a = science::run_power(t.spec, o);
  o.threads = 2;
  auto b = science::run_power(t.spec, o);
  EXPECT_EQ(a.points[0].successes, b.points[0].successes);
  EXPECT_EQ(a.points[0].assurance, b.points[0].assurance);
  EXPECT_EQ(a.points[0].median_estimate, b.points[0].median_estimate);
}

// The joint draws (issue 9, item 3): each level draws what it says, from the model file's
// roles; the lymphocyte change comes from the pharmacology's band and has draws on both
// sides of zero (LDN raising proliferation, hence relapses); the between-trial term.
TEST(PowerUncertainty, LevelsDrawWhatTheySay) {
  test::register_all();
  const lang::ModelInstance base(lang::load_model(test::src("models/ms/patient.ldn")));
  const std::vector<std::string> keep = {"BIMM", "EFF_MENT"};
  auto none = science::plan_draws(base, science::UncertaintyLevel::Sampling, keep, 40, 1, 2);
  EXPECT_TRUE(none.parameters.empty());
  EXPECT_FALSE(none.lymphocytes);
  EXPECT_EQ(none.covers, "sampling");
  auto fitted = science::plan_draws(base, science::UncertaintyLevel::Parameters, keep, 40, 1, 2);
  std::set<std::string> expect_fitted;
  for (const auto& q : base.model().parameters())
    if (q.has(lang::Role::Fitted) && q.name != "EFF_MENT" && (q.se || q.has(lang::Role::Unidentified))) expect_fitted.insert(q.name);
  std::set<std::string> got;
  for (const auto& d : fitted.parameters) got.insert(d.name);
  EXPECT_EQ(got, expect_fitted);
  EXPECT_TRUE(got.count("ARR_RR") && got.count("EFF_FAT"));
  EXPECT_FALSE(fitted.lymphocytes);
  EXPECT_FALSE(fitted.heterogeneity);
  EXPECT_EQ(fitted.covers, "sampling + parameters");
  auto all = science::plan_draws(base, science::UncertaintyLevel::Assumptions, keep, 40, 1, 2);
  got.clear();
  for (const auto& d : all.parameters) got.insert(d.name);
  EXPECT_TRUE(got.count("THIMM") && got.count("BPROG") && got.count("ARR_RR"));
  EXPECT_FALSE(got.count("BIMM") || got.count("EFF_MENT") || got.count("LDN") || got.count("PROLX"));
  for (const auto& d : all.parameters)
    if (d.name == "THIMM") {
      EXPECT_EQ(d.distribution, "uniform");
      EXPECT_DOUBLE_EQ(d.low, 7);
      EXPECT_DOUBLE_EQ(d.high, 60);
    }
  ASSERT_TRUE(all.lymphocytes);
  EXPECT_LT(all.change_typical, 0);  // LDN restrains proliferation at the typical values
  EXPECT_LT(all.change_low, all.change_typical);
  EXPECT_GT(all.change_high, 0);     // but the band reaches a rise
  EXPECT_LT(*std::min_element(all.prolx.begin(), all.prolx.end()), 0);
  EXPECT_GT(*std::max_element(all.prolx.begin(), all.prolx.end()), 1);
  EXPECT_TRUE(all.heterogeneity);
  EXPECT_DOUBLE_EQ(all.tau, base.get("ARR_TAU"));
  // draws are a function of (seed, draw)
  lang::ModelInstance a = base, b = base, c = base;
  science::apply_draw(all, 3, 9, a);
  science::apply_draw(all, 3, 9, b);
  science::apply_draw(all, 4, 9, c);
  EXPECT_EQ(std::vector<double>(a.values().begin(), a.values().end()), std::vector<double>(b.values().begin(), b.values().end()));
  EXPECT_NE(a.get("THIMM"), c.get("THIMM"));
  EXPECT_GE(a.get("THIMM"), 7);
  EXPECT_LE(a.get("THIMM"), 60);
}

// The between-trial term keeps the mean placebo rate: E[exp(tau z - tau^2/2)] = 1, and the
// log multiplier has SD tau (lognormal moments).
TEST(PowerUncertainty, BetweenTrialTermHasMeanOne) {
  const lang::ModelInstance base(lang::load_model(test::src("models/ms/patient.ldn")));
  science::DrawPlan plan;
  plan.level = science::UncertaintyLevel::Assumptions;
  plan.heterogeneity = true;
  plan.tau = 0.3;
  const int n = 4000;
  double sum = 0, sl = 0, sl2 = 0;
  for (int k = 0; k < n; ++k) {
    lang::ModelInstance d = base;
    science::apply_draw(plan, static_cast<std::size_t>(k), 17, d);
    const double r = d.get("ARR_RR") / base.get("ARR_RR");
    sum += r;
    sl += std::log(r);
    sl2 += std::log(r) * std::log(r);
  }
  const double mean = sum / n, sd = std::sqrt(sl2 / n - (sl / n) * (sl / n));
  EXPECT_NEAR(mean, 1.0, 4 * std::sqrt(std::expm1(0.09) / n));
  EXPECT_NEAR(sd, 0.3, 4 * 0.3 / std::sqrt(2.0 * n));
}

// The estimates of a calibration stage are drawn jointly: with the correlation calibrate
// wrote beside the model (MODEL.fit.toml), the sample correlation of 4000 draws is that
// correlation (SE of r about (1 - r^2) / sqrt(n) = 0.006), each marginal keeps its SE, and
// a parameter outside the block stays independent.
TEST(PowerUncertainty, FittedEstimatesOfAStageAreDrawnJointly) {
  test::register_all();
  NormalTrial t("param EFFECT = 2 se 1 role effect fitted source \"test\"\n"
                "param A = 1 se 0.1 range 0 2 role fitted source \"fitted by test\"\n"
                "param B = 5 se 0.5 range 0 10 role fitted source \"fitted by test\"\n"
                "param C = 3 se 0.2 range 0 6 role fitted source \"fitted by test\"");
  science::CalibrationResult fit;
  fit.correlations.push_back({"stage", {"A", "B"}, {{1, -0.8}, {-0.8, 1}}});
  const std::string file = science::fit_correlations_file((t.dir / "linear.ldn").string());
  EXPECT_EQ(std::filesystem::path(file).filename(), "linear.fit.toml");
  std::ofstream(file) << science::write_fit_correlations("", fit, "spec.toml");
  const lang::ModelInstance base(lang::load_model((t.dir / "linear.ldn").string()));
  auto plan = science::plan_draws(base, science::UncertaintyLevel::Parameters, {"EFFECT"}, 10, 1, 1);
  ASSERT_EQ(plan.blocks.size(), 1u);
  const int n = 4000;
  double sa = 0, sb = 0, sc = 0, saa = 0, sbb = 0, sab = 0, sac = 0, scc = 0;
  for (int k = 0; k < n; ++k) {
    lang::ModelInstance d = base;
    science::apply_draw(plan, static_cast<std::size_t>(k), 5, d);
    const double a = d.get("A"), b = d.get("B"), c = d.get("C");
    sa += a, sb += b, sc += c, saa += a * a, sbb += b * b, scc += c * c, sab += a * b, sac += a * c;
  }
  auto cov = [&](double sxy, double sx, double sy) { return sxy / n - (sx / n) * (sy / n); };
  const double va = cov(saa, sa, sa), vb = cov(sbb, sb, sb), vc = cov(scc, sc, sc);
  EXPECT_NEAR(cov(sab, sa, sb) / std::sqrt(va * vb), -0.8, 0.03);
  EXPECT_NEAR(cov(sac, sa, sc) / std::sqrt(va * vc), 0.0, 0.06);
  EXPECT_NEAR(std::sqrt(va), 0.1, 0.1 * 4 / std::sqrt(2.0 * n));
  EXPECT_NEAR(std::sqrt(vb), 0.5, 0.5 * 4 / std::sqrt(2.0 * n));
  // Rewriting for the same spec replaces its entries and keeps another spec's.
  science::CalibrationResult other;
  other.correlations.push_back({"s2", {"B", "C"}, {{1, 0.3}, {0.3, 1}}});
  std::string text = science::write_fit_correlations(science::write_fit_correlations("", fit, "spec.toml"), other, "other.toml");
  fit.correlations[0].r = {{1, 0.5}, {0.5, 1}};
  text = science::write_fit_correlations(text, fit, "spec.toml");
  std::ofstream(file) << text;
  auto back = science::read_fit_correlations(file);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].names, (std::vector<std::string>{"B", "C"}));
  EXPECT_DOUBLE_EQ(back[1].r[0][1], 0.5);
  // A malformed file is a located error.
  std::ofstream(file) << "[[fits]]\nspec = \"x\"\nstage = \"s\"\nparameters = [\"A\", \"B\"]\ncorrelation = [[1, 2], [2, 1]]\n";
  try {
    science::read_fit_correlations(file);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("linear.fit.toml:5:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fits[0].correlation"), std::string::npos) << e.what();
  }
}

// Bad input: a between-trial term on a parameter the model lacks, an unknown level.
TEST(PowerUncertainty, BadInput) {
  test::register_all();
  NormalTrial t("param EFFECT = 2 se 1 role effect fitted source \"test\"\nparam ARR_TAU = 0.1 range 0 0.3 role assumption assumption \"test\"");
  const lang::ModelInstance m(lang::load_model((t.dir / "linear.ldn").string()));
  try {
    science::plan_draws(m, science::UncertaintyLevel::Assumptions, {}, 10, 1, 1);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("linear.ldn"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ARR_TAU is a between-trial term on ARR_RR"), std::string::npos) << e.what();
  }
  science::PowerOptions o;
  o.n = {20};
  o.replicates = 10;
  o.uncertainty = "everything";
  EXPECT_THROW(science::run_power(t.spec, o), UsageError);
  EXPECT_THROW(science::parse_uncertainty_level("everything"), UsageError);
}

TEST(PowerCommand, ErrorsAndJson) {
  NormalTrial t(3.0, 1.5);
  auto d = test::temp_dir("power-cli");
  const std::string report = (d / "p.html").string();
  auto r = test::ldnsim("power " + t.spec + " --n 400:40:40 --report " + report + " -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--n 400:40:40: START (400) is above END (40)"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(report));
  r = test::ldnsim("power " + t.spec + " --n 1:10:1 -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("below the design's minimum"), std::string::npos) << r.out;
  r = test::ldnsim("power " + t.spec + " --n forty -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--n forty"), std::string::npos) << r.out;
  r = test::ldnsim("power " + t.spec + " --better sideways -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--better sideways"), std::string::npos) << r.out;
  r = test::ldnsim("power " + t.spec + " --set EFFECT=big -q");
  EXPECT_EQ(r.status, 2);
  r = test::ldnsim("power " + t.spec + " --n 20:60:40 --replicates 20 --draws 4 --draw-replicates 2 --effect EFFECT --better higher -q --json",
                   false);
  ASSERT_EQ(r.status, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["command"], "power");
  ASSERT_EQ(j["results"]["points"].size(), 2u);
  EXPECT_EQ(j["results"]["points"][0]["n"], 20);
  EXPECT_EQ(j["results"]["effects"][0]["name"], "EFFECT");
  EXPECT_TRUE(j["results"]["assurance_computed"].get<bool>());
}

}  // namespace
}  // namespace ldnsim
