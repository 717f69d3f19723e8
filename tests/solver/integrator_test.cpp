// The integrators on problems with known answers, against each other, and against
// Boost.Odeint's own Dormand-Prince stepper.
#include <gtest/gtest.h>

#include <boost/numeric/odeint.hpp>
#include <cmath>
#include <vector>

#include "ldnsim/lang/model.hpp"
#include "ldnsim/solver/integrator.hpp"

namespace ldnsim::solver {
namespace {

// A model's equations behind the integrators' callback (as the engine does, without
// dosing inputs), counting calls.
class KernelRhs : public OdeFunction {
 public:
  KernelRhs(const lang::Model& m, const double* p)
      : OdeFunction(&KernelRhs::call, this), kernel_(m.kernel()), p_(p), work_(m.kernel().work_size + 1) {}
  long calls() const { return calls_; }

 private:
  static void call(void* self, double t, const double* y, double* dydt) {
    auto& r = *static_cast<KernelRhs*>(self);
    ++r.calls_;
    r.kernel_.rhs(r.kernel_.ctx, t, y, r.p_, dydt, r.work_.data());
  }
  const lang::Kernel& kernel_;
  const double* p_;
  std::vector<double> work_;
  long calls_ = 0;
};

struct Problem {
  lang::ModelPtr model;
  std::vector<double> p;
  std::unique_ptr<KernelRhs> system;

  explicit Problem(const std::string& text) {
    lang::LoadOptions o;
    o.engine = lang::Engine::Interpreter;
    model = lang::parse_model(text, "problem.ldn", o);
    p = model->default_parameter_block();
    system = std::make_unique<KernelRhs>(*model, p.data());
  }
};

const Method kAll[] = {Method::Auto, Method::Dopri5, Method::Rosenbrock, Method::Bdf, Method::Adams};

TEST(Integrators, DenseOutputOfAnOscillatorMatchesTheExactSolution) {
  // y'' = -y as a system: y = cos t, y' = -sin t.
  Problem pr("state Y = 1\nstate V = 0\nd/dt(Y) = V\nd/dt(V) = -Y\n");
  for (Method m : kAll) {
    Tolerances tol;
    tol.rtol = 1e-10;
    tol.atol = 1e-12;
    auto integ = make_integrator(m, 2, tol);
    double y0[2] = {1, 0}, y[2];
    integ->restart(*pr.system, 0, y0);
    for (double t = 0.05; t < 20; t += 0.37) {
      integ->solution_at(t, 20, y);
      EXPECT_NEAR(y[0], std::cos(t), 2e-8) << method_name(m) << " t=" << t;
      EXPECT_NEAR(y[1], -std::sin(t), 2e-8) << method_name(m) << " t=" << t;
    }
    integ->solution_at(20, 20, y);  // lands on the stop time
    EXPECT_NEAR(y[0], std::cos(20.0), 2e-8) << method_name(m);
  }
}

TEST(Integrators, StiffForcedProblemSwitchesToBdfAndStaysAccurate) {
  // y' = -1000 (y - cos t) - sin t (Prothero-Robinson) has the smooth solution cos t and an
  // eigenvalue -1000: explicit steps are held to h*1000 < 3.3 by stability; auto hands the
  // stiff stretch to BDF.
  const char* text = "state Y = 1\nd/dt(Y) = -1000*(Y - cos(t)) - sin(t)\n";
  Tolerances tol;
  tol.rtol = 1e-6;
  tol.atol = 1e-9;
  long dopri_calls = 0, auto_calls = 0;
  for (Method m : {Method::Dopri5, Method::Auto, Method::Bdf}) {
    Problem pr(text);
    auto integ = make_integrator(m, 1, tol);
    double y0 = 1, y;
    integ->restart(*pr.system, 0, &y0);
    for (double t = 1; t <= 50; t += 1) {
      integ->solution_at(t, 50, &y);
      EXPECT_NEAR(y, std::cos(t), 5e-6) << method_name(m) << " t=" << t;
    }
    if (m == Method::Dopri5) dopri_calls = pr.system->calls();
    if (m == Method::Auto) {
      auto_calls = pr.system->calls();
      EXPECT_GE(integ->stats().stiff_switches, 1);
    }
  }
  EXPECT_LT(auto_calls * 20, dopri_calls);  // measured: ~1,000 against ~110,000 calls
}

TEST(Integrators, RobertsonChemistryWithEveryStiffCapableMethod) {
  // Robertson's reaction system (Hairer & Wanner, Solving ODEs II): reference values at
  // t = 40 from a high-accuracy solution, A = 0.7158270687, B = 9.185534765e-6,
  // C = 0.2841637457.
  const char* text = R"(
state A = 1
state B = 0
state C = 0
d/dt(A) = -0.04*A + 1e4*B*C
d/dt(B) = 0.04*A - 1e4*B*C - 3e7*B*B
d/dt(C) = 3e7*B*B
)";
  for (Method m : {Method::Auto, Method::Rosenbrock, Method::Bdf}) {
    Problem pr(text);
    Tolerances tol;
    tol.rtol = 1e-8;
    tol.atol = 1e-14;
    auto integ = make_integrator(m, 3, tol);
    double y0[3] = {1, 0, 0}, y[3];
    integ->restart(*pr.system, 0, y0);
    integ->solution_at(40, 40, y);
    EXPECT_NEAR(y[0], 0.7158270687, 1e-6) << method_name(m);
    EXPECT_NEAR(y[1], 9.185534765e-6, 1e-10) << method_name(m);
    EXPECT_NEAR(y[2], 0.2841637457, 1e-6) << method_name(m);
    EXPECT_LT(pr.system->calls(), 20000) << method_name(m);
  }
}

TEST(Integrators, NonFiniteValuesAndTooMuchWorkAreReported) {
  Problem pr("state Y = 1\nd/dt(Y) = Y * Y\n");  // y = 1/(1 - t): blows up at t = 1
  Tolerances bounded;
  bounded.max_steps = 100000;  // Adams creeps towards the pole otherwise
  for (Method m : kAll) {
    auto integ = make_integrator(m, 1, bounded);
    double y0 = 1, y;
    integ->restart(*pr.system, 0, &y0);
    try {
      integ->solution_at(2, 2, &y);
      ADD_FAILURE() << method_name(m) << " integrated through a singularity: y=" << y;
    } catch (const IntegrationFailure& f) {
      // Explicit steps may land just past the pole before the overflow shows.
      EXPECT_GT(f.t, 0.99) << method_name(m);
      EXPECT_LT(f.t, 1.001) << method_name(m);
      EXPECT_FALSE(f.reason.empty());
    }
  }
  Problem slow("state Y = 1\nd/dt(Y) = -Y\n");
  Tolerances few;
  few.max_steps = 3;
  auto integ = make_integrator(Method::Dopri5, 1, few);
  double y0 = 1, y;
  integ->restart(*slow.system, 0, &y0);
  try {
    integ->solution_at(100, 100, &y);
    FAIL();
  } catch (const IntegrationFailure& f) {
    EXPECT_NE(f.reason.find("too much work"), std::string::npos);
  }
}

TEST(Integrators, HandWrittenDormandPrinceAgreesWithOdeint) {
  // The reference benchmark's right-hand side over one dosing interval, integrated by our
  // stepper and by Boost.Odeint's runge_kutta_dopri5 with dense output, both at tight
  // tolerances: the same method, independently implemented.
  Problem pr(R"(
param KA = 1.2
param CL = 200
param VC = 450
param Q = 60
param VP = 900
param KON = 0.5
param KOFF = 0.35
state GUT = 4500
state CEN = 0
state PER = 0
state OCC = 0
d/dt(GUT) = -KA*GUT
d/dt(CEN) = KA*GUT - (CL/VC)*CEN - (Q/VC)*CEN + (Q/VP)*PER
d/dt(PER) = (Q/VC)*CEN - (Q/VP)*PER
d/dt(OCC) = KON*(CEN/VC/341.4*1000)*(1-OCC) - KOFF*OCC
)");
  Tolerances tol;
  tol.rtol = 1e-11;
  tol.atol = 1e-13;
  auto ours = make_integrator(Method::Dopri5, 4, tol);
  std::vector<double> y0 = {4500, 0, 0, 0};
  ours->restart(*pr.system, 0, y0.data());
  using State = std::vector<double>;
  auto rhs = [&](const State& x, State& dxdt, double t) { (*pr.system)(t, x.data(), dxdt.data()); };
  auto stepper = boost::numeric::odeint::make_dense_output(1e-13, 1e-11, boost::numeric::odeint::runge_kutta_dopri5<State>());
  State x = y0;
  std::vector<double> times;
  for (double t = 0; t <= 24; t += 0.5) times.push_back(t);
  std::vector<State> reference;
  boost::numeric::odeint::integrate_times(stepper, rhs, x, times.begin(), times.end(), 0.01,
                                          [&](const State& s, double) { reference.push_back(s); });
  ASSERT_EQ(reference.size(), times.size());
  for (std::size_t k = 0; k < times.size(); ++k) {
    double y[4];
    ours->solution_at(times[k], 24, y);
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(y[i], reference[k][static_cast<std::size_t>(i)], 1e-8 * (1 + std::fabs(reference[k][static_cast<std::size_t>(i)])))
          << "t=" << times[k] << " state " << i;
  }
}

TEST(Integrators, LargeSystemsUseTheGenericLeanIntegratorOrCvodes) {
  // A chain of 40 compartments (transit model): exact solution is an Erlang density.
  std::string text = "param K = 2\n";
  for (int i = 0; i < 40; ++i) text += "state A" + std::to_string(i) + " = " + (i == 0 ? "1" : "0") + "\n";
  text += "d/dt(A0) = -K*A0\n";
  for (int i = 1; i < 40; ++i) text += "d/dt(A" + std::to_string(i) + ") = K*A" + std::to_string(i - 1) + " - K*A" + std::to_string(i) + "\n";
  Problem pr(text);
  for (Method m : {Method::Auto, Method::Bdf}) {
    Tolerances tol;
    tol.rtol = 1e-9;
    tol.atol = 1e-12;
    auto integ = make_integrator(m, 40, tol);
    std::vector<double> y0(40, 0.0), y(40);
    y0[0] = 1;
    integ->restart(*pr.system, 0, y0.data());
    integ->solution_at(10, 10, y.data());
    // A_n(t) = (K t)^n e^{-K t} / n!. BDF controls the local error less tightly than the
    // one-step methods: its global error here is ~2e-7 at rtol 1e-9 (200 steps of order
    // <= 5), against ~1e-9 for Dormand-Prince, so each gets its own bound.
    const double rel = m == Method::Bdf ? 1e-6 : 1e-8;
    for (int n : {0, 5, 19, 39}) {
      double exact = std::exp(n * std::log(20.0) - 20.0 - std::lgamma(n + 1.0));
      EXPECT_NEAR(y[static_cast<std::size_t>(n)], exact, rel * exact + 1e-12) << method_name(m) << " A" << n;
    }
  }
}

}  // namespace
}  // namespace ldnsim::solver
