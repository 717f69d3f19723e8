// Between-trial variation of placebo arms and its leave-one-out check (issue 9, item 4).
//
// A placebo-arms file (trials/natural-history/placebo-arms.toml) lists published placebo
// arms of relapsing-MS trials with their size, duration and outcomes (ARR, relapse-free
// share, 12-week confirmed progression). For each outcome, arms differ by sampling and by
// a between-trial term: on the log scale for the ARR, on the logit scale for shares,
//   y_i ~ N(mu, v_i + tau^2),
// v_i the within-arm sampling variance (ARR: Poisson plus the model's between-patient
// overdispersion, var(log ARR) = 1 / (n T ARR) + k / n with k = exp(ARR_FRAIL^2) - 1;
// shares: binomial, 1 / (n p (1 - p))). tau gets a uniform prior on [0, tau_max] (the
// file says why) and mu a flat one, so tau's posterior is the restricted (REML)
// likelihood over that range. What a new arm shows is predicted by the mixture over
// tau's posterior of N(mu_hat(tau), tau^2 + var(mu_hat | tau) + v_new): an honest interval
// with few arms is wide, and it says how much of it is the prior.
//
// Leave-one-out: each independent arm is held out, tau and mu are re-estimated from the
// others, and the arm's published value is compared with the 95% predictive interval.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ldnsim::science {

enum class ArmOutcome { Arr, RelapseFree, Cdp };
const char* to_string(ArmOutcome outcome);  // "ARR", "relapse-free", "CDP"

struct PlaceboArm {
  std::string name, source;
  double n = 0, years = 0;
  std::optional<double> arr, relapse_free, cdp;  // 1/year; shares 0-1
  bool independent = true;                       // false: a subset of another arm
  std::string why;                               // why not independent
};

struct PlaceboArms {
  std::string file;
  std::string model;  // path of the clinical model (its ARR_FRAIL, ARR_TAU)
  double tau_max = 0.5;
  std::string tau_max_why;
  std::vector<PlaceboArm> arms;
};

// Reads and checks a placebo-arms file (located errors: file:line:column, key).
PlaceboArms load_placebo_arms(const std::string& path);

struct Observation {
  std::string arm;
  double y = 0, v = 0;  // transformed value and its within-arm variance
};

// The between-trial fit of one outcome from the arms that report it.
struct BetweenTrialFit {
  ArmOutcome outcome = ArmOutcome::Arr;
  std::vector<std::string> arms;
  double tau_median = 0, tau_low = 0, tau_high = 0;  // posterior median, 2.5%, 97.5%
  double tau_rms = 0;                                // sqrt(E[tau^2]): the SD a normal draw needs
  double tau_dl = 0;                                 // DerSimonian-Laird moment estimate (for reference)
  double q = 0;                                      // Cochran's Q at tau = 0
  double pooled = 0;                                 // pooled value at tau_rms, original scale
  // 95% predictive interval (and median) of what a new arm of `n` patients over `years`
  // shows, original scale.
  double new_n = 0, new_years = 0, predicted = 0, predicted_low = 0, predicted_high = 0;
};

struct LeaveOneOut {
  ArmOutcome outcome = ArmOutcome::Arr;
  std::string arm;
  double observed = 0, predicted = 0, low = 0, high = 0;  // original scale
  double tau_rms = 0;                                      // from the other arms
  std::size_t others = 0;
  bool covered = false;
};

struct NaturalHistoryCheck {
  double overdispersion = 0;  // k from the model's ARR_FRAIL
  double model_tau = 0;       // the model's ARR_TAU
  std::vector<BetweenTrialFit> fits;
  std::vector<LeaveOneOut> loo;
  std::size_t covered = 0, total = 0;
};

// The transformed observations of one outcome (independent arms only unless `all`).
std::vector<Observation> observations(const PlaceboArms& arms, ArmOutcome outcome, double overdispersion, bool all = false);
// tau's posterior and the prediction of a new arm with within-arm variance v_new.
BetweenTrialFit fit_between_trial(const std::vector<Observation>& obs, double tau_max, ArmOutcome outcome, double v_new);
// The whole check: fits over the independent arms, a new arm of the size of the largest,
// leave-one-out of every independent arm with at least one other arm.
NaturalHistoryCheck check_natural_history(const PlaceboArms& arms);

// True when `path` is a placebo-arms file (a TOML file with a [between_trial] table).
bool is_placebo_arms_file(const std::string& path);
// The check as Markdown tables (docs/clinical.md "Between-trial variation").
std::string markdown(const PlaceboArms& arms, const NaturalHistoryCheck& check);

}  // namespace ldnsim::science
