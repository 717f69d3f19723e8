// The "ldn" treatment driver of the trial engine (docs/trials.md, "Treatment drivers"):
// an arm's LDN regimen (dose, time of day, interval, adherence) becomes, per subject, the
// covariates of the clinical model models/ms/patient.ldn, computed from the steady state
// of the pharmacology model models/ldn/human.ldn (science::LdnDriver):
//
//   LDN      1 on drug (0 with a zero dose)
//   DPROL    change of T/B lymphocyte proliferation (fraction)
//   PROLREL  that change relative to the reference regimen (4.5 mg at 22:00, typical adult)
//   OCCREL   mean MOR occupancy relative to the reference regimen
//   SLEEPD   naltrexone over the sleep window 23:00-07:00 relative to the reference
//   EXPOD    mean naltrexone exposure relative to the reference
//
// plus the arm's `covariates` table (e.g. BLINDED = 1 or OPEN = 1), passed through.
// Each subject's pharmacokinetic individuality (apparent CL/F and 6-beta-naltrexol volume,
// the cvs of human.ldn) is drawn from the subject's driver stream, and body weight comes
// from the population's WT (70 kg when it has none). Adherence scales the dose (mean
// exposure; the slow receptor offset smooths missed doses).
//
// [arms.options] (all optional): pharmacology = "human" or a .ldn path (relative to the
// spec), salt = 1 (mg of naltrexone HCl, default) or 0 (mg of base), titration = "1.5mg
// 0-7d, 3mg 7-14d" (steps before dose_mg; adds TITD1-4 and TITF1-4, titration.hpp).
#pragma once

#include <memory>
#include <string>

#include "ldnsim/science/driver.hpp"
#include "ldnsim/trial/driver.hpp"

namespace ldnsim::science {

// The drivers of LDN trial specs: the trial layer's built-in ones and "ldn". Built once;
// pass it to trial::Trial::load or a Trial's constructor.
const trial::DriverRegistry& ldn_drivers();

// The shared steady-state cache of a pharmacology model (built once per process, used by
// every worker thread): "human" or a path.
const LdnDriver& shared_ldn_driver(const std::string& pharmacology);

// The covariate names the driver sets (in this order), before the arm's own table.
inline constexpr const char* kLdnDriverCovariates[] = {"LDN", "DPROL", "PROLREL", "OCCREL", "SLEEPD", "EXPOD"};

}  // namespace ldnsim::science
