// Event semantics with hand-derivable answers: models whose solutions are exact
// (accumulators, linear decay) so that every number below follows from the dosing rules.
#include <gtest/gtest.h>

#include <cmath>

#include "ldnsim/core/error.hpp"
#include "run.hpp"

namespace ldnsim {
namespace {

// A accumulates whatever enters it; B declines at rate K (a data column).
constexpr const char* kAccumulator = R"(
param K = 1
state A = 0
state B = 0
d/dt(A) = 0
d/dt(B) = K
F(A) = BIO
ALAG(A) = LAG
R(A) = 20
D(A) = 4
param BIO = 1
param LAG = 0
output A_OUT = A
output K_OUT = K
)";

std::vector<double> record_states(const std::vector<test::Row>& rows, int state) {
  std::vector<double> v;
  for (const auto& r : rows)
    if (r.is_record) v.push_back(r.states[static_cast<std::size_t>(state)]);
  return v;
}

// Integration is exact for these models up to rounding and the solver's tolerance (1e-10).
void expect_states(const std::vector<double>& got, const std::vector<double>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], 1e-9 * (1 + std::fabs(expected[i]))) << "record " << i;
}

TEST(Covariates, NextRecordIsNonmemsDefaultAndLastRecordIsTheAlternative) {
  auto m = test::model(kAccumulator);
  const char* data = "ID,TIME,EVID,K\n1,0,0,1\n1,10,0,2\n1,20,0,2\n1,25,2,.\n1,30,0,5\n";
  auto nocb = test::run(*m, data, test::tight());
  // NONMEM: the interval (t[i-1], t[i]] uses record i's K; '.' carries 2 forward.
  expect_states(record_states(nocb, 1), {0, 20, 40, 50, 75});
  auto opt = test::tight();
  opt.covariates = engine::CovariateMode::LastRecord;
  auto locf = test::run(*m, data, opt);
  expect_states(record_states(locf, 1), {0, 10, 30, 40, 50});
  // The output sees the value in effect on its record.
  EXPECT_EQ(nocb[3].outputs[1], 2);
  EXPECT_EQ(locf[4].outputs[1], 5);
}

TEST(Doses, BioavailabilityLagAndRecordOrder) {
  auto m = test::model(kAccumulator);
  // An observation listed before a dose at the same time sees the pre-dose state; the
  // dose record itself and later records see it after. A lagged dose is given at
  // TIME + ALAG, before records at that time.
  auto rows = test::run(*m,
                        "ID,TIME,AMT,CMT,EVID,BIO,LAG\n"
                        "1,0,0,1,0,0.5,0\n1,0,100,1,1,0.5,0\n1,0,0,1,0,0.5,0\n"
                        "1,1,100,1,1,1,2\n1,2.5,0,1,0,1,2\n1,3,0,1,0,1,2\n",
                        test::tight());
  expect_states(record_states(rows, 0), {0, 50, 50, 50, 50, 150});
}

TEST(Doses, AdditionalDosesAndResetsCancelWhatIsPending) {
  auto m = test::model("param K = 0.1\nstate A = 0\nd/dt(A) = -K*A\n");
  auto opt = test::tight();
  // Doses of 10 at 0, 10, 20, 30, 40 (ADDL 4); EVID 3 at 25 resets and cancels 30 and 40.
  auto rows = test::run(*m, "ID,TIME,AMT,II,ADDL,EVID\n1,0,10,10,4,1\n1,20,0,0,0,0\n1,25,0,0,0,3\n1,45,0,0,0,0\n", opt);
  ASSERT_EQ(rows.size(), 4u);
  double at20 = 10 * (1 + std::exp(-1.0) + std::exp(-2.0));  // dose at 20 given before the record
  EXPECT_NEAR(rows[1].states[0], at20, 1e-9 * at20);
  EXPECT_EQ(rows[2].states[0], 0);
  EXPECT_EQ(rows[3].states[0], 0);
  // EVID 4 resets and doses; a running infusion is cancelled by the reset.
  auto rows4 = test::run(*m, "ID,TIME,AMT,RATE,EVID\n1,0,100,1,1\n1,10,5,0,4\n1,20,0,0,0\n", opt);
  EXPECT_NEAR(rows4[2].states[0], 5 * std::exp(-1.0), 1e-9);
}

TEST(Doses, InfusionRatesDurationsAndBioavailability) {
  auto m = test::model(kAccumulator);
  auto opt = test::tight();
  opt.grid = {2, 5, 6, 10};
  // RATE 10 with F 0.5: 50 delivered over 5 h (F shortens the infusion, not the rate).
  auto a = test::run(*m, "ID,TIME,AMT,RATE,EVID,BIO\n1,0,100,10,1,0.5\n", opt);
  EXPECT_NEAR(a[1].states[0], 20, 1e-9);
  EXPECT_NEAR(a[2].states[0], 50, 1e-9);
  EXPECT_NEAR(a[3].states[0], 50, 1e-9);
  // RATE -1: rate R(A) = 20, so 100 takes 5 h.
  auto b = test::run(*m, "ID,TIME,AMT,RATE,EVID\n1,0,100,-1,1\n", opt);
  EXPECT_NEAR(b[1].states[0], 40, 1e-9);
  EXPECT_NEAR(b[2].states[0], 100, 1e-9);
  // RATE -2: duration D(A) = 4, so the rate is 25.
  auto c = test::run(*m, "ID,TIME,AMT,RATE,EVID\n1,0,100,-2,1\n", opt);
  EXPECT_NEAR(c[1].states[0], 50, 1e-9);
  EXPECT_NEAR(c[2].states[0], 100, 1e-9);
  // Overlapping infusions add their rates.
  auto d = test::run(*m, "ID,TIME,AMT,RATE,EVID\n1,0,60,10,1\n1,1,60,10,1\n", opt);
  EXPECT_NEAR(d[2].states[0], 20 + 10, 1e-9);  // grid t=2: 20 from the first, 10 from the second
  EXPECT_NEAR(d[5].states[0], 120, 1e-9);
}

TEST(Output, GridRowsFollowRecordsAtTheSameTimeAndGridAloneIsEnough) {
  auto m = test::model(kAccumulator);
  auto opt = test::tight();
  opt.grid = {0, 1, 2};
  auto rows = test::run(*m, "ID,TIME,AMT,EVID\n1,1,7,1\n", opt);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_FALSE(rows[0].is_record);
  EXPECT_EQ(rows[0].time, 0);
  EXPECT_TRUE(rows[1].is_record);  // the dose record at 1, then the grid row at 1
  EXPECT_FALSE(rows[2].is_record);
  EXPECT_EQ(rows[2].time, 1);
  EXPECT_EQ(rows[2].states[0], 7);
  EXPECT_EQ(rows[3].time, 2);
}

TEST(Output, ExplicitTimeDependenceUsesDenseOutput) {
  auto m = test::model("state A = 0\nd/dt(A) = cos(t)\n");
  auto opt = test::tight();
  opt.grid = test::grid(0, 20, 0.1);
  auto rows = test::run(*m, "ID,TIME,EVID\n1,0,0\n", opt);
  for (const auto& r : rows) EXPECT_NEAR(r.states[0], std::sin(r.time), 1e-8) << r.time;
}

TEST(SteadyState, SuperposedSteadyStateAddsToTheCurrentState) {
  // SS=2 at t=12 adds the steady state of its own regimen to what is there (linear
  // system), without resetting.
  auto m = test::model("param K = 0.2\nstate A = 0\nd/dt(A) = -K*A\n");
  auto rows = test::run(*m, "ID,TIME,AMT,II,SS,EVID\n1,0,100,24,1,1\n1,12,50,24,2,1\n1,12,0,0,0,0\n", test::tight());
  double from_first = 100 * std::exp(-0.2 * 12) / (1 - std::exp(-0.2 * 24));
  double from_second = 50 / (1 - std::exp(-0.2 * 24));  // just after its dose
  EXPECT_NEAR(rows[2].states[0], from_first + from_second, 1e-7);
}

TEST(Failures, SteadyStateThatDoesNotExistIsReportedWithTheState) {
  auto m = test::model("state A = 0\nstate B = 0\nd/dt(A) = -0.1*A\nd/dt(B) = A\n");
  try {
    test::run(*m, "ID,TIME,AMT,II,SS,EVID\n7,0,10,24,1,1\n", test::tight());
    FAIL() << "expected a steady-state failure";
  } catch (const SolverError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("inline.csv:2: ID 7: steady state not reached"), std::string::npos) << msg;
    EXPECT_NE(msg.find("state B"), std::string::npos) << msg;
  }
}

TEST(Failures, NonFiniteDerivativesNameSubjectTimeAndState) {
  auto m = test::model("state A = 1\nstate B = 0\nd/dt(A) = -1\nd/dt(B) = log(A)\n");
  for (auto method : {solver::Method::Auto, solver::Method::Bdf}) {
    try {
      auto opt = test::tight(method);
      opt.grid = {0, 5};
      test::run(*m, "ID,TIME,EVID\n42,0,0\n", opt);
      FAIL() << "expected a solver failure";
    } catch (const SolverError& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("ID 42: solver failed at time "), std::string::npos) << msg;
      EXPECT_NE(msg.find("A="), std::string::npos) << msg;
      EXPECT_NE(msg.find("B="), std::string::npos) << msg;
    }
  }
}

TEST(Failures, TooMuchWorkIsReported) {
  auto m = test::model("state A = 1\nd/dt(A) = -A\n");
  auto opt = test::tight();
  opt.tolerances.max_steps = 5;
  opt.grid = {0, 1000};
  EXPECT_THROW(test::run(*m, "ID,TIME,EVID\n1,0,0\n", opt), SolverError);
}

TEST(Failures, ImpossibleDosingPropertiesNameTheRecord) {
  auto m = test::model("param BIO = 1\nstate A = 0\nd/dt(A) = 0\nF(A) = BIO\n");
  try {
    test::run(*m, "ID,TIME,AMT,EVID,BIO\n1,0,10,1,-0.5\n", test::tight());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("inline.csv:2: ID 1: F(A) = -0.5, expected a bioavailability"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ldnsim

namespace ldnsim {
namespace {

TEST(Determinism, ASubjectsNumbersDoNotDependOnTheSubjectsBeforeIt) {
  // Subject 1 is stiff (auto hands it to BDF); subject 2 is not. Run after subject 1 on the
  // same simulator, subject 2 must get exactly the numbers it gets alone.
  auto m = test::model("param K = 1\nstate A = 10\nstate B = 0\nd/dt(A) = -K*(A - cos(t))\nd/dt(B) = A - B\n");
  engine::SimulationOptions opt;  // default tolerances: subject 1 is stability-limited
  opt.grid = test::grid(0, 30, 0.5);
  auto both = test::run(*m, "ID,TIME,EVID,K\n1,0,2,5000\n2,0,2,0.3\n", opt);
  auto alone = test::run(*m, "ID,TIME,EVID,K\n2,0,2,0.3\n", opt);
  ASSERT_EQ(both.size(), 2 * alone.size());
  for (std::size_t i = 0; i < alone.size(); ++i) EXPECT_EQ(both[alone.size() + i].states, alone[i].states) << i;
}

}  // namespace
}  // namespace ldnsim
