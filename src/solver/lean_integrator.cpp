// The lean integrators for small PK/PD systems: Boost.Odeint's Dormand-Prince 5(4) stepper
// and its Rosenbrock 4 stepper, driven by our own step control so that steps land exactly
// on discontinuities, outputs come from dense output, and stiffness switches the method
// (as LSODA does). States live in fixed-capacity vectors: no allocation per step.
#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/numeric/odeint/algebra/range_algebra.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/numeric/odeint/util/resize.hpp>
#include <boost/numeric/odeint/util/same_size.hpp>

#include "ldnsim/core/error.hpp"
#include "ldnsim/solver/integrator.hpp"
#include "rosenbrock_stepper.hpp"

namespace ldnsim::solver {

// A state vector with inline storage; its size is set once per subject.
struct StateVector {
  using value_type = double;
  using iterator = double*;
  using const_iterator = const double*;
  std::size_t n = 0;
  double v[kMaxLeanStates];

  double* begin() { return v; }
  double* end() { return v + n; }
  const double* begin() const { return v; }
  const double* end() const { return v + n; }
  std::size_t size() const { return n; }
  double& operator[](std::size_t i) { return v[i]; }
  double operator[](std::size_t i) const { return v[i]; }
};

}  // namespace ldnsim::solver

namespace boost::numeric::odeint {
template <>
struct is_resizeable<ldnsim::solver::StateVector> {
  using type = boost::true_type;
  static const bool value = type::value;
};
template <>
struct same_size_impl<ldnsim::solver::StateVector, ldnsim::solver::StateVector> {
  static bool same_size(const ldnsim::solver::StateVector& a, const ldnsim::solver::StateVector& b) {
    return a.n == b.n;
  }
};
template <>
struct resize_impl<ldnsim::solver::StateVector, ldnsim::solver::StateVector> {
  static void resize(ldnsim::solver::StateVector& a, const ldnsim::solver::StateVector& b) {
    a.n = b.n;
  }
};
}  // namespace boost::numeric::odeint

namespace ldnsim::solver {
namespace {

namespace odeint = boost::numeric::odeint;

using Dopri5 = odeint::runge_kutta_dopri5<StateVector, double, StateVector, double,
                                          odeint::range_algebra>;

// Dormand-Prince stability boundary on the negative real axis is about 3.3; a step
// whose h*rho exceeds this is limited by stability, not accuracy (Hairer & Wanner).
constexpr double kStabilityBound = 3.25;

class LeanIntegrator final : public Integrator {
 public:
  LeanIntegrator(Method method, std::size_t n, const Tolerances& tol)
      : method_(method), n_(n), tol_(tol) {
    for (StateVector* v : {&y_old_, &f_old_, &y_new_, &f_new_, &y_try_, &f_try_, &err_, &scratch_})
      v->n = n;
    if (method_ != Method::Dopri5) rosenbrock_ = std::make_unique<RosenbrockStepper>(n, tol.atol, tol.rtol);
    stiff_ = method_ == Method::Rosenbrock;
  }

  void restart(OdeSystem& system, double t0, const double* y0) override {
    sys_ = &system;
    ++stats_.restarts;
    t_old_ = t_new_ = t0;
    std::copy(y0, y0 + n_, y_new_.v);
    y_old_ = y_new_;
    (*sys_)(t0, y_new_.v, f_new_.v);
    f_old_ = f_new_;
    h_ = initial_step(t0);
    fac_old_ = 1e-4;
    stiff_count_ = nonstiff_count_ = 0;
    can_interpolate_ = false;
  }

  void solution_at(double t, double tstop, double* y) override {
    long steps = 0;
    while (t_new_ < t) {
      if (tstop - t_new_ <= sliver()) {
        sliver_step(tstop);
        continue;
      }
      if (++steps > tol_.max_steps)
        fail(t_new_, y_new_.v, "too much work: more than " + std::to_string(tol_.max_steps) +
                                   " steps without reaching time " + std::to_string(t));
      if (stiff_)
        rosenbrock_step(tstop);
      else
        explicit_step(tstop);
    }
    if (t == t_new_) {
      std::copy(y_new_.v, y_new_.v + n_, y);
      return;
    }
    if (!can_interpolate_ || t < t_old_)
      fail(t, y_new_.v, "internal error: output time outside the last step");
    if (last_step_linear_) {
      double w = (t - t_old_) / (t_new_ - t_old_);
      for (std::size_t i = 0; i < n_; ++i) y[i] = y_old_.v[i] + w * (y_new_.v[i] - y_old_.v[i]);
    } else if (last_step_stiff_) {
      rosenbrock_->interpolate(t, y, y_old_.v, t_old_, y_new_.v, t_new_);
    } else {
      dopri_.calc_state(t, scratch_, y_old_, f_old_, t_old_, y_new_, f_new_, t_new_);
      std::copy(scratch_.v, scratch_.v + n_, y);
    }
  }

  const IntegratorStats& stats() const override { return stats_; }

 private:
  Method method_;
  std::size_t n_;
  Tolerances tol_;
  OdeSystem* sys_ = nullptr;
  IntegratorStats stats_;

  Dopri5 dopri_;
  StateVector y_old_, f_old_, y_new_, f_new_, y_try_, f_try_, err_, scratch_;
  double t_old_ = 0, t_new_ = 0, h_ = 0, fac_old_ = 1e-4;
  bool stiff_ = false;
  bool last_step_stiff_ = false;
  bool last_step_linear_ = false;
  bool can_interpolate_ = false;
  int stiff_count_ = 0, nonstiff_count_ = 0;

  std::unique_ptr<RosenbrockStepper> rosenbrock_;

  static void rhs_thunk(void* ctx, double t, const double* y, double* dydt) {
    (*static_cast<LeanIntegrator*>(ctx)->sys_)(t, y, dydt);
  }

  [[noreturn]] void fail(double t, const double* y, std::string reason) const {
    throw IntegrationFailure{t, std::vector<double>(y, y + n_), std::move(reason)};
  }

  double scale(double y0, double y1) const {
    return tol_.atol + tol_.rtol * std::max(std::fabs(y0), std::fabs(y1));
  }

  // Hairer's starting step: from the sizes of y, f and an estimate of the second
  // derivative.
  double initial_step(double t0) {
    double d0 = 0, d1 = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      double sk = tol_.atol + tol_.rtol * std::fabs(y_new_.v[i]);
      d0 += (y_new_.v[i] / sk) * (y_new_.v[i] / sk);
      d1 += (f_new_.v[i] / sk) * (f_new_.v[i] / sk);
    }
    d0 = std::sqrt(d0 / static_cast<double>(n_));
    d1 = std::sqrt(d1 / static_cast<double>(n_));
    double h0 = (d0 < 1e-10 || d1 < 1e-10) ? 1e-6 : 0.01 * d0 / d1;
    if (tol_.max_step > 0) h0 = std::min(h0, tol_.max_step);
    for (std::size_t i = 0; i < n_; ++i) scratch_.v[i] = y_new_.v[i] + h0 * f_new_.v[i];
    (*sys_)(t0 + h0, scratch_.v, f_try_.v);
    double d2 = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      double sk = tol_.atol + tol_.rtol * std::fabs(y_new_.v[i]);
      double z = (f_try_.v[i] - f_new_.v[i]) / sk;
      d2 += z * z;
    }
    d2 = std::sqrt(d2 / static_cast<double>(n_)) / h0;
    double dm = std::max(d1, d2);
    double h1 = dm <= 1e-15 ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / dm, 0.2);
    double h = std::min(100 * h0, h1);
    if (!std::isfinite(h) || h <= 0) h = 1e-6;
    if (tol_.max_step > 0) h = std::min(h, tol_.max_step);
    return h;
  }

  // Intervals this short arise from rounding (an infusion ending 1e-15 h after a dose);
  // one Euler step covers them with an error far below any tolerance.
  double sliver() const { return 1e-12 * std::max(1.0, std::fabs(t_new_)); }

  void sliver_step(double tstop) {
    double h = tstop - t_new_;
    y_old_ = y_new_;
    f_old_ = f_new_;
    t_old_ = t_new_;
    for (std::size_t i = 0; i < n_; ++i) y_new_.v[i] += h * f_new_.v[i];
    t_new_ = tstop;
    (*sys_)(t_new_, y_new_.v, f_new_.v);
    last_step_linear_ = true;
    can_interpolate_ = true;
  }

  double clamp_step(double h, double tstop) const {
    double remaining = tstop - t_new_;
    // Land exactly on tstop rather than leave a sliver behind.
    if (h >= remaining || remaining - h < 1e-10 * std::max(1.0, std::fabs(tstop))) return remaining;
    return h;
  }

  void check_underflow(double h) const {
    if (h < 16 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::fabs(t_new_)))
      fail(t_new_, y_new_.v, "step size underflow (h = " + std::to_string(h) + ")");
  }

  void explicit_step(double tstop) {
    auto rhs = [this](const StateVector& x, StateVector& dxdt, double t) {
      (*sys_)(t, x.v, dxdt.v);
    };
    // Hairer's PI step-size control for DOPRI5.
    constexpr double beta = 0.04, expo1 = 0.2 - beta * 0.75, safe = 0.9;
    double h = clamp_step(h_, tstop);
    while (true) {
      check_underflow(h);
      dopri_.do_step(rhs, y_new_, f_new_, t_new_, y_try_, f_try_, h, err_);
      double err = 0;
      for (std::size_t i = 0; i < n_; ++i) {
        double z = err_.v[i] / scale(y_new_.v[i], y_try_.v[i]);
        err += z * z;
      }
      err = std::sqrt(err / static_cast<double>(n_));
      if (!std::isfinite(err)) {
        // NaN or Inf in a trial step: retry smaller; at the limit, report it.
        ++stats_.rejected;
        if (h <= 1e-12 * std::max(1.0, std::fabs(t_new_))) {
          for (std::size_t i = 0; i < n_; ++i)
            if (!std::isfinite(y_try_.v[i]) || !std::isfinite(f_try_.v[i]))
              fail(t_new_, y_new_.v, "NaN or Inf in state " + std::to_string(i) +
                                         " (the equations produce a non-finite value)");
          fail(t_new_, y_new_.v, "NaN or Inf in the derivatives");
        }
        h *= 0.25;
        continue;
      }
      double fac11 = std::pow(err, expo1);
      if (err <= 1.0) {
        double fac = fac11 / std::pow(fac_old_, beta);
        fac = std::clamp(fac / safe, 0.2, 10.0);
        double h_next = h / fac;
        fac_old_ = std::max(err, 1e-4);
        accept_explicit(h, tstop);
        ++stats_.steps;
        if (tol_.max_step > 0) h_next = std::min(h_next, tol_.max_step);
        h_ = h_next;
        detect_stiffness(h);
        return;
      }
      ++stats_.rejected;
      h /= std::min(5.0, fac11 / safe);
    }
  }

  void accept_explicit(double h, double tstop) {
    y_old_ = y_new_;
    f_old_ = f_new_;
    t_old_ = t_new_;
    y_new_ = y_try_;
    f_new_ = f_try_;
    t_new_ = (h == tstop - t_old_) ? tstop : t_old_ + h;
    last_step_stiff_ = false;
    last_step_linear_ = false;
    can_interpolate_ = true;
  }

  // Estimates the dominant eigenvalue along the step from the change in f over the
  // change in y; sustained h*rho beyond the stability bound means the step size is
  // held back by stability, i.e. the problem is stiff.
  void detect_stiffness(double h) {
    if (method_ != Method::Auto) return;
    double df = 0, dy = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      double a = f_new_.v[i] - f_old_.v[i];
      double b = y_new_.v[i] - y_old_.v[i];
      df += a * a;
      dy += b * b;
    }
    if (dy <= 0) return;
    double hrho = h * std::sqrt(df / dy);
    if (hrho > kStabilityBound) {
      nonstiff_count_ = 0;
      if (++stiff_count_ >= 15) switch_to_stiff();
    } else if (++nonstiff_count_ >= 6) {
      stiff_count_ = 0;
    }
  }

  void switch_to_stiff() {
    stiff_ = true;
    ++stats_.stiff_switches;
    stiff_count_ = nonstiff_count_ = 0;
  }

  void switch_to_explicit() {
    stiff_ = false;
    ++stats_.stiff_switches;
    stiff_count_ = nonstiff_count_ = 0;
    (*sys_)(t_new_, y_new_.v, f_new_.v);
  }

  void rosenbrock_step(double tstop) {
    double h = clamp_step(h_, tstop);
    while (true) {
      check_underflow(h);
      double h_next = h;
      bool accepted = rosenbrock_->try_step(&LeanIntegrator::rhs_thunk, this, t_new_, y_new_.v, h, y_try_.v, &h_next);
      if (accepted) {
        bool finite = true;
        for (std::size_t i = 0; i < n_; ++i) finite = finite && std::isfinite(y_try_.v[i]);
        if (!finite) {
          ++stats_.rejected;
          if (h <= 1e-12 * std::max(1.0, std::fabs(t_new_)))
            fail(t_new_, y_new_.v, "NaN or Inf in the solution (stiff solver)");
          h *= 0.25;
          continue;
        }
        y_old_ = y_new_;
        t_old_ = t_new_;
        y_new_ = y_try_;
        t_new_ = (h == tstop - t_old_) ? tstop : t_old_ + h;
        ++stats_.steps;
        last_step_stiff_ = true;
        last_step_linear_ = false;
        can_interpolate_ = true;
        h_ = tol_.max_step > 0 ? std::min(h_next, tol_.max_step) : h_next;
        if (method_ == Method::Auto) {
          // Back to the explicit method once it could take steps of this size stably.
          if (h * rosenbrock_->jacobian_norm() < 0.5 * kStabilityBound) {
            if (++nonstiff_count_ >= 20) switch_to_explicit();
          } else {
            nonstiff_count_ = 0;
          }
        }
        return;
      }
      ++stats_.rejected;
      h = h_next;
    }
  }
};

}  // namespace

std::unique_ptr<Integrator> make_cvodes_integrator(Method method, std::size_t states,
                                                   const Tolerances& tolerances);

std::unique_ptr<Integrator> make_integrator(Method method, std::size_t states,
                                            const Tolerances& tolerances) {
  if (method == Method::Bdf || method == Method::Adams)
    return make_cvodes_integrator(method, states, tolerances);
  if (states > kMaxLeanStates) {
    if (method == Method::Auto) return make_cvodes_integrator(Method::Bdf, states, tolerances);
    throw UsageError("the " + std::string(method_name(method)) + " integrator holds at most " +
                     std::to_string(kMaxLeanStates) + " states; this model has " +
                     std::to_string(states) + " (use --solver bdf or auto)");
  }
  return std::make_unique<LeanIntegrator>(method, states, tolerances);
}

Method parse_method(std::string_view name) {
  if (name == "auto") return Method::Auto;
  if (name == "dopri5") return Method::Dopri5;
  if (name == "rosenbrock") return Method::Rosenbrock;
  if (name == "bdf") return Method::Bdf;
  if (name == "adams") return Method::Adams;
  throw UsageError("unknown solver '" + std::string(name) +
                   "' (expected auto, dopri5, rosenbrock, bdf or adams)");
}

const char* method_name(Method m) {
  switch (m) {
    case Method::Auto: return "auto";
    case Method::Dopri5: return "dopri5";
    case Method::Rosenbrock: return "rosenbrock";
    case Method::Bdf: return "bdf";
    case Method::Adams: return "adams";
  }
  return "?";
}

}  // namespace ldnsim::solver
