// `ldnsim reproduce`: every published study (and the natural-history and placebo cohorts
// the model was calibrated to) run as an in-silico trial, replicated, and compared with
// what was published. The list of studies and comparisons is a spec, trials/reproduce.toml
// (docs/clinical.md "Reproduce spec"): per row a study, an endpoint, the statistic read
// off each simulated replicate, the published value or verdict, its evidence grade and
// whether it was a calibration target, a check or a prediction.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/clinical_uncertainty.hpp"

namespace ldnsim::science {

struct ReproduceRow {
  std::string study;      // trial spec path (resolved)
  std::string endpoint;   // "" for withdrawn / lost
  Statistic statistic = Statistic::Estimate;
  std::string label;      // what the row shows
  std::optional<double> published, low, high;  // in the spec's units (before scale)
  std::string published_text;                  // as printed ("3.3 (p = 0.04)")
  // The published verdict on significance, when the paper reports one.
  enum class Verdict { None, Significant, NotSignificant } verdict = Verdict::None;
  std::string grade;      // C, S, U, D (studies.md)
  std::string role;       // fitted, check, prediction
  std::string note;
  double scale = 1;
  std::string unit;
};

struct ReproduceStudy {
  std::string spec;   // resolved path
  std::string label;  // short name for tables
  std::string role;   // calibration, ldn, prediction
  std::size_t replicates = 0;  // 0: the spec's default
  // > 0: each replicate draws the model's uncertain parameters (one of this many worlds),
  // so the interval covers parameter and assumption uncertainty too (predictive.hpp)
  std::size_t uncertainty = 0;
};

struct ReproduceSpec {
  std::string file, dir;
  std::size_t replicates = 500;
  std::vector<ReproduceStudy> studies;
  std::vector<ReproduceRow> rows;
};

// Throws InputError naming FILE:LINE:COLUMN and key; endpoints are checked against the
// studies' trial specs.
ReproduceSpec load_reproduce_spec(const std::string& path);

struct RowResult {
  ReproduceRow row;
  std::size_t replicates = 0, failed = 0;
  double median = std::numeric_limits<double>::quiet_NaN();  // shown units (x scale)
  double p025 = std::numeric_limits<double>::quiet_NaN(), p975 = std::numeric_limits<double>::quiet_NaN();
  double p_significant = std::numeric_limits<double>::quiet_NaN();  // share of replicates significant (endpoints)
  // Published value inside [p025, p975]; for a verdict alone, the verdict occurs in >= 2.5%
  // of replicates. Empty when there is nothing published (a prediction).
  std::optional<bool> consistent;
};

// The mean course of an output by group over the visits: median over replicates of the
// group means, with the 2.5-97.5% band.
struct Course {
  std::string study_label, output, group;
  std::vector<double> day, median, low, high;
};

struct StudyRun {
  ReproduceStudy study;
  std::string title, citation;
  std::string model;  // the trial's clinical model file (resolved path)
  std::size_t replicates = 0;
  std::uint64_t seed = 0;
  double seconds = 0;
  double median_withdrawn = 0, median_lost = 0, median_analysed = 0;
  std::vector<Course> courses;
  std::string covers = "sampling";  // what the study's intervals cover
  std::size_t worlds = 0;           // parameter sets drawn (0: none)
  // The whole published pattern of verdicts (issue 9, item 6), for a study with at least
  // two published "not significant" verdicts: the share of simulated trials in which every
  // row with a published verdict comes out as published (each endpoint once), with its
  // exact 95% interval; NaN when the study has no such pattern. `pattern` lists the rows.
  // A prediction study (no published verdict) gets P(none of its predicted endpoints
  // significant), its pattern starting "predicted: ".
  std::size_t pattern_rows = 0, pattern_nulls = 0;
  double p_pattern = std::numeric_limits<double>::quiet_NaN();
  double p_pattern_low = std::numeric_limits<double>::quiet_NaN(), p_pattern_high = std::numeric_limits<double>::quiet_NaN();
  std::string pattern;
};

struct ReproduceResult {
  std::vector<RowResult> rows;   // spec order
  std::vector<StudyRun> studies; // spec order
};

struct ReproduceOptions {
  std::size_t replicates = 0;      // 0: the spec's (per study, or the global default)
  std::optional<std::uint64_t> seed;  // else each study's own trial.seed
  int threads = 1;
  bool progress = false;           // the trial engine's progress line (on a terminal)
  std::function<void(const std::string&)> note;  // a line per study started and finished
  // --uncertainty: every study draws its model's uncertain inputs per simulated trial with
  // power's mechanism (clinical_uncertainty.hpp) at this level, in `worlds` parameter sets
  // (a study's own `uncertainty = N`, else this). Unset: studies with `uncertainty = N`
  // draw predictive worlds (predictive.hpp), the others sampling only.
  std::optional<UncertaintyLevel> uncertainty;
  std::size_t worlds = 200;
  std::size_t pharmacology_samples = 200;  // the lymphocyte band (assumptions level)
};

ReproduceResult run_reproduce(const ReproduceSpec& spec, const ReproduceOptions& options);

}  // namespace ldnsim::science
