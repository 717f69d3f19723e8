// The trial engine end to end on tests/trial/data/linear.ldn, whose outcome is
// Y = B0 + EFFECT * LDN + noise (E1 in period 1 or at follow-up, E2 + PEFF in period 2):
// each design's analysis is checked against ldnsim::stats on the same values and against
// the truth; allocation, withdrawal, data loss, confirmed progression and determinism.
#include <cmath>
#include <map>

#include "ldnsim/stats/all.hpp"
#include "ldnsim/trial/analysis.hpp"
#include "support.hpp"

namespace ldnsim::trial {
namespace {

struct Captured {
  std::vector<std::vector<SubjectOutcome>> outcomes;
  std::vector<std::vector<Subject>> subjects;
};

TrialResults run(const Trial& t, std::size_t reps, int threads, Captured* cap = nullptr, std::uint64_t seed = 5) {
  RunOptions o;
  o.replicates = reps;
  o.seed = seed;
  o.threads = threads;
  if (cap)
    o.on_subjects = [cap](std::size_t, const std::vector<SubjectOutcome>& so) {
      std::vector<Subject> subs;
      for (const auto& s : so) subs.push_back(*s.subject);
      cap->subjects.push_back(std::move(subs));
      cap->outcomes.push_back(so);
      // The engine frees its cohort after the callback: point at the copies.
      for (std::size_t i = 0; i < so.size(); ++i) cap->outcomes.back()[i].subject = &cap->subjects.back()[i];
    };
  return t.run(o);
}

std::size_t visit(const Trial& t, double day) {
  for (std::size_t v = 0; v < t.visits().size(); ++v)
    if (std::abs(t.visits()[v] - day) < 1e-9) return v;
  ADD_FAILURE() << "no visit on day " << day;
  return 0;
}

double value(const Trial& t, const SubjectOutcome& so, const std::string& output, double day) {
  std::size_t o = 0;
  while (t.observed_outputs()[o] != output) ++o;
  return so.values[o * t.visits().size() + visit(t, day)];
}

double mean_estimate(const TrialResults& r, std::size_t k) {
  double s = 0;
  for (const auto& x : r.replicates) s += x.endpoints[k].estimate;
  return s / static_cast<double>(r.replicates.size());
}

TEST(TrialEngine, CrossoverMatchesStatsAndTruth) {
  Trial t = test::load_fixture("crossover.toml");
  Captured cap;
  TrialResults r = run(t, 30, 2, &cap);
  ASSERT_EQ(r.replicates.size(), 30u);
  EXPECT_EQ(t.visits().front(), 0);
  for (std::size_t rep = 0; rep < 30; ++rep) {
    const auto& res = r.replicates[rep];
    EXPECT_EQ(res.randomised, 80);
    EXPECT_EQ(res.lost, 4);  // data_loss.subjects = 4, exactly
    EXPECT_EQ(res.withdrawn, 0);
    stats::CrossoverData d;
    std::vector<double> a, b;
    long ab = 0;
    for (const auto& so : cap.outcomes[rep]) {
      const bool first_ldn = so.group == 0;  // sequence LDN-placebo
      ab += first_ldn;
      if (so.lost) continue;
      const Subject& s = *so.subject;
      double y1 = value(t, so, "Y", 56), y2 = value(t, so, "Y", 119);
      // The model's closed form (X relaxes to EFFECT * LDN at rate 1/day).
      const double x1 = first_ldn ? 5 * (1 - std::exp(-56.0)) : 0;
      const double x2 = first_ldn ? 5 * (1 - std::exp(-56.0)) * std::exp(-63.0) : 5 * (1 - std::exp(-56.0));
      EXPECT_NEAR(y1, s.get("B0") + x1 + s.get("E1"), 1e-4);
      EXPECT_NEAR(y2, s.get("B0") + x2 + s.get("E2"), 1e-4);
      d.sequence.push_back(first_ldn ? stats::Sequence::AB : stats::Sequence::BA);
      d.period1.push_back(y1);
      d.period2.push_back(y2);
      a.push_back(first_ldn ? y1 : y2);
      b.push_back(first_ldn ? y2 : y1);
    }
    EXPECT_EQ(ab, 40);  // permuted blocks: 40 per sequence
    stats::CrossoverResult cr = stats::crossover_analysis(d, 0.95);
    const EndpointResult& e = res.endpoints[0];
    EXPECT_EQ(e.n, 76);
    EXPECT_NEAR(e.estimate, cr.treatment.estimate, 1e-9);
    EXPECT_NEAR(e.lower, cr.treatment.ci.lower, 1e-9);
    EXPECT_NEAR(e.p_value, cr.treatment.p_value, 1e-9 + 1e-6 * cr.treatment.p_value);
    EXPECT_NEAR(e.period_effect, cr.period.estimate, 1e-9);
    EXPECT_EQ(e.significant, cr.treatment.p_value < 0.05);
    stats::TTestResult pt = stats::paired_t_test(a, b);
    EXPECT_NEAR(res.endpoints[1].estimate, pt.estimate, 1e-9);
    EXPECT_NEAR(res.endpoints[1].p_value, pt.p_value, 1e-12 + 1e-6 * pt.p_value);
  }
  EXPECT_NEAR(mean_estimate(r, 0), 5, 0.4);
  // Between sequences at the end of the study (AB ends on placebo): about -5.
  EXPECT_NEAR(mean_estimate(r, 2), -5, 0.8);
  TrialSummary s = summarise(t, r);
  EXPECT_NEAR(s.endpoints[0].power, 1.0, 0.05);
  EXPECT_EQ(s.median_lost, 4);
}

TEST(TrialEngine, CrossoverPeriodEffect) {
  test::SpecDir dir;
  std::string pop = test::error_of([] {});
  std::ifstream in(test::fixture("population.toml"));
  std::stringstream ss;
  ss << in.rdbuf() << "\n[covariates.PEFF]\ndist = \"constant\"\nvalue = 2\n";
  dir.write("population.toml", ss.str());
  std::ifstream sin(test::fixture("crossover.toml"));
  std::stringstream spec;
  spec << sin.rdbuf();
  Trial t = Trial::load(dir.write("c.toml", spec.str()), DriverRegistry::builtin(), test::interpreted());
  TrialResults r = run(t, 20, 2);
  double period = 0;
  for (const auto& x : r.replicates) period += x.endpoints[0].period_effect;
  EXPECT_NEAR(period / 20, -2, 0.3);  // pi_1 - pi_2, period 2 is 2 points higher
  EXPECT_NEAR(mean_estimate(r, 0), 5, 0.4);  // the crossover analysis removes it
}

TEST(TrialEngine, ParallelMatchesStatsAllocationAndDropout) {
  Trial t = test::load_fixture("parallel.toml");
  Captured cap;
  TrialResults r = run(t, 20, 3, &cap);
  long withdrawn = 0;
  for (std::size_t rep = 0; rep < r.replicates.size(); ++rep) {
    const auto& res = r.replicates[rep];
    std::vector<double> ldn, pbo;
    std::map<int, std::array<int, 2>> by_subtype;
    std::array<int, 2> total{0, 0};
    long wd = 0;
    for (const auto& so : cap.outcomes[rep]) {
      ++total[static_cast<std::size_t>(so.group)];
      ++by_subtype[static_cast<int>(so.subject->subtype)][static_cast<std::size_t>(so.group)];
      if (so.withdrawn_at >= 0) {
        ++wd;
        // Nothing observed from the withdrawal on; everything before it.
        for (std::size_t v = 1; v < t.visits().size(); ++v) {
          double y = so.values[v];  // Y is the first observed output
          if (t.visits()[v] >= so.withdrawn_at) {
            EXPECT_TRUE(std::isnan(y));
          } else {
            EXPECT_FALSE(std::isnan(y));
          }
        }
      }
      double y0 = value(t, so, "Y", 0), y = value(t, so, "Y", 168);
      if (std::isnan(y)) continue;
      (so.group == 0 ? ldn : pbo).push_back(y - y0);
    }
    EXPECT_EQ(wd, res.withdrawn);
    withdrawn += wd;
    // Permuted blocks of 4 within subtype strata.
    for (const auto& [st, n] : by_subtype) EXPECT_LE(std::abs(n[0] - n[1]), 2) << "subtype " << st;
    EXPECT_LE(std::abs(total[0] - total[1]), 2 * static_cast<int>(by_subtype.size()));
    stats::TTestResult w = stats::welch_t_test(ldn, pbo);
    EXPECT_NEAR(res.endpoints[0].estimate, w.estimate, 1e-9);
    EXPECT_NEAR(res.endpoints[0].p_value, w.p_value, 1e-12 + 1e-6 * w.p_value);
    EXPECT_EQ(res.endpoints[0].n, static_cast<long>(ldn.size() + pbo.size()));
  }
  // 10% withdraw per year, exponential: 19% over the 2 years.
  EXPECT_NEAR(static_cast<double>(withdrawn) / (20 * 60), 0.19, 0.05);
  EXPECT_NEAR(mean_estimate(r, 0), 5, 0.5);
  EXPECT_NEAR(mean_estimate(r, 1), 5, 0.5);  // ANCOVA
  // Relapses halved on LDN: rate ratio about 0.5 (floor() of a per-subject rate).
  double rr = 0;
  for (const auto& x : r.replicates) rr += std::log(x.endpoints[3].estimate);
  // floor() lowers the treated counts further: about 0.25 here.
  EXPECT_GT(std::exp(rr / 20), 0.1);
  EXPECT_LT(std::exp(rr / 20), 0.6);
  // Progression is delayed (PDAY doubled) on LDN: hazard ratio below 1.
  EXPECT_LT(summarise(t, r).endpoints[4].median, 0.8);
}

TEST(TrialEngine, ModelDropoutFlag) {
  test::SpecDir dir;
  std::ifstream in(test::fixture("population.toml"));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string pop = ss.str();
  const std::string constant = "dist = \"constant\"\nvalue = 1e9";
  pop.replace(pop.find(constant), constant.size(), "dist = \"uniform\"\nmin = 100\nmax = 1500");
  dir.write("population.toml", pop);
  std::ifstream sin(test::fixture("parallel.toml"));
  std::stringstream spec;
  spec << sin.rdbuf();
  std::string s = spec.str();
  const std::string spec_dropout = "fraction = 0.1\nby = \"1y\"\n";
  s.replace(s.find(spec_dropout), spec_dropout.size(), "");
  Trial t = Trial::load(dir.write("p.toml", s), DriverRegistry::builtin(), test::interpreted());
  Captured cap;
  TrialResults r = run(t, 5, 2, &cap);
  for (std::size_t rep = 0; rep < 5; ++rep) {
    long wd = 0;
    for (const auto& so : cap.outcomes[rep]) {
      const double dropday = so.subject->get("DROPDAY");
      double first = -1;
      for (double v : t.visits())
        if (v >= dropday) {
          first = v;
          break;
        }
      EXPECT_DOUBLE_EQ(so.withdrawn_at, first);
      wd += so.withdrawn_at >= 0;
    }
    EXPECT_EQ(wd, r.replicates[rep].withdrawn);
    EXPECT_GT(wd, 20);  // about 48% of 60 before day 730
  }
}

TEST(TrialEngine, SingleArmAndRetrospective) {
  Trial t = test::load_fixture("single.toml");
  Captured cap;
  TrialResults r = run(t, 10, 2, &cap);
  for (std::size_t rep = 0; rep < 10; ++rep) {
    std::vector<double> change;
    for (const auto& so : cap.outcomes[rep]) {
      double y = value(t, so, "Y", t.spec().duration);
      if (!std::isnan(y)) change.push_back(y - value(t, so, "Y", 0));
    }
    stats::TTestResult x = stats::one_sample_t_test(change);
    EXPECT_NEAR(r.replicates[rep].endpoints[0].estimate, x.estimate, 1e-9);
    EXPECT_NEAR(r.replicates[rep].endpoints[0].upper, x.ci.upper, 1e-9);
    long resp = 0;
    for (double c : change) resp += c >= 3;
    EXPECT_NEAR(r.replicates[rep].endpoints[1].estimate, static_cast<double>(resp) / static_cast<double>(change.size()), 1e-12);
  }
  EXPECT_NEAR(mean_estimate(r, 0), 5, 0.5);

  Trial rt = test::load_fixture("retro.toml");
  Captured rc;
  TrialResults rr = run(rt, 3, 2, &rc);
  for (std::size_t rep = 0; rep < 3; ++rep) {
    EXPECT_GE(rr.replicates[rep].screened, 215);
    for (const auto& so : rc.outcomes[rep]) {
      EXPECT_GE(so.follow_up, 90);
      EXPECT_LE(so.follow_up, 2700);
      for (std::size_t v = 0; v < rt.visits().size(); ++v)
        if (rt.visits()[v] > so.follow_up) {
          EXPECT_TRUE(std::isnan(so.values[v]));
        }
    }
    EXPECT_GT(rr.replicates[rep].endpoints[0].estimate, 0.5);
  }
}

TEST(TrialEngine, DeterministicForAnyThreadCount) {
  Trial t = test::load_fixture("parallel.toml");
  std::string one = results_csv(t, run(t, 12, 1));
  EXPECT_EQ(one, results_csv(t, run(t, 12, 3)));
  EXPECT_EQ(one, results_csv(t, run(t, 12, 2)));
  EXPECT_NE(one, results_csv(t, run(t, 12, 2, nullptr, 6)));
  Trial c = test::load_fixture("crossover.toml");
  EXPECT_EQ(to_json(c, run(c, 6, 1), summarise(c, run(c, 6, 1))).dump(),
            to_json(c, run(c, 6, 3), summarise(c, run(c, 6, 3))).dump());
}

TEST(TrialEngine, CustomDriverReachesTheModel) {
  // A driver that sets LDN to the arm's adherence: the effect scales with it.
  class Adherent : public TreatmentDriver {
   public:
    std::vector<std::string> covariate_names(const ArmRegimen&) override { return {"LDN"}; }
    void covariates(const ArmRegimen& arm, const Subject&, RandomStream&, std::span<double> out) override {
      out[0] = arm.placebo ? 0 : arm.adherence;
    }
  };
  DriverRegistry drivers = DriverRegistry::builtin();
  drivers.add("test-adherent", "LDN = adherence", [](const DriverContext&) { return std::make_unique<Adherent>(); });
  test::SpecDir dir;
  std::ifstream sin(test::fixture("single.toml"));
  std::stringstream spec;
  spec << sin.rdbuf();
  std::string s = spec.str();
  s.replace(s.find("covariates = { LDN = 1 }"), 24, "driver = \"test-adherent\"\nadherence = 0.5");
  Trial t = Trial::load(dir.write("s.toml", s), drivers, test::interpreted());
  EXPECT_NE(t.plan().find("driver test-adherent sets LDN"), std::string::npos) << t.plan();
  EXPECT_NEAR(mean_estimate(run(t, 10, 2), 0), 2.5, 0.4);
}

TEST(ConfirmedProgression, HandMadePaths) {
  const std::vector<double> t = {0, 84, 168, 252, 336};
  ProgressionRule rule;  // +1.0 at baseline <= 5.5, +0.5 above; confirmed 84 d later
  auto at = [&](std::vector<double> v) { return confirmed_progression(t, v, rule); };
  // Rise at 84, still there at 168: event at 84.
  auto o = at({3, 4, 4, 3.5, 3.5});
  EXPECT_TRUE(o.event);
  EXPECT_EQ(o.time, 84);
  // Rise at 84 gone at 168, rises again at 252 and holds: event at 252.
  o = at({3, 4, 3, 4, 4.5});
  EXPECT_TRUE(o.event);
  EXPECT_EQ(o.time, 252);
  // Rise only at the last visit: not confirmed, censored at the last visit.
  o = at({3, 3, 3, 3, 4});
  EXPECT_FALSE(o.event);
  EXPECT_EQ(o.time, 336);
  // Half a point is not enough at baseline 5.5 but is at 6.0.
  EXPECT_FALSE(at({5.5, 6, 6, 6, 6}).event);
  EXPECT_TRUE(at({6, 6.5, 6.5, 6.5, 6.5}).event);
  // A missed visit is skipped: confirmation at the next observed visit 84+ days later.
  const double nan = std::nan("");
  o = at({3, 4, nan, 4, 3});
  EXPECT_TRUE(o.event);
  EXPECT_EQ(o.time, 84);
  // The confirmation visit must be at least `confirm` later.
  const std::vector<double> t2 = {0, 84, 140, 196};
  EXPECT_FALSE(confirmed_progression(t2, std::vector<double>{2, 3, 3, 2}, rule).event);
  EXPECT_TRUE(confirmed_progression(t2, std::vector<double>{2, 3, 3, 3}, rule).event);
  // Withdrawal (NaN to the end): censored at the last observed visit.
  o = at({3, 3, 4, nan, nan});
  EXPECT_FALSE(o.event);
  EXPECT_EQ(o.time, 168);
  // No baseline: nothing.
  EXPECT_TRUE(std::isnan(at({nan, 4, 4, 4, 4}).time));
}

TEST(Analyse, FailuresAreReportedNotThrown) {
  EndpointSpec e;
  e.analysis = Analysis::WelchT;
  EndpointData d;
  d.y = {1, 2};
  d.group = {1, 0};
  EndpointResult r = analyse(e, d, 0.05);
  EXPECT_FALSE(r.error.empty());
  EXPECT_FALSE(r.significant);
  EXPECT_TRUE(std::isnan(r.estimate));
}

}  // namespace
}  // namespace ldnsim::trial

namespace ldnsim::trial {
namespace {

// A model with random draws, rate events (relapses, withdrawal) and output noise: the
// engine's random key makes replicates differ and keeps any thread count identical.
TEST(TrialEngine, StochasticModelIsReproducible) {
  Trial t = Trial::load(std::string(LDNSIM_SOURCE_DIR) + "/bench/trial/cree2010.toml", DriverRegistry::builtin(), test::interpreted());
  RunOptions o;
  o.replicates = 4;
  o.seed = 42;
  o.threads = 1;
  TrialResults a = t.run(o);
  o.threads = 3;
  TrialResults b = t.run(o);
  EXPECT_EQ(results_csv(t, a), results_csv(t, b));
  EXPECT_NE(a.replicates[0].endpoints[0].estimate, a.replicates[1].endpoints[0].estimate);
  long withdrawn = 0;
  for (const auto& r : a.replicates) withdrawn += r.withdrawn;
  EXPECT_GT(withdrawn, 0);  // the WITHDRAW event sets the DROP flag
  o.seed = 43;
  EXPECT_NE(results_csv(t, a), results_csv(t, t.run(o)));
}

}  // namespace
}  // namespace ldnsim::trial

namespace ldnsim::trial {
namespace {

// Counting a model event gives the same counts as the cumulative output its action
// increments; withdrawal (here switched off through the population) would cut both.
TEST(TrialEngine, EventCountsMatchTheCumulativeOutput) {
  test::SpecDir dir;
  const std::string bench = std::string(LDNSIM_SOURCE_DIR) + "/bench/trial/";
  dir.write("ms_bench.ldn", test::read_file_text(bench + "ms_bench.ldn"));
  dir.write("population.toml", test::read_file_text(bench + "population.toml") +
                                   "\n[covariates.WDR]\ndist = \"constant\"\nvalue = 0\n\n[covariates.ARR0]\ndist = "
                                   "\"constant\"\nvalue = 1.5\n");
  const std::string spec = R"([trial]
design = "parallel"
model = "ms_bench.ldn"
population = "population.toml"

[enrollment]
n = 60

[[arms]]
name = "LDN"
covariates = { LDN = 1 }

[[arms]]
name = "placebo"
placebo = true
covariates = { LDN = 0 }

[schedule]
duration = "1y"
every = "3mo"

[[endpoints]]
name = "relapses"
event = "RELAPSE"
type = "count"
analysis = "rate_ratio"

[[endpoints]]
name = "nrel"
output = "NREL"
type = "count"
analysis = "rate_ratio"
)";
  Trial t = Trial::load(dir.write("p.toml", spec), DriverRegistry::builtin(), test::interpreted());
  ASSERT_EQ(t.counted_events().size(), 1u);
  Captured cap;
  TrialResults r = run(t, 3, 2, &cap);
  long events = 0;
  for (std::size_t rep = 0; rep < 3; ++rep) {
    for (const auto& so : cap.outcomes[rep]) {
      const double n = value(t, so, "NREL", 365.25) - value(t, so, "NREL", 0);
      EXPECT_EQ(static_cast<double>(so.event_times[0].size()), n);
      for (double d : so.event_times[0]) EXPECT_LE(d, 365.25);
      events += static_cast<long>(n);
    }
    EXPECT_NEAR(r.replicates[rep].endpoints[0].estimate, r.replicates[rep].endpoints[1].estimate, 1e-9);
    EXPECT_NEAR(r.replicates[rep].endpoints[0].p_value, r.replicates[rep].endpoints[1].p_value, 1e-9);
  }
  EXPECT_GT(events, 100);  // about 1.5 a year each
  std::string e = test::error_of([&] {
    std::string bad = spec;
    bad.replace(bad.find("event = \"RELAPSE\""), 17, "event = \"RELAPS\"");
    Trial::load(dir.write("bad.toml", bad), DriverRegistry::builtin(), test::interpreted());
  });
  EXPECT_NE(e.find("endpoints[0].event: model ms_bench"), std::string::npos) << e;
  EXPECT_NE(e.find("has no event 'RELAPS' (expected one of: RELAPSE, WITHDRAW)"), std::string::npos) << e;
}

}  // namespace
}  // namespace ldnsim::trial

namespace ldnsim::trial {
namespace {

// A model written in hours gives the same trial as the same model in days.
TEST(TrialEngine, HourTimeUnit) {
  test::SpecDir dir;
  std::string spec = test::read_file_text(test::fixture("crossover.toml"));
  Trial days = Trial::load(dir.write("days.toml", spec), DriverRegistry::builtin(), test::interpreted());
  std::string hours = spec;
  hours.replace(hours.find("seed = 11"), 9, "seed = 11\ntime_unit = \"hour\"");
  hours.replace(hours.find("population.toml"), 15, "population_h.toml");
  // The model's rate (1 per time unit) and period-2 start are in hours now.
  dir.write("population_h.toml", test::read_file_text(test::fixture("population.toml")) +
                                     "\n[covariates.T2]\ndist = \"constant\"\nvalue = 1512\n");
  Trial h = Trial::load(dir.write("hours.toml", hours), DriverRegistry::builtin(), test::interpreted());
  EXPECT_NE(h.plan().find("time unit: hour"), std::string::npos);
  TrialResults a = run(days, 3, 2), b = run(h, 3, 2);
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(a.replicates[r].endpoints[k].estimate, b.replicates[r].endpoints[k].estimate, 1e-5);
}

}  // namespace
}  // namespace ldnsim::trial
