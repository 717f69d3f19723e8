// The LDN models against their references: the published calibration targets
// (../shared/science/targets.csv, pharmacology.md), arithmetic (dose linearity, salt/base,
// steady state) and the mouse sign switch.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "common.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/science/calibration.hpp"
#include "ldnsim/science/uncertainty.hpp"
#include "ldnsim/science/weighted_samples.hpp"

using namespace ldnsim;
using namespace ldnsim::science;
using ldnsim::test::model;

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

double number_or_nan(const std::string& s) { return s.empty() ? NAN : std::stod(s); }

// Half a unit of the last digit a published number is given to (13 -> 0.5, 17.2 -> 0.05):
// a value that rounds to the bound at that precision is inside it.
double half_unit(double x) {
  double unit = 1;
  for (int d = 0; d < 6 && std::fabs(x / unit - std::round(x / unit)) > 1e-9; ++d) unit /= 10;
  return unit / 2;
}

// Index of a human calibration target by id.
std::size_t target_index(const std::string& id) {
  const auto& t = targets_of(model("human")).targets;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t[i].id == id) return i;
  ADD_FAILURE() << "no human target " << id;
  return 0;
}

double auc(const Series& s, int k) {
  double a = 0;
  for (std::size_t i = 0; i + 1 < s.t.size(); ++i) a += 0.5 * (s.y[k][i] + s.y[k][i + 1]) * (s.t[i + 1] - s.t[i]);
  return a;
}

}  // namespace

// The targets the code fits and tests are those of targets.csv, value for value.
TEST(Targets, MatchTheSharedTable) {
  const std::string path = std::string(LDNSIM_SHARED_DIR) + "/science/targets.csv";
  std::string text = test::read_file(path);
  if (text.empty()) GTEST_SKIP() << path << " not found";
  std::map<std::string, std::vector<std::string>> rows;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    auto f = split(line, ',');
    if (f.size() >= 7) rows[f[0]] = f;
  }
  for (const Target& t : targets_of(model("human")).targets) {
    if (!rows.count(t.id)) {
      // Not a row of the shared table: the target names its line in the notes and its grade.
      EXPECT_NE(t.source.find("pharmacology.md"), std::string::npos) << t.id << " is not in targets.csv";
      EXPECT_NE(t.source.find("grade"), std::string::npos) << t.id;
      continue;
    }
    const auto& f = rows[t.id];
    EXPECT_DOUBLE_EQ(std::stod(f[3]), t.value) << t.id;
    double lo = number_or_nan(f[4]), hi = number_or_nan(f[5]);
    if (std::isnan(lo)) EXPECT_TRUE(std::isnan(t.low)) << t.id;
    else EXPECT_DOUBLE_EQ(lo, t.low) << t.id;
    if (std::isnan(hi)) EXPECT_TRUE(std::isnan(t.high)) << t.id;
    else EXPECT_DOUBLE_EQ(hi, t.high) << t.id;
    EXPECT_EQ(f[6], t.unit) << t.id;
  }
}

// Each calibration target: inside its range where one exists; otherwise within the
// family-wise 95% bound of the data's spread: 18 targets tested together, two-sided,
// Bonferroni: |z| <= 2.99 (z in units of the spread sigma given with each target).
TEST(Calibration, HumanTargetsWithinTheirSpread) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  auto v = evaluate_targets(sim, p);
  const auto& t = targets_of(model("human")).targets;
  ASSERT_EQ(v.size(), t.size());
  ASSERT_EQ(t.size(), 18u);  // the bound below is for 18 targets: Phi^-1(1 - 0.05/36) = 2.99
  for (std::size_t i = 0; i < t.size(); ++i) {
    Evaluated e{t[i], v[i]};
    // A range of study means bounds the value; the occupancy ranges (occ-5mg 43-58,
    // occ-50mg 92-98) span 2-3 single scans and are judged by z alone.
    const bool scans = t[i].sigma_why.find("scans") != std::string::npos;
    if (!std::isnan(t[i].low) && !std::isnan(t[i].high) && !scans) {
      EXPECT_GE(v[i], t[i].low - half_unit(t[i].low)) << t[i].id;
      EXPECT_LE(v[i], t[i].high + half_unit(t[i].high)) << t[i].id;
    }
    EXPECT_LE(std::fabs(e.z()), 2.99) << t[i].id << ": model " << v[i] << " vs " << t[i].value;
  }
}

// Lee 1988: the half-time of brain MOR blockade after 50 mg lies in 72-108 h (5 subjects),
// and the Swiss label: 70-80% still blocked at 48 h. The loss is a decline from the first
// scan: blockade at 1 h is at least that at 48 h (the old model had 17% at 1 h, which made
// its regression half-time 86 h although its blockade fell with a 34-h half-time after 48 h).
TEST(Calibration, BlockadeHalfTimeAfter50mg) {
  Simulator sim(model("human"));
  auto v = evaluate_targets(sim, model("human").typical());
  EXPECT_GE(v[target_index("occ-50mg-halftime")], 72);
  EXPECT_LE(v[target_index("occ-50mg-halftime")], 108);
  EXPECT_GE(v[target_index("occ-50mg-48h")], 70);
  EXPECT_LE(v[target_index("occ-50mg-48h")], 80);
  EXPECT_GE(v[target_index("occ-50mg-1h")], v[target_index("occ-50mg-48h")]);
}

// PK targets individually, with the published numbers written out (pharmacology.md 2.1-2.3).
TEST(Calibration, FiftyMilligramPharmacokinetics) {
  Simulator sim(model("human"));
  Series s = sim.single_dose(model("human").typical(), 50, true, 72, 0.01);
  CycleMetrics m = summarise(s, 0, 72);
  EXPECT_GE(m.cmax_cp, 13.3);  // Swiss label mean 13.3; Chinese BE 16.6-17.2
  EXPECT_LE(m.cmax_cp, 17.2);
  EXPECT_GE(m.tmax_cp, 0.8);  // labels <= 1 h; BE 0.81-1.09 h
  EXPECT_LE(m.tmax_cp, 1.1);
  // 6-beta-naltrexol Cmax ~108 ng/mL (label mean, no spread given): within 10%, the
  // between-study spread of naltrexone Cmax means.
  EXPECT_NEAR(m.cmax_cm, 108, 10.8);
  // Its Tmax: "~1 h" (FDA and Swiss labels), read to the hour. The old one-compartment
  // metabolite, formed at Licko's absorption rate, peaked at 4.2 h.
  EXPECT_GE(m.tmax_cm, 0.5);
  EXPECT_LE(m.tmax_cm, 1.5);
  // Terminal half-life (slope of log CM over 24-72 h): inside 7.6 h (Chinese BE) - 13 h
  // (labels), with 0.5 h for the parent still feeding it at 24 h.
  double c24 = 0, c72 = s.y[CM].back();
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (std::fabs(s.t[i] - 24) < 1e-9) c24 = s.y[CM][i];
  double thalf = 48 * std::log(2.0) / std::log(c24 / c72);
  EXPECT_GE(thalf, 7.6);
  EXPECT_LE(thalf, 13.5);
}

// 6-beta-naltrexol exposure relative to naltrexone (pharmacology.md 2.3). The ratio of the
// mean concentrations over a steady-state interval equals the ratio of the AUCs to infinity
// after one dose (superposition, linear PK): checked here against a 20-day integral, an
// independent computation. The steady-state ratio must lie in the notes' 10-30 (the old
// model: 40) and the single-dose AUC ratio in 19-41 (our arithmetic on the labels).
TEST(Metabolite, ExposureRatioToNaltrexone) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  Series one = sim.single_dose(p, 50, true, 480, 0.02);
  const double ratio_inf = auc(one, CM) / auc(one, CP);
  Regimen daily;
  daily.dose_mg = 50;
  Series ss = sim.regimen(p, daily, 0.01);
  const double ratio_ss = auc(ss, CM) / auc(ss, CP);
  EXPECT_NEAR(ratio_ss, ratio_inf, 1e-3 * ratio_inf);
  auto v = evaluate_targets(sim, p);
  EXPECT_NEAR(v[target_index("met-ratio-ss")], ratio_ss, 1e-3 * ratio_ss);
  EXPECT_GE(ratio_ss, 10);
  EXPECT_LE(ratio_ss, 30);
  EXPECT_GE(v[target_index("met-auc-ratio-50mg")], 19);
  EXPECT_LE(v[target_index("met-auc-ratio-50mg")], 41);
}

// The PET occupancies at 2-15 mg were measured within 8 h of the dose and read as peaks:
// after one low dose the model's occupancy must peak inside that window (the old model
// peaked 19-21 h after 1.5-4.5 mg, through slow receptor binding fed by the metabolite).
TEST(Receptor, SingleLowDosePeaksWithinThePetWindow) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  for (double dose : {1.5, 2.0, 3.0, 4.5}) {
    Series s = sim.single_dose(p, dose, true, 72, 0.02);
    CycleMetrics m = summarise(s, 0, 72);
    EXPECT_LE(m.tpeak_occ, 8) << dose << " mg";
  }
}

TEST(Calibration, FileHoldsTheFittedValues) {
  // The fitted values in the model files are what `ldnsim calibrate` finds from the
  // targets: a rerun reproduces them to the 6 digits written, or, where the targets are
  // coarse (the mouse's hours of blockade leave a flat valley), to 1% of the parameter's
  // fitted range, the same rule as `ldnsim calibrate --check`.
  for (const char* name : {"human", "mouse"}) {
    const LdnModel& m = model(name);
    FitResult fit = calibrate(m, false);
    auto p = m.typical();
    for (const auto& [param, value] : fit.fitted) {
      const auto& decl = m.model().parameters()[m.param(param)];
      ASSERT_TRUE(decl.low && decl.high) << name << " " << param << " has no fitted range";
      double allowed = std::max(1e-4 * std::fabs(m.get(p, param)), 0.01 * (*decl.high - *decl.low));
      EXPECT_NEAR(value, m.get(p, param), allowed) << name << " " << param;
    }
  }
}

// Local identifiability at the fitted values: per stage, the Jacobian of the two-sided
// targets' z with respect to log(parameter), by central differences. A fitted parameter is
// identified when its local 95% interval (+-1.96 SE of log value, from the inverse of J'J)
// is narrower than the stage's search range. KEO, added to the occupancy stage, is not:
// its interval is wider than its whole prior range (0.03-3/h), which is why it is reported
// as not identified rather than fitted. The old model fitted KEO with KD and KOFF; its
// flat direction gave a point value with a range from refits.
TEST(Calibration, FittedParametersAreIdentifiedAndKeoIsNot) {
  const LdnModel& m = model("human");
  Simulator sim(m);
  const auto p = m.typical();
  const auto& targets = targets_of(model("human")).targets;
  auto se_log = [&](const std::vector<std::string>& names, const std::vector<std::size_t>& stage_targets) {
    std::vector<std::size_t> rows;
    for (std::size_t t : stage_targets)
      if (targets[t].kind == Target::Kind::Equal) rows.push_back(t);
    Eigen::MatrixXd J(static_cast<long>(rows.size()), static_cast<long>(names.size()));
    const double h = 0.01;
    for (std::size_t j = 0; j < names.size(); ++j) {
      auto up = p, dn = p;
      m.set(up, names[j], m.get(p, names[j]) * std::exp(h));
      m.set(dn, names[j], m.get(p, names[j]) * std::exp(-h));
      auto vu = evaluate_targets(sim, up), vd = evaluate_targets(sim, dn);
      for (std::size_t r = 0; r < rows.size(); ++r)
        J(static_cast<long>(r), static_cast<long>(j)) = (vu[rows[r]] - vd[rows[r]]) / (2 * h) / targets[rows[r]].sigma;
    }
    Eigen::MatrixXd cov = (J.transpose() * J).inverse();
    std::vector<double> se;
    for (std::size_t j = 0; j < names.size(); ++j) se.push_back(std::sqrt(cov(static_cast<long>(j), static_cast<long>(j))));
    return se;
  };
  for (const Stage& stage : targets_of(model("human")).stages) {
    auto se = se_log(stage.parameters, stage.targets);
    for (std::size_t j = 0; j < stage.parameters.size(); ++j) {
      const double width = std::log(stage.bounds[j].second / stage.bounds[j].first);
      EXPECT_TRUE(std::isfinite(se[j])) << stage.parameters[j];
      EXPECT_LT(2 * 1.96 * se[j], width) << stage.name << ": " << stage.parameters[j] << " SE(log) " << se[j];
    }
    if (stage.not_identified.empty()) continue;
    auto names = stage.parameters;
    names.insert(names.end(), stage.not_identified.begin(), stage.not_identified.end());
    auto se_all = se_log(names, stage.targets);
    for (std::size_t j = stage.parameters.size(); j < names.size(); ++j) {
      const auto& decl = m.model().parameters()[m.param(names[j])];
      ASSERT_TRUE(decl.low && decl.high) << names[j] << ": a parameter that is not identified needs its prior range";
      EXPECT_GT(2 * 1.96 * se_all[j], std::log(*decl.high / *decl.low)) << names[j] << " SE(log) " << se_all[j];
      EXPECT_TRUE(decl.has(lang::Role::Fitted) && decl.has(lang::Role::Unidentified)) << names[j] << ": role fitted unidentified";
    }
  }
}

TEST(Calibration, RewriteParametersKeepsTheAuthorsLayout) {
  const std::string text =
      "param KA  = 1.23456789 unit \"1/h\" logrange 0.5 2  # absorption\n"
      "param CL  = 20 unit \"L/h\" source \"a # in a string\"\n"
      "param V = 100\n"
      "param VX = 7\n";
  std::string out = rewrite_parameters(text, {{"KA", 1.5}, {"CL", 25.5}, {"V", 120}}, {{1.0, 2.25}, {20, 30}});
  // The value is replaced and padded to keep the columns after it; an existing logrange is
  // replaced, a missing one is added before a trailing comment (CL has none: its '#' is
  // inside a string, so the attribute goes at the end); names are matched whole (V, not VX).
  EXPECT_EQ(out,
            "param KA  = 1.5        unit \"1/h\" logrange 1 2.25  # absorption\n"
            "param CL  = 25.5 unit \"L/h\" source \"a # in a string\" logrange 20 30\n"
            "param V = 120\n"
            "param VX = 7\n");
  EXPECT_THROW(rewrite_parameters(text, {{"NOPE", 1}}), InputError);
}

// Linear PK: exposure proportional to dose (the extrapolation from 50 mg to 1-5 mg is
// linear by construction; pharmacology.md 2.4 documents linearity at 50-200 mg).
TEST(Pharmacokinetics, DoseLinearity) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  Series ref = sim.single_dose(p, 50, true, 96, 0.05);
  auto auc = [](const Series& s, int k) {
    double a = 0;
    for (std::size_t i = 0; i + 1 < s.t.size(); ++i) a += 0.5 * (s.y[k][i] + s.y[k][i + 1]) * (s.t[i + 1] - s.t[i]);
    return a;
  };
  for (double dose : {1.0, 1.5, 3.0, 4.5, 200.0}) {
    Series s = sim.single_dose(p, dose, true, 96, 0.05);
    const double r = dose / 50;
    // solver rtol 1e-7: ratios exact to ~1e-6
    EXPECT_NEAR(summarise(s, 0, 96).cmax_cp / summarise(ref, 0, 96).cmax_cp, r, 1e-5 * r) << dose;
    EXPECT_NEAR(auc(s, CP) / auc(ref, CP), r, 1e-5 * r) << dose;
    EXPECT_NEAR(auc(s, CM) / auc(ref, CM), r, 1e-5 * r) << dose;
  }
  // 4.5 mg: 50 mg Cmax x 4.5/50 = 1.35 ng/mL, inside pharmacology.md 2.6's 1.2-1.5 ng/mL
  Series s = sim.single_dose(p, 4.5, true, 24, 0.01);
  EXPECT_GE(summarise(s, 0, 24).cmax_cp, 1.2);
  EXPECT_LE(summarise(s, 0, 24).cmax_cp, 1.5);
}

// mg of HCl salt x 341.41/377.87 = mg of base (pharmacology.md 1: 4.5 mg salt = 4.07 mg).
TEST(Pharmacokinetics, SaltAndBase) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  const double base_fraction = 341.41 / 377.87;
  EXPECT_NEAR(base_fraction, 0.904, 0.0005);
  double salt = summarise(sim.single_dose(p, 4.5, true, 24, 0.01), 0, 24).cmax_cp;
  double base = summarise(sim.single_dose(p, 4.5 * base_fraction, false, 24, 0.01), 0, 24).cmax_cp;
  double base45 = summarise(sim.single_dose(p, 4.5, false, 24, 0.01), 0, 24).cmax_cp;
  EXPECT_NEAR(salt, base, 1e-9 * salt);
  EXPECT_NEAR(base45 / salt, 1 / base_fraction, 1e-6);
}

// Cirrhosis raises naltrexone exposure 5-10x (Swiss label): the model's factor CIRRF (7).
TEST(Pharmacokinetics, CirrhosisRaisesExposure) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  auto q = p;
  model("human").set(q, "HEPATIC", 1);
  Series a = sim.single_dose(p, 50, true, 96, 0.02), b = sim.single_dose(q, 50, true, 96, 0.02);
  double auc_a = 0, auc_b = 0;
  for (std::size_t i = 0; i + 1 < a.t.size(); ++i) {
    auc_a += 0.5 * (a.y[CP][i] + a.y[CP][i + 1]) * 0.02;
    auc_b += 0.5 * (b.y[CP][i] + b.y[CP][i + 1]) * 0.02;
  }
  EXPECT_GE(auc_b / auc_a, 5);
  EXPECT_LE(auc_b / auc_a, 10);
}

// Allometry: CL ~ WT^0.75, V ~ WT; a 140-kg adult has half... of the exposure per dose
// over 0-inf? AUC = dose / CL, so AUC ratio = 2^-0.75.
TEST(Pharmacokinetics, AllometricWeight) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  auto q = p;
  model("human").set(q, "WT", 140);
  auto auc = [&](const std::vector<double>& x) {
    Series s = sim.single_dose(x, 50, true, 200, 0.02);
    double a = 0;
    for (std::size_t i = 0; i + 1 < s.t.size(); ++i) a += 0.5 * (s.y[CP][i] + s.y[CP][i + 1]) * 0.02;
    return a;
  };
  EXPECT_NEAR(auc(q) / auc(p), std::pow(2.0, -0.75), 1e-4);
}

// The engine's steady state (SS=1) equals the end of a long run of daily doses: 60 days
// are over 30 half-lives of the slowest process (release from the deep brain store, ~45 h).
TEST(SteadyState, MatchesALongRun) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  Regimen ss;
  ss.dose_mg = 4.5;
  Regimen long_run = ss;
  long_run.days = 60;
  CycleMetrics a = regimen_metrics(sim, p, ss), b = regimen_metrics(sim, p, long_run);
  EXPECT_NEAR(a.cmax_cp, b.cmax_cp, 1e-6);
  EXPECT_NEAR(a.trough_cm, b.trough_cm, 1e-5);
  EXPECT_NEAR(a.occ_peak, b.occ_peak, 1e-5);
  EXPECT_NEAR(a.occ_trough, b.occ_trough, 1e-5);
  EXPECT_NEAR(a.hours50, b.hours50, 1e-3);
  EXPECT_NEAR(a.b_change, b.b_change, 1e-5);
  EXPECT_NEAR(a.rcp_change, b.rcp_change, 1e-5);
  // and after 3 days the approach is visibly incomplete (the test can tell the two apart)
  Regimen short_run = ss;
  short_run.days = 3;
  EXPECT_GT(std::fabs(regimen_metrics(sim, p, short_run).occ_trough - a.occ_trough), 0.01);
}

// A missed dose lowers blockade on that day; the dose time shifts the cycle only.
TEST(Regimens, MissedDoseAndDoseTime) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  Regimen g;
  g.dose_mg = 4.5;
  g.days = 30;
  Regimen missed = g;
  missed.missed = {30};
  EXPECT_LT(regimen_metrics(sim, p, missed).occ_trough, regimen_metrics(sim, p, g).occ_trough - 0.05);
  Regimen morning;
  morning.dose_mg = 4.5;
  morning.clock_h = 8;
  Regimen night = morning;
  night.clock_h = 22;
  EXPECT_NEAR(regimen_metrics(sim, p, morning).occ_trough, regimen_metrics(sim, p, night).occ_trough, 1e-12);
}

// Occupancy and OGFr blockade are fractions: within [0, 1] up to the solver's absolute
// tolerance (1e-10; 1e-9 allows for accumulated error), from 0.1 mg to 500 mg and over
// the uncertainty ranges.
TEST(Receptor, OccupancyStaysInTheUnitInterval) {
  Simulator sim(model("human"));
  auto p = model("human").typical();
  auto ranged = ranged_parameters(model("human"));
  auto lhs = latin_hypercube(20, ranged.size(), 7);
  for (std::size_t i = 0; i <= lhs.size(); ++i) {
    auto q = p;
    if (i < lhs.size())
      for (std::size_t k = 0; k < ranged.size(); ++k) q[ranged[k].index] = from_unit(ranged[k], lhs[i][k]);
    for (double dose : {0.1, 4.5, 500.0}) {
      Regimen g;
      g.dose_mg = dose;
      for (const Series& s : {sim.regimen(q, g, 0.05), sim.single_dose(q, dose, true, 24, 0.01)})
        for (int k : {OCC, BOGF})
          for (double v : s.y[k]) {
            ASSERT_GE(v, -1e-9) << dose << " mg, sample " << i;
            ASSERT_LE(v, 1 + 1e-9) << dose << " mg, sample " << i;
          }
    }
  }
}

// The same model structure: the mouse file is the human file with other values.
TEST(Models, MouseHasTheHumanEquations) {
  auto equations = [](const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string line;
    while (std::getline(ss, line)) {
      auto i = line.find_first_not_of(" ");
      if (i == std::string::npos) continue;
      std::string l = line.substr(i);
      if (l.rfind("let ", 0) == 0 || l.rfind("d/dt", 0) == 0 || l.rfind("state ", 0) == 0 ||
          l.rfind("output ", 0) == 0 || l.rfind("F(", 0) == 0)
        out.push_back(l);
    }
    return out;
  };
  auto h = equations(test::read_file(test::model_path("human")));
  auto m = equations(test::read_file(test::model_path("mouse")));
  EXPECT_GT(h.size(), 30u);
  EXPECT_EQ(h, m);
  // one mechanism: the rebound and lymphocyte values are the same in both
  auto ph = model("human").typical(), pm = model("mouse").typical();
  for (const char* name : {"ROGF", "SENK", "THENK", "SR", "THR", "BENDHDN", "OCCHDN", "THBEND", "BINH", "TINH",
                           "SC50", "THPROL"})
    EXPECT_EQ(model("human").get(ph, name), model("mouse").get(pm, name)) << name;
}

// Provenance: every parameter has a unit and a source or an assumption; assumed values
// carry a range unless they are flags, reference values or unused in that species;
// fitted values carry the range of their refits. The allometric exponent and the sleep
// window are conventions (a range would make them uncertainty-sampled, which they are not).
TEST(Models, EveryParameterHasUnitSourceAndRange) {
  const std::set<std::string> exempt = {"SALT", "WT", "WTREF", "HEPATIC", "FMET", "ALLO_CL", "SLEEP_ON", "SLEEP_OFF"};
  for (const char* name : {"human", "mouse"}) {
    for (const auto& p : model(name).model().parameters()) {
      EXPECT_FALSE(p.unit.empty()) << name << " " << p.name;
      EXPECT_FALSE(p.source.empty() && p.assumption.empty()) << name << " " << p.name;
      bool fitted = p.source.find("fitted") != std::string::npos;
      if (fitted) {
        EXPECT_TRUE(p.low && p.high) << name << " " << p.name << ": fitted without a range";
        EXPECT_NE(p.source.find("ldnsim calibrate"), std::string::npos) << name << " " << p.name;
      }
      bool assumed_only = p.source.empty();
      bool unused = p.assumption.rfind("not used", 0) == 0 || p.assumption.find("no peripheral") == 0 ||
                    p.assumption.find("no deep brain store") == 0;
      if (assumed_only && !exempt.count(p.name) && !unused) {
        EXPECT_TRUE(p.low && p.high) << name << " " << p.name << ": an assumption needs a plausible range";
      }
      if (p.low && p.value) {
        EXPECT_GE(*p.value, *p.low) << name << " " << p.name;
        EXPECT_LE(*p.value, *p.high) << name << " " << p.name;
      }
    }
  }
}

// The property the LDN hypothesis rests on (pharmacology.md 4.2): in mice, blockade
// 4-6 h a day (0.1 mg/kg daily) inhibits proliferation, blockade 24 h a day (10 mg/kg daily
// or 0.1 mg/kg every 6 h) does the opposite. The same dose per injection (0.1 mg/kg)
// gives opposite signs depending on how long the receptors stay blocked: the switch comes
// from the mechanism, not from the dose.
TEST(Mouse, SignSwitch) {
  Simulator sim(model("mouse"));
  auto out = mouse_sign_switch(sim, model("mouse").typical());
  std::map<std::string, MouseOutcome> by;
  for (const auto& o : out) by[o.regimen.label] = o;
  const auto& ldn = by.at("0.1 mg/kg daily");
  const auto& hdn = by.at("10 mg/kg daily");
  const auto& q6h = by.at("0.1 mg/kg every 6 h");
  // blockade durations of the calibration (4-6 h; 24 h within the 0.5 h spread)
  EXPECT_GE(ldn.hours_blocked, 4);
  EXPECT_LE(ldn.hours_blocked, 6);
  EXPECT_GE(hdn.hours_blocked, 23.5);
  EXPECT_GE(q6h.hours_blocked, 23.5);
  // the sign switch, in B and T cells
  EXPECT_LT(ldn.metrics.b_change, 0);
  EXPECT_LT(ldn.metrics.t_change, 0);
  EXPECT_GT(hdn.metrics.b_change, 0);
  EXPECT_GT(hdn.metrics.t_change, 0);
  EXPECT_GT(q6h.metrics.b_change, 0);
  EXPECT_GT(q6h.metrics.t_change, 0);
  // the mechanism: after intermittent blockade OGF acts on up-regulated free receptors
  // (signal above baseline); continuous blockade leaves little free receptor (below)
  EXPECT_GT(ldn.metrics.signal_mean, 1);
  EXPECT_LT(hdn.metrics.signal_mean, 1);
  EXPECT_LT(q6h.metrics.signal_mean, 1);
  EXPECT_GT(ldn.metrics.rebound_hours, 12);
}

// Maximal signalling inhibits B cells by BINH (43%, Zagon 2011): the derived Imax.
TEST(Lymphocytes, MaximalInhibitionIsTheMouseB43Percent) {
  // SC50 = 1: P = (1 - Imax*H)/(1 - Imax*H1), H -> 1 at large signal, H1 = 1/2
  const double binh = 0.43, h1 = 0.5;
  const double imax = binh / (1 - (1 - binh) * h1);
  EXPECT_NEAR((1 - imax) / (1 - imax * h1), 1 - binh, 1e-12);
  // in the model: drive the signal up by holding OGF and receptors high with no blockade
  Simulator sim(model("human"));
  auto p = model("human").typical();
  // no drug: baseline is a fixed point (index 1)
  Series s = sim.single_dose(p, 1e-12, true, 24, 1);
  EXPECT_NEAR(s.y[PB].back(), 1, 1e-9);
  EXPECT_NEAR(s.y[SIG].back(), 1, 1e-9);
}

TEST(Regimens, ImpossibleRegimensAreRejected) {
  auto bad = [](double dose, double interval, double clock, int days, std::vector<int> missed,
                const std::string& expect) {
    Regimen g;
    g.dose_mg = dose;
    g.interval_h = interval;
    g.clock_h = clock;
    g.days = days;
    g.missed = missed;
    try {
      validate(g);
      ADD_FAILURE() << "accepted " << dose << " mg every " << interval << " h";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
    }
  };
  bad(-1, 24, 22, 0, {}, "above 0");
  bad(0, 24, 22, 0, {}, "above 0");
  bad(NAN, 24, 22, 0, {}, "above 0");
  bad(600, 24, 22, 0, {}, "500 mg");
  bad(4.5, 0, 22, 0, {}, "interval");
  bad(4.5, -24, 22, 0, {}, "interval");
  bad(4.5, 24, 25, 0, {}, "clock");
  bad(4.5, 24, 22, 0, {3}, "missed doses need a number of days");
  bad(4.5, 24, 22, 10, {11}, "1-10");
  Regimen ok;
  EXPECT_NO_THROW(validate(ok));
}

// ---- sampling and sensitivity machinery, against arithmetic ------------------------------

TEST(Sampling, LatinHypercubeUsesEveryStratumOnce) {
  auto x = latin_hypercube(50, 3, 11);
  for (std::size_t d = 0; d < 3; ++d) {
    std::set<int> strata;
    for (const auto& row : x) {
      EXPECT_GT(row[d], 0);
      EXPECT_LT(row[d], 1);
      strata.insert(static_cast<int>(row[d] * 50));
    }
    EXPECT_EQ(strata.size(), 50u);
  }
  EXPECT_EQ(latin_hypercube(50, 3, 11), x);  // deterministic
  EXPECT_NE(latin_hypercube(50, 3, 12), x);
}

TEST(Sampling, WeightedBands) {
  std::vector<double> v(101), w(101, 1.0);
  std::iota(v.begin(), v.end(), 0.0);
  Band b = band(v, w);
  EXPECT_NEAR(b.median, 50, 1e-9);
  EXPECT_NEAR(b.low, 5, 0.6);  // mid-point rule on 101 points
  EXPECT_NEAR(b.high, 95, 0.6);
  // all weight on the upper half: median moves to ~75
  for (std::size_t i = 0; i < 50; ++i) w[i] = 0;
  EXPECT_NEAR(band(v, w).median, 75, 0.6);
  EXPECT_NEAR(effective_sample_size(w), 51, 1e-9);
}

// Morris on f = sum a_i u_i + u0*u1: elementary effects of a linear term are exactly a_i
// (sigma 0); the interaction gives u0 and u1 a spread.
TEST(Sensitivity, MorrisOnAKnownFunction) {
  const std::vector<double> a = {1, 2, 0, -5};
  auto f = [&](std::size_t, std::span<const double> u) {
    double y = 0;
    for (std::size_t i = 0; i < a.size(); ++i) y += a[i] * u[i];
    return std::vector<double>{y + 3 * u[0] * u[1]};
  };
  for (int threads : {1, 2}) {
    MorrisResult r = morris(4, 1, 30, 4, 5, threads, false, f);
    EXPECT_NEAR(r.mu[0][2], 0, 1e-12);
    EXPECT_NEAR(r.mu_star[0][3], 5, 1e-12);
    EXPECT_NEAR(r.sigma[0][3], 0, 1e-12);
    EXPECT_GT(r.sigma[0][0], 0.1);
    EXPECT_GT(r.mu_star[0][0], 1);
    EXPECT_LT(r.mu_star[0][0], 4);
  }
}

// A failed point (f returns nothing) is counted by morris from the results, not by the
// caller's threads, so the count is the same for any thread or process count; the linear
// effects from the remaining points stay exact.
TEST(Sensitivity, MorrisCountsFailedPointsFromTheResults) {
  const std::vector<double> a = {1, 2, 0, -5};
  auto f = [&](std::size_t, std::span<const double> u) {
    if (u[2] > 0.6) return std::vector<double>{};  // "the simulation failed" at high u2
    double y = 0;
    for (std::size_t i = 0; i < a.size(); ++i) y += a[i] * u[i];
    return std::vector<double>{y};
  };
  // Points with u2 > 0.6: recount them independently of morris.
  std::size_t expected = 0;
  {
    std::size_t seen = 0;
    auto count = [&](std::size_t, std::span<const double> u) {
      ++seen;
      if (u[2] > 0.6) ++expected;
      return std::vector<double>{0.0};
    };
    morris(4, 1, 30, 4, 5, 1, false, count);
    ASSERT_EQ(seen, 30u * 5u);
  }
  ASSERT_GT(expected, 0u);
  for (int threads : {1, 2}) {
    MorrisResult r = morris(4, 1, 30, 4, 5, threads, false, f);
    EXPECT_EQ(r.failed, expected);
    EXPECT_NEAR(r.mu_star[0][3], 5, 1e-12);
    EXPECT_NEAR(r.sigma[0][3], 0, 1e-12);
  }
}

namespace ldnsim::science {
namespace {

// The targets files are read strictly: a mistake names file, line, column and key.
TEST(TargetsFile, MistakesNameFileLineAndKey) {
  const auto dir = std::filesystem::temp_directory_path() / "ldnsim-targets-test";
  std::filesystem::create_directories(dir);
  auto error_of = [&](const std::string& text) {
    const auto path = (dir / "t-targets.toml").string();
    std::ofstream(path) << text;
    try {
      load_pharmacology_targets(path);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string target = "[[targets]]\nid = \"a\"\nquantity = \"q\"\nvalue = 1\nunit = \"h\"\nsigma = 1\nsigma_why = \"w\"\n";
  EXPECT_NE(error_of(target + "measure = \"peek\"\noutput = \"CP\"\ndose_mg = 1\nhours = 2\n").find(
                "t-targets.toml:8:11: targets[0].measure: unknown measure 'peek' (expected one of: peak, time_of_peak"),
            std::string::npos)
      << error_of(target + "measure = \"peek\"\n");
  EXPECT_NE(error_of(target + "measure = \"peak\"\noutput = \"XX\"\ndose_mg = 1\nhours = 2\n").find("unknown output 'XX'"),
            std::string::npos);
  EXPECT_NE(error_of(target + "measure = \"value_at\"\noutput = \"CP\"\ndose_mg = 1\nhours = 2\n").find(
                "targets[0].at_h: missing (measure value_at needs it)"),
            std::string::npos);
  EXPECT_NE(error_of(target + "measure = \"peak\"\noutput = \"CP\"\ndose_mg = 1\nhours = 2\nextra = 1\n").find(
                "targets[0].extra: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(target + "measure = \"peak\"\noutput = \"CP\"\ndose_mg = 1\nhours = 2\n"
                              "[[stages]]\nname = \"s\"\ntargets = [\"b\"]\nparameters = [{ name = \"CL\", low = 1, high = 2 }]\n")
                .find("stages[0].targets[0]: no [[targets]] with id 'b'"),
            std::string::npos);
  EXPECT_NE(error_of(target + "measure = \"hours_blocked\"\nregimen = \"x\"\n").find("no [[regimens]] labelled 'x'"), std::string::npos);
  EXPECT_NE(error_of(target + "measure = \"auc_inf\"\noutput = \"CP\"\nover = \"CP\"\ndose_mg = 1\nhours = 2\nterminal_from_h = 1\n")
                .find("targets[0].over: 'CP' (expected an output other than 'CP'"),
            std::string::npos);
  EXPECT_NE(error_of(target + "measure = \"steady_state_mean\"\noutput = \"CP\"\ndose_mg = 1\n").find(
                "targets[0].interval_h: missing (measure steady_state_mean needs it)"),
            std::string::npos);
  EXPECT_NE(error_of(target + "measure = \"peak\"\noutput = \"CP\"\ndose_mg = 1\nhours = 2\n"
                              "[[stages]]\nname = \"s\"\ntargets = [\"a\"]\nparameters = [{ name = \"CL\", low = 1, high = 2 }]\n"
                              "not_identified = [\"CL\"]\n")
                .find("stages[0].not_identified[0]: 'CL' is also a fitted parameter of the stage"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

// The shipped files: one target per row of the old tables, the stages' parameters exist in
// the models, and the mouse's blockade level is the 90% of the Gaddum/Schild arithmetic.
TEST(TargetsFile, ShippedFilesFitTheirModels) {
  for (const char* name : {"human", "mouse"}) {
    const LdnModel& m = model(name);
    const PharmacologyTargets& t = targets_of(m);
    EXPECT_NE(t.file.find(std::string(name) + "-targets.toml"), std::string::npos);
    for (const Stage& s : t.stages)
      for (const auto& p : s.parameters) EXPECT_NO_THROW(m.param(p)) << name << " " << p;
  }
  EXPECT_EQ(targets_of(model("human")).targets.size(), 18u);
  EXPECT_EQ(targets_of(model("mouse")).targets.size(), 4u);
  EXPECT_EQ(targets_of(model("mouse")).blockade, 0.9);
  EXPECT_EQ(targets_of(model("mouse")).regimens.size(), 4u);
}

// The weighted quantile by hand: finite values with weight (1, w 1), (2, w 2), (3, w 1), total
// 4; the median is the first value whose cumulative weight reaches 2 (value 2), 2.5% the
// first reaching 0.1 (value 1), 97.5% the first reaching 3.9 (value 3). NaN and zero weights
// are left out; nothing with weight is empty.
TEST(WeightedDistribution, QuantilesByCumulativeWeight) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const WeightedDistribution d = weighted_distribution({3, 1, 2, nan, 7}, {1, 1, 2, 5, 0});
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d.points.size(), 3u);
  EXPECT_DOUBLE_EQ(d.total, 4);
  EXPECT_DOUBLE_EQ(d.quantile(0.5), 2);
  EXPECT_DOUBLE_EQ(d.quantile(0.025), 1);
  EXPECT_DOUBLE_EQ(d.quantile(0.975), 3);
  EXPECT_DOUBLE_EQ(d.quantile(0.8), 3);
  EXPECT_TRUE(weighted_distribution({1, 2}, {0, 0}).empty());
}

}  // namespace
}  // namespace ldnsim::science
