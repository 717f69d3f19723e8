#include "ldnsim/trial/driver.hpp"


#include "ldnsim/core/error.hpp"

namespace ldnsim::trial {

namespace {

// The arm's `covariates` table, the same for every subject.
class ConstantDriver : public TreatmentDriver {
 public:
  std::vector<std::string> covariate_names(const ArmRegimen& arm) override {
    if (!arm.numbers.empty() || !arm.strings.empty())
      throw InputError("options: the constant driver takes no options (it sets the arm's covariates table)");
    std::vector<std::string> names;
    for (const auto& [name, value] : arm.covariates) names.push_back(name);
    return names;
  }
  void covariates(const ArmRegimen& arm, const Subject&, RandomStream&, std::span<double> out) override {
    for (std::size_t i = 0; i < arm.covariates.size() && i < out.size(); ++i) out[i] = arm.covariates[i].second;
  }
};

}  // namespace

DriverRegistry DriverRegistry::builtin() {
  DriverRegistry r;
  r.add("constant", "the arm's covariates table, the same for every subject",
        [](const DriverContext&) { return std::make_unique<ConstantDriver>(); });
  return r;
}

DriverRegistry& DriverRegistry::add(const std::string& name, const std::string& description, DriverFactory factory) {
  entries_[name] = Entry{description, std::move(factory)};
  return *this;
}

bool DriverRegistry::has(const std::string& name) const { return entries_.count(name) > 0; }

std::string DriverRegistry::names() const {
  std::string names;
  for (const auto& [n, e] : entries_) names += (names.empty() ? "" : ", ") + n;
  return names;
}

std::unique_ptr<TreatmentDriver> DriverRegistry::make(const std::string& name, const DriverContext& context) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw InputError("no treatment driver is named '" + name + "' (expected one of: " + names() + ")");
  return it->second.factory(context);
}

std::vector<std::pair<std::string, std::string>> DriverRegistry::list() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [n, e] : entries_) out.emplace_back(n, e.description);
  return out;
}

}  // namespace ldnsim::trial
