// `ldnsim power`: the sample-size curve of any trial spec, by simulation. At each total
// sample size n the trial is replicated through the trial engine with the spec's own
// analysis: power is the share of replicates that succeed (significant, in the better
// direction when one is given) with the model's calibrated LDN effect; assurance is the
// same share averaged over the uncertainty of that effect (each draw of the effect
// parameters from their fitted estimate and SE in the model file: normal; parameters that
// are assumptions without a fit: uniform over their stated range). Deterministic for a
// given seed whatever the thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace ldnsim::science {

// "START:END:STEP" (whole numbers, START <= END, STEP > 0) or "N1,N2,..." -> sorted sizes.
// Throws UsageError naming `option` and the value, and what was expected.
std::vector<long> parse_sample_sizes(const std::string& text, const std::string& field = "n");

struct EffectParameter {
  std::string name;
  double estimate = 0;  // the model file's value (or --set), the point of "power"
  double se = std::numeric_limits<double>::quiet_NaN();
  double low = 0, high = 0;   // uniform range when there is no SE
  std::string distribution;   // "normal" (estimate, SE) | "uniform" (range, an assumption) | "fixed"
  bool identified = true;     // false: fitted but not identified by its targets (uniform over the prior range)
};

struct PowerOptions {
  std::vector<long> n;          // total sample sizes (randomised)
  std::string endpoint;         // empty: the primary endpoint, else the first
  std::string effect_from = "calibrated";  // calibrated | zero
  std::vector<std::string> effect_parameters;  // empty: every EFF_* parameter, BIMM and BPROG of the model
  std::map<std::string, double> set;           // parameter values fixed for every run
  std::string better = "any";   // lower | higher | any: which significant results count as success
  std::size_t replicates = 200;                // per n, at the point estimate
  std::size_t draws = 40, draw_replicates = 5;  // assurance: effect draws x replicates per draw, per n
  // What assurance draws besides the LDN effect (clinical_uncertainty.hpp): "effects"
  // (the effect parameters only), "parameters" (+ every fitted parameter), "assumptions"
  // (+ every assumption, the pharmacology's lymphocyte band and the between-trial term).
  std::string uncertainty = "assumptions";
  std::size_t pharmacology_samples = 200;  // Latin-hypercube samples of the lymphocyte band
  std::uint64_t seed = 1;
  int threads = 1;
  bool progress = false;                       // the trial engine's progress line
  std::function<void(const std::string&)> note;  // a line per sample size done
};

struct PowerPoint {
  long n = 0;
  long successes = 0, trials = 0;
  double power = 0, power_low = 0, power_high = 0;  // exact 95% (Clopper-Pearson)
  double assurance = std::numeric_limits<double>::quiet_NaN();
  double assurance_low = std::numeric_limits<double>::quiet_NaN(), assurance_high = std::numeric_limits<double>::quiet_NaN();
  double median_estimate = std::numeric_limits<double>::quiet_NaN();
  double estimate_low = std::numeric_limits<double>::quiet_NaN(), estimate_high = std::numeric_limits<double>::quiet_NaN();
  long failed = 0;  // replicates whose analysis failed (counted as no success)
};

struct PowerResult {
  std::string spec, title, design, endpoint, endpoint_label, analysis, model;
  double alpha = 0.05;
  long min_n = 2;
  bool ratio = false;  // the estimate is a ratio (no effect = 1)
  std::vector<EffectParameter> effects;
  std::vector<PowerPoint> points;
  bool assurance = false;  // computed (false with effect_from = zero or no uncertain parameter)
  std::string uncertainty;  // the option
  std::string covers;       // what the assurance interval covers
  std::size_t drawn_parameters = 0;  // besides the effects
  bool lymphocytes = false;          // the lymphocyte change drawn from the pharmacology's band
  double change_typical = 0, change_low = 0, change_high = 0;  // %, 4.5 mg
  double tau = 0;                    // between-trial SD of the log placebo ARR (0: none)
  // First n of the grid reaching 80% (-1: not reachable within the range), and the n
  // interpolated linearly between the grid points around 80%.
  long n80_power = -1, n80_assurance = -1;
  double n80_power_interpolated = std::numeric_limits<double>::quiet_NaN();
  double n80_assurance_interpolated = std::numeric_limits<double>::quiet_NaN();
  double max_assurance = 0;
};

// Throws InputError for a bad spec, UsageError for bad options (n below the design's
// minimum, an unknown endpoint or parameter), naming the option and what was expected.
PowerResult run_power(const std::string& spec_path, const PowerOptions& options);

// The smallest total n the design can be analysed with (2 subjects per group).
long minimum_sample_size(const std::string& spec_path);

}  // namespace ldnsim::science
