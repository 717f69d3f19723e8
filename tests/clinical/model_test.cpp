// The clinical model's files: every parameter documented, population specs consistent
// with the model's reference distributions, the parameter table in docs/clinical.md
// generated from the file, the typical subject deterministic.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ldnsim/lang/model.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/trial/population.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

lang::ModelPtr patient() {
  test::register_all();
  static lang::ModelPtr m = lang::load_model(test::src("models/ms/patient.ldn"));
  return m;
}

// Inputs: values the population spec or the treatment driver supplies, whose defaults
// only stand in when a data set has no such column.
const std::set<std::string> kInputs = {"SUBTYPE", "AGE", "EDSS", "DMT", "LDN", "DPROL", "PROLREL", "OCCREL", "SLEEPD",
                                       "EXPOD", "PROLX", "BLINDED", "OPEN", "MCS0", "PCS0", "MHI0", "MFIS0", "PES0", "PDQ0",
                                       "PHC0", "MHC0", "SPN0", "ASH0", "PVAS0", "FSS0", "EDSSMAX", "REL1", "REL2", "ENTRY1", "ENTRY2"};

TEST(PatientModel, EveryParameterHasUnitAndSourceOrAnAssumptionWithARange) {
  for (const auto& p : patient()->parameters()) {
    SCOPED_TRACE(p.name);
    EXPECT_FALSE(p.unit.empty()) << "unit missing";
    EXPECT_TRUE(!p.source.empty() || !p.assumption.empty()) << "neither source nor assumption";
    if (p.source.empty() && !kInputs.count(p.name)) {
      EXPECT_TRUE(p.low && p.high) << "an assumption needs a plausible range";
    }
    EXPECT_TRUE(p.value.has_value());
  }
}

TEST(PatientModel, FittedParametersCarryTheirStandardError) {
  int fitted = 0;
  for (const auto& p : patient()->parameters()) {
    const bool by_spec = p.source.find("fitted by `ldnsim calibrate trials/calibration/") != std::string::npos;
    EXPECT_EQ(by_spec, p.has(lang::Role::Fitted)) << p.name;
    if (!p.has(lang::Role::Fitted)) {
      EXPECT_FALSE(p.se.has_value()) << p.name << ": a standard error without a fit";
      continue;
    }
    SCOPED_TRACE(p.name);
    ++fitted;
    EXPECT_TRUE(p.se.has_value() != p.has(lang::Role::Unidentified));
    ASSERT_TRUE(p.low && p.high);
    EXPECT_LE(*p.low, *p.value);
    EXPECT_GE(*p.high, *p.value);
    EXPECT_EQ(p.source.find("to be fitted"), std::string::npos);
    EXPECT_EQ(p.source.find(": SE "), std::string::npos) << "the standard error is the se attribute, not prose";
  }
  // natural history (6), placebo (2), LDN effects (15)
  EXPECT_GE(fitted, 20);
}

TEST(PatientModel, RolesSayWhatEachParameterIs) {
  std::set<std::string> inputs, effects;
  for (const auto& p : patient()->parameters()) {
    EXPECT_NE(p.roles, 0u) << p.name << " has no role";
    if (p.has(lang::Role::Input)) inputs.insert(p.name);
    if (p.has(lang::Role::Effect)) effects.insert(p.name);
    if (p.has(lang::Role::Assumption) && !p.has(lang::Role::Input) && p.name != "EDSSMAX") {
      EXPECT_TRUE(p.low && p.high) << p.name << ": an assumption needs a plausible range";
    }
  }
  std::set<std::string> expected_inputs = kInputs;
  expected_inputs.erase("EDSSMAX");  // a structural assumption, not an input
  EXPECT_EQ(inputs, expected_inputs);
  // LDN's effects on the patient: what `ldnsim power` varies and `--effect-from zero` removes.
  EXPECT_EQ(effects, (std::set<std::string>{"BIMM", "BPROG", "EFF_COG", "EFF_FAT", "EFF_MENT", "EFF_PAIN", "EFF_PHYS", "EFF_SPAS"}));
}

TEST(PatientModel, PopulationScreeningScoresUseTheModelsReferenceDistributions) {
  // Regression to the mean is computed from the model's MS reference mean and SD of each
  // instrument; the populations must draw unselected screening scores from the same.
  const std::pair<const char*, const char*> pairs[] = {{"MCS0", "MCS"}, {"PCS0", "PCS"}, {"MHI0", "MHI"}, {"MFIS0", "MFIS"},
                                                       {"PES0", "PES"}, {"PDQ0", "PDQ"}, {"PHC0", "PHC"}, {"MHC0", "MHC"},
                                                       {"SPN0", "SPN"}, {"ASH0", "ASH"}, {"PVAS0", "PVAS"}, {"FSS0", "FSS"}};
  auto value = [](const std::string& name) {
    int k = patient()->parameter_index(name);
    EXPECT_GE(k, 0) << name;
    return *patient()->parameters()[static_cast<std::size_t>(k)].value;
  };
  for (const auto& entry : std::filesystem::directory_iterator(test::src("trials/populations"))) {
    auto pop = trial::load_population(entry.path().string());
    SCOPED_TRACE(entry.path().filename().string());
    for (const auto& [cov, stem] : pairs) {
      const trial::CovariateSpec* c = nullptr;
      for (const auto& x : pop.covariates)
        if (x.name == cov) c = &x;
      ASSERT_NE(c, nullptr) << cov;
      for (std::size_t s = 0; s < trial::kSubtypeCount; ++s) {
        EXPECT_EQ(c->marginal[s].a, value(std::string(stem) + "M")) << cov;
        EXPECT_EQ(c->marginal[s].b, value(std::string(stem) + "SD")) << cov;
      }
    }
  }
}

TEST(PatientModel, WithoutASeedTheTypicalPatientHasNoEvents) {
  // docs/language.md: without a seed `rate` events never fire and draws sit at their median.
  auto d = test::temp_dir("typical");
  { std::ofstream(d / "data.csv") << "ID,TIME,BLINDED\n1,0,1\n1,365,1\n1,730,1\n"; }
  test::Run r = test::ldnsim("simulate models/ms/patient.ldn --data " + (d / "data.csv").string() +
                             " --out - --columns TIME,NREL,NSAE,DROPOUT -q");
  std::filesystem::remove_all(d);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("730,0,0,0"), std::string::npos) << r.out;
}

TEST(Docs, ClinicalParameterTableIsCurrent) {
  test::Run r = test::ldnsim("params models/ms/patient.ldn --markdown", false);
  ASSERT_EQ(r.status, 0);
  std::string doc = test::read(test::src("docs/clinical.md"));
  const std::string begin = "<!-- params patient begin -->\n", end = "<!-- params patient end -->";
  auto a = doc.find(begin), b = doc.find(end);
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(doc.substr(a + begin.size(), b - a - begin.size()), r.out)
      << "docs/clinical.md is out of date: run tests/clinical/update_clinical_doc.sh";
}

}  // namespace
}  // namespace ldnsim

namespace ldnsim {
namespace {

// The calibration specs' published values are those of ../shared/science/targets.csv (where
// a target has an id there), in the spec's units: value * scale, with the sign of a
// difference LDN - placebo (targets.csv gives improvements as positive numbers) and Turel's
// "no side effects 77%" as 23% with any side effect.
TEST(CalibrationSpecs, PublishedValuesAreThoseOfTargetsCsv) {
  std::map<std::string, double> csv;
  {
    std::ifstream in(test::shared("science/targets.csv"));
    ASSERT_TRUE(in.good());
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::stringstream ss(line);
      std::string id, group, quantity, value;
      std::getline(ss, id, ',');
      std::getline(ss, group, ',');
      std::getline(ss, quantity, ',');
      std::getline(ss, value, ',');
      try {
        csv[id] = std::stod(value);
      } catch (...) {
      }
    }
  }
  int compared = 0;
  for (const char* spec : {"natural-history", "placebo", "ldn-effects"}) {
    auto s = science::load_calibration_spec(test::src(std::string("trials/calibration/") + spec + ".toml"));
    for (const auto& t : s.targets) {
      auto it = csv.find(t.id);
      if (it == csv.end()) continue;
      SCOPED_TRACE(t.id);
      double v = t.value * t.scale;
      if (t.id == "turel-no-ae") v = 100 - v;
      EXPECT_NEAR(std::fabs(v), it->second, 1e-9);
      ++compared;
    }
  }
  EXPECT_GE(compared, 12);
}

}  // namespace
}  // namespace ldnsim
