// ODE integrators for one subject. The engine restarts an integrator at every
// discontinuity (dose, infusion start or end, reset, covariate change) and asks it for the
// solution at output times in between; an integrator never steps past the next
// discontinuity, and output values come from dense output, not from extra stops.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ldnsim::solver {

// The right-hand side of an ODE system as the integrators see it, SUNDIALS-style: a
// function writing dy/dt at (t, y), and the data it needs. The integrators know nothing
// else of what they integrate (the engine adds dosing inputs to the model's equations
// behind this callback).
class OdeFunction {
 public:
  using Fn = void (*)(void* data, double t, const double* y, double* dydt);
  OdeFunction(Fn fn, void* data) : fn_(fn), data_(data) {}
  void operator()(double t, const double* y, double* dydt) const { fn_(data_, t, y, dydt); }

 protected:
  // A derived callback may switch its function (the integrators read it on every call).
  void set_function(Fn fn) { fn_ = fn; }

 private:
  Fn fn_;
  void* data_;
};

enum class Method {
  Auto,        // Dormand-Prince 5(4), switching to CVODES BDF while the problem is stiff
  Dopri5,      // Dormand-Prince 5(4) with dense output
  Rosenbrock,  // Rosenbrock 4(3) (Boost.Odeint's stepper, finite-difference Jacobian)
  Bdf,         // SUNDIALS CVODES, BDF with a dense Newton solver
  Adams,       // SUNDIALS CVODES, Adams-Moulton with fixed-point iteration
};

Method parse_method(std::string_view name);  // throws UsageError
const char* method_name(Method m);

struct Tolerances {
  double rtol = 1e-6;
  double atol = 1e-9;
  long max_steps = 1000000;  // between two outputs or discontinuities
  double max_step = 0;       // 0: no limit
};

// Thrown by an integrator; the engine turns it into a SolverError naming the subject and
// the state.
struct IntegrationFailure {
  double t;
  std::vector<double> y;
  std::string reason;
};

// Functions whose upward zero crossings stop integration (threshold events).
class RootFunction {
 public:
  virtual ~RootFunction() = default;
  virtual std::size_t count() const = 0;
  virtual void evaluate(double t, const double* y, double* g) = 0;
};

struct IntegratorStats {
  long steps = 0;
  long rejected = 0;
  long restarts = 0;
  long stiff_switches = 0;
};

class Integrator {
 public:
  virtual ~Integrator() = default;
  // Forgets what it learned about the problem (stiffness, step sizes): called before each
  // subject, so that a subject's numbers never depend on the subjects run before it on the
  // same thread.
  virtual void reset() = 0;
  // Starts (or restarts after a discontinuity) at (t0, y0), integrating `f` (which must
  // outlive the integration) from there on.
  virtual void restart(const OdeFunction& f, double t0, const double* y0) = 0;
  // Writes y(t) for t at or after the last requested time, stepping no further than
  // tstop (t <= tstop). When t == tstop the value is the end of a step, not interpolated.
  virtual void solution_at(double t, double tstop, double* y) = 0;
  // Root functions to watch from the next restart on (nullptr: none).
  virtual void set_roots(RootFunction* roots) = 0;
  // As solution_at, but stops early where a root function crosses zero upward: returns the
  // time reached (t, or the crossing, located to ~1e-10 h), and sets `root` to the index of
  // the function that crossed, or -1. The caller restarts after handling a crossing.
  virtual double solution_or_root(double t, double tstop, double* y, int& root) = 0;
  virtual const IntegratorStats& stats() const = 0;
  // Size of the last step taken (0 before the first).
  virtual double last_step() const = 0;
};

// Chooses the implementation; models with more states than the lean integrators hold
// (kMaxLeanStates) go to CVODES when the method is Auto.
std::unique_ptr<Integrator> make_integrator(Method method, std::size_t states,
                                            const Tolerances& tolerances);

inline constexpr std::size_t kMaxLeanStates = 64;

}  // namespace ldnsim::solver
