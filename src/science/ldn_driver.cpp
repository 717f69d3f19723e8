#include "ldnsim/science/ldn_driver.hpp"

#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/science/titration.hpp"
#include "ldnsim/trial/driver.hpp"

namespace ldnsim::science {

namespace {

struct Shared {
  std::unique_ptr<LdnModel> model;
  std::unique_ptr<LdnDriver> driver;
};

std::mutex& shared_mutex() {
  static std::mutex m;
  return m;
}

std::string resolve(const trial::ArmRegimen& arm, const std::string& spec_dir) {
  auto it = arm.strings.find("pharmacology");
  std::string p = it == arm.strings.end() ? "human" : it->second;
  if (p == "human") return p;
  if (p == "mouse") throw InputError("options.pharmacology: the mouse model cannot drive a human clinical model (expected \"human\" or a .ldn path)");
  std::filesystem::path path(p);
  if (path.is_relative() && !spec_dir.empty()) path = std::filesystem::path(spec_dir) / path;
  if (!std::filesystem::exists(path))
    throw InputError("options.pharmacology: no such file '" + path.string() + "' (expected \"human\" or a .ldn path)");
  return path.string();
}

class LdnTrialDriver : public trial::TreatmentDriver {
 public:
  explicit LdnTrialDriver(std::string spec_dir) : spec_dir_(std::move(spec_dir)) {}

  std::vector<std::string> covariate_names(const trial::ArmRegimen& arm) override {
    for (const auto& [key, value] : arm.numbers)
      if (key != "salt") throw InputError("options." + key + ": the ldn driver takes the options pharmacology, salt and titration");
    for (const auto& [key, value] : arm.strings)
      if (key != "pharmacology" && key != "titration")
        throw InputError("options." + key + ": the ldn driver takes the options pharmacology, salt and titration");
    auto salt = arm.numbers.find("salt");
    if (salt != arm.numbers.end() && salt->second != 0 && salt->second != 1)
      throw InputError("options.salt: expected 1 (mg of naltrexone HCl) or 0 (mg of base), not " + format_number(salt->second));
    if (!(arm.dose_mg >= 0) || !std::isfinite(arm.dose_mg))
      throw InputError("dose_mg: expected a dose of 0 mg or more");
    if (arm.dose_mg > 0) {
      LdnDose d = dose_of(arm);
      Regimen g;
      g.dose_mg = d.dose_mg;
      g.clock_h = d.clock_h;
      g.interval_h = d.interval_h;
      validate(g);  // UsageError naming the value
      // Build the steady-state grid now, not in the first replicate (and under mpirun
      // spread over the ranks: every rank loads the trial the same way).
      shared_ldn_driver(resolve(arm, spec_dir_)).prepare(d);
    }
    std::vector<std::string> names(std::begin(kLdnDriverCovariates), std::end(kLdnDriverCovariates));
    if (titration(arm)) names.insert(names.end(), std::begin(kTitrationCovariates), std::end(kTitrationCovariates));
    for (const auto& [name, value] : arm.covariates) {
      for (const auto& n : names)
        if (n == name)
          throw InputError("covariates." + name + ": set by the ldn driver from the regimen (remove it from the arm's covariates table)");
      names.push_back(name);
    }
    return names;
  }

  void covariates(const trial::ArmRegimen& arm, const trial::Subject& subject, RandomStream& rng,
                  std::span<double> out) override {
    const LdnDriver& d = shared_ldn_driver(resolve(arm, spec_dir_));
    // Draw the PK individuality first, always (same stream use whatever the dose).
    const auto& m = d.model();
    auto omega = [&](const char* name) {
      const auto& p = m.model().parameters()[m.param(name)];
      return p.cv ? std::sqrt(std::log1p(*p.cv * *p.cv)) : 0.0;
    };
    PkIndividual pk;
    const double z_cl = rng.normal(), z_vm = rng.normal();
    pk.eta_cl = omega("CL") * z_cl;
    pk.eta_vm = omega("VM") * z_vm;
    pk.weight_kg = 70;
    if (subject.spec && subject.spec->column_index("WT") >= 0) pk.weight_kg = subject.get("WT");
    ClinicalDrive c;
    if (arm.dose_mg > 0) c = d.drive(dose_of(arm), pk);
    const double v[] = {c.ldn, c.dprol, c.prolrel, c.occrel, c.sleepd, c.expod};
    std::size_t k = 0;
    for (double x : v)
      if (k < out.size()) out[k++] = x;
    if (auto steps = titration(arm))
      for (double x : titration_covariates(*steps, arm.dose_mg))
        if (k < out.size()) out[k++] = x;
    for (const auto& [name, value] : arm.covariates)
      if (k < out.size()) out[k++] = value;
  }

 private:
  static std::optional<std::vector<TitrationStep>> titration(const trial::ArmRegimen& arm) {
    auto it = arm.strings.find("titration");
    if (it == arm.strings.end()) return std::nullopt;
    return parse_titration(it->second);
  }
  static LdnDose dose_of(const trial::ArmRegimen& arm) {
    LdnDose d;
    d.dose_mg = arm.dose_mg * arm.adherence;
    auto salt = arm.numbers.find("salt");
    d.salt = salt == arm.numbers.end() || salt->second == 1;
    d.clock_h = arm.clock_h;
    d.interval_h = arm.interval_h;
    return d;
  }
  std::string spec_dir_;
};

}  // namespace

const LdnDriver& shared_ldn_driver(const std::string& pharmacology) {
  static std::map<std::string, Shared> cache;
  std::lock_guard<std::mutex> lock(shared_mutex());
  auto it = cache.find(pharmacology);
  if (it == cache.end()) {
    Shared s;
    s.model = std::make_unique<LdnModel>(LdnModel::load(pharmacology));
    s.driver = std::make_unique<LdnDriver>(*s.model);
    it = cache.emplace(pharmacology, std::move(s)).first;
  }
  return *it->second.driver;
}

const trial::DriverRegistry& ldn_drivers() {
  static const trial::DriverRegistry registry = trial::DriverRegistry::builtin().add(
      "ldn", "low-dose naltrexone: steady-state pharmacology of models/ldn/human.ldn per subject (LDN, DPROL, PROLREL, OCCREL, SLEEPD, EXPOD)",
      [](const trial::DriverContext& c) { return std::make_unique<LdnTrialDriver>(c.spec_dir); });
  return registry;
}

}  // namespace ldnsim::science
