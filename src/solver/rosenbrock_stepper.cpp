// Compiled as C++17 (see rosenbrock_stepper.hpp).
#include "rosenbrock_stepper.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <boost/numeric/odeint/stepper/rosenbrock4.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_controller.hpp>

namespace ldnsim::solver {

namespace odeint = boost::numeric::odeint;
namespace ublas = boost::numeric::ublas;
using UVector = ublas::vector<double>;
using UMatrix = ublas::matrix<double>;

struct RosenbrockStepper::Impl {
  std::size_t n;
  double atol, rtol;
  odeint::rosenbrock4_controller<odeint::rosenbrock4<double>> controller;
  UVector x, xout, tmp, f0, f1;
  std::vector<double> y_in, y_pert, d_out, row_sums;
  double rho = 0;
  Rhs rhs = nullptr;
  void* ctx = nullptr;

  Impl(std::size_t n_, double a, double r)
      : n(n_), atol(a), rtol(r), controller(a, r), x(n_), xout(n_), tmp(n_), f0(n_), f1(n_),
        y_in(n_), y_pert(n_), d_out(n_), row_sums(n_) {}

  void eval(double t, const UVector& state, UVector& out) {
    for (std::size_t i = 0; i < n; ++i) y_in[i] = state(i);
    rhs(ctx, t, y_in.data(), d_out.data());
    for (std::size_t i = 0; i < n; ++i) out(i) = d_out[i];
  }

  // Forward-difference Jacobian and time derivative of the right-hand side.
  void jacobian(const UVector& state, UMatrix& J, double t, UVector& dfdt) {
    eval(t, state, f0);
    const double sqrt_eps = std::sqrt(std::numeric_limits<double>::epsilon());
    std::fill(row_sums.begin(), row_sums.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) y_pert[i] = state(i);
    for (std::size_t j = 0; j < n; ++j) {
      double yj = y_pert[j];
      double d = sqrt_eps * std::max(std::fabs(yj), atol / rtol);
      y_pert[j] = yj + d;
      d = y_pert[j] - yj;
      rhs(ctx, t, y_pert.data(), d_out.data());
      for (std::size_t i = 0; i < n; ++i) {
        J(i, j) = (d_out[i] - f0(i)) / d;
        row_sums[i] += std::fabs(J(i, j));
      }
      y_pert[j] = yj;
    }
    rho = *std::max_element(row_sums.begin(), row_sums.end());
    double dt = sqrt_eps * std::max(1.0, std::fabs(t));
    rhs(ctx, t + dt, y_pert.data(), d_out.data());
    for (std::size_t i = 0; i < n; ++i) dfdt(i) = (d_out[i] - f0(i)) / dt;
  }
};

RosenbrockStepper::RosenbrockStepper(std::size_t n, double atol, double rtol)
    : impl_(std::make_unique<Impl>(n, atol, rtol)) {}
RosenbrockStepper::~RosenbrockStepper() = default;

bool RosenbrockStepper::try_step(Rhs rhs, void* ctx, double t, const double* y, double h, double* y_out,
                                 double* h_next) {
  Impl& m = *impl_;
  m.rhs = rhs;
  m.ctx = ctx;
  for (std::size_t i = 0; i < m.n; ++i) m.x(i) = y[i];
  auto deriv = [&m](const UVector& s, UVector& d, double tt) { m.eval(tt, s, d); };
  auto jac = [&m](const UVector& s, UMatrix& J, double tt, UVector& dfdt) { m.jacobian(s, J, tt, dfdt); };
  double tt = t, dt = h;
  auto result = m.controller.try_step(std::make_pair(deriv, jac), m.x, tt, m.xout, dt);
  *h_next = dt;
  if (result != odeint::success) return false;
  m.controller.stepper().prepare_dense_output();
  for (std::size_t i = 0; i < m.n; ++i) y_out[i] = m.xout(i);
  return true;
}

void RosenbrockStepper::interpolate(double t, double* y, const double* y_old, double t_old, const double* y_new,
                                    double t_new) {
  Impl& m = *impl_;
  for (std::size_t i = 0; i < m.n; ++i) {
    m.x(i) = y_old[i];
    m.xout(i) = y_new[i];
  }
  m.controller.stepper().calc_state(t, m.tmp, m.x, t_old, m.xout, t_new);
  for (std::size_t i = 0; i < m.n; ++i) y[i] = m.tmp(i);
}

double RosenbrockStepper::jacobian_norm() const { return impl_->rho; }

}  // namespace ldnsim::solver
