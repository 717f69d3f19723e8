// Steady state for SS dose records: the state that repeats itself from one dosing
// interval to the next, found by iterating the interval map with Anderson acceleration.
#pragma once

#include <Eigen/Dense>
#include <memory>
#include <span>
#include <vector>

#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/solver/integrator.hpp"
#include "ode_system.hpp"

namespace ldnsim::engine {

// An input inside the window: a bolus, or a change of a compartment's infusion rate.
struct WindowInput {
  double time;
  int cmt;
  double bolus;       // amount added at `time`
  double rate_delta;  // change of the zero-order input at `time`
};

struct SteadyStateFailure {
  int state;          // the state still changing (-1 if unknown)
  double change;      // its change over the last interval
  int intervals;      // intervals tried
};

class SteadyStateSolver {
 public:
  // `kernel` is the model's: moving a state backwards in time integrates it reversed.
  SteadyStateSolver(const lang::Kernel& kernel, std::size_t states, const SimulationOptions& options);
  ~SteadyStateSolver();

  // Periodic steady state over [t_start, t_end): `x` holds the initial guess at t_start
  // and receives x with P(x) = x, where P applies `inputs` (sorted by time, within the
  // window) while integrating from t_start to t_end. Throws SteadyStateFailure.
  void periodic(OdeSystem& system, double t_start, double t_end,
                std::span<const WindowInput> inputs, double* x);

  // Steady state under a constant infusion `rate` into `cmt` (the others' inputs as they
  // are in `system`): f(x) + input = 0, by Newton's method, with the periodic map over a
  // long window as the fallback.
  void constant_infusion(OdeSystem& system, double t0, int cmt, double rate, double* x);

  // Moves state `x` at `from` to `to` under `inputs` (sorted by time, from `from` on): the
  // inputs at `from` are applied first; forwards, those before `to` then apply as they
  // come (those at `to` do not); backwards (to < from), the rates in effect at `from`
  // stay on and the ODE is integrated in reverse. Throws solver::IntegrationFailure.
  void move(OdeSystem& system, double from, double to, std::span<const WindowInput> inputs,
            double* x);

 private:
  double worst_change(const Eigen::VectorXd& g, const Eigen::VectorXd& f, int& state) const;
  void propagate(OdeSystem& system, double t_start, double t_end,
                 std::span<const WindowInput> inputs, const double* x0, double* x1);

  const lang::Kernel& kernel_;
  std::size_t n_;
  SimulationOptions options_;
  std::unique_ptr<solver::Integrator> integrator_;
};

}  // namespace ldnsim::engine
