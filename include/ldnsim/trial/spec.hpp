// Trial specs (TOML): design, arms and regimens, enrolment and allocation, visits,
// dropout and data loss, endpoints and the analysis the paper used. The format is
// documented in docs/trials.md ("Trial spec"). Parsing checks everything that can be
// checked without the model; Trial::load (engine.hpp) checks the rest against the model.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/common.hpp"
#include "ldnsim/trial/driver.hpp"
#include "ldnsim/trial/population.hpp"

namespace ldnsim::trial {

enum class Design { Parallel, Crossover, SingleArm, Retrospective };
enum class EndpointType { Continuous, Responder, Count, Progression };
enum class Measure { Value, Change };
enum class Analysis {
  PairedT, StudentT, WelchT, Ancova, WilcoxonSignedRank, WilcoxonRankSum, Crossover, Mean,
  Proportion, TwoProportions, FisherExact, McNemar, RateRatio, Rate, Cox, LogRank,
};

const char* to_string(Design d);
const char* to_string(EndpointType t);
const char* to_string(Analysis a);

// Whether `analysis` fits the design and endpoint type (the table in docs/trials.md).
bool analysis_fits(Analysis analysis, Design design, EndpointType type);
// The analyses that fit, as a readable list ("paired_t, wilcoxon_signed_rank, ...").
std::string fitting_analyses(Design design, EndpointType type);

// "8w", "56d", "6mo", "2y", "36h" or a plain number of days -> days. Throws InputError
// (message without location) for anything else or a negative value.
double parse_duration_days(std::string_view text);
// "22:00" -> 22.0; throws InputError.
double parse_time_of_day(std::string_view text);

struct PublishedResult {
  std::optional<double> estimate, lower, upper, p_value;
};

// One analysed endpoint; an endpoint with several times is expanded into one per time.
struct EndpointSpec {
  std::string name;       // NAME, or NAME@TIME when the spec gave several times
  std::string key;        // "endpoints[2]", for messages
  std::string output;     // model output read at the visits ("" for an event count)
  std::string event;      // count endpoints: a model event counted over the follow-up
  std::string label;
  EndpointType type = EndpointType::Continuous;
  Measure measure = Measure::Value;
  bool period_baseline = true;  // crossover: change from the start of each period
  double time = 0;              // days: study time, or within each period (crossover paired)
  bool time_last = false;       // retrospective: the last charted visit
  bool time_given = false;
  std::optional<double> at_least, at_most;  // responder definition on the measure
  Analysis analysis = Analysis::PairedT;
  int treatment = 0, control = -1;  // arm indices (control -1: none)
  stats::Alternative alternative = stats::Alternative::TwoSided;
  std::optional<double> p0;
  bool negative_binomial = false;   // rate_ratio distribution
  // Confirmed progression rule.
  double confirm = 84, increase = 1.0, increase_high = 0.5, cutoff = 5.5;
  bool primary = false;
  PublishedResult published;
};

struct TrialSpec {
  std::string file;  // the spec's path as given
  std::string dir;   // its directory (paths in it are relative to this)
  std::string name, title, citation;
  // [trial] indication ("fibromyalgia", ...; "" unstated): checked against the model's and
  // the population's when the trial is loaded.
  std::string indication;
  Design design = Design::Parallel;
  std::string model_path;       // resolved against dir
  std::string population_path;  // resolved against dir
  double time_scale = 1;        // model time units per day (1: days, 24: hours)
  double alpha = 0.05;
  std::optional<std::uint64_t> seed;

  // [enrollment]
  long n = 0;
  std::vector<double> allocation;  // per arm (parallel) or sequence (crossover)
  int block_size = 0;              // 0: simple randomisation
  std::vector<std::string> stratify;

  std::vector<ArmRegimen> arms;
  int control = -1;  // index of the placebo arm, -1 if none

  // [crossover]
  double period = 0, washout = 0;
  std::array<std::array<int, 2>, 2> sequences{{{0, 1}, {1, 0}}};  // arm index per period
  std::vector<std::pair<std::string, double>> washout_covariates;

  // [schedule]
  double duration = 0;  // study length, days (crossover: 2 periods + washout)
  double every = 0;     // regular visits (0: none)
  std::vector<double> visits;  // extra visits

  // [dropout]
  std::string dropout_output;
  double dropout_fraction = 0, dropout_by = 0;

  // [data_loss]
  long lost_subjects = 0;
  double lost_fraction = 0, lost_visit_fraction = 0;

  // [retrospective]
  Marginal follow_up;  // days
  double min_follow_up = 0, visit_every = 0, charted = 1;

  std::vector<EndpointSpec> endpoints;

  // Source positions of keys ("endpoints[2].output" -> file:line:column), for messages
  // about problems found later (against the model).
  std::map<std::string, SourceLocation> locations;
  // "FILE:LINE:COLUMN: KEY: message" (the closest known position of the key).
  std::string where(const std::string& key) const;
};

// Throws InputError naming file, position, key and what was expected; nothing is run.
TrialSpec parse_trial_spec(std::string_view toml_text, const std::string& file);
TrialSpec load_trial_spec(const std::string& path);

}  // namespace ldnsim::trial
