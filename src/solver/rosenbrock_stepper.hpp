// Boost.Odeint's Rosenbrock 4 stepper (Shampine's L-stable parameters, with dense output)
// behind a plain interface. Boost 1.74's uBLAS, which that stepper needs, does not compile
// as C++20, so the stepper lives in its own C++17 translation unit.
#pragma once

#include <cstddef>
#include <memory>

namespace ldnsim::solver {

class RosenbrockStepper {
 public:
  using Rhs = void (*)(void* ctx, double t, const double* y, double* dydt);

  RosenbrockStepper(std::size_t n, double atol, double rtol);
  ~RosenbrockStepper();

  // Tries a step of size h from (t, y). On success writes y(t+h) to y_out and returns
  // true; either way *h_next receives the controller's proposal for the next step.
  bool try_step(Rhs rhs, void* ctx, double t, const double* y, double h, double* y_out, double* h_next);
  // Dense output inside the last accepted step [t_old, t_new].
  void interpolate(double t, double* y, const double* y_old, double t_old, const double* y_new, double t_new);
  // Max-row-sum norm of the last Jacobian: an upper bound of the spectral radius.
  double jacobian_norm() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ldnsim::solver
