#include "ldnsim/trial/driver.hpp"

#include <mutex>

#include "ldnsim/core/error.hpp"

namespace ldnsim::trial {

namespace {

struct Entry {
  std::string description;
  DriverFactory factory;
};

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, Entry>& registry();

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

std::map<std::string, Entry>& registry() {
  // The shipped drivers are always there, without a registration call.
  static std::map<std::string, Entry> r = {
      {"constant", Entry{"the arm's covariates table, the same for every subject",
                         [](const DriverContext&) { return std::make_unique<ConstantDriver>(); }}}};
  return r;
}

}  // namespace

void register_driver(const std::string& name, const std::string& description, DriverFactory factory) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry()[name] = Entry{description, std::move(factory)};
}

bool has_driver(const std::string& name) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  return registry().count(name) > 0;
}

std::unique_ptr<TreatmentDriver> make_driver(const std::string& name, const DriverContext& context) {
  DriverFactory f;
  std::string names;
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    auto it = registry().find(name);
    if (it != registry().end()) f = it->second.factory;
    for (const auto& [n, e] : registry()) names += (names.empty() ? "" : ", ") + n;
  }
  if (!f) throw InputError("no treatment driver is named '" + name + "' (expected one of: " + names + ")");
  return f(context);
}

std::vector<std::pair<std::string, std::string>> registered_drivers() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [n, e] : registry()) out.emplace_back(n, e.description);
  return out;
}

void register_builtin_drivers() {
  register_driver("constant", "the arm's covariates table, the same for every subject",
                  [](const DriverContext&) { return std::make_unique<ConstantDriver>(); });
}

}  // namespace ldnsim::trial
