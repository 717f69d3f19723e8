// A model instance: a compiled model (shared, read-only) with one vector of parameter
// values. It is what calibration, power, claims, dose, sensitivity and trials vary: a new
// value is a number written into the vector, never a rewritten or re-parsed model file.
// The parameters' typed metadata (unit, range, standard error, roles) comes with the model
// (lang::Parameter); model files are rewritten only by `ldnsim calibrate --write`.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ldnsim/lang/model.hpp"

namespace ldnsim::lang {

class ModelInstance {
 public:
  // The model file's values (a covariate without a default is NaN until data supplies it).
  explicit ModelInstance(ModelPtr model);

  const Model& model() const { return *model_; }
  const ModelPtr& ptr() const { return model_; }
  // One value per parameter, in model order (what engine::SubjectSimulator::run takes).
  std::span<const double> values() const { return values_; }

  // Index of a parameter by name (exact, else a unique case-insensitive match); throws
  // InputError naming the model file and the closest names when there is none.
  std::size_t index(std::string_view name) const;
  bool has(std::string_view name) const { return model_->parameter_index(name) >= 0; }
  const Parameter& parameter(std::size_t i) const { return model_->parameters()[i]; }
  const Parameter& parameter(std::string_view name) const { return parameter(index(name)); }

  double get(std::size_t i) const { return values_[i]; }
  double get(std::string_view name) const { return values_[index(name)]; }
  // Sets a value; throws InputError for a covariate without a value in the model (its
  // values come from the data) and for a value that is not finite.
  void set(std::size_t i, double value);
  void set(std::string_view name, double value) { set(index(name), value); }
  // A copy with some values changed.
  ModelInstance with(const std::vector<std::pair<std::string, double>>& values) const;

  // Indices of the parameters that have role `r`, in model order.
  std::vector<std::size_t> with_role(Role r) const;

 private:
  ModelPtr model_;
  std::vector<double> values_;
};

}  // namespace ldnsim::lang
