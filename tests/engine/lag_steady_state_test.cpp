// Lag times against dosing intervals and steady state, checked against closed forms of the
// one-compartment model (first-order absorption from a depot, or doses straight into the
// central compartment) derived by hand: superposition of every dose, the infinite train of
// a steady-state record summed as a geometric series. Nothing here calls the engine's
// steady-state solver, event queue or integrator to get an expected value.
//
// NONMEM's reading of a steady-state dose enters in one place, `ss_*_train`: every prior
// dose of the train (nominal times t0 - k*II, k >= 1) counts as given at the record's
// time t0, and before the anchor a = t0 + ALAG - II (the start of the train's last dose)
// each is in the phase it has at a, its closed form continued analytically: a bolus
// decays backwards, an infusion running at a runs, one ended at a has ended. With
// ALAG <= II that is the plain periodic profile; with ALAG > II it is what NONMEM 7.5.1
// printed for nmtests IDs 409, 410, 411 and 415 (lags of 1.17 to 1.92 intervals, bolus
// and infusion, DUR below and above II). That reading was derived from those NONMEM
// tables, and the nmtests oracle that uses it is checked against every row NONMEM printed
// (nmtests_test.cpp), not against the engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "ldnsim/core/error.hpp"
#include "run.hpp"

namespace ldnsim {
namespace {

constexpr double KE = 0.1, KA = 0.3, V = 10;

constexpr const char* kModel = R"(
param KE = 0.1
param KA = 0.3
param V = 10
param LAGC = 0
param LAGD = 0
state GUT = 0 depot
state CENT = 0
d/dt(GUT) = -KA*GUT
d/dt(CENT) = KA*GUT - KE*CENT
ALAG(GUT) = LAGD
ALAG(CENT) = LAGC
output C = CENT / V
)";

// ---- closed forms: central amount --------------------------------------------------

// Unit responses for any real u (u < 0 continues the closed form backwards).
double bolus_into_central(double u) { return std::exp(-KE * u); }
double bolus_into_depot(double u) { return KA / (KA - KE) * (std::exp(-KE * u) - std::exp(-KA * u)); }
double infusing(double u) { return (1 - std::exp(-KE * u)) / KE; }  // unit rate into CENT, on for u

// One dose arriving at s (nothing before it). A bolus arriving at t is in at t (doses due
// come before the rows at their time).
double bolus(bool depot, double amount, double s, double t) {
  if (t < s) return 0;
  return amount * (depot ? bolus_into_depot(t - s) : bolus_into_central(t - s));
}
double infusion(double rate, double dur, double s, double t) {
  if (t <= s) return 0;
  double u = t - s;
  return u <= dur ? rate * infusing(u) : rate * infusing(dur) * std::exp(-KE * (u - dur));
}

// NONMEM's steady-state train of boluses every tau anchored at a (see the top): the sum
// over k >= 1 of the closed form of the dose starting at a - (k-1)*tau, for any t.
double ss_bolus_train(bool depot, double amount, double a, double tau, double t) {
  double ge = std::exp(-KE * (t - a)) / (1 - std::exp(-KE * tau));
  if (!depot) return amount * ge;
  double ga = std::exp(-KA * (t - a)) / (1 - std::exp(-KA * tau));
  return amount * KA / (KA - KE) * (ge - ga);
}

// The same for infusions of `rate` lasting `dur` into CENT: copies j = 0, 1, ... started at
// a - j*tau; those with j*tau < dur run at a (each on until its end, also before its
// start), the others have ended and decay: a geometric tail.
double ss_infusion_train(double rate, double dur, double a, double tau, double t) {
  double sum = 0;
  long j = 0;
  for (; static_cast<double>(j) * tau < dur; ++j) {
    double s = a - static_cast<double>(j) * tau, end = s + dur;
    sum += t <= end ? rate * infusing(t - s) : rate * infusing(dur) * std::exp(-KE * (t - end));
  }
  // sum over i >= j of e^{-KE (t - (a - i tau) - dur)}, written so that a long infusion
  // (dur >> tau) does not overflow: e^{-KE (t - a - dur + j tau)} / (1 - e^{-KE tau}).
  sum += rate * infusing(dur) * std::exp(-KE * (t - a - dur + static_cast<double>(j) * tau)) / (1 - std::exp(-KE * tau));
  return sum;
}

// ---- running the engine --------------------------------------------------------------

struct Dosing {
  std::string csv;                           // data set (header and records)
  std::function<double(double)> expected;    // central amount at t
  double from, to;                           // grid
};

class LagSteadyState : public ::testing::TestWithParam<solver::Method> {
 protected:
  // Runs the data set with a half-hour grid and compares every grid row's concentration
  // with the closed form, to 1e-6 of the largest concentration of the run (values pass
  // through zero where NONMEM's backwards continuation turns negative).
  void check(const Dosing& d, const std::string& what) {
    static const lang::ModelPtr m = test::model(kModel);
    auto opt = test::tight(GetParam());
    opt.grid = test::grid(d.from, d.to, 0.5);
    auto rows = test::run(*m, d.csv, opt);
    double scale = 0;
    for (double g : opt.grid) scale = std::max(scale, std::fabs(d.expected(g)) / V);
    ASSERT_GT(scale, 0) << what;
    int checked = 0;
    for (const auto& r : rows) {
      if (r.is_record) continue;
      double exact = d.expected(r.time) / V;
      EXPECT_NEAR(r.outputs[0], exact, 1e-6 * scale) << what << " at t = " << r.time;
      ++checked;
    }
    EXPECT_EQ(checked, static_cast<int>(opt.grid.size())) << what;
  }
};

const double kTau = 12;
const double kLags[] = {6, 18, 30, 42};  // 0.5, 1.5, 2.5 and 3.5 intervals

std::string num(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

// An SS=1 record at 0 into CENT: `amount` every 12 h (a bolus, or an infusion at `rate`),
// with `addl` additional doses and ALAG `lag`; expected: NONMEM's train anchored at
// lag - 12, plus the record's own dose and the additional ones; the grid runs to lag + span.
Dosing central_regimen(double amount, double rate, int addl, double lag, double span) {
  Dosing d;
  d.csv = "ID,TIME,EVID,AMT,RATE,CMT,II,SS,ADDL,LAGC\n1,0,1," + num(amount) + "," + num(rate) + ",2,12,1," +
          std::to_string(addl) + "," + num(lag) + "\n";
  d.expected = [=](double t) {
    const double dur = rate > 0 ? amount / rate : 0;
    double c = rate > 0 ? ss_infusion_train(rate, dur, lag - kTau, kTau, t)
                        : ss_bolus_train(false, amount, lag - kTau, kTau, t);
    for (int k = 0; k <= addl; ++k)
      c += rate > 0 ? infusion(rate, dur, lag + k * kTau, t) : bolus(false, amount, lag + k * kTau, t);
    return c;
  };
  d.from = 0;
  d.to = lag + span;
  return d;
}

TEST_P(LagSteadyState, CentralBolusAtSteadyStateWithLagsOfHalfToThreeAndAHalfIntervals) {
  // 100 mg into CENT every 12 h, SS=1 at 0, two additional doses. Before the record's own
  // dose arrives (at ALAG) the state is the train's, moved back from the anchor.
  for (double lag : kLags) check(central_regimen(100, 0, 2, lag, 48), "ALAG " + num(lag));
}

TEST_P(LagSteadyState, ShortInfusionAtSteadyStateWithLagsOfHalfToThreeAndAHalfIntervals) {
  // 100 mg at 25 mg/h (4 h) every 12 h into CENT, SS=1 at 0, two additional doses. With
  // ALAG > II the last dose of the train runs from the record's time to anchor + 4 h.
  for (double lag : kLags) check(central_regimen(100, 25, 2, lag, 48), "ALAG " + num(lag));
}

TEST_P(LagSteadyState, OverlappingInfusionsAtSteadyStateWithLagsOfHalfToThreeAndAHalfIntervals) {
  // 300 mg at 10 mg/h (30 h) every 12 h: three copies overlap at each start.
  for (double lag : kLags) check(central_regimen(300, 10, 1, lag, 60), "ALAG " + num(lag));
}

TEST_P(LagSteadyState, InfusionsEndingExactlyAtDoseTimes) {
  // DUR == II: each infusion of the train ends exactly when the next starts, so the rate
  // is 10 mg/h without a break and the state is 10/KE = 100 mg throughout, then declines
  // after the last additional dose; ALAG 2.5 and 1 intervals.
  for (double lag : {30.0, 12.0}) {
    Dosing d = central_regimen(120, 10, 2, lag, 60);
    // The closed form itself says so: constant until lag + 36 h.
    for (double t = 0; t <= lag + 36; t += 0.5) ASSERT_NEAR(d.expected(t), 100, 1e-9) << t;
    check(d, "DUR == II, ALAG " + num(lag));
  }
  // DUR 4 h every 24 h with ALAG 20 h (as nmtests 425): the train's last infusion ends
  // exactly at the record's time; with ALAG 44 h (1.83 intervals) it ends exactly at the
  // first nominal additional dose time. A second SS=1 record at 48 h then resets.
  for (double lag : {20.0, 44.0}) {
    Dosing d;
    d.csv = "ID,TIME,EVID,AMT,RATE,CMT,II,SS,ADDL,LAGC\n1,0,1,100,25,2,24,1,1," + num(lag) + "\n1,48,1,100,25,2,24,1,0," +
            num(lag) + "\n";
    d.expected = [lag](double t) {
      if (t < 48) {
        double c = ss_infusion_train(25, 4, lag - 24, 24, t);
        for (int k = 0; k <= 1; ++k) c += infusion(25, 4, lag + k * 24, t);
        return c;
      }
      return ss_infusion_train(25, 4, 48 + lag - 24, 24, t) + infusion(25, 4, 48 + lag, t);
    };
    d.from = 0;
    d.to = 48 + lag + 30;
    check(d, "DUR 4, II 24, ALAG " + num(lag));
  }
}

TEST_P(LagSteadyState, DepotBolusAtSteadyStateWithLagBeyondTheInterval) {
  // 100 mg into GUT every 12 h, ALAG(GUT): both exponentials continue backwards.
  for (double lag : {6.0, 18.0, 30.0}) {
    Dosing d;
    d.csv = "ID,TIME,EVID,AMT,CMT,II,SS,ADDL,LAGD\n1,0,1,100,1,12,1,1," + num(lag) + "\n";
    d.expected = [lag](double t) {
      double c = ss_bolus_train(true, 100, lag - kTau, kTau, t);
      for (int k = 0; k <= 1; ++k) c += bolus(true, 100, lag + k * kTau, t);
      return c;
    };
    d.from = 0;
    d.to = lag + 48;
    check(d, "depot, ALAG " + num(lag));
  }
}

TEST_P(LagSteadyState, SteadyState2WithLagAddsItsTrainToTheRunningRegimen) {
  // SS=1: 100 mg into CENT every 12 h from 0 (no lag, six additional doses). At 6 h an SS=2
  // record adds 100 mg at 25 mg/h every 12 h into CENT with ALAG 30 h (2.5 intervals) and
  // two additional doses; at 3 h an SS=2 record adds 50 mg into GUT every 12 h with ALAG
  // 18 h (1.5 intervals). SS=2 cancels nothing: the states add.
  Dosing d;
  d.csv =
      "ID,TIME,EVID,AMT,RATE,CMT,II,SS,ADDL,LAGC,LAGD\n"
      "1,0,1,100,0,2,12,1,6,0,0\n"
      "1,3,1,50,0,1,12,2,0,0,18\n"
      "1,6,1,100,25,2,12,2,2,30,0\n";
  d.expected = [](double t) {
    double c = ss_bolus_train(false, 100, -kTau, kTau, t);
    for (int k = 0; k <= 6; ++k) c += bolus(false, 100, k * kTau, t);
    if (t >= 3) c += ss_bolus_train(true, 50, 3 + 18 - kTau, kTau, t) + bolus(true, 50, 3 + 18, t);
    if (t >= 6) {
      c += ss_infusion_train(25, 4, 6 + 30 - kTau, kTau, t);
      for (int k = 0; k <= 2; ++k) c += infusion(25, 4, 6 + 30 + k * kTau, t);
    }
    return c;
  };
  d.from = 0;
  d.to = 96;
  check(d, "SS=1 then SS=2");
}

TEST_P(LagSteadyState, SteadyState2WithLagsOfHalfToThreeAndAHalfIntervalsBolusAndInfusion) {
  // Under an SS=1 regimen (100 mg into CENT every 12 h from 0, no lag, eight additional
  // doses), an SS=2 record at 5 h adds a regimen every 8 h with ALAG 4, 12, 20 or 28 h
  // (0.5, 1.5, 2.5, 3.5 of its interval) and two additional doses: a bolus of 60 mg, an
  // infusion of 100 mg at 25 mg/h (4 h), and one of 80 mg at 10 mg/h (8 h: each copy ends
  // exactly when the next starts). SS=2 cancels nothing; its train (anchored at
  // 5 + ALAG - 8) adds to the running regimen from its record on.
  struct Added {
    double amount, rate;
  };
  const double ii = 8, t2 = 5;
  for (const Added& a : {Added{60, 0}, Added{100, 25}, Added{80, 10}})
    for (double lag : {4.0, 12.0, 20.0, 28.0}) {
      Dosing d;
      d.csv = "ID,TIME,EVID,AMT,RATE,CMT,II,SS,ADDL,LAGC\n1,0,1,100,0,2,12,1,8,0\n1,5,1," + num(a.amount) + "," +
              num(a.rate) + ",2,8,2,2," + num(lag) + "\n";
      d.expected = [=](double t) {
        double c = ss_bolus_train(false, 100, -kTau, kTau, t);
        for (int k = 0; k <= 8; ++k) c += bolus(false, 100, k * kTau, t);
        if (t < t2) return c;
        const double dur = a.rate > 0 ? a.amount / a.rate : 0;
        c += a.rate > 0 ? ss_infusion_train(a.rate, dur, t2 + lag - ii, ii, t)
                        : ss_bolus_train(false, a.amount, t2 + lag - ii, ii, t);
        for (int k = 0; k <= 2; ++k)
          c += a.rate > 0 ? infusion(a.rate, dur, t2 + lag + k * ii, t) : bolus(false, a.amount, t2 + lag + k * ii, t);
        return c;
      };
      d.from = 0;
      d.to = t2 + lag + 40;
      check(d, "SS=2 AMT " + num(a.amount) + " RATE " + num(a.rate) + " ALAG " + num(lag));
    }
}

TEST_P(LagSteadyState, LaggedDosesArrivingIntervalsLaterWithoutSteadyState) {
  // No steady state: a bolus with ALAG 30 h (2.5 intervals) and three additional doses,
  // and an infusion with ALAG 42 h (3.5 intervals) and two: each dose arrives ALAG after
  // its nominal time, several are pending at once, and nothing is there before the first.
  Dosing d;
  d.csv =
      "ID,TIME,EVID,AMT,RATE,CMT,II,ADDL,LAGC\n"
      "1,0,1,100,0,2,12,3,30\n"
      "1,1,1,100,25,2,12,2,42\n";
  d.expected = [](double t) {
    double c = 0;
    for (int k = 0; k <= 3; ++k) c += bolus(false, 100, 30 + k * kTau, t);
    for (int k = 0; k <= 2; ++k) c += infusion(25, 4, 1 + 42 + k * kTau, t);
    return c;
  };
  for (double t = 0; t < 30; t += 0.5) ASSERT_EQ(d.expected(t), 0);
  d.from = 0;
  d.to = 100;
  check(d, "lagged doses");
}

TEST_P(LagSteadyState, LaggedBolusesAndInfusionsWithAddlAtEveryLag) {
  // No steady state, one record at 2 h with three additional doses every 12 h and ALAG of
  // 0.5, 1.5, 2.5 or 3.5 intervals: a bolus, and an infusion of 120 mg at 10 mg/h (DUR ==
  // II: each copy ends exactly when the next arrives, so 10 mg/h runs without a break from
  // the first arrival for 48 h).
  for (double rate : {0.0, 10.0})
    for (double lag : kLags) {
      Dosing d;
      d.csv = "ID,TIME,EVID,AMT,RATE,CMT,II,ADDL,LAGC\n1,2,1,120," + num(rate) + ",2,12,3," + num(lag) + "\n";
      d.expected = [=](double t) {
        double c = 0;
        for (int k = 0; k <= 3; ++k)
          c += rate > 0 ? infusion(rate, 12, 2 + lag + k * kTau, t) : bolus(false, 120, 2 + lag + k * kTau, t);
        return c;
      };
      if (rate > 0) {  // the closed form agrees: one 48-h infusion at 10 mg/h
        for (double t = 0; t <= 2 + lag + 80; t += 0.5) ASSERT_NEAR(d.expected(t), infusion(10, 48, 2 + lag, t), 1e-9) << t;
      }
      d.from = 0;
      d.to = 2 + lag + 60;
      check(d, "RATE " + num(rate) + " ALAG " + num(lag));
    }
}

TEST_P(LagSteadyState, SteadyStateConstantInfusionsStopAtTheirRecord) {
  // SS=1, AMT 0, RATE 100, II 0 into GUT (nmtests 29's reading, NONMEM 7.5): the state is
  // the infusion's steady state (GUT 100/KA, CENT 100/KE) and then declines. An SS=2
  // constant infusion of 10 mg/h into CENT at 30 h adds its steady state, 10/KE.
  Dosing d;
  d.csv =
      "ID,TIME,EVID,AMT,RATE,CMT,II,SS\n"
      "1,0,1,0,100,1,0,1\n"
      "1,30,1,0,10,2,0,2\n";
  d.expected = [](double t) {
    double c = 100 / KE * bolus_into_central(t) + 100 / KA * bolus_into_depot(t);
    if (t >= 30) c += 10 / KE * bolus_into_central(t - 30);
    return c;
  };
  d.from = 0;
  d.to = 60;
  check(d, "constant infusions");
}

INSTANTIATE_TEST_SUITE_P(Solvers, LagSteadyState,
                         ::testing::Values(solver::Method::Auto, solver::Method::Dopri5, solver::Method::Rosenbrock,
                                           solver::Method::Bdf, solver::Method::Adams),
                         [](const auto& info) { return std::string(solver::method_name(info.param)); });

// ---- the closed forms themselves ------------------------------------------------------

TEST(LagSteadyStateClosedForms, TheTrainIsTheSumOfItsPastDosesWhereTheLagIsWithinTheInterval) {
  // With ALAG <= II no reading is involved: the steady state is the sum of every past dose
  // of the train, each one arriving at TIME + ALAG - k*II (k >= 1). The geometric series
  // above must equal that sum, taken here dose by dose over 3000 intervals.
  for (double lag : {0.0, 3.0, 6.0, 12.0}) {
    const double a = lag - kTau;  // the anchor: the train's last dose arrives there
    for (double t = a; t <= a + 40; t += 0.75) {
      double bol = 0, dep = 0, inf = 0, longinf = 0;
      for (int k = 0; k < 3000; ++k) {
        double s = a - k * kTau;
        bol += bolus(false, 100, s, t);
        dep += bolus(true, 100, s, t);
        inf += infusion(25, 4, s, t);
        longinf += infusion(10, 30, s, t);
      }
      const std::string at = "ALAG " + num(lag) + " t " + num(t);
      EXPECT_NEAR(ss_bolus_train(false, 100, a, kTau, t), bol, 1e-9 * bol) << at;
      EXPECT_NEAR(ss_bolus_train(true, 100, a, kTau, t), dep, 1e-9 * dep) << at;
      EXPECT_NEAR(ss_infusion_train(25, 4, a, kTau, t), inf, 1e-9 * inf) << at;
      EXPECT_NEAR(ss_infusion_train(10, 30, a, kTau, t), longinf, 1e-9 * longinf) << at;
    }
  }
}

// ---- sizes from input (issue 12): bounded, and computed without memory per copy --------

TEST(LagSteadyStateLimits, SteadyStateInfusionFarLongerThanItsIntervalIsComputedInClosedForm) {
  // AMT 1e8 at 10 mg/h lasts 1e7 h: 416,667 copies of it overlap at steady state. The
  // state at the record is the train's (copies counted, not listed); 12 and 24 h later the
  // record's own infusion runs beside them, and at 24 h the profile has come round.
  auto m = test::model(kModel);
  auto rows = test::run(*m,
                        "ID,TIME,EVID,AMT,CMT,RATE,II,SS\n"
                        "1,0,1,1e8,2,10,24,1\n"
                        "1,12,0,0,2,0,0,0\n"
                        "1,24,0,0,2,0,0,0\n",
                        test::tight());
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) {
    double exact = (ss_infusion_train(10, 1e7, -24, 24, r.time) + infusion(10, 1e7, 0, r.time)) / V;
    EXPECT_NEAR(r.outputs[0], exact, 1e-8 * exact) << r.time;
  }
  EXPECT_NEAR(rows[2].outputs[0], rows[0].outputs[0], 1e-8 * rows[0].outputs[0]);
}

TEST(LagSteadyStateLimits, TooManyOverlappingCopiesIsAnErrorNamingTheRecordValueAndLimit) {
  // AMT 1e20: 4.2e17 overlapping copies.
  auto m = test::model(kModel);
  try {
    test::run(*m, "ID,TIME,EVID,AMT,CMT,RATE,II,SS\n1,0,1,1e20,2,10,24,1\n");
    FAIL() << "no error";
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("inline.csv:2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("4.166666667e+17"), std::string::npos) << msg;
    EXPECT_NE(msg.find("limit is 1000000000"), std::string::npos) << msg;
  }
}

TEST(LagSteadyStateLimits, SteadyStateInfusionCopiesEndingBeyondTheLimitWithinTheSimulatedTimeAreAnError) {
  // A 100-h infusion every 1e-6 h: 1e8 overlapping copies (within the 1e9 bound), whose
  // ends would come one every 1e-6 h until the observation at 100 h.
  auto m = test::model(kModel);
  try {
    test::run(*m, "ID,TIME,EVID,AMT,CMT,RATE,II,SS\n1,0,1,100,2,1,1e-6,1\n1,100,0,0,2,0,0,0\n");
    FAIL() << "no error";
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("inline.csv:2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("end within the simulated time (to 100)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("limit is 10000000 "), std::string::npos) << msg;
  }
}

TEST(LagSteadyStateLimits, ManyOverlappingAdditionalInfusionsCostNoMemoryPerCopy) {
  // 20,000 additional infusions of 1e7 h every 24 h: all of them run at the end.
  auto m = test::model(kModel);
  auto rows = test::run(*m, "ID,TIME,EVID,AMT,CMT,RATE,II,ADDL\n1,0,1,1e8,2,10,24,20000\n1,480000,0,0,2,0,0,0\n");
  ASSERT_EQ(rows.size(), 2u);
  double exact = 0;
  for (int k = 0; k <= 20000; ++k) exact += infusion(10, 1e7, 24.0 * k, 480000);
  EXPECT_NEAR(rows[1].outputs[0], exact / V, 1e-6 * exact / V);
}

}  // namespace
}  // namespace ldnsim
