// The virtual fibromyalgia patients against the numbers of ../shared/science
// (indications.md 1, studies.md 5). Each check runs a study spec with its own seed and
// compares the mean over replicates with the published value; each tolerance says where it
// comes from.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "ldnsim/science/clinical.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

constexpr auto E = science::Statistic::Estimate;

// Mean over replicates of each endpoint's estimate.
std::map<std::string, double> run(const std::string& spec, std::size_t replicates, std::uint64_t seed,
                                  const std::vector<std::string>& endpoints) {
  test::register_all();
  trial::Trial t = trial::Trial::load(test::src(spec), {}, science::clinical_simulation_options());
  trial::RunOptions o;
  o.replicates = replicates;
  o.seed = seed;
  o.threads = 2;
  trial::TrialResults r = t.run(o);
  std::map<std::string, double> out;
  for (const auto& name : endpoints) {
    const int e = science::endpoint_index(t, name);
    EXPECT_GE(e, 0) << name;
    double sum = 0;
    int n = 0;
    for (const auto& rep : r.replicates) {
      double v = science::statistic_value(t, rep, e, E);
      if (std::isfinite(v)) {
        sum += v;
        ++n;
      }
    }
    out[name] = n ? sum / n : NAN;
  }
  return out;
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

}  // namespace
}  // namespace ldnsim
