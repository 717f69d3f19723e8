// SUNDIALS CVODES (BDF or Adams) behind the same interface: for large or stiff systems,
// and as an independent cross-check of the lean integrators in tests.
#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/solver/integrator.hpp"

namespace ldnsim::solver {
namespace {

class CvodesIntegrator final : public Integrator {
 public:
  CvodesIntegrator(Method method, std::size_t n, const Tolerances& tol)
      : method_(method), n_(n), tol_(tol) {
    if (SUNContext_Create(nullptr, &ctx_) != 0) throw Error("CVODES: cannot create a context");
    y_ = N_VNew_Serial(static_cast<sunindextype>(n), ctx_);
    tmp_ = N_VNew_Serial(static_cast<sunindextype>(n), ctx_);
    mem_ = CVodeCreate(method == Method::Adams ? CV_ADAMS : CV_BDF, ctx_);
    if (!y_ || !tmp_ || !mem_) throw Error("CVODES: out of memory");
  }

  ~CvodesIntegrator() override {
    if (mem_) CVodeFree(&mem_);
    if (ls_) SUNLinSolFree(ls_);
    if (nls_) SUNNonlinSolFree(nls_);
    if (A_) SUNMatDestroy(A_);
    if (y_) N_VDestroy(y_);
    if (tmp_) N_VDestroy(tmp_);
    if (ctx_) SUNContext_Free(&ctx_);
  }

  // CVODES starts every restart afresh (CVodeReInit): nothing is carried over.
  void reset() override { root_pending_ = false; }

  void restart(const OdeFunction& system, double t0, const double* y0) override {
    sys_ = &system;
    ++stats_.restarts;
    std::copy(y0, y0 + n_, N_VGetArrayPointer(y_));
    t_ = t0;
    root_pending_ = false;
    if (!initialised_) {
      check(CVodeInit(mem_, &CvodesIntegrator::rhs, t0, y_), "CVodeInit");
      check(CVodeSetUserData(mem_, this), "CVodeSetUserData");
      check(CVodeSetErrHandlerFn(mem_, &CvodesIntegrator::on_error, this), "CVodeSetErrHandlerFn");
      check(CVodeSStolerances(mem_, tol_.rtol, tol_.atol), "CVodeSStolerances");
      check(CVodeSetMaxNumSteps(mem_, tol_.max_steps), "CVodeSetMaxNumSteps");
      if (tol_.max_step > 0) check(CVodeSetMaxStep(mem_, tol_.max_step), "CVodeSetMaxStep");
      if (method_ == Method::Adams) {
        nls_ = SUNNonlinSol_FixedPoint(y_, 0, ctx_);
        check(CVodeSetNonlinearSolver(mem_, nls_), "CVodeSetNonlinearSolver");
      } else {
        A_ = SUNDenseMatrix(static_cast<sunindextype>(n_), static_cast<sunindextype>(n_), ctx_);
        ls_ = SUNLinSol_Dense(y_, A_, ctx_);
        check(CVodeSetLinearSolver(mem_, ls_, A_), "CVodeSetLinearSolver");
      }
      initialised_ = true;
    } else {
      check(CVodeReInit(mem_, t0, y_), "CVodeReInit");
    }
    if (roots_dirty_) {
      check(CVodeRootInit(mem_, roots_ ? static_cast<int>(roots_->count()) : 0,
                          roots_ ? &CvodesIntegrator::root_fn : nullptr),
            "CVodeRootInit");
      if (roots_) {
        std::vector<int> upward(roots_->count(), 1);
        check(CVodeSetRootDirection(mem_, upward.data()), "CVodeSetRootDirection");
      }
      roots_dirty_ = false;
    }
    has_step_ = false;
  }

  void solution_at(double t, double tstop, double* y) override {
    int root = -1;
    advance(t, tstop, y, false, root);
  }

  void set_roots(RootFunction* roots) override {
    roots_ = roots;
    roots_dirty_ = true;
  }

  double solution_or_root(double t, double tstop, double* y, int& root) override {
    return advance(t, tstop, y, roots_ != nullptr, root);
  }

  // Steps CVODES to t (never past tstop); with `report_roots`, stops at an upward
  // crossing of a root function (returning its time and index) instead.
  double advance(double t, double tstop, double* y, bool report_roots, int& root) {
    root = -1;
    if (root_pending_ && report_roots) {
      if (root_time_ <= t) {
        root_pending_ = false;
        root = root_index_;
        std::copy(y_root_.begin(), y_root_.end(), y);
        return root_time_;
      }
      // the crossing lies beyond t: CVODES stopped there, so t is inside its last step
      interpolate(t, y);
      return t;
    }
    if (t == t_ && !has_step_) {
      std::copy(N_VGetArrayPointer(y_), N_VGetArrayPointer(y_) + n_, y);
      return t;
    }
    if (t == tstop && tstop - t_ <= 1e-12 * std::max(1.0, std::fabs(t_))) {
      // A sliver left by rounding: the state does not change measurably over it.
      std::copy(N_VGetArrayPointer(y_), N_VGetArrayPointer(y_) + n_, y);
      return t;
    }
    check(CVodeSetStopTime(mem_, tstop), "CVodeSetStopTime");
    long steps = 0;
    while (t_ < t) {
      if (++steps > tol_.max_steps) {
        const double* yy = N_VGetArrayPointer(y_);
        throw IntegrationFailure{t_, std::vector<double>(yy, yy + n_),
                                 "too much work: more than " + std::to_string(tol_.max_steps) +
                                     " steps without reaching time " + std::to_string(t)};
      }
      double tret = t_;
      message_.clear();
      int flag = CVode(mem_, tstop, y_, &tret, CV_ONE_STEP);
      if (flag < 0) fail(flag);
      t_ = tret;
      has_step_ = true;
      ++stats_.steps;
      if (flag != CV_ROOT_RETURN || !report_roots) continue;
      std::vector<int> info(roots_->count());
      CVodeGetRootInfo(mem_, info.data());
      int k = -1;
      for (std::size_t i = 0; i < info.size() && k < 0; ++i)
        if (info[i] > 0) k = static_cast<int>(i);
      if (k < 0) continue;
      const double* yy = N_VGetArrayPointer(y_);
      if (tret <= t) {
        root = k;
        std::copy(yy, yy + n_, y);
        return tret;
      }
      root_pending_ = true;
      root_time_ = tret;
      root_index_ = k;
      y_root_.assign(yy, yy + n_);
      interpolate(t, y);
      return t;
    }
    if (t == t_) std::copy(N_VGetArrayPointer(y_), N_VGetArrayPointer(y_) + n_, y);
    else interpolate(t, y);
    return t;
  }

  const IntegratorStats& stats() const override { return stats_; }
  double last_step() const override {
    double h = 0;
    if (has_step_) CVodeGetLastStep(mem_, &h);
    return h;
  }

 private:
  Method method_;
  std::size_t n_;
  Tolerances tol_;
  const OdeFunction* sys_ = nullptr;
  IntegratorStats stats_;
  SUNContext ctx_ = nullptr;
  N_Vector y_ = nullptr, tmp_ = nullptr;
  void* mem_ = nullptr;
  SUNMatrix A_ = nullptr;
  SUNLinearSolver ls_ = nullptr;
  SUNNonlinearSolver nls_ = nullptr;
  bool initialised_ = false;
  bool has_step_ = false;
  double t_ = 0;
  std::string message_;
  RootFunction* roots_ = nullptr;
  bool roots_dirty_ = false;
  bool root_pending_ = false;
  double root_time_ = 0;
  int root_index_ = -1;
  std::vector<double> y_root_;

  static int root_fn(double t, N_Vector y, double* g, void* user) {
    auto* self = static_cast<CvodesIntegrator*>(user);
    self->roots_->evaluate(t, N_VGetArrayPointer(y), g);
    return 0;
  }

  void interpolate(double t, double* y) {
    int flag = CVodeGetDky(mem_, t, 0, tmp_);
    if (flag < 0) fail(flag);
    std::copy(N_VGetArrayPointer(tmp_), N_VGetArrayPointer(tmp_) + n_, y);
  }

  static int rhs(double t, N_Vector y, N_Vector ydot, void* user) {
    auto* self = static_cast<CvodesIntegrator*>(user);
    (*self->sys_)(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
    const double* d = N_VGetArrayPointer(ydot);
    for (std::size_t i = 0; i < self->n_; ++i)
      if (!std::isfinite(d[i])) return 1;  // recoverable: CVODES retries with a smaller step
    return 0;
  }

  static void on_error(int, const char*, const char* function, char* msg, void* user) {
    auto* self = static_cast<CvodesIntegrator*>(user);
    self->message_ = std::string(function) + ": " + msg;
  }

  void check(int flag, const char* what) {
    if (flag < 0) throw Error(std::string("CVODES: ") + what + " failed (flag " + std::to_string(flag) + ")");
  }

  [[noreturn]] void fail(int flag) {
    std::string reason;
    switch (flag) {
      case CV_TOO_MUCH_WORK: reason = "too much work (CVODES step limit reached)"; break;
      case CV_TOO_MUCH_ACC: reason = "accuracy requested cannot be met"; break;
      case CV_ERR_FAILURE: reason = "repeated error-test failures (step size underflow)"; break;
      case CV_CONV_FAILURE: reason = "repeated convergence failures (step size underflow)"; break;
      case CV_RHSFUNC_FAIL:
      case CV_REPTD_RHSFUNC_ERR:
      case CV_UNREC_RHSFUNC_ERR: reason = "NaN or Inf in the derivatives"; break;
      default: reason = "CVODES flag " + std::to_string(flag); break;
    }
    if (!message_.empty()) reason += " [" + message_ + "]";
    const double* y = N_VGetArrayPointer(y_);
    throw IntegrationFailure{t_, std::vector<double>(y, y + n_), reason};
  }
};

}  // namespace

std::unique_ptr<Integrator> make_cvodes_integrator(Method method, std::size_t states,
                                                   const Tolerances& tolerances) {
  return std::make_unique<CvodesIntegrator>(method, states, tolerances);
}

}  // namespace ldnsim::solver
