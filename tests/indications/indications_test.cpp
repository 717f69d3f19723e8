// The virtual fibromyalgia patients against the numbers of ../shared/science
// (indications.md 1, studies.md 5). Each check runs a study spec with its own seed and
// compares the mean over replicates with the published value; each tolerance says where it
// comes from.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <tuple>

#include "ldnsim/core/error.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/predictive.hpp"
#include "ldnsim/science/titration.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/trial/population.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

constexpr auto E = science::Statistic::Estimate;

// Mean over replicates of each endpoint's estimate.
std::map<std::string, double> run(const std::string& spec, std::size_t replicates, std::uint64_t seed,
                                  const std::vector<std::string>& endpoints) {
  std::vector<std::pair<std::string, science::Statistic>> what;
  for (const auto& e : endpoints) what.emplace_back(e, E);
  std::map<std::string, double> out;
  for (const auto& [key, value] : test::study_means(spec, replicates, seed, what)) out[key.substr(0, key.rfind('/'))] = value;
  return out;
}

// A spec of trials/fm or trials/cd with its model and population paths made absolute, so a
// changed copy can be written elsewhere.
std::string portable_spec(const std::string& rel) {
  std::string spec = test::read(test::src(rel));
  spec.replace(spec.find("../../models"), 12, test::src("models"));
  const auto at = spec.find("population = \"") + 14;
  const auto end = spec.find('"', at);
  const std::string dir = rel.substr(0, rel.rfind('/') + 1);
  spec.replace(at, end - at, test::src(dir + spec.substr(at, end - at)));
  return spec;
}

// Runs `ldnsim trial` on a spec text written to a temporary file bad.toml.
test::Run run_spec_text(const std::string& name, const std::string& spec) {
  auto dir = test::temp_dir(name);
  std::ofstream(dir / "bad.toml") << spec;
  return test::ldnsim("trial " + (dir / "bad.toml").string() + " --replicates 1 -q");
}

TEST(Fibromyalgia, PlaceboArmMatchesMetaAnalyses) {
  auto m = run("trials/fm/placebo-12w.toml", 30, 91, {"pain_change", "resp30", "resp50"});
  // Haeuser 2011 (indications.md 1b): mean fall 7.69 /100, 95% CI 6.10-9.29 over 72 RCTs;
  // the simulated mean (Monte Carlo SE ~0.3) must fall inside that CI.
  EXPECT_LE(m["pain_change"], -6.10);
  EXPECT_GE(m["pain_change"], -9.29);
  // >= 30% and >= 50% responders 30.8% and 18.8% (30 RCTs >= 12 weeks). A normal spread of
  // individual placebo responses cannot meet both CIs (29.4-32.3, 17.5-20.1) with that mean:
  // the fit is a compromise within 2.5 points of each (docs/fibromyalgia.md, calibration).
  EXPECT_NEAR(100 * m["resp30"], 30.8, 2.5);
  EXPECT_NEAR(100 * m["resp50"], 18.8, 2.5);
}

TEST(Fibromyalgia, YoungerPilotPlaceboPhaseSmallLdnPhaseLarger) {
  auto m = run("trials/fm/younger2009.toml", 200, 92, {"symptoms@2w", "symptoms@10w", "pain@10w"});
  // Placebo phase: -2.3% (studies.md 5a, S); 2 weeks of expectation build-up give a few
  // percent (SE of the mean over 200 replicates of 10 women ~0.7).
  EXPECT_NEAR(m["symptoms@2w"], -2.3, 3);
  // LDN phase: fitted to -32.5% (S) together with Parkitny's -15% / -18% (C): the weighted
  // fit lies between them (docs/fibromyalgia.md).
  EXPECT_LT(m["symptoms@10w"], -18);
  EXPECT_GT(m["symptoms@10w"], -32.5);
  EXPECT_LT(m["symptoms@10w"], m["symptoms@2w"] - 15);
}

// ---- titration schedules (the ldn driver's option) --------------------------------------

std::string titration_error(const std::string& text) {
  try {
    science::parse_titration(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Titration, ParsesStepsAndGivesRelativeDoses) {
  auto steps = science::parse_titration("1.5mg 0-7d, 3mg 7-14d, 4.5mg 2-3w");
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_DOUBLE_EQ(steps[2].from_day, 14);
  EXPECT_DOUBLE_EQ(steps[2].to_day, 21);
  auto v = science::titration_covariates(steps, 6);
  // TITD1-4: 7, 14, 21, and the unused fourth ends with the third; TITF: 1.5/6, 3/6, 4.5/6, 1
  EXPECT_EQ(v, (std::vector<double>{7, 14, 21, 21, 0.25, 0.5, 0.75, 1}));
}

TEST(Titration, OverlapsGapsAndBadStepsAreLocated) {
  EXPECT_NE(titration_error("1.5mg 0-7d, 3mg 5-14d").find("step 2 ('3mg 5-14d'): overlaps step 1, which runs to day 7"),
            std::string::npos);
  EXPECT_NE(titration_error("1.5mg 0-7d, 3mg 9-14d").find("step 2 ('3mg 9-14d'): leaves a gap after step 1"), std::string::npos);
  EXPECT_NE(titration_error("1.5mg 3-7d").find("expected the first step to start on day 0"), std::string::npos);
  EXPECT_NE(titration_error("1.5 0-7d").find("no dose in mg"), std::string::npos);
  EXPECT_NE(titration_error("1.5mg 0-7").find("no time unit d or w"), std::string::npos);
  EXPECT_NE(titration_error("1.5mg 7-7d").find("expected 0 <= FROM < TO"), std::string::npos);
  EXPECT_NE(titration_error("1mg 0-1d, 2mg 1-2d, 3mg 2-3d, 4mg 3-4d, 5mg 4-5d").find("at most 4"), std::string::npos);
}

TEST(Titration, ATrialSpecWithOverlappingStepsIsRefusedWithItsArm) {
  std::string spec = portable_spec("trials/fm/fm-b.toml");
  const std::string good = "1.5mg 0-7d, 3mg 7-14d, 4.5mg 14-21d";
  spec.replace(spec.find(good), good.size(), "1.5mg 0-7d, 3mg 6-14d");
  auto r = run_spec_text("titration", spec);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("bad.toml"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("arms[0]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("overlaps step 1"), std::string::npos) << r.out;
}

// A titration lowers the exposure of its first weeks: the LDN effect built up by week 2 is
// smaller than with the full dose from day 0 (LDNE is the reference patient's effect).
TEST(Titration, SlowsTheBuildUpOfTheEffect) {
  test::register_all();
  auto ldne_at_2w = [](bool titrate) {
    std::string spec = portable_spec("trials/fm/fm-b.toml");
    if (!titrate) spec.replace(spec.find("options = {"), std::string("options = {").size(), "# options = {");
    auto dir = test::temp_dir(titrate ? "tit-on" : "tit-off");
    spec.replace(spec.find("output = \"PAIN10\""), 17, "output = \"LDNE\"");
    spec.replace(spec.find("measure = \"change\"\ntime = \"12w\""), 31, "measure = \"value\"\ntime = \"2w\"");
    std::ofstream(dir / "spec.toml") << spec;
    trial::Trial t = trial::Trial::load((dir / "spec.toml").string(), science::ldn_drivers(), {}, science::clinical_simulation_options());
    trial::RunOptions o;
    o.replicates = 2;
    o.seed = 5;
    o.threads = 1;
    auto r = t.run(o);
    return r.replicates[0].endpoints[0].mean_treatment;
  };
  const double on = ldne_at_2w(true), off = ldne_at_2w(false);
  EXPECT_GT(off, 0);
  // week 1 at 1/4 and week 2 at 1/2 of the dose: clearly less built up, but not nothing
  EXPECT_LT(on, 0.8 * off);
  EXPECT_GT(on, 0.2 * off);
}

// ---- predictive draws ---------------------------------------------------------------------

TEST(Predictive, WorldsStayInRangesAndRepeat) {
  auto model = lang::load_model(test::src("models/fm/patient.ldn"));
  lang::ModelInstance m(model);
  auto drawn = science::drawn_parameters(m);
  bool has_eff = false, has_e50 = false;
  for (const auto& d : drawn) {
    has_eff |= d.name == "EFF" && d.se == 8;
    has_e50 |= d.name == "E50" && d.log;
    EXPECT_NE(d.name, "PAIN0");  // inputs are never drawn
  }
  EXPECT_TRUE(has_eff);
  EXPECT_TRUE(has_e50);
  auto a = science::draw_worlds(m, 200, 7), b = science::draw_worlds(m, 200, 7);
  double eff_sum = 0;
  for (std::size_t w = 0; w < a.size(); ++w) {
    for (const auto& d : drawn) {
      EXPECT_GE(a[w].get(d.index), d.low);
      EXPECT_LE(a[w].get(d.index), d.high);
      EXPECT_EQ(a[w].get(d.index), b[w].get(d.index));
    }
    eff_sum += a[w].get("EFF");
  }
  // EFF ~ normal(12.5, 8) cut to [0, 28]: mean 12.5 + small truncation shift; SE of the mean
  // of 200 draws 0.57
  EXPECT_NEAR(eff_sum / 200, 12.9, 1.5);
}

TEST(Predictive, ParameterDrawsWidenTheInterval) {
  test::register_all();
  trial::Trial t = trial::Trial::load(test::src("trials/fm/fm-b.toml"), science::ldn_drivers(), {}, science::clinical_simulation_options());
  trial::RunOptions o;
  o.replicates = 60;
  o.seed = 3;
  o.threads = 2;
  auto sd = [](const trial::TrialResults& r) {
    double s = 0, s2 = 0;
    int n = 0;
    for (const auto& rep : r.replicates) {
      const double v = rep.endpoints[0].estimate;
      if (!std::isfinite(v)) continue;
      s += v;
      s2 += v * v;
      ++n;
    }
    return std::sqrt((s2 - s * s / n) / (n - 1));
  };
  const double fixed = sd(science::run_predictive(t, o, 0)), drawn = sd(science::run_predictive(t, o, 30));
  // sampling alone vs sampling + parameters (EFF's SE of 8 points /100 alone adds ~0.7 NRS)
  EXPECT_GT(drawn, 1.3 * fixed) << fixed << " " << drawn;
}

// ---- Crohn's disease ----------------------------------------------------------------------

TEST(Crohns, PlaceboArmMatchesInductionMetaAnalysis) {
  auto m = run("trials/cd/placebo-8w.toml", 30, 93, {"remission", "response100", "endo_response", "endo_remission"});
  // JCC 2022 (indications.md 2b, 2c), 91 induction studies: remission 18% (16-21), response
  // 32% (29-35; CR-70 and CR-100 pooled: compared with CR-100), endoscopic response 16%
  // (11-23) and remission 8% (4-18); each simulated share (Monte Carlo SE ~0.4 points)
  // inside the published 95% CI, CR-100 within its CI plus 2 points (the pooled definition).
  EXPECT_GE(100 * m["remission"], 16);
  EXPECT_LE(100 * m["remission"], 21);
  EXPECT_GE(100 * m["response100"], 29);
  EXPECT_LE(100 * m["response100"], 35 + 2);
  EXPECT_GE(100 * m["endo_response"], 11);
  EXPECT_LE(100 * m["endo_response"], 23);
  EXPECT_GE(100 * m["endo_remission"], 4);
  EXPECT_LE(100 * m["endo_remission"], 18);
}

TEST(Crohns, SmithPilotWithinItsSamplingError) {
  auto with = run("trials/cd/smith2007.toml", 200, 94, {"response", "remission", "sleep"});
  // Smith 2007 (studies.md 6): response 89%, remission 67% of about 15-17 patients (binomial
  // SE about 8 and 12 points); sleep disturbance 7 of 17 (SE 12 points). The fit leaves the
  // model below both (docs/crohns.md), within 1.5 SE.
  EXPECT_NEAR(100 * with["response"], 89, 12);
  EXPECT_NEAR(100 * with["remission"], 67, 18);
  EXPECT_NEAR(100 * with["sleep"], 41, 12);
}

// ---- docs ------------------------------------------------------------------------------------

TEST(Docs, IndicationParameterTablesAreCurrent) {
  for (const auto& [doc, model, marker] : {std::tuple<std::string, std::string, std::string>{"fibromyalgia.md", "fm/patient.ldn", "fm"},
                                           {"crohns.md", "cd/patient.ldn", "cd"}}) {
    test::Run r = test::ldnsim("params models/" + model + " --markdown", false);
    ASSERT_EQ(r.status, 0);
    std::string text = test::read(test::src("docs/" + doc));
    const std::string begin = "<!-- params " + marker + " begin -->\n", end = "<!-- params " + marker + " end -->";
    auto a = text.find(begin), b = text.find(end);
    ASSERT_NE(a, std::string::npos) << doc;
    ASSERT_NE(b, std::string::npos) << doc;
    EXPECT_EQ(text.substr(a + begin.size(), b - a - begin.size()), r.out)
        << "docs/" << doc << " is out of date: run tests/indications/update_indication_docs.sh";
  }
}

// An instrument the model lacks (an MS scale in a fibromyalgia study) is refused with the
// file, line and key, and the model's outputs listed.
TEST(BadInput, AnInstrumentTheModelLacksIsLocated) {
  std::string spec = portable_spec("trials/fm/younger2009.toml");
  spec.replace(spec.find("output = \"PAINPCT\""), 18, "output = \"EDSS\"");
  auto r = run_spec_text("instrument", spec);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("bad.toml:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("endpoints[1].output"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("has no output 'EDSS'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PAIN10"), std::string::npos) << r.out;
}

// The visit-schedule assumption (KVIS): at the reference number of visits the placebo arm
// is the one without VISITS, to the bit; more visits, more remission on placebo.
TEST(Crohns, MoreVisitsMorePlaceboResponse) {
  const std::string base = portable_spec("trials/cd/placebo-8w.toml");
  auto with = [&](const std::string& name, const std::string& cov) {
    std::string spec = base;
    const std::string from = "covariates = { BLINDED = 1 }";
    spec.replace(spec.find(from), from.size(), cov);
    auto dir = test::temp_dir(name);
    std::ofstream(dir / "spec.toml") << spec;
    return test::study_means((dir / "spec.toml").string(), 6, 5, {{"remission", E}, {"response100", E}});
  };
  auto none = with("vis-none", "covariates = { BLINDED = 1 }");
  auto ref = with("vis-ref", "covariates = { BLINDED = 1, VISITS = 4 }");
  auto few = with("vis-few", "covariates = { BLINDED = 1, VISITS = 1 }");
  auto many = with("vis-many", "covariates = { BLINDED = 1, VISITS = 12 }");
  EXPECT_EQ(none["remission/estimate"], ref["remission/estimate"]);
  EXPECT_EQ(none["response100/estimate"], ref["response100/estimate"]);
  // KVIS = 0.05: the mean fall x0.85 with 1 visit, x1.4 with 12. Remission (same patients,
  // same streams) must rise with visits; the 12-visit arm by several points (400 x 6
  // patients: SE of the difference well under 1 point with common random numbers).
  EXPECT_LT(few["remission/estimate"], ref["remission/estimate"]);
  EXPECT_GT(many["remission/estimate"], ref["remission/estimate"] + 0.02);
}

// The calibration specs of the two models load (studies, endpoints and model paths checked
// by the reader) and fit the parameters the docs name.
TEST(Calibration, IndicationSpecsNameTheirParameters) {
  const std::map<std::string, std::vector<std::string>> want = {
      {"fm-placebo", {"PLACM", "PLACSD"}}, {"fm-ldn", {"EFF"}}, {"cd-placebo", {"PLACM", "PLACSD", "SESPL", "SESPLSD"}},
      {"cd-ldn", {"EFFCD", "CI_SLP"}}};
  for (const auto& [name, params] : want) {
    SCOPED_TRACE(name);
    auto spec = science::load_calibration_spec(test::src("trials/calibration/" + name + ".toml"));
    std::vector<std::string> got;
    for (const auto& st : spec.stages)
      for (const auto& p : st.parameters) got.push_back(p.name);
    EXPECT_EQ(got, params);
    auto model = lang::load_model(spec.model_path);
    for (const auto& p : params) EXPECT_GE(model->parameter_index(p), 0) << p;
  }
}

// A fibromyalgia trial on the Crohn's disease model: refused at the spec's model key.
TEST(BadInput, ATrialOnAnotherIndicationsModelIsLocated) {
  std::string spec = portable_spec("trials/fm/younger2009.toml");
  spec.replace(spec.find("models/fm/patient.ldn"), 21, "models/cd/patient.ldn");
  auto r = run_spec_text("mixmodel", spec);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("bad.toml:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trial.model: model cd_patient"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("is a model of 'crohns', the trial is for 'fibromyalgia'"), std::string::npos) << r.out;
}

// A Crohn's disease trial with a fibromyalgia population, and one with an MS population
// (no indication key): refused at the spec's population key.
TEST(BadInput, APopulationOfAnotherIndicationIsLocated) {
  std::string spec = portable_spec("trials/cd/smith2007.toml");
  const auto at = spec.find("population = \"") + 14;
  const auto end = spec.find('"', at);
  spec.replace(at, end - at, test::src("trials/fm/population-pilot.toml"));
  auto r = run_spec_text("mixpop", spec);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("trial.population: the population"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("is for 'fibromyalgia', the trial for 'crohns'"), std::string::npos) << r.out;
  spec.replace(at, test::src("trials/fm/population-pilot.toml").size(), test::src("trials/populations/rrms-placebo.toml"));
  r = run_spec_text("mixpop2", spec);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("is for 'ms', the trial for 'crohns'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a population without `indication` is an MS population"), std::string::npos) << r.out;
}

// Subtypes: required (with the MS message) when a population states no indication or "ms";
// refused, located, for any other.
TEST(BadInput, SubtypesOnlyInMsPopulations) {
  const std::string cov = "[covariates.AGE]\ndist = \"normal\"\nmean = 40\nsd = 10\n";
  auto message = [](const std::string& text) {
    try {
      trial::parse_population(text, "pop.toml");
      return std::string("no error");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
  };
  EXPECT_NE(message("name = \"x\"\n" + cov).find("pop.toml:1:1: subtypes: missing (expected a table of proportions"), std::string::npos);
  EXPECT_NE(message("indication = \"ms\"\n" + cov).find("subtypes: missing"), std::string::npos);
  auto p = trial::parse_population("indication = \"fibromyalgia\"\n" + cov, "pop.toml");
  EXPECT_EQ(p.indication, "fibromyalgia");
  EXPECT_EQ(p.subtype_p[static_cast<std::size_t>(trial::Subtype::RRMS)], 1.0);
  EXPECT_NE(message("indication = \"crohns\"\n[subtypes]\nRRMS = 1\n" + cov)
                .find("pop.toml:2:1: subtypes: an MS subtype split in a population for indication 'crohns'"),
            std::string::npos)
      << message("indication = \"crohns\"\n[subtypes]\nRRMS = 1\n" + cov);
  EXPECT_NE(message("indication = \"crohns\"\n" + cov + "[covariates.AGE.subtype.RRMS]\nmean = 30\n").find("covariates.AGE.subtype"),
            std::string::npos);
  EXPECT_NE(message("indication = \"Crohn's\"\n" + cov).find("pop.toml:1:14: indication: 'Crohn's' (expected a lower-case word"),
            std::string::npos)
      << message("indication = \"Crohn's\"\n" + cov);
}

// The model statement's indication attribute, and an unknown one.
TEST(BadInput, ModelIndicationAttribute) {
  test::register_all();
  auto m = lang::load_model(test::src("models/fm/patient.ldn"));
  EXPECT_EQ(m->indication(), "fibromyalgia");
  EXPECT_EQ(lang::load_model(test::src("models/cd/patient.ldn"))->indication(), "crohns");
  EXPECT_EQ(lang::load_model(test::src("models/ldn/human.ldn"))->indication(), "");
  try {
    lang::parse_model("model m \"x\" disease \"fm\"\nparam A = 1\nstate X = 0\nd/dt(X) = -A * X\n", "m.ldn");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.ldn:1:13"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("indication"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ldnsim
