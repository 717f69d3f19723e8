// Natural history that transports (issue 9, item 4): relapse history at entry conditions
// each virtual patient's relapse tendency (checked against the negative-binomial
// arithmetic, computed here independently of the model file's unrolled sums), and the
// between-trial variation of placebo arms with its leave-one-out check (checked against
// hand arithmetic and an independent two-arm posterior).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "ldnsim/lang/model.hpp"
#include "ldnsim/science/natural_history.hpp"
#include "ldnsim/science/reproduce.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

using science::ArmOutcome;
using science::Observation;

double patient_value(const std::string& name) {
  test::register_all();
  static lang::ModelPtr m = lang::load_model(test::src("models/ms/patient.ldn"));
  const int i = m->parameter_index(name);
  EXPECT_GE(i, 0) << name;
  return *m->parameters()[static_cast<std::size_t>(i)].value;
}

// ---- relapse history ----------------------------------------------------------------------

// Mean relapses over two years of `n` virtual RRMS patients (age 37, no DMT) with extra
// covariate columns `cols` = `values`.
double mean_relapses(int n, const std::string& cols, const std::string& values, unsigned seed) {
  auto d = test::temp_dir("history");
  {
    std::ofstream f(d / "data.csv");
    f << "ID,TIME,BLINDED" << (cols.empty() ? "" : "," + cols) << "\n";
    for (int i = 1; i <= n; ++i)
      for (int t : {0, 730}) f << i << "," << t << ",1" << (values.empty() ? "" : "," + values) << "\n";
  }
  test::Run r = test::ldnsim("simulate models/ms/patient.ldn --data " + (d / "data.csv").string() + " --seed " + std::to_string(seed) +
                             " --out - --columns ID,TIME,NREL -q");
  std::filesystem::remove_all(d);
  EXPECT_EQ(r.status, 0) << r.out;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  double sum = 0;
  int count = 0;
  while (std::getline(in, line)) {
    double id, t, nrel;
    char c1, c2;
    std::istringstream row(line);
    if (row >> id >> c1 >> t >> c2 >> nrel && t == 730) {
      sum += nrel;
      ++count;
    }
  }
  EXPECT_EQ(count, n);
  return sum / count;
}

// E[(a + N) / (a + L)] over the two-year history N ~ NB(shape a, mean L) of patients who
// pass ">= e1 relapses in the past year or >= e2 in two years" (past-year relapses given
// N binomial with p = 1/2): the mean relapse multiplier of the selected patients.
double selected_multiplier(double a, double L, int e1, int e2) {
  double num = 0, den = 0;
  const double q = L / (a + L);
  double p = std::pow(a / (a + L), a);
  for (int n = 0; n < 60; ++n) {
    if (n > 0) p *= (a + n - 1) / n * q;
    double pass = 1;
    if (n < e2) {
      double below = 0;  // P(N1 < e1 | n)
      double c = 1;      // C(n, j)
      for (int j = 0; j < e1 && j <= n; ++j) {
        below += c * std::pow(0.5, n);
        c = c * (n - j) / (j + 1);
      }
      pass = 1 - below;
    }
    num += p * pass * (a + n) / (a + L);
    den += p * pass;
  }
  return num / den;
}

TEST(RelapseHistory, TheEntryCriterionSelectsPatientsWhoRelapseMoreAsTheNegativeBinomialSays) {
  // ARR_RR is the rate of a population selected by the usual criterion; the unselected rate
  // solves rr = ARR_RR / m(a, 2 ARR_HIST rr) (iterated here to convergence; the model takes
  // three steps).
  const double sel = patient_value("ARR_RR"), frail = patient_value("ARR_FRAIL"), hist = patient_value("ARR_HIST");
  const double a = 1 / (std::exp(frail * frail) - 1);
  double rr = sel;
  for (int i = 0; i < 60; ++i) rr = sel / selected_multiplier(a, 2 * hist * rr, 1, 2);
  EXPECT_LT(rr, sel);
  const double L = 2 * hist * rr;
  const int n = 8000;
  const double none = mean_relapses(n, "", "", 11);
  const double entry = mean_relapses(n, "ENTRY1,ENTRY2", "1,2", 11);
  const double known = mean_relapses(n, "REL1,REL2", "2,3", 11);
  // The unselected mean is 2 ARR_RR; the relapse count's SD is about 1.1, so the mean of
  // 8,000 has an SE of about 0.012: 4 SE (the criterion moves the mean by about 0.17).
  EXPECT_NEAR(none, 2 * rr, 0.05);
  const double m = selected_multiplier(a, L, 1, 2);
  EXPECT_GT(m, 1.1);  // regression to the mean is real but partial
  EXPECT_NEAR(entry, 2 * rr * m, 0.055) << "selected multiplier " << m;
  EXPECT_NEAR(2 * rr * m, 2 * sel, 1e-3);  // the criterion gives back the fitted placebo rate
  // A known history of 3 relapses in two years: posterior mean (a + 3) / (a + L).
  EXPECT_NEAR(known, 2 * rr * (a + 3) / (a + L), 0.07);
  // Only the past year known (REL2 not given): (a + REL1) / (a + L / 2).
  const double year = mean_relapses(n, "REL1", "2", 11);
  EXPECT_NEAR(year, 2 * rr * (a + 2) / (a + L / 2), 0.07);
}

TEST(RelapseHistory, TheHandComputedMultiplierOfTheUsualCriterion) {
  // a = 1/0.3, L = 0.6: P(N = 1..7) = 0.292864, 0.096794, 0.026249, 0.006340, 0.001418,
  // 0.000301, 0.000061; the criterion keeps half of N = 1 and all of N >= 2; weights
  // (a + N) / (a + L) = 1.101695, 1.355932, ... (computed on paper): 0.350573 / 0.277620.
  EXPECT_NEAR(selected_multiplier(1 / 0.3, 0.6, 1, 2), 1.26278, 0.0002);
  // No criterion (>= 0 in the past year): the mean multiplier is 1.
  EXPECT_NEAR(selected_multiplier(2.5, 0.8, 0, 0), 1.0, 1e-12);
}

// ---- reproduce with power's uncertainty mechanism (issue 9, item 3) ----------------------------

TEST(ReproduceUncertainty, EachLevelWidensThePlaceboArrIntervalAndSaysWhatItCovers) {
  test::register_all();
  auto d = test::temp_dir("reproduce-levels");
  std::ofstream(d / "reproduce.toml") << "[[studies]]\nspec = \"" << test::src("trials/natural-history/rrms-placebo.toml")
                                      << "\"\nlabel = \"RRMS\"\nrole = \"calibration\"\n\n[[rows]]\nstudy = \""
                                      << test::src("trials/natural-history/rrms-placebo.toml")
                                      << "\"\nendpoint = \"ARR\"\nlabel = \"ARR\"\npublished = 0.39\ngrade = \"C\"\nrole = \"fitted\"\n";
  const auto spec = science::load_reproduce_spec((d / "reproduce.toml").string());
  auto run = [&](std::optional<science::UncertaintyLevel> level) {
    science::ReproduceOptions o;
    o.replicates = 60;
    o.seed = 3;
    o.threads = 2;
    o.uncertainty = level;
    o.worlds = 30;
    o.pharmacology_samples = 10;
    return science::run_reproduce(spec, o);
  };
  // (Without --uncertainty the spec's own: this study asks for no parameter sets, so sampling.)
  const auto sampling = run(std::nullopt), params = run(science::UncertaintyLevel::Parameters),
             all = run(science::UncertaintyLevel::Assumptions);
  EXPECT_EQ(sampling.studies[0].covers, "sampling");
  EXPECT_EQ(params.studies[0].covers, "sampling + parameters (30 parameter sets)");
  EXPECT_EQ(all.studies[0].covers, "sampling + parameters + assumptions (30 parameter sets)");
  auto width = [](const science::ReproduceResult& r) { return r.rows[0].p975 - r.rows[0].p025; };
  // ARR_RR's SE (0.02) adds little to the sampling spread of 418 patients (log-SD about
  // 0.06; 60 replicates leave the width +-15%); between-trial variation (ARR_TAU 0.16)
  // more than doubles it.
  EXPECT_GE(width(params), 0.75 * width(sampling));
  EXPECT_GT(width(all), 1.6 * width(sampling));
  std::filesystem::remove_all(d);
}

// ---- between-trial variation ----------------------------------------------------------------

TEST(BetweenTrial, CochranQAndDerSimonianLairdByHand) {
  // y = 0 and 0.2 with within variance 0.01 each: mu = 0.1, Q = 2 (0.1^2 / 0.01) = 2,
  // c = 200 - 20000 / 200 = 100, tau^2 = (2 - 1) / 100 = 0.01.
  std::vector<Observation> obs = {{"a", 0.0, 0.01}, {"b", 0.2, 0.01}};
  auto f = science::fit_between_trial(obs, 0.5, ArmOutcome::Arr, 0.01);
  EXPECT_NEAR(f.q, 2.0, 1e-12);
  EXPECT_NEAR(f.tau_dl, 0.1, 1e-12);
  EXPECT_NEAR(f.pooled, std::exp(0.1), 1e-9);  // symmetric: mu = 0.1 at any tau
}

TEST(BetweenTrial, TwoArmsPosteriorMatchesAnIndependentIntegral) {
  // With two arms the restricted likelihood of tau is the density of y1 - y2 under
  // N(0, v1 + v2 + 2 tau^2); integrate it here on a finer grid (Simpson) and compare.
  std::vector<Observation> obs = {{"a", std::log(0.40), 0.004}, {"b", std::log(0.30), 0.005}};
  const double tmax = 0.5, d = obs[0].y - obs[1].y;
  auto lik = [&](double t) {
    const double s2 = obs[0].v + obs[1].v + 2 * t * t;
    return std::exp(-0.5 * d * d / s2) / std::sqrt(s2);
  };
  const int m = 20000;
  double total = 0, second = 0;
  for (int i = 0; i <= m; ++i) {
    const double t = tmax * i / m, w = (i == 0 || i == m) ? 1 : (i % 2 ? 4 : 2);
    total += w * lik(t);
    second += w * lik(t) * t * t;
  }
  const double rms = std::sqrt(second / total);
  auto f = science::fit_between_trial(obs, tmax, ArmOutcome::Arr, 0.004);
  EXPECT_NEAR(f.tau_rms, rms, 2e-3);
  // The predicted new arm is centred near the pooled value and covers both arms' spread.
  EXPECT_LT(f.predicted_low, 0.30);
  EXPECT_GT(f.predicted_high, 0.40);
}

TEST(BetweenTrial, OneArmLeavesThePriorAndATinyBoundIsTheFixedEffectInterval) {
  std::vector<Observation> one = {{"a", std::log(0.4), 0.004}};
  auto f = science::fit_between_trial(one, 0.6, ArmOutcome::Arr, 0.004);
  EXPECT_NEAR(f.tau_median, 0.3, 1e-3);             // uniform on 0-0.6
  EXPECT_NEAR(f.tau_rms, 0.6 / std::sqrt(3.0), 1e-3);  // sqrt(E[tau^2]) of that uniform
  // tau fixed near 0: y_new ~ N(log 0.4, 0.004 + 0.004).
  auto g = science::fit_between_trial(one, 1e-9, ArmOutcome::Arr, 0.004);
  const double sd = std::sqrt(0.008);
  EXPECT_NEAR(g.predicted_low, 0.4 * std::exp(-1.959964 * sd), 1e-5);
  EXPECT_NEAR(g.predicted_high, 0.4 * std::exp(1.959964 * sd), 1e-5);
}

TEST(BetweenTrial, PlaceboArmsFileAndTheModelsArrTau) {
  const auto arms = science::load_placebo_arms(test::src("trials/natural-history/placebo-arms.toml"));
  const auto c = science::check_natural_history(arms);
  ASSERT_FALSE(c.fits.empty());
  ASSERT_EQ(c.fits.front().outcome, ArmOutcome::Arr);
  // The model's ARR_TAU is the fitted RMS of tau over the independent arms.
  EXPECT_NEAR(c.model_tau, c.fits.front().tau_rms, 0.005) << "set ARR_TAU in models/ms/patient.ldn";
  // The extension subset is predicted, never used to fit or counted.
  for (const auto& f : c.fits)
    for (const auto& a : f.arms) EXPECT_EQ(a.find("extension"), std::string::npos);
  EXPECT_EQ(c.total, 7u);  // 3 ARR + 2 relapse-free + 2 CDP held out
  std::size_t shown = 0;
  for (const auto& l : c.loo) shown += l.arm.find("not independent") != std::string::npos;
  EXPECT_EQ(shown, 1u);
}

TEST(BetweenTrial, BadFilesAreLocatedErrors) {
  auto d = test::temp_dir("arms");
  auto run = [&](const std::string& body) -> std::string {
    std::ofstream(d / "arms.toml") << body;
    try {
      science::check_natural_history(science::load_placebo_arms((d / "arms.toml").string()));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  const std::string model = "model = \"" + test::src("models/ms/patient.ldn") + "\"\n";
  const std::string head = "[between_trial]\n" + model + "tau_max = 0.5\ntau_max_why = \"test\"\n";
  std::string e = run(head + "[[arms]]\nname = \"A\"\nsource = \"s\"\nn = 100\nyears = 2\narr = 0.4\nindependent = false\n");
  EXPECT_NE(e.find("arms[0].why: missing"), std::string::npos) << e;
  e = run("[between_trial]\n" + model + "tau_max = 0\ntau_max_why = \"x\"\n[[arms]]\nname = \"A\"\nsource = \"s\"\nn = 100\nyears = 2\narr = 0.4\n");
  EXPECT_NE(e.find("arms.toml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("between_trial.tau_max"), std::string::npos) << e;
  e = run(head + "[[arms]]\nname = \"A\"\nsource = \"s\"\nn = 100\nyears = 2\nrelapse_free = 1.2\n");
  EXPECT_NE(e.find("arms[0].relapse_free"), std::string::npos) << e;
  e = run(head + "[[arms]]\nname = \"A\"\nsource = \"s\"\nn = 100\nyears = 2\n");
  EXPECT_NE(e.find("no outcome"), std::string::npos) << e;
  // A model without the between-patient overdispersion the check needs.
  std::ofstream(d / "m.ldn") << "model m\nparam K = 1 unit \"1\" assumption \"x\" range 0 2\nstate X = 0\nd/dt(X) = -K * X\n";
  e = run("[between_trial]\nmodel = \"m.ldn\"\ntau_max = 0.5\ntau_max_why = \"x\"\n[[arms]]\nname = \"A\"\nsource = \"s\"\nn = 100\nyears = 2\narr = 0.4\n");
  EXPECT_NE(e.find("has no parameter ARR_FRAIL"), std::string::npos) << e;
  std::filesystem::remove_all(d);
}

TEST(Docs, BetweenTrialSectionIsCurrent) {
  test::expect_doc_section("docs/clinical.md", "between-trial", "calibrate trials/natural-history/placebo-arms.toml");
}

}  // namespace
}  // namespace ldnsim
