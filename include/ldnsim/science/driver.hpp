// The LDN treatment driver: what a regimen of low-dose naltrexone does to one virtual
// patient, reduced to a few numbers the clinical model (models/ms/patient.ldn) reads as
// covariates. The clinical model runs on a scale of days to years; the pharmacology
// (models/ldn/human.ldn) on hours. Receptor occupancy, the rebound and the proliferation
// indices reach their periodic steady state within days (slowest half-life ~25 h), so
// the driver gives the clinical model the steady-state cycle of each subject's regimen,
// and the clinical model's own onset states carry the slower time courses (weeks).
//
// Cost: a steady-state cycle of the pharmacology takes about 2 ms. A trial replicated
// 1000 times has 10^5 subject-regimens, so the driver does not solve per subject: for each
// regimen shape (salt or base, clock time, interval) it solves a grid over the two
// exposures that between-subject variability and body weight change (naltrexone,
// through apparent CL/F; 6-beta-naltrexol, through its apparent volume), once, and
// interpolates. Linear PK makes a subject with apparent clearance CL_i on dose d look,
// for steady-state averages, like the typical subject on dose d * CL/CL_i (a test
// checks the interpolation against direct solutions).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ldnsim/science/ldn.hpp"

namespace ldnsim::science {

// A repeated LDN regimen. Zero dose means no drug (placebo or off treatment).
struct LdnDose {
  double dose_mg = 4.5;
  bool salt = true;       // dose is mg of naltrexone HCl (as tablets and compounded LDN are)
  double clock_h = 22;    // time of day of the dose
  double interval_h = 24;
};

// The sleep window of the night-time measures, clock times (SLEEP_ON, SLEEP_OFF of the
// pharmacology model: an assumption, documented in docs/clinical.md).
struct SleepWindow {
  double start = 0, end = 0;
};

// Steady-state pharmacology of one subject on one regimen (means over a dosing interval).
struct SteadyPharmacology {
  double occ_mean = 0, occ_trough = 0, occ_peak = 0;
  double occ_night = 0;       // mean MOR occupancy over the sleep window
  double hours50 = 0;         // h/day with occupancy >= 50%
  double cp_mean = 0;         // mean naltrexone, ng/mL
  double cp_night = 0;        // mean naltrexone over the sleep window, ng/mL
  double t_change = 0, b_change = 0;  // mean proliferation index - 1
  double bend_change = 0;     // mean beta-endorphin level - 1
};

// What the clinical model reads (covariate names in models/ms/patient.ldn). All zero off drug.
struct ClinicalDrive {
  double ldn = 0;     // LDN: 1 on drug
  double dprol = 0;   // DPROL: mean T/B proliferation change (fraction; negative = inhibition)
  double prolrel = 0; // PROLREL: proliferation change relative to the reference regimen
  double occrel = 0;  // OCCREL: mean MOR occupancy relative to the reference regimen
  double sleepd = 0;  // SLEEPD: naltrexone exposure over the sleep window, relative to reference
  double expod = 0;   // EXPOD: mean naltrexone exposure (dose-related), relative to reference
  double occ_trough = 0;  // OCCTR: trough MOR occupancy (fraction), reported
  double hours50 = 0;     // H50: h/day with occupancy >= 50%, reported
};

// A subject's pharmacokinetic individuality as the driver sees it.
struct PkIndividual {
  double weight_kg = 70;
  double eta_cl = 0;  // log deviation of apparent CL/F from typical
  double eta_vm = 0;  // log deviation of the apparent 6-beta-naltrexol volume
};

// Draws eta_cl and eta_vm from the pharmacology model's `cv` (log-normal BSV) with a
// counter-based stream keyed by (seed, replicate, subject), so a subject's draws do not
// depend on the thread count or on other subjects.
PkIndividual draw_pk_individual(const LdnModel& model, double weight_kg, std::uint64_t seed,
                                std::uint64_t replicate, std::uint64_t subject);

class LdnDriver {
 public:
  // The pharmacology at the model's typical values (the file's calibrated values and
  // assumptions). The reference regimen: 4.5 mg naltrexone HCl nightly at 22:00 in a
  // typical 70-kg adult (the Cree 2010 regimen), to which the relative drives refer.
  explicit LdnDriver(const LdnModel& model);
  ~LdnDriver();

  // Steady state of a subject on a regimen, interpolated on the exposure grid. Thread-safe;
  // the grid of a regimen shape is built on first use (deterministically).
  SteadyPharmacology steady(const LdnDose& dose, const PkIndividual& pk) const;
  // Builds the grid of this regimen shape now, spread over the ranks under mpirun: every
  // rank must call it at the same point (a trial's set-up does), never inside a job.
  void prepare(const LdnDose& dose) const;
  // The same by direct solution (slow; for checks).
  SteadyPharmacology steady_direct(const LdnDose& dose, const PkIndividual& pk) const;
  ClinicalDrive drive(const LdnDose& dose, const PkIndividual& pk) const;
  ClinicalDrive drive_from(const SteadyPharmacology& s) const;

  const SteadyPharmacology& reference() const { return reference_; }
  const LdnModel& model() const { return model_; }
  // Number of steady-state solutions computed so far (grid points and direct solutions).
  long solves() const;

  // Exposure range of the grid: naltrexone-equivalent base dose (mg) of the typical subject.
  static constexpr double kMinExposure = 0.01, kMaxExposure = 400;

 private:
  struct Grid;
  const Grid& grid_for(const LdnDose& dose, bool spread = false) const;
  // Steady state with CL and VM multiplied by the factors, at body weight `weight_kg`
  // (0: the reference weight).
  SteadyPharmacology solve(double dose_base_mg, double clock_h, double interval_h, double cl_factor,
                           double vm_factor, double weight_kg) const;

  const LdnModel& model_;
  std::vector<double> typical_;
  double allometric_ = 0.75;  // ALLO_CL: clearance ~ weight^ALLO_CL
  SleepWindow sleep_;
  SteadyPharmacology reference_;
  mutable std::mutex mutex_, build_mutex_;
  mutable std::map<std::tuple<double, double>, std::unique_ptr<Grid>> grids_;
  mutable std::set<std::tuple<double, double>> prepared_;  // shapes built by prepare()
  mutable long solves_ = 0;
};

// Steady-state summary of a series that starts at the dose given at clock time `clock_h`.
SteadyPharmacology summarise_steady(const Series& s, double clock_h, double interval_h, const SleepWindow& sleep);

}  // namespace ldnsim::science
