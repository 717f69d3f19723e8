#include "ldnsim/lang/instance.hpp"

#include <cctype>
#include <cmath>
#include <iterator>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"

namespace ldnsim::lang {

std::string role_text(unsigned roles) {
  std::string s;
  for (std::size_t k = 0; k < std::size(kRoleNames); ++k)
    if (roles & (1u << k)) s += (s.empty() ? "" : " ") + std::string(kRoleNames[k]);
  return s;
}

ModelInstance::ModelInstance(ModelPtr model) : model_(std::move(model)) {
  if (!model_) throw Error("ModelInstance: no model");
  values_ = model_->default_parameter_block();
  values_.resize(model_->parameter_count());
}

std::size_t ModelInstance::index(std::string_view name) const {
  const int k = model_->parameter_index(name);
  if (k >= 0) return static_cast<std::size_t>(k);
  // Close names: the same first letters, for the message.
  std::string close;
  int shown = 0;
  for (const auto& p : model_->parameters()) {
    if (p.name.empty() || name.empty() ||
        std::toupper(static_cast<unsigned char>(p.name[0])) != std::toupper(static_cast<unsigned char>(name[0])))
      continue;
    if (shown++ == 8) {
      close += ", ...";
      break;
    }
    close += (close.empty() ? "" : ", ") + p.name;
  }
  throw InputError("the model " + model_->name() + " (" + model_->file() + ") has no parameter " + std::string(name) +
                   (close.empty() ? "" : " (it has: " + close + ")"));
}

void ModelInstance::set(std::size_t i, double value) {
  const Parameter& p = model_->parameters()[i];
  if (!p.value)
    throw InputError(p.name + " is a covariate of the model " + model_->name() +
                     " without a value of its own (its values come from the data); it cannot be set");
  if (!std::isfinite(value)) throw InputError(p.name + " = " + format_number(value) + ": expected a finite number");
  values_[i] = value;
}

ModelInstance ModelInstance::with(const std::vector<std::pair<std::string, double>>& values) const {
  ModelInstance out = *this;
  for (const auto& [name, v] : values) out.set(name, v);
  return out;
}

std::vector<std::size_t> ModelInstance::with_role(Role r) const {
  std::vector<std::size_t> out;
  const auto params = model_->parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].has(r)) out.push_back(i);
  return out;
}

}  // namespace ldnsim::lang
