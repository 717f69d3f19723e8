// Linear compartment models against their closed forms: one and two compartments, bolus
// and zero-order infusion, single dose and steady state, for every solver.
#include <gtest/gtest.h>

#include <cmath>

#include "run.hpp"

namespace ldnsim {
namespace {

constexpr const char* kTwoCompartment = R"(
param CL = 3
param V1 = 12
param Q = 5
param V2 = 30
state A1 = 0 unit "mg" depot
state A2 = 0 unit "mg"
d/dt(A1) = -(CL/V1)*A1 - (Q/V1)*A1 + (Q/V2)*A2
d/dt(A2) =  (Q/V1)*A1 - (Q/V2)*A2
output C = A1 / V1
)";

// Two-compartment disposition after an IV input into A1 (Gibaldi & Perrier): the unit
// impulse response is C(t)/Dose = (a e^{-alpha t} + b e^{-beta t}) / V1.
struct TwoCompartment {
  double V1 = 12, alpha, beta, a, b;
  TwoCompartment() {
    double k10 = 3.0 / 12, k12 = 5.0 / 12, k21 = 5.0 / 30;
    double s = k10 + k12 + k21, p = k10 * k21;
    alpha = (s + std::sqrt(s * s - 4 * p)) / 2;
    beta = (s - std::sqrt(s * s - 4 * p)) / 2;
    a = (alpha - k21) / (alpha - beta);
    b = (k21 - beta) / (alpha - beta);
  }
  double mode(int i) const { return i == 0 ? alpha : beta; }
  double weight(int i) const { return i == 0 ? a : b; }
  // Concentration from a bolus D given `tau` ago.
  double bolus(double D, double tau) const {
    if (tau < 0) return 0;
    return D / V1 * (a * std::exp(-alpha * tau) + b * std::exp(-beta * tau));
  }
  // Concentration from an infusion at rate R lasting T, started `tau` ago.
  double infusion(double R, double T, double tau) const {
    double c = 0;
    for (int i = 0; i < 2; ++i) {
      double l = mode(i);
      double inside = tau <= 0 ? 0 : (1 - std::exp(-l * std::min(tau, T))) / l;
      if (tau > T) inside *= std::exp(-l * (tau - T));
      c += weight(i) * inside;
    }
    return R / V1 * c;
  }
};

class ClosedForm : public ::testing::TestWithParam<solver::Method> {};

void expect_close(double ours, double exact, double t, double rel = 1e-7) {
  EXPECT_NEAR(ours, exact, rel * std::fabs(exact) + 1e-12) << "at t = " << t;
}

TEST_P(ClosedForm, OneCompartmentBolus) {
  auto m = test::model(R"(
param CL = 2
param V = 10
state A = 0
d/dt(A) = -CL/V*A
output C = A / V
)");
  auto opt = test::tight(GetParam());
  opt.grid = test::grid(0, 48, 0.25);
  auto rows = test::run(*m, "ID,TIME,AMT,EVID,CMT\n1,0,100,1,1\n", opt);
  int n = 0;
  for (const auto& r : rows) {
    if (r.is_record) continue;
    expect_close(r.outputs[0], 10 * std::exp(-0.2 * r.time), r.time);
    ++n;
  }
  EXPECT_EQ(n, 193);
}

TEST_P(ClosedForm, TwoCompartmentBolusAndInfusion) {
  auto m = test::model(kTwoCompartment);
  TwoCompartment cf;
  auto opt = test::tight(GetParam());
  opt.grid = test::grid(0, 72, 0.5);
  // ID 1: 100 mg bolus at 2 h; ID 2: 120 mg at 15 mg/h (8 h) from 3 h.
  auto rows = test::run(*m, "ID,TIME,AMT,RATE,EVID\n1,2,100,0,1\n2,3,120,15,1\n", opt);
  int checked = 0;
  double id = 1, last_time = -1;
  for (const auto& r : rows) {
    if (r.time < last_time) id = 2;  // the second subject starts again at time 0
    last_time = r.time;
    if (r.is_record) continue;
    double exact = id == 1 ? cf.bolus(100, r.time - 2) : cf.infusion(15, 8, r.time - 3);
    expect_close(r.outputs[0], exact, r.time);
    ++checked;
  }
  EXPECT_EQ(checked, 2 * 145);
}

TEST_P(ClosedForm, TwoCompartmentSteadyStateBolus) {
  // SS=1: 100 mg every 12 h at steady state, record at t=0; the concentration over the
  // interval is sum_i D/V1 w_i e^{-l_i t} / (1 - e^{-l_i tau}).
  auto m = test::model(kTwoCompartment);
  TwoCompartment cf;
  auto opt = test::tight(GetParam());
  opt.grid = test::grid(0, 11.5, 0.5);
  auto rows = test::run(*m, "ID,TIME,AMT,II,SS,EVID\n1,0,100,12,1,1\n", opt);
  for (const auto& r : rows) {
    double c = 0;
    for (int i = 0; i < 2; ++i)
      c += 100 / cf.V1 * cf.weight(i) * std::exp(-cf.mode(i) * r.time) / (1 - std::exp(-cf.mode(i) * 12));
    expect_close(r.outputs[0], c, r.time, 2e-7);
  }
}

TEST_P(ClosedForm, TwoCompartmentSteadyStateInfusionShorterAndLongerThanTheInterval) {
  // 12 h apart: a 3-h infusion (no overlap) and a 30-h infusion (overlapping infusions,
  // II < DUR). Steady state by superposition of the infinite history of prior infusions.
  auto m = test::model(kTwoCompartment);
  TwoCompartment cf;
  auto opt = test::tight(GetParam());
  opt.grid = test::grid(0, 36, 0.5);
  auto rows = test::run(*m, "ID,TIME,AMT,RATE,II,SS,ADDL,EVID\n1,0,60,20,12,1,2,1\n2,0,60,2,12,1,2,1\n", opt);
  double id = 1, last_time = -1;
  int checked = 0;
  for (const auto& r : rows) {
    if (r.time < last_time) id = 2;
    last_time = r.time;
    double R = id == 1 ? 20 : 2, T = 60 / R;
    double c = 0;
    for (int k = -2; k < 4000; ++k) c += cf.infusion(R, T, r.time + 12.0 * k);  // k<0: the ADDL doses
    expect_close(r.outputs[0], c, r.time, 2e-7);
    ++checked;
  }
  EXPECT_EQ(checked, 2 * (73 + 1));
}

INSTANTIATE_TEST_SUITE_P(Solvers, ClosedForm,
                         ::testing::Values(solver::Method::Auto, solver::Method::Dopri5, solver::Method::Rosenbrock,
                                           solver::Method::Bdf, solver::Method::Adams),
                         [](const auto& info) { return std::string(solver::method_name(info.param)); });

}  // namespace
}  // namespace ldnsim
