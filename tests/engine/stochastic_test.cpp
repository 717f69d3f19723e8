// Chance in models: random declarations, between-subject variability, rate events (point
// processes), threshold events, actions and output noise. Checked against the laws they
// must follow (means, variances, Poisson counts) with bounds of several standard errors,
// and against exact event times where the process is deterministic.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/regimen.hpp"
#include "ldnsim/population/table.hpp"
#include "run.hpp"

namespace ldnsim {
namespace {

struct EventLog : test::Collect {
  std::vector<std::pair<std::string, double>> events;
  void event(const engine::EventRow& e) override { events.emplace_back(e.name, e.time); }
};

// Runs `subjects` copies of one subject (IDs 1..n) with a grid, seed and replicate.
std::vector<EventLog> run_many(const lang::Model& m, int subjects, std::vector<double> grid,
                               std::optional<engine::RandomKey> key, solver::Method method = solver::Method::Auto) {
  std::string csv = "ID,TIME,EVID\n";
  for (int i = 1; i <= subjects; ++i) csv += std::to_string(i) + ",0,2\n";
  data::Dataset ds = data::parse_dataset(csv, "many.csv");
  engine::SimulationOptions opt;
  opt.method = method;
  opt.grid = std::move(grid);
  engine::Binding binding(m, ds);
  engine::SubjectSimulator sim(m, binding, opt);
  std::vector<EventLog> out(static_cast<std::size_t>(subjects));
  for (int s = 0; s < subjects; ++s) {
    out[static_cast<std::size_t>(s)].n_states = m.state_count();
    out[static_cast<std::size_t>(s)].n_outputs = m.output_count();
    sim.run(ds.subject(static_cast<std::size_t>(s)), out[static_cast<std::size_t>(s)], {}, key ? &*key : nullptr);
  }
  return out;
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }
double sd(const std::vector<double>& v) {
  double m = mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

TEST(Stochastic, ThresholdEventsFireExactlyWhereTheConditionBecomesTrue) {
  // X grows at 1/h and an action resets it at 5: a sawtooth, events at 5, 10, 15, ...
  auto m = test::model("state X = 0\nstate N = 0\nd/dt(X) = 1\nd/dt(N) = 0\nevent HIT when X >= 5\n"
                       "on HIT: X = 0\non HIT: N = N + 1\n");
  for (auto method : {solver::Method::Auto, solver::Method::Dopri5, solver::Method::Bdf}) {
    auto runs = run_many(*m, 1, {0, 12, 22}, std::nullopt, method);
    const auto& r = runs[0];
    ASSERT_EQ(r.events.size(), 4u) << solver::method_name(method);
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(r.events[static_cast<std::size_t>(k)].second, 5.0 * (k + 1), 1e-8);
    // rows: the record at 0, then grid rows at 0, 12 and 22
    ASSERT_EQ(r.rows.size(), 4u);
    EXPECT_NEAR(r.rows[2].states[0], 2, 1e-7);  // t = 12
    EXPECT_EQ(r.rows[2].states[1], 2);          // events at 5 and 10
    EXPECT_EQ(r.rows[3].states[1], 4);          // four events by t = 22
  }
}

TEST(Stochastic, TypicalSubjectHasMedianDrawsAndNoRateEvents) {
  auto m = test::model(R"(
param CL = 10 cv 30%
random B ~ normal(45, 12)
random R ~ bernoulli(0.7)
random L ~ lognormal(2, 0.5)
state N = 0
d/dt(N) = 0
event E rate = 1000
on E: N = N + 1
output OB = B
output OR = R
output OL = L
output OCL = CL
output NOISY = B + normal(0, 5)
)");
  auto runs = run_many(*m, 1, {0, 10}, std::nullopt);
  const auto& row = runs[0].rows.back();
  EXPECT_EQ(row.outputs[0], 45);
  EXPECT_EQ(row.outputs[1], 1);
  EXPECT_EQ(row.outputs[2], 2);
  EXPECT_EQ(row.outputs[3], 10);
  EXPECT_EQ(row.outputs[4], 45);
  EXPECT_EQ(row.states[0], 0);  // rate events do not fire without a seed
  EXPECT_TRUE(runs[0].events.empty());
}

TEST(Stochastic, SubjectDrawsFollowTheirDistributions) {
  auto m = test::model(R"(
param CL = 10 cv 30%
random B ~ normal(45, 12)
random R ~ bernoulli(0.3)
random U ~ uniform(2, 6)
random X ~ exponential(0.5)
state N = 0
d/dt(N) = 0
output OB = B
output OR = R
output OU = U
output OX = X
output OCL = CL
)");
  const int n = 4000;
  auto runs = run_many(*m, n, {0}, engine::RandomKey{7, 0});
  std::vector<std::vector<double>> v(5);
  for (const auto& r : runs)
    for (int k = 0; k < 5; ++k) v[static_cast<std::size_t>(k)].push_back(r.rows[0].outputs[static_cast<std::size_t>(k)]);
  const double se = 1 / std::sqrt(static_cast<double>(n));
  EXPECT_NEAR(mean(v[0]), 45, 4 * 12 * se);
  EXPECT_NEAR(sd(v[0]), 12, 4 * 12 * se / std::sqrt(2.0));
  EXPECT_NEAR(mean(v[1]), 0.3, 4 * std::sqrt(0.21) * se);
  EXPECT_NEAR(mean(v[2]), 4, 4 * (4 / std::sqrt(12.0)) * se);
  EXPECT_NEAR(mean(v[3]), 2, 4 * 2 * se);  // exponential(rate 0.5): mean 2, sd 2
  // cv 30%: log CL ~ N(log 10, ln(1 + 0.09))
  std::vector<double> logcl;
  for (double c : v[4]) logcl.push_back(std::log(c));
  double omega = std::sqrt(std::log(1.09));
  EXPECT_NEAR(mean(logcl), std::log(10.0), 4 * omega * se);
  EXPECT_NEAR(sd(logcl), omega, 4 * omega * se / std::sqrt(2.0));
}

TEST(Stochastic, RateEventsArePoissonWithTheStatedIntensity) {
  // Constant intensity 0.02/h over 1000 h: counts ~ Poisson(20), and the first event
  // comes after an exponential time with mean 50 h. The intensity 0.004 t integrates to
  // 0.002 t^2 = 20 by t = 100: Poisson(20) again.
  auto m = test::model(R"(
state N = 0
state M = 0
d/dt(N) = 0
d/dt(M) = 0
event A rate = 0.02
event B rate = if t < 100 then 0.004 * t else 0
on A: N = N + 1
on B: M = M + 1
)");
  const int n = 2000;
  auto runs = run_many(*m, n, {100, 1000}, engine::RandomKey{11, 3});
  std::vector<double> a, b, first;
  for (const auto& r : runs) {
    ASSERT_EQ(r.rows.size(), 3u);      // the record at 0, grid rows at 100 and 1000
    a.push_back(r.rows[2].states[0]);  // N at t = 1000
    b.push_back(r.rows[1].states[1]);  // M at t = 100
    for (const auto& [name, time] : r.events)
      if (name == "A") {
        first.push_back(time);
        break;
      }
  }
  const double se = std::sqrt(20.0 / n);
  EXPECT_NEAR(mean(a), 20, 4 * se);
  EXPECT_NEAR(sd(a) * sd(a), 20, 4 * 20 * std::sqrt(2.0 / n));  // Poisson: variance = mean
  EXPECT_NEAR(mean(b), 20, 4 * se);
  ASSERT_EQ(first.size(), static_cast<std::size_t>(n));  // P(no event in 1000 h) = e^-20
  EXPECT_NEAR(mean(first), 50, 4 * 50 / std::sqrt(static_cast<double>(n)));
  EXPECT_NEAR(sd(first), 50, 4 * 50 / std::sqrt(static_cast<double>(n)));  // exponential: sd = mean
}

TEST(Stochastic, ActionAndOutputDrawsAreFreshEachTime) {
  auto m = test::model(R"(
state X = 0
state T = 0
d/dt(X) = 0
d/dt(T) = 1
event TICK when T >= 1
on TICK: T = 0
on TICK: X = X + normal(0, 1)
output OBS = X + uniform(-1, 1)
)");
  auto runs = run_many(*m, 1, test::grid(0.5, 400.5, 1), engine::RandomKey{5, 0});
  const auto& r = runs[0];
  ASSERT_EQ(r.events.size(), 400u);
  // X is a random walk with N(0,1) steps: X(400) ~ N(0, 400); its increments are
  // independent; output noise is uniform(-1, 1) around X, fresh at each row.
  std::vector<double> steps, noise;
  for (std::size_t i = 1; i < r.rows.size(); ++i) {
    steps.push_back(r.rows[i].states[0] - r.rows[i - 1].states[0]);
    noise.push_back(r.rows[i].outputs[0] - r.rows[i].states[0]);
  }
  EXPECT_NEAR(mean(steps), 0, 4 / std::sqrt(400.0));
  EXPECT_NEAR(sd(steps), 1, 4 / std::sqrt(800.0));
  EXPECT_NEAR(mean(noise), 0, 4 * (1 / std::sqrt(3.0)) / std::sqrt(400.0));
  for (double e : noise) {
    EXPECT_GE(e, -1);
    EXPECT_LE(e, 1);
  }
}

TEST(Stochastic, SameSeedSameSubjectsWhateverElseChanges) {
  auto m = test::model(R"(
random B ~ normal(0, 1)
state N = 0
d/dt(N) = 0
event A rate = 0.05
on A: N = N + 1
output OB = B
output NOISY = N + normal(0, 1)
)");
  auto a = run_many(*m, 5, {0, 100}, engine::RandomKey{1, 0});
  auto b = run_many(*m, 5, {0, 50, 100}, engine::RandomKey{1, 0});  // another grid
  auto c = run_many(*m, 5, {0, 100}, engine::RandomKey{1, 1});      // another replicate
  auto d = run_many(*m, 3, {0, 100}, engine::RandomKey{1, 0});      // fewer subjects
  for (std::size_t s = 0; s < 3; ++s) {
    EXPECT_EQ(a[s].rows[0].outputs[0], b[s].rows[0].outputs[0]);
    EXPECT_EQ(a[s].events, b[s].events);  // event draws do not depend on the output grid
    EXPECT_EQ(a[s].events, d[s].events);
    EXPECT_NE(a[s].rows[0].outputs[0], c[s].rows[0].outputs[0]);
  }
  EXPECT_NE(a[0].rows[0].outputs[0], a[1].rows[0].outputs[0]);
}

TEST(Stochastic, AJumpThatMakesAConditionTrueFiresTheEvent) {
  // A dose into X crosses the threshold by a jump, not by a continuous crossing.
  auto m = test::model("state X = 0\nstate N = 0\nd/dt(X) = -0.01 * X\nd/dt(N) = 0\n"
                       "event HIGH when X >= 10\non HIGH: N = N + 1\n");
  data::Dataset ds = data::parse_dataset("ID,TIME,AMT,EVID,CMT\n1,2,15,1,1\n1,5,0,0,1\n", "jump.csv");
  engine::SimulationOptions opt;
  engine::Binding binding(*m, ds);
  engine::SubjectSimulator sim(*m, binding, opt);
  EventLog log;
  log.n_states = m->state_count();
  log.n_outputs = m->output_count();
  sim.run(ds.subject(0), log);
  ASSERT_EQ(log.events.size(), 1u);
  EXPECT_EQ(log.events[0].second, 2);
  EXPECT_EQ(log.rows.back().states[1], 1);
}

TEST(Stochastic, ThreadCountDoesNotChangeARandomTable) {
  auto m = test::model(R"(
param K = 0.1 cv 40%
random B ~ normal(10, 3)
state X = B
d/dt(X) = -K * X
event RELAPSE rate = 0.01
on RELAPSE: X = X + lognormal(5, 0.5)
output OBS = X + normal(0, 0.2)
)");
  std::string csv = "ID,TIME,EVID\n";
  for (int i = 1; i <= 40; ++i) csv += std::to_string(i) + ",0,2\n";
  data::Dataset ds = data::parse_dataset(csv, "t.csv");
  engine::SimulationOptions opt;
  opt.grid = test::grid(0, 500, 5);
  auto cols = population::resolve_columns(*m, ds.columns(), {});
  std::string out1, out3, ev1, ev3;
  for (int threads : {1, 3}) {
    population::TableOptions table;
    table.random = engine::RandomKey{99, 0};
    population::ParallelOptions par;
    par.threads = threads;
    std::string& out = threads == 1 ? out1 : out3;
    std::string& ev = threads == 1 ? ev1 : ev3;
    population::simulate_table(*m, ds, opt, cols, table, par, [&](std::string_view t) { out += t; },
                               [&](std::string_view t) { ev += t; });
  }
  EXPECT_EQ(out1, out3);
  EXPECT_EQ(ev1, ev3);
  EXPECT_NE(ev1.find("RELAPSE"), std::string::npos);
}

TEST(StochasticErrors, DrawsOnlyWhereAllowedAndEventsWellFormed) {
  auto error_of = [](const std::string& text) {
    try {
      test::model(text);
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const std::string base = "state X = 0\nd/dt(X) = 0\n";
  EXPECT_NE(error_of(base + "let Z = normal(0, 1)\n").find("allowed only in 'random' declarations"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = normal(0, 1)\n").find("not in equations"), std::string::npos);
  EXPECT_NE(error_of(base + "event E rate = uniform(0, 1)\n").find("cannot draw random numbers"), std::string::npos);
  EXPECT_NE(error_of(base + "event E when X\n").find("expected one comparison"), std::string::npos);
  EXPECT_NE(error_of(base + "on NOPE: X = 1\n").find("on NOPE: no event of that name"), std::string::npos);
  EXPECT_NE(error_of(base + "param P = 1\nevent E when X > 1\non E: P = 2\n").find("'P' is not a state"),
            std::string::npos);
  EXPECT_NE(error_of(base + "output N = X + normal(0, 1)\nlet Y = N * 2\noutput Y\n").find("draws fresh random numbers"),
            std::string::npos);
  EXPECT_NE(error_of(base + "random R ~ normal(X, 1)\n").find("the distribution of random R"), std::string::npos);
  EXPECT_NE(error_of(base + "random R ~ widget(1, 2)\n").find("expected a distribution"), std::string::npos);
  EXPECT_NE(error_of(base + "event E when X > 1\nevent E when X > 2\n").find("already defined"), std::string::npos);
  EXPECT_NE(error_of(base + "random R ~ normal(0, 1, 2)\n").find("normal() takes 2 arguments"), std::string::npos);
}

TEST(StochasticEngines, NativeAndInterpretedStochasticModelsAgreeBitForBit) {
  const char* text = R"(
param K = 0.1 cv 40%
random B ~ normal(10, 3)
state X = B
state N = 0
d/dt(X) = -K * X
d/dt(N) = 0
event RELAPSE rate = 0.02 * (1 + X / 10)
event LOW when X <= 2
on RELAPSE: X = X + lognormal(5, 0.5)
on RELAPSE: N = N + 1
on LOW: X = X + uniform(1, 3)
output OBS = X + normal(0, 0.2)
)";
  lang::LoadOptions native;
  native.engine = lang::Engine::Native;
  native.cache_dir = ::testing::TempDir() + "ldnsim-cache-test";
  auto n = lang::parse_model(text, "s.ldn", native);
  auto i = n->interpreted();
  auto rn = run_many(*n, 20, test::grid(0, 300, 3), engine::RandomKey{3, 0});
  auto ri = run_many(*i, 20, test::grid(0, 300, 3), engine::RandomKey{3, 0});
  for (std::size_t s = 0; s < rn.size(); ++s) {
    ASSERT_EQ(rn[s].events, ri[s].events);
    for (std::size_t k = 0; k < rn[s].rows.size(); ++k) {
      EXPECT_EQ(rn[s].rows[k].states, ri[s].rows[k].states);
      EXPECT_EQ(rn[s].rows[k].outputs, ri[s].rows[k].outputs);
    }
  }
}

}  // namespace
}  // namespace ldnsim
