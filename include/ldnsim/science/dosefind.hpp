// Dose finding (`ldnsim dosefind SPEC`, docs/dosefind.md): for a trial spec with a placebo
// arm and dose arms analysed as responders, the dose-response in each parameter world
// (predictive.hpp), the dose giving a `target` chance of response (ED50 for 50%) with its
// spread across worlds, and the sample size per arm a dose-finding study needs, tested with
// the multiple-contrast (MCP) step of MCP-Mod on the responder proportions. Everything the
// computation uses (candidate shapes, alpha, worlds, sizes) comes from the spec file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ldnsim::science {

// A candidate dose-response shape of MCP-Mod; f(dose) up to location and scale.
struct DoseShape {
  std::string name;   // as printed
  std::string model;  // linear, loglinear, emax, sigemax, exponential
  double ed50 = 0, hill = 1, offset = 1, delta = 1;  // mg (hill: 1)
};
double shape_value(const DoseShape& s, double dose_mg);

struct DoseFindSpec {
  std::string file, dir, name, title;
  std::string trial;  // the trial spec: placebo arm + dose arms, a responder endpoint per dose arm
  std::size_t worlds = 100;
  std::uint64_t seed = 1;
  double target = 0.5;  // response probability whose dose is reported
  std::vector<long> n_per_arm;
  std::size_t nominal_replicates = 0;  // trials per size at the model file's own values
  double alpha = 0.025;                // one-sided, for the maximum contrast
  double power = 0.8;                  // the power / assurance a size must reach
  std::size_t critical_draws = 200000;
  std::vector<DoseShape> shapes;
  std::string note;  // shown with the results (what the spec's author wants said)
};

// Throws InputError naming file:line:column and key; nothing is run.
DoseFindSpec load_dosefind_spec(const std::string& path);

// ---- The multiple-contrast test (pure functions, tested by hand) ----------------------
// The optimal contrast for mean shape mu and arm sizes n (homoscedastic normal
// approximation, Bretz, Pinheiro & Branson 2005): c_i ~ n_i (mu_i - sum n mu / sum n),
// scaled to unit length. Throws InputError for a flat shape.
std::vector<double> optimal_contrast(const std::vector<double>& mu, const std::vector<double>& n);
// Correlation of the contrast statistics under the null for arm sizes n.
std::vector<std::vector<double>> contrast_correlation(const std::vector<std::vector<double>>& contrasts, const std::vector<double>& n);
// The one-sided critical value of max_k Z_k, Z ~ N(0, R): the 1 - alpha quantile of
// `draws` Monte-Carlo draws (stream `seed`), so deterministic.
double max_normal_critical_value(const std::vector<std::vector<double>>& correlation, double alpha, std::size_t draws,
                                 std::uint64_t seed);
// z_k = sum c_ki p_i / sqrt(pbar (1 - pbar) sum c_ki^2 / n_i) for responder counts x_i of
// n_i (pbar pooled); the largest, or NaN when pbar is 0 or 1 or an arm is empty.
double max_contrast_z(const std::vector<std::vector<double>>& contrasts, const std::vector<long>& responders,
                      const std::vector<long>& n);

// The dose (mg) where the response rate first reaches `target`, interpolated on log dose
// between dose arms; status -1 below the lowest dose (or placebo already there), +1 not
// reached by the highest, 0 within (then `dose` is set). doses ascend, rates[0] is placebo.
struct TargetDose {
  int status = 0;
  double dose = 0;
};
TargetDose target_dose(const std::vector<double>& doses_mg, const std::vector<double>& rates, double target);

// ---- The run -----------------------------------------------------------------------------
struct DoseFindOptions {
  int threads = 1;
  bool progress = false;
  std::function<void(const std::string&)> note;
};

struct DoseFindWorld {
  std::vector<long> responders, evaluable;  // per arm, pooled over the world's trials
  std::vector<double> rate;
  TargetDose ed;
  std::vector<int> significant;  // per size: 1 if that world's trial rejected
};

struct DoseFindPoint {
  long n_per_arm = 0;
  double assurance = 0, assurance_low = 0, assurance_high = 0;  // share of worlds, exact 95%
  double power = -1, power_low = -1, power_high = -1;           // nominal values (-1: not run)
  long trials_failed = 0;
};

struct DoseFindResult {
  DoseFindSpec spec;
  std::string trial_title, model, endpoint_label;
  std::vector<std::string> arms;   // placebo first
  std::vector<double> doses_mg;    // 0 for placebo
  std::vector<std::vector<double>> contrasts;  // per shape, over arms
  std::vector<std::vector<double>> correlation;
  double critical_value = 0;
  std::vector<DoseFindWorld> worlds;
  // Per arm across worlds: median and central 95% of the response rate.
  std::vector<double> rate_median, rate_low, rate_high;
  // The target dose across worlds: shares below / within / above the dose range, the
  // median and central 95% (a bound as -1 below, +inf above the range: see ed_text).
  double ed_below = 0, ed_within = 0, ed_above = 0;
  double ed_median = 0, ed_low = 0, ed_high = 0;
  bool ed_identified = false;  // the 95% interval lies inside the dose range
  std::vector<DoseFindPoint> points;
  long n_assurance = -1, n_power = -1;  // first size reaching spec.power (-1: none)
  std::size_t drawn_parameters = 0;
  std::vector<std::string> drawn_names;
  double seconds = 0;
};

DoseFindResult run_dosefind(const DoseFindSpec& spec, const DoseFindOptions& options);

// "2.1 mg", "< 0.75 mg (below the lowest dose)", "> 6 mg (not reached)".
std::string ed_text(double value, const std::vector<double>& doses_mg);
// What the evidence says about the target dose, one sentence.
std::string ed_statement(const DoseFindResult& r);

}  // namespace ldnsim::science
