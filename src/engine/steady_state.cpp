#include "steady_state.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <deque>

namespace ldnsim::engine {

SteadyStateSolver::SteadyStateSolver(const lang::Kernel& kernel, std::size_t states,
                                     const SimulationOptions& options)
    : kernel_(kernel), n_(states), options_(options) {
  // Converge to the simulation's own accuracy unless told otherwise.
  if (options_.ss_rtol <= 0) options_.ss_rtol = options.tolerances.rtol;
  if (options_.ss_atol <= 0) options_.ss_atol = options.tolerances.atol;
  // The interval map is integrated a hundred times more tightly than the simulation, so
  // the noise of adaptive stepping stays well below the convergence test.
  solver::Tolerances tight = options.tolerances;
  tight.rtol = std::max(options.tolerances.rtol * 1e-2, 1e-13);
  tight.atol = std::max(options.tolerances.atol * 1e-2, 1e-300);
  solver::Method m = options.method == solver::Method::Adams ? solver::Method::Bdf : options.method;
  integrator_ = solver::make_integrator(m, states, tight);
}

SteadyStateSolver::~SteadyStateSolver() = default;

void SteadyStateSolver::propagate(OdeSystem& system, double t_start, double t_end,
                                  std::span<const WindowInput> inputs, const double* x0,
                                  double* x1) {
  std::vector<double>& rates = system.input_rates();
  std::vector<double> y(x0, x0 + n_);
  double t = t_start;
  std::size_t k = 0;
  auto apply_inputs_at = [&](double when) {
    while (k < inputs.size() && inputs[k].time <= when) {
      const WindowInput& in = inputs[k++];
      y[static_cast<std::size_t>(in.cmt)] += in.bolus;
      rates[static_cast<std::size_t>(in.cmt)] += in.rate_delta;
      // Sums of rate changes must return to exactly zero when infusions stop.
      if (std::fabs(rates[static_cast<std::size_t>(in.cmt)]) < 1e-12 * std::fabs(in.rate_delta))
        rates[static_cast<std::size_t>(in.cmt)] = 0.0;
    }
    system.update_inputs();
  };
  apply_inputs_at(t);
  integrator_->reset();  // every interval map starts from the same integrator state
  integrator_->restart(system, t, y.data());
  while (t < t_end) {
    double next = k < inputs.size() ? std::min(inputs[k].time, t_end) : t_end;
    integrator_->solution_at(next, next, y.data());
    t = next;
    if (t < t_end) {
      apply_inputs_at(t);
      integrator_->restart(system, t, y.data());
    }
  }
  std::copy(y.begin(), y.end(), x1);
}

namespace {

// The model's equations with time running backwards from `origin`: s = origin - t, so
// dy/ds = -f(origin - s, y). The zero-order inputs are negated by the caller.
struct Reversed {
  const lang::Kernel* kernel;
  double origin;
  std::size_t n;
};

void reversed_rhs(const void* ctx, double s, const double* y, const double* p, double* dydt, double* work) {
  const auto* r = static_cast<const Reversed*>(ctx);
  r->kernel->rhs(r->kernel->ctx, r->origin - s, y, p, dydt, work);
  for (std::size_t i = 0; i < r->n; ++i) dydt[i] = -dydt[i];
}

}  // namespace

void SteadyStateSolver::move(OdeSystem& system, double from, double to,
                             std::span<const WindowInput> inputs, double* x) {
  std::vector<double> saved_rates = system.input_rates();
  if (to >= from) {
    try {
      propagate(system, from, to, inputs, x, x);
    } catch (...) {
      system.input_rates() = saved_rates;
      system.update_inputs();
      throw;
    }
    system.input_rates() = saved_rates;
    system.update_inputs();
    return;
  }
  // Backwards: the inputs at `from` apply (a bolus is in x, infusions are on), then the
  // equations run in reverse with those rates, which no input time before `from` changes.
  std::vector<double> rates = saved_rates;
  for (const WindowInput& in : inputs) {
    if (in.time > from) break;
    x[static_cast<std::size_t>(in.cmt)] += in.bolus;
    rates[static_cast<std::size_t>(in.cmt)] += in.rate_delta;
  }
  Reversed rev{&kernel_, from, n_};
  lang::Kernel k = kernel_;
  k.rhs = reversed_rhs;
  k.ctx = &rev;
  OdeSystem back(k, n_, kernel_.work_size);
  back.set_parameters(system.parameters());
  for (std::size_t i = 0; i < n_; ++i) back.input_rates()[i] = -rates[i];
  back.update_inputs();
  integrator_->reset();
  integrator_->restart(back, 0.0, x);
  integrator_->solution_at(from - to, from - to, x);
}

// The largest change over one interval relative to its tolerance, and the state it is in
// (NaN wins, so a non-finite state is reported).
double SteadyStateSolver::worst_change(const Eigen::VectorXd& g, const Eigen::VectorXd& f, int& state) const {
  double worst = 0;
  state = 0;
  for (Eigen::Index i = 0; i < g.size(); ++i) {
    double r = std::fabs(f[i]) / (options_.ss_atol + options_.ss_rtol * std::fabs(g[i]));
    if (!(r <= worst)) {
      worst = r;
      state = static_cast<int>(i);
    }
  }
  return worst;
}

void SteadyStateSolver::periodic(OdeSystem& system, double t_start, double t_end,
                                 std::span<const WindowInput> inputs, double* x) {
  std::vector<double> saved_rates = system.input_rates();
  const std::size_t n = n_;
  const int depth = static_cast<int>(std::min<std::size_t>(n, 6));
  Eigen::VectorXd xk = Eigen::Map<Eigen::VectorXd>(x, static_cast<Eigen::Index>(n));
  Eigen::VectorXd gk(n), fk(n), g_prev(n), f_prev(n);
  std::deque<Eigen::VectorXd> dG, dF;  // history of differences (Anderson type II)
  bool have_prev = false;
  double largest_seen = 0;  // largest |state| the plain interval map has produced
  auto restore = [&] {
    system.input_rates() = saved_rates;
    system.update_inputs();
  };
  for (int it = 1; it <= options_.ss_max_intervals; ++it) {
    system.input_rates() = saved_rates;
    propagate(system, t_start, t_end, inputs, xk.data(), gk.data());
    fk = gk - xk;
    largest_seen = std::max(largest_seen, gk.cwiseAbs().maxCoeff());
    // Converged when one more interval changes no state beyond the tolerance.
    int worst_state = 0;
    double worst = worst_change(gk, fk, worst_state);
    if (!std::isfinite(worst)) {
      restore();
      throw SteadyStateFailure{worst_state, fk[worst_state], it};
    }
    if (worst <= 1.0) {
      std::copy(gk.data(), gk.data() + n, x);
      restore();
      return;
    }
    if (it == options_.ss_max_intervals) {
      // Name the state that keeps changing under the plain map: extrapolated iterates can
      // leave every state a little off, but a few plain intervals settle the states that
      // do have a steady state.
      for (int k = 0; k < 5; ++k) {
        xk = gk;
        system.input_rates() = saved_rates;
        propagate(system, t_start, t_end, inputs, xk.data(), gk.data());
      }
      fk = gk - xk;
      worst_change(gk, fk, worst_state);
      restore();
      throw SteadyStateFailure{worst_state, fk[worst_state], it};
    }
    if (have_prev) {
      dG.push_back(gk - g_prev);
      dF.push_back(fk - f_prev);
      if (static_cast<int>(dF.size()) > depth) {
        dG.pop_front();
        dF.pop_front();
      }
    }
    g_prev = gk;
    f_prev = fk;
    have_prev = true;
    Eigen::VectorXd next = gk;
    if (!dF.empty()) {
      Eigen::MatrixXd F(n, static_cast<Eigen::Index>(dF.size())), G(n, static_cast<Eigen::Index>(dG.size()));
      for (std::size_t j = 0; j < dF.size(); ++j) {
        F.col(static_cast<Eigen::Index>(j)) = dF[j];
        G.col(static_cast<Eigen::Index>(j)) = dG[j];
      }
      Eigen::VectorXd gamma = F.colPivHouseholderQr().solve(fk);
      if (gamma.allFinite()) next = gk - G * gamma;
    }
    // Safeguards: an extrapolated state must stay finite and within a million times what
    // the plain map has produced (a state that only accumulates makes the least-squares
    // problem singular and sends the extrapolation towards infinity, where a relative
    // test would pass); otherwise fall back to the plain map and forget the history.
    if (!next.allFinite() || next.cwiseAbs().maxCoeff() > 1e6 * (largest_seen + options_.ss_atol)) {
      next = gk;
      dG.clear();
      dF.clear();
    }
    xk = next;
  }
  restore();
}

void SteadyStateSolver::constant_infusion(OdeSystem& system, double t0, int cmt,
                                          double rate, double* x) {
  std::vector<double> saved_rates = system.input_rates();
  system.input_rates()[static_cast<std::size_t>(cmt)] += rate;
  system.update_inputs();
  const std::size_t n = n_;
  const auto N = static_cast<Eigen::Index>(n);
  Eigen::VectorXd xk = Eigen::Map<Eigen::VectorXd>(x, N);
  Eigen::VectorXd f0(N), f1(N);
  Eigen::MatrixXd J(N, N);
  bool converged = false;
  const double sqrt_eps = std::sqrt(std::numeric_limits<double>::epsilon());
  for (int it = 0; it < 50 && !converged; ++it) {
    system(t0, xk.data(), f0.data());
    for (std::size_t j = 0; j < n; ++j) {
      Eigen::VectorXd xp = xk;
      double d = sqrt_eps * std::max(1.0, std::fabs(xk[static_cast<Eigen::Index>(j)]));
      xp[static_cast<Eigen::Index>(j)] += d;
      system(t0, xp.data(), f1.data());
      J.col(static_cast<Eigen::Index>(j)) = (f1 - f0) / d;
    }
    Eigen::FullPivLU<Eigen::MatrixXd> lu(J);
    if (!lu.isInvertible()) break;
    Eigen::VectorXd step = lu.solve(-f0);
    if (!step.allFinite()) break;
    xk += step;
    converged = true;
    for (std::size_t i = 0; i < n; ++i) {
      auto ii = static_cast<Eigen::Index>(i);
      if (std::fabs(step[ii]) > options_.ss_atol + options_.ss_rtol * std::fabs(xk[ii])) converged = false;
    }
  }
  if (converged) {
    std::copy(xk.data(), xk.data() + n, x);
  } else {
    // No isolated root (for instance a state that only accumulates): iterate the map
    // over a long window with the infusion running throughout, which reports clearly
    // when no steady state exists.
    periodic(system, t0 - 240.0, t0, {}, x);
  }
  system.input_rates() = saved_rates;
  system.update_inputs();
}

}  // namespace ldnsim::engine
