// The clinical calibration machinery: a known parameter is recovered with the expected
// standard error, estimates are written into the model file, bad specs are refused with
// file, position and key, and nothing is written then.
#include <gtest/gtest.h>

#include <cmath>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/science/calibration.hpp"
#include "ldnsim/science/clinical.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

namespace fs = std::filesystem;

fs::path toy_copy(const std::string& name) {
  fs::path d = test::temp_dir(name);
  for (const char* f : {"toy.ldn", "toy-population.toml", "toy-trial.toml", "toy-calibration.toml"})
    fs::copy_file(test::src(std::string("tests/clinical/data/") + f), d / f);
  return d;
}

TEST(ClinicalCalibration, RecoversAKnownSlopeWithTheTargetsSpreadAsStandardError) {
  test::register_all();
  fs::path d = toy_copy("recover");
  science::CalibrationSpec spec = science::load_calibration_spec((d / "toy-calibration.toml").string());
  science::CalibrationOptions o;
  o.threads = 2;
  science::CalibrationResult fit = science::calibrate_clinical(spec, o);
  ASSERT_EQ(fit.parameters.size(), 1u);
  const auto& p = fit.parameters[0];
  // The mean change is SLOPE plus the mean of 20 x 50 subject noises (SD 4): the estimate
  // misses 3 by that mean, SD 4/sqrt(1000) = 0.13; 0.4 is three of those.
  EXPECT_NEAR(p.estimate, 3, 0.4);
  // d(change)/d(SLOPE) = 1, so SE = sqrt(sigma^2 + MC^2) = sqrt(0.25 + 0.017) = 0.52.
  EXPECT_NEAR(p.se, 0.52, 0.05);
  EXPECT_NEAR(p.low95, p.estimate - 1.96 * p.se, 1e-9);
  ASSERT_EQ(fit.targets.size(), 1u);
  EXPECT_LT(std::fabs(fit.targets[0].z), 0.05);

  // Written into the model file: value, range, standard error, role and the source clause;
  // read back, the model carries them as typed metadata.
  std::string text = test::read((d / "toy.ldn").string());
  std::string written = science::write_fit(text, fit, "toy-calibration.toml");
  EXPECT_NE(written.find("param SLOPE = " + science::model_number(p.estimate)), std::string::npos) << written;
  EXPECT_NE(written.find("range " + science::model_number(p.low95) + " " + science::model_number(p.high95) + " se " +
                         format_number(p.se, 2) + " role fitted"),
            std::string::npos)
      << written;
  EXPECT_NE(written.find("fitted by `ldnsim calibrate toy-calibration.toml`"), std::string::npos) << written;
  EXPECT_EQ(written.find("to be fitted"), std::string::npos);
  lang::ModelPtr back = lang::parse_model(written, "toy.ldn");
  const lang::Parameter& slope = back->parameters()[static_cast<std::size_t>(back->parameter_index("SLOPE"))];
  ASSERT_TRUE(slope.se.has_value());
  EXPECT_NEAR(*slope.se, p.se, 0.005);
  EXPECT_TRUE(slope.has(lang::Role::Fitted));
  // Writing again replaces the attributes and the clause instead of adding them.
  std::string twice = science::write_fit(written, fit, "toy-calibration.toml");
  EXPECT_EQ(twice, written);
  fs::remove_all(d);
}

// A published "not significant" without numbers bounds the test statistic; it does not
// measure the effect (issue 9). Cree 2010's PCS and MFIS nulls enter ldn-effects.toml as
// bounds on the crossover t (|t| < qt(0.975, 58)), not as an estimate of 0, and the
// effects they bear on are stored as not identified: no SE, the prior range kept.
TEST(ClinicalCalibration, NullsWithoutNumbersAreBoundsAndTheirEffectsAreNotIdentified) {
  science::CalibrationSpec spec = science::load_calibration_spec(test::src("trials/calibration/ldn-effects.toml"));
  int lows = 0, highs = 0;
  for (const auto& t : spec.targets) {
    if (t.study.find("cree2010") == std::string::npos || (t.endpoint != "PCS" && t.endpoint != "MFIS")) continue;
    EXPECT_EQ(t.statistic, science::Statistic::T) << t.id << ": a null without numbers is a bound on t, not an estimate";
    EXPECT_NEAR(std::fabs(t.value), 2.0017, 1e-3) << t.id;  // qt(0.975, 58)
    EXPECT_EQ(t.sigma, 1) << t.id;
    if (t.kind == science::ClinicalTarget::Kind::AtLeast) {
      ++lows;
      EXPECT_LT(t.value, 0) << t.id;
    } else if (t.kind == science::ClinicalTarget::Kind::AtMost) {
      ++highs;
      EXPECT_GT(t.value, 0) << t.id;
    } else {
      ADD_FAILURE() << t.id << ": an equality target turns 'not significant' into a measurement";
    }
  }
  EXPECT_EQ(lows, 2);
  EXPECT_EQ(highs, 2);
  lang::ModelPtr m = lang::load_model(test::src("models/ms/patient.ldn"));
  for (const char* name : {"EFF_PHYS", "EFF_FAT"}) {
    const auto& p = m->parameters()[static_cast<std::size_t>(m->parameter_index(name))];
    EXPECT_TRUE(p.has(lang::Role::Effect) && p.has(lang::Role::Fitted) && p.has(lang::Role::Unidentified)) << name;
    EXPECT_FALSE(p.se.has_value()) << name << ": a bound gives no standard error";
    ASSERT_TRUE(p.low && p.high) << name;
    EXPECT_EQ(*p.low, -0.4) << name;
    EXPECT_EQ(*p.high, 0.4) << name;
  }
}

TEST(ClinicalCalibration, WriteFitKeepsOtherRolesAndMarksUnidentifiedEstimates) {
  const std::string t =
      "param A = 1 unit \"x\" range 0 2 se 0.3 role effect fitted  # note\n"
      "  source \"Cree 2010; fitted by `ldnsim calibrate old.toml`\"\n"
      "param B = 3 unit \"y\"\n  assumption \"why\"\n";
  science::CalibrationResult fit;
  science::ParameterFit a;
  a.name = "A";
  a.estimate = 1.25;
  a.se = 0.2;
  a.low95 = 0.86;
  a.high95 = 1.64;
  science::ParameterFit b;
  b.name = "B";
  b.estimate = 2.5;  // se NaN: not identified
  b.low95 = 1;
  b.high95 = 4;
  b.at_bound = true;
  fit.parameters = {a, b};
  const std::string out = science::write_fit(t, fit, "new.toml");
  EXPECT_EQ(out,
            "param A = 1.25 unit \"x\" range 0.86 1.64 se 0.2 role effect fitted  # note\n"
            "  source \"Cree 2010; fitted by `ldnsim calibrate new.toml`\"\n"
            "param B = 2.5 range 1 4 role fitted unidentified unit \"y\" source \"fitted by `ldnsim calibrate new.toml`: not "
            "identified by its targets (prior range kept), at a bound of the fit\"\n"
            "  assumption \"why\"\n");
  // identified again: `unidentified` goes, `se` comes back
  fit.parameters[1].se = 0.5;
  const std::string again = science::write_fit(out, fit, "new.toml");
  EXPECT_NE(again.find("param B = 2.5 range 1 4 se 0.5 role fitted unit"), std::string::npos) << again;
  lang::ModelPtr m = lang::parse_model(again + "state X = 0\nd/dt(X) = -A * B * X\n", "t.ldn");
  EXPECT_EQ(lang::role_text(m->parameters()[0].roles), "effect fitted");
  EXPECT_THROW(science::write_fit(t + "param C = 1\n", [&] {
    science::CalibrationResult f;
    f.parameters.push_back(a);
    f.parameters.back().name = "D";
    return f;
  }(), "x.toml"), InputError);
}

struct BadSpec {
  std::string edit_from, edit_to, expected;
};

class CalibrationSpecErrors : public testing::TestWithParam<BadSpec> {};

TEST_P(CalibrationSpecErrors, AreRefusedWithPositionAndKeyAndNothingIsWritten) {
  fs::path d = toy_copy("bad");
  std::string spec = test::read((d / "toy-calibration.toml").string());
  auto at = spec.find(GetParam().edit_from);
  ASSERT_NE(at, std::string::npos);
  spec.replace(at, GetParam().edit_from.size(), GetParam().edit_to);
  { std::ofstream(d / "toy-calibration.toml") << spec; }
  const std::string model_before = test::read((d / "toy.ldn").string());
  test::Run r = test::ldnsim("calibrate toy-calibration.toml --threads 1 -q", true, d.string());
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find(GetParam().expected), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("toy"), std::string::npos) << r.out;
  EXPECT_EQ(test::read((d / "toy.ldn").string()), model_before);
  fs::remove_all(d);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CalibrationSpecErrors,
    testing::Values(
        BadSpec{"replicates = 20", "replicate = 20", "toy-calibration.toml:4:1: calibration.replicate: unknown key (did you mean 'replicates'?)"},
        BadSpec{"low = 0.0, high = 10.0", "low = 10.0, high = 0.0", "stages[0].parameters[0]: expected low < high"},
        BadSpec{"targets = [\"change\"]", "targets = [\"chnage\"]", "no [[targets]] with id 'chnage' (did you mean 'change'?)"},
        BadSpec{"endpoint = \"Y_change\"", "endpoint = \"Y\"", "targets[0].endpoint: the study has no endpoint 'Y' (expected one of: Y_change)"},
        BadSpec{"sigma = 0.5", "sigma = 0", "targets[0].sigma: expected a spread above 0"},
        BadSpec{"name = \"SLOPE\"", "name = \"SLOPES\"", "has no parameter SLOPES"},
        BadSpec{"study = \"toy-trial.toml\"", "study = \"nope.toml\"", "targets[0].study: cannot open"},
        BadSpec{"value = 3", "value = \"3\"", "targets[0].value: expected a number"},
        BadSpec{"grade = \"C\"", "grade = \"C\"\nstatistic = \"mean\"",
                "targets[0].statistic: 'mean' (expected estimate, se, t, significant"},
        // a bound without a direction (issue 9, bad input)
        BadSpec{"grade = \"C\"", "grade = \"C\"\nkind = \"bound\"",
                "targets[0].kind: 'bound' (a bound needs its direction: expected equal, at_least or at_most)"}));

}  // namespace
}  // namespace ldnsim
