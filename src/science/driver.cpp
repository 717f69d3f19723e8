#include "ldnsim/science/driver.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/random.hpp"
#include "ldnsim/population/parallel.hpp"

namespace ldnsim::science {

namespace {

constexpr std::uint32_t kPkPurpose = 0x4C444E50;  // "LDNP": the driver's stream of a subject

// Grid spacing in log exposure and in the log ratio metabolite/parent exposure.
constexpr double kStepLogExposure = 0.2;
constexpr double kMinLogRatio = -1.3862943611198906;  // ln(1/4)
constexpr double kMaxLogRatio = 1.3862943611198906;   // ln 4
constexpr int kRatioPoints = 9;
// The night-time naltrexone table: eta_cl over +-1.5 (5 SD of a 30% cv), body weight
// 30-200 kg.
constexpr double kEtaMin = -1.5, kEtaStep = 0.25;
constexpr int kEtaPoints = 13;
constexpr double kWeightMin = 30, kWeightMax = 200;
constexpr int kWeightPoints = 8;

double linear_at(const Series& s, int k, double t) {
  const auto& ts = s.t;
  if (t <= ts.front()) return s.y[k].front();
  if (t >= ts.back()) return s.y[k].back();
  auto it = std::upper_bound(ts.begin(), ts.end(), t);
  std::size_t i = static_cast<std::size_t>(it - ts.begin()) - 1;
  const double f = (t - ts[i]) / (ts[i + 1] - ts[i]);
  return s.y[k][i] + f * (s.y[k][i + 1] - s.y[k][i]);
}

bool in_sleep(double clock, const SleepWindow& w) {
  return w.start > w.end ? clock >= w.start || clock < w.end : clock >= w.start && clock < w.end;
}

}  // namespace

SteadyPharmacology summarise_steady(const Series& s, double clock_h, double interval_h, const SleepWindow& sleep) {
  CycleMetrics m = summarise(s, 0, interval_h);
  SteadyPharmacology p;
  p.occ_peak = m.occ_peak;
  p.occ_trough = m.occ_trough;
  p.hours50 = m.hours50 * 24.0 / interval_h;
  p.t_change = m.t_change;
  p.b_change = m.b_change;
  p.bend_change = m.bend_change;
  // Means over the interval (trapezoids) and over the sleep window of a 24-h day, the cycle
  // repeated every interval (midpoints of 0.05-h clock steps).
  double occ_area = 0, cp_area = 0;
  for (std::size_t i = 0; i + 1 < s.t.size() && s.t[i] < interval_h - 1e-9; ++i) {
    const double dt = std::min(s.t[i + 1], interval_h) - s.t[i];
    occ_area += 0.5 * (s.y[OCC][i] + s.y[OCC][i + 1]) * dt;
    cp_area += 0.5 * (s.y[CP][i] + s.y[CP][i + 1]) * dt;
  }
  p.occ_mean = occ_area / interval_h;
  p.cp_mean = cp_area / interval_h;
  double occ_n = 0, cp_n = 0;
  int n = 0;
  for (int k = 0; k < 480; ++k) {
    const double clock = (k + 0.5) * 0.05;
    if (!in_sleep(clock, sleep)) continue;
    const double t = std::fmod(clock - clock_h + 48.0 * interval_h, interval_h);
    occ_n += linear_at(s, OCC, t);
    cp_n += linear_at(s, CP, t);
    ++n;
  }
  p.occ_night = occ_n / n;
  p.cp_night = cp_n / n;
  return p;
}

PkIndividual draw_pk_individual(const LdnModel& model, double weight_kg, std::uint64_t seed,
                                std::uint64_t replicate, std::uint64_t subject) {
  PkIndividual pk;
  pk.weight_kg = weight_kg;
  RandomStream rng(seed, replicate, subject, kPkPurpose);
  auto omega = [&](const char* name) {
    const auto& p = model.model().parameters()[model.param(name)];
    return p.cv ? std::sqrt(std::log1p(*p.cv * *p.cv)) : 0.0;
  };
  // Fixed order: CL then VM, whatever the cvs (a cv of 0 still consumes its draw).
  const double z_cl = rng.normal(), z_vm = rng.normal();
  pk.eta_cl = omega("CL") * z_cl;
  pk.eta_vm = omega("VM") * z_vm;
  return pk;
}

struct LdnDriver::Grid {
  double clock_h = 22, interval_h = 24;
  double log_min = 0;
  int n_exposure = 0;
  // values[(i * kRatioPoints + j)]: exposure i, ratio j
  std::vector<SteadyPharmacology> values;
  // Naltrexone over the sleep window relative to its mean, which depends on the subject's
  // elimination half-life and volumes rather than on exposure: night[(a * kWeightPoints + b)]
  // for eta_cl a and body weight b.
  std::vector<double> night;
};

LdnDriver::LdnDriver(const LdnModel& model) : model_(model), typical_(model.typical()) {
  for (const char* p : {"CL", "VM", "SALT", "WT", "WTREF", "HEPATIC", "ALLO_CL", "SLEEP_ON", "SLEEP_OFF"}) model_.param(p);
  allometric_ = model_.get(typical_, "ALLO_CL");
  sleep_ = {model_.get(typical_, "SLEEP_ON"), model_.get(typical_, "SLEEP_OFF")};
  if (!(sleep_.start >= 0 && sleep_.start < 24 && sleep_.end >= 0 && sleep_.end < 24 && sleep_.start != sleep_.end))
    throw InputError("model " + model.model().name() + ": SLEEP_ON and SLEEP_OFF must be different clock times in 0-24 h");
  LdnDose ref;  // 4.5 mg HCl at 22:00 daily
  reference_ = steady_direct(ref, PkIndividual{});
  if (!(reference_.occ_mean > 0) || !(reference_.cp_night > 0) || !(reference_.cp_mean > 0))
    throw InputError("model " + model.model().name() + ": the reference regimen (4.5 mg at 22:00) gives no exposure");
}

LdnDriver::~LdnDriver() = default;

long LdnDriver::solves() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return solves_;
}

SteadyPharmacology LdnDriver::solve(double dose_base_mg, double clock_h, double interval_h, double cl_factor,
                                    double vm_factor, double weight_kg) const {
  std::vector<double> p = typical_;
  model_.set(p, "WT", weight_kg > 0 ? weight_kg : model_.get(p, "WTREF"));
  model_.set(p, "HEPATIC", 0);
  model_.set(p, "CL", model_.get(p, "CL") * cl_factor);
  model_.set(p, "VM", model_.get(p, "VM") * vm_factor);
  Regimen g;
  g.dose_mg = dose_base_mg;
  g.salt = false;
  g.clock_h = clock_h;
  g.interval_h = interval_h;
  g.days = 0;
  Simulator sim(model_);
  Series s = sim.regimen(p, g, 0.1);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++solves_;
  }
  return summarise_steady(s, clock_h, interval_h, sleep_);
}

namespace {
double base_dose(const LdnModel& m, const std::vector<double>& typical, const LdnDose& d) {
  return d.salt ? d.dose_mg * m.get(typical, "MWNTX") / m.get(typical, "MWHCL") : d.dose_mg;
}
void check_dose(const LdnDose& d) {
  Regimen g;
  g.dose_mg = d.dose_mg;
  g.clock_h = d.clock_h;
  g.interval_h = d.interval_h;
  validate(g);
}
}  // namespace

SteadyPharmacology LdnDriver::steady_direct(const LdnDose& dose, const PkIndividual& pk) const {
  if (dose.dose_mg == 0) return {};
  check_dose(dose);
  return solve(base_dose(model_, typical_, dose), dose.clock_h, dose.interval_h, std::exp(pk.eta_cl),
               std::exp(pk.eta_vm), pk.weight_kg);
}

void LdnDriver::prepare(const LdnDose& dose) const {
  if (dose.dose_mg == 0) return;
  check_dose(dose);
  grid_for(dose, true);
}

const LdnDriver::Grid& LdnDriver::grid_for(const LdnDose& dose, bool spread) const {
  const auto key = std::make_tuple(dose.clock_h, dose.interval_h);
  // Spread over ranks, whether to build must not depend on what this rank's jobs did
  // (a job may have built the grid lazily on one rank only): a shape is built once per
  // prepare() of it, which every rank calls alike, and a grid already there is kept.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = grids_.find(key);
    if (it != grids_.end() && (!spread || prepared_.count(key))) return *it->second;
  }
  // One grid is built at a time (other threads wait for it rather than repeat it).
  std::lock_guard<std::mutex> building(build_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = grids_.find(key);
    if (it != grids_.end() && (!spread || prepared_.count(key))) return *it->second;
  }
  auto g = std::make_unique<Grid>();
  g->clock_h = dose.clock_h;
  g->interval_h = dose.interval_h;
  g->log_min = std::log(kMinExposure);
  g->n_exposure = static_cast<int>(std::ceil((std::log(kMaxExposure) - g->log_min) / kStepLogExposure)) + 1;
  const std::size_t n_values = static_cast<std::size_t>(g->n_exposure) * kRatioPoints;
  const std::size_t n_night = static_cast<std::size_t>(kEtaPoints) * kWeightPoints;
  g->values.resize(n_values);
  g->night.resize(n_night);
  // Point k of the grid: each is an independent steady-state solution.
  auto point = [&](std::size_t k) {
    if (k < n_values) {
      const int i = static_cast<int>(k / kRatioPoints), j = static_cast<int>(k % kRatioPoints);
      const double ep = std::exp(g->log_min + i * kStepLogExposure);
      const double lr = kMinLogRatio + j * (kMaxLogRatio - kMinLogRatio) / (kRatioPoints - 1);
      // metabolite exposure em = ep * r: concentrations ~ dose / VM, so VM = VM_typ / r
      return solve(ep, dose.clock_h, dose.interval_h, 1.0, std::exp(-lr), 0);
    }
    const std::size_t m = k - n_values;
    const int a = static_cast<int>(m / kWeightPoints), b = static_cast<int>(m % kWeightPoints);
    const double w = kWeightMin * std::pow(kWeightMax / kWeightMin, static_cast<double>(b) / (kWeightPoints - 1));
    return solve(1.0, dose.clock_h, dose.interval_h, std::exp(kEtaMin + a * kEtaStep), 1.0, w);
  };
  auto store = [&](std::size_t k, const SteadyPharmacology& s) {
    if (k < n_values) g->values[k] = s;
    else g->night[k - n_values] = s.cp_night / s.cp_mean;
  };
  if (spread) {
    // At set-up, called by every rank at the same point: under mpirun the ~600 solutions
    // (about half a second, which every rank used to repeat) are spread over the ranks,
    // and every rank receives them all, bit for bit. In one process they run on the
    // calling thread's worker, as before.
    static_assert(std::is_trivially_copyable_v<SteadyPharmacology>);
    population::ParallelOptions par;
    par.threads = 1;
    par.what = "steady-state grid";
    population::run_ordered(
        n_values + n_night, par,
        [&](std::size_t, std::size_t k, std::string& buf) {
          const SteadyPharmacology s = point(k);
          buf.assign(reinterpret_cast<const char*>(&s), sizeof s);
        },
        [&](std::size_t k, std::string& buf) {
          if (buf.size() != sizeof(SteadyPharmacology)) throw std::logic_error("steady-state grid: a result of the wrong size");
          SteadyPharmacology s;
          std::memcpy(&s, buf.data(), sizeof s);
          store(k, s);
        });
  } else {
    for (std::size_t k = 0; k < n_values + n_night; ++k) store(k, point(k));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (spread) prepared_.insert(key);
  auto [it, inserted] = grids_.emplace(key, std::move(g));  // an existing grid (the same numbers) stays
  return *it->second;
}

SteadyPharmacology LdnDriver::steady(const LdnDose& dose, const PkIndividual& pk) const {
  if (dose.dose_mg == 0) return {};
  check_dose(dose);
  const double wref = model_.get(typical_, "WTREF");
  const double w = pk.weight_kg / wref;
  if (!(w > 0) || !std::isfinite(w))
    throw InputError("body weight " + format_number(pk.weight_kg) + " kg: expected a positive weight");
  const double d = base_dose(model_, typical_, dose);
  const double ep = d / (std::pow(w, allometric_) * std::exp(pk.eta_cl));
  const double em = d / (w * std::exp(pk.eta_vm));
  const Grid& g = grid_for(dose);
  double x = (std::log(ep) - g.log_min) / kStepLogExposure;
  double y = (std::log(em / ep) - kMinLogRatio) / ((kMaxLogRatio - kMinLogRatio) / (kRatioPoints - 1));
  if (x < 0 || x > g.n_exposure - 1 || y < 0 || y > kRatioPoints - 1)
    return steady_direct(dose, pk);  // outside the grid: solve directly (rare)
  int i = std::min(static_cast<int>(x), g.n_exposure - 2);
  int j = std::min(static_cast<int>(y), kRatioPoints - 2);
  const double fx = x - i, fy = y - j;
  auto at = [&](int a, int b) -> const SteadyPharmacology& {
    return g.values[static_cast<std::size_t>(a) * kRatioPoints + b];
  };
  const double w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
  auto mix = [&](double SteadyPharmacology::*f) {
    return w00 * at(i, j).*f + w10 * at(i + 1, j).*f + w01 * at(i, j + 1).*f + w11 * at(i + 1, j + 1).*f;
  };
  SteadyPharmacology s;
  for (auto f : {&SteadyPharmacology::occ_mean, &SteadyPharmacology::occ_trough, &SteadyPharmacology::occ_peak,
                 &SteadyPharmacology::occ_night, &SteadyPharmacology::hours50, &SteadyPharmacology::t_change,
                 &SteadyPharmacology::b_change, &SteadyPharmacology::bend_change})
    s.*f = mix(f);
  // Mean naltrexone is proportional to exposure: interpolate per unit exposure.
  {
    const double e0 = std::exp(g.log_min + i * kStepLogExposure), e1 = e0 * std::exp(kStepLogExposure);
    auto per = [&](int a, int b, double e) { return at(a, b).cp_mean / e; };
    s.cp_mean = ep * (w00 * per(i, j, e0) + w10 * per(i + 1, j, e1) + w01 * per(i, j + 1, e0) + w11 * per(i + 1, j + 1, e1));
  }
  // Its night-time share depends on the subject's half-life and volumes (eta_cl, weight).
  {
    double u = (pk.eta_cl - kEtaMin) / kEtaStep;
    double v = std::log(pk.weight_kg / kWeightMin) / std::log(kWeightMax / kWeightMin) * (kWeightPoints - 1);
    if (u < 0 || u > kEtaPoints - 1 || v < 0 || v > kWeightPoints - 1) return steady_direct(dose, pk);
    int a = std::min(static_cast<int>(u), kEtaPoints - 2), b = std::min(static_cast<int>(v), kWeightPoints - 2);
    const double fu = u - a, fv = v - b;
    auto n = [&](int x, int y) { return g.night[static_cast<std::size_t>(x) * kWeightPoints + y]; };
    s.cp_night = s.cp_mean * ((1 - fu) * (1 - fv) * n(a, b) + fu * (1 - fv) * n(a + 1, b) + (1 - fu) * fv * n(a, b + 1) +
                              fu * fv * n(a + 1, b + 1));
  }
  return s;
}

ClinicalDrive LdnDriver::drive_from(const SteadyPharmacology& s) const {
  ClinicalDrive c;
  if (s.cp_mean == 0 && s.occ_mean == 0) return c;  // off drug
  c.ldn = 1;
  c.dprol = 0.5 * (s.t_change + s.b_change);
  const double ref_prol = 0.5 * (reference_.t_change + reference_.b_change);
  c.prolrel = ref_prol != 0 ? c.dprol / ref_prol : 0;
  c.occrel = s.occ_mean / reference_.occ_mean;
  c.sleepd = s.cp_night / reference_.cp_night;
  c.expod = s.cp_mean / reference_.cp_mean;
  c.occ_trough = s.occ_trough;
  c.hours50 = s.hours50;
  return c;
}

ClinicalDrive LdnDriver::drive(const LdnDose& dose, const PkIndividual& pk) const {
  return drive_from(steady(dose, pk));
}

}  // namespace ldnsim::science
