// The right-hand side of one subject as the engine hands it to the integrators: the
// model's equations plus zero-order inputs (running infusions) added to their
// compartments, behind the solver's callback.
#pragma once

#include <cstddef>
#include <vector>

#include "ldnsim/lang/model.hpp"
#include "ldnsim/solver/integrator.hpp"

namespace ldnsim::engine {

class OdeSystem : public solver::OdeFunction {
 public:
  OdeSystem(const lang::Kernel& kernel, std::size_t states, std::size_t work_size)
      : solver::OdeFunction(&OdeSystem::rhs, this), kernel_(kernel), rhs_(kernel.rhs), ctx_(kernel.ctx), n_(states),
        rates_(states, 0.0), work_(work_size + 1), work_data_(work_.data()) {}
  OdeSystem(const OdeSystem&) = delete;
  OdeSystem& operator=(const OdeSystem&) = delete;

  std::size_t size() const { return n_; }
  void set_parameters(const double* p) { p_ = p; }
  const double* parameters() const { return p_; }
  // Zero-order input per state (sum of running infusions).
  std::vector<double>& input_rates() { return rates_; }
  // Call after changing input_rates(): without running inputs the integrators call the
  // model's equations through the plain callback, which has no loop to skip.
  void update_inputs() {
    active_inputs_.clear();
    for (std::size_t i = 0; i < n_; ++i)
      if (rates_[i] != 0.0) active_inputs_.push_back(i);
    set_function(active_inputs_.empty() ? &OdeSystem::rhs : &OdeSystem::rhs_with_inputs);
  }

  // outputs() and action() return the kernel's status: 0, or 1 + a failed draw check
  // whose value is then check_value() (lang::Kernel).
  [[nodiscard]] int outputs(double t, const double* y, double* out, const double* draws) {
    return kernel_.outputs(kernel_.ctx, t, y, p_, out, draws, work_.data());
  }
  void roots(double t, const double* y, double* g) { kernel_.roots(kernel_.ctx, t, y, p_, g, work_.data()); }
  [[nodiscard]] int action(int event, double t, double* y, const double* draws) {
    return kernel_.action(kernel_.ctx, event, t, y, p_, draws, work_.data());
  }
  double check_value() const { return work_[0]; }
  long calls() const { return calls_; }

 private:
  // Called ~200,000 times a subject-year on the reference workload: the kernel's function,
  // context and work buffer are held here, one load each, rather than reached through the
  // kernel and the vector.
  static void rhs(void* self, double t, const double* y, double* dydt) {
    auto& s = *static_cast<OdeSystem*>(self);
    ++s.calls_;
    s.rhs_(s.ctx_, t, y, s.p_, dydt, s.work_data_);
  }
  static void rhs_with_inputs(void* self, double t, const double* y, double* dydt) {
    auto& s = *static_cast<OdeSystem*>(self);
    ++s.calls_;
    s.rhs_(s.ctx_, t, y, s.p_, dydt, s.work_data_);
    for (std::size_t i : s.active_inputs_) dydt[i] += s.rates_[i];
  }

  const lang::Kernel& kernel_;
  lang::Kernel::RhsFn rhs_;
  const void* ctx_;
  std::size_t n_;
  const double* p_ = nullptr;
  std::vector<double> rates_;
  std::vector<std::size_t> active_inputs_;
  std::vector<double> work_;
  double* work_data_;
  long calls_ = 0;
};

}  // namespace ldnsim::engine
