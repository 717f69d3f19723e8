// Treatment drivers: how an arm's regimen reaches the clinical model. The clinical model
// runs on a slow time scale (days to years) and consumes the pharmacology's steady-state
// effects (occupancy, change in lymphocyte proliferation, ...) as per-subject covariates,
// instead of simulating hourly PK for every trial subject. A driver computes those
// covariates for one subject on one arm; drivers are found by name in a registry the
// caller passes to Trial::load (no global registration): the science layer builds one with
// its own ("ldn") next to the shipped "constant" driver (science::ldn_drivers()), a test
// adds its own to a copy.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ldnsim/core/random.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/trial/population.hpp"

namespace ldnsim::trial {

// What a trial spec says about one arm's treatment ([[arms]] in docs/trials.md).
struct ArmRegimen {
  std::string name;              // arm name ("LDN", "placebo")
  std::string driver = "constant";
  bool placebo = false;          // the control arm
  double dose_mg = 0;            // 0 when the spec gives none (e.g. placebo)
  double clock_h = 22;           // time of day of the dose, h (spec: time_of_day "22:00")
  double interval_h = 24;        // dosing interval, h
  double adherence = 1;          // fraction of doses taken, in (0, 1]
  // The arm's `covariates` table (name, value), in the order written.
  std::vector<std::pair<std::string, double>> covariates;
  // Driver-specific settings from [arms.options]: numbers and strings by key.
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> strings;
};

// What a driver may look at when it is created: the clinical model, and the directory of
// the trial spec (to resolve paths in options).
struct DriverContext {
  const lang::Model* model = nullptr;
  std::string spec_dir;
};

class TreatmentDriver {
 public:
  virtual ~TreatmentDriver() = default;
  // Called once per arm when the trial is loaded: the names of the covariates this driver
  // sets for the arm (each must be a model parameter or covariate; the engine checks).
  // Throws InputError for options it does not understand or values out of range; the
  // engine prefixes the spec file and the arm's key.
  virtual std::vector<std::string> covariate_names(const ArmRegimen& arm) = 0;
  // Values for one subject on this arm (one call per subject and treatment phase), in the
  // order of covariate_names(arm). `rng` is the subject's own stream for this purpose
  // (e.g. per-subject adherence); using it keeps the run reproducible.
  virtual void covariates(const ArmRegimen& arm, const Subject& subject, RandomStream& rng,
                          std::span<double> out) = 0;
};

// One driver instance is created per worker thread, so a driver may keep a simulator or a
// cache without locking.
using DriverFactory = std::function<std::unique_ptr<TreatmentDriver>(const DriverContext&)>;

// The drivers a trial may name, by name. A value: built (add) before it is passed to a
// Trial, then only read, which is safe from any number of threads.
class DriverRegistry {
 public:
  // The drivers shipped with the trial layer: "constant" (the arm's `covariates` table, the
  // same for every subject).
  static DriverRegistry builtin();
  // An empty registry.
  DriverRegistry() = default;

  // Adds (or replaces) the driver `name`; returns *this, so additions chain.
  DriverRegistry& add(const std::string& name, const std::string& description, DriverFactory factory);
  bool has(const std::string& name) const;
  // Throws InputError listing the names when `name` is unknown.
  std::unique_ptr<TreatmentDriver> make(const std::string& name, const DriverContext& context) const;
  // (name, description) of every driver, sorted by name.
  std::vector<std::pair<std::string, std::string>> list() const;
  // "constant, ldn": the names, sorted, for messages.
  std::string names() const;

 private:
  struct Entry {
    std::string description;
    DriverFactory factory;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace ldnsim::trial
