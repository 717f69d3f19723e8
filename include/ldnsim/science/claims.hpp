// `ldnsim claims`: popular claims about LDN in MS (claims/claims.toml) held against the
// evidence and against ldnsim's own simulations. Each claim has one or more parts; each
// part is a figure ldnsim computes (by arithmetic, from documented values, from the
// pharmacology model across its uncertainty, from a calibrated parameter and its SE, from
// replicated in-silico trials, or by exact binomial arithmetic), with a 95% interval and,
// where it matters, the same figure without LDN's drug effect. A fixed rule (decide(),
// docs/claims.md) turns the figures into a verdict; nothing in the claims file states one.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ldnsim/science/clinical_uncertainty.hpp"

namespace ldnsim::science {

enum class Verdict {
  Contradicted,
  NotSupported,
  ConsistentUnproven,
  Supported,
  Untestable,
  // What the provenance of a figure allows (apply_provenance, docs/claims.md):
  NotSupportedAssumption,  // "not supported under the stated assumption" (rule c)
  UntestableMisfit,        // "untestable: model misfit" (rule b)
  ConsistentFitted,        // "consistent (fitted to this source)" (rule a)
};
// "supported", "consistent but unproven", "not supported", "contradicted", "untestable",
// "not supported under the stated assumption", "untestable: model misfit",
// "consistent (fitted to this source)".
const char* to_string(Verdict v);
// Every verdict, from the most favourable to the claim to the least, then untestable ones.
const std::vector<Verdict>& all_verdicts();

struct ClaimEvidence {
  std::string text, grade, ref;
};

enum class PartKind { Effect, Observation };

// One figure of a claim (claims/claims.toml documents every key).
struct ClaimPart {
  std::string key;  // "claims[3].parts[0]", for messages
  std::string name, method, note;
  PartKind kind = PartKind::Effect;
  bool decides = true;  // false: shown for context, not part of the verdict
  double claimed_low = 0, claimed_high = 0;
  std::string claimed_text, unit;
  std::vector<std::string> rests_on;
  std::string basis;
  double scale = 1;
  std::string reason;  // untestable
  // arithmetic / documented
  double numerator = 0, central = 0;
  std::vector<double> values;  // denominators or documented values
  // pharmacology
  std::string model, metric, band;
  double dose_mg = 0;
  double clock_h = std::numeric_limits<double>::quiet_NaN();  // time_of_day of the nightly dose
  double hours_above = std::numeric_limits<double>::quiet_NaN();  // T-cell change (%) whose hours a day are noted
  bool per_kg = false;
  bool has_null = false;
  double null_value = 0;
  // parameter
  std::string parameter, multiply_by;
  double sign = 1;
  // trial
  std::string study, endpoint, statistic, direction = "any";
  bool complement = false, curve = false;
  std::map<std::string, double> set;
  bool has_without = false;
  std::string without_study;  // empty: the same study
  std::map<std::string, double> without_set;
  long binomial_k = 0, binomial_n = 0;
  // exact
  long k = 0, n = 0;
  double null_p = -1;
};

struct Claim {
  std::string key;  // "claims[3]"
  std::string id, claim, test;
  std::vector<std::string> sources;
  std::vector<ClaimEvidence> evidence;
  std::vector<ClaimPart> parts;
};

struct ClaimsSpec {
  std::string file, dir;
  std::string model_path;  // the virtual patient (resolved)
  std::vector<Claim> claims;
};

// Reads and checks the claims file. Throws InputError naming FILE:LINE:COLUMN, the key and
// what was expected (unknown keys, missing values, unknown methods or metrics, a claimed
// region with low > high, duplicate ids, source letters other than B/A/O/P, grades other
// than A-E/C/S/U/D/exact/assumption, studies that do not exist).
ClaimsSpec load_claims(const std::string& path);

// The claims file shipped with ldnsim (claims/claims.toml).
std::string default_claims_path();

// A computed figure: best estimate and 95% interval, in the part's unit.
struct Figure {
  bool defined = false;
  // false: the evidence bounds the figure but does not measure it (a parameter its targets
  // do not identify, e.g. a published "not significant" without numbers): no best estimate
  // (value NaN), and [low, high] is the prior range the bound leaves.
  bool measured = true;
  double value = std::numeric_limits<double>::quiet_NaN();
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
};

// The verdict rule (docs/claims.md). `with_ldn`: the figure as ldnsim computes it;
// `without_ldn`: the same figure without LDN's drug effect (undefined when there is none);
// [claimed_low, claimed_high]: the claim; `strong`: the figure rests only on grades A-C or
// exact arithmetic; `kind`: an effect claim needs the best estimate inside the claim, an
// observation claim only the interval to reach it. A figure that is not measured (a bound)
// has no best estimate: it can rule a claim out, but at best leaves it consistent but
// unproven. `why` receives the rule step that decided.
Verdict decide(const Figure& with_ldn, const Figure& without_ldn, double claimed_low, double claimed_high, bool strong,
               PartKind kind, std::string* why = nullptr);
// Where a figure comes from, read from data (never from claim ids): the roles and sources
// of the model parameters it rests on, and the calibration targets (trials/calibration)
// that fitted them or that it reproduces.
struct Provenance {
  // (a) the figure is, or rests on a parameter fitted to, a study the claim itself reports
  bool fitted_to_source = false;
  std::string fitted_text;
  // (b) the figure is a calibration target's statistic and the model misses that target
  bool misfit = false;
  std::string misfit_text;
  // (c) the figure rests on a parameter that is an assumption only (role assumption, not
  // fitted, not data)
  bool assumption = false;
  std::string assumption_text;
};
// The rule's provenance steps, applied to the verdict of decide(): (b) a misfit makes the
// part "untestable: model misfit"; (a) a figure fitted to the claim's own source can at
// best be "consistent (fitted to this source)"; (c) a figure resting on an assumption can
// at best be "consistent but unproven", and "not supported under the stated assumption" at
// worst. `why` (may be null) gets the step appended when it moves the verdict.
Verdict apply_provenance(Verdict v, const Provenance& p, std::string* why = nullptr);

// Whether a list of grades counts as strong (A, B, C, exact).
bool strong_basis(const std::vector<std::string>& grades);
// The least favourable verdict of testable parts (contradicted < not supported < not
// supported under the stated assumption < untestable: model misfit < consistent (fitted
// to this source) < consistent but unproven < supported); untestable only when every part
// is.
Verdict combine(const std::vector<Verdict>& parts);

// One point of a progression-free curve (median over replicates, 2.5-97.5%).
struct CurvePoint {
  double day = 0, median = 0, low = 0, high = 0;
};
struct Curve {
  std::string label;
  std::vector<CurvePoint> points;
};

struct PartResult {
  ClaimPart part;
  Figure with_ldn, without_ldn;
  bool strong = false;
  Verdict verdict = Verdict::Untestable;
  Verdict base = Verdict::Untestable;  // the verdict of decide() before the provenance steps
  Provenance provenance;
  std::string why;                  // the rule step that decided
  std::string simulated;            // what ldnsim ran (regimen, population, patients, replicates)
  std::string covers;               // what the with-LDN interval covers
  std::string without_text;         // what "without LDN" means here
  std::vector<std::string> notes;   // further computed figures
  std::vector<Curve> curves;        // progression-free curves (trial parts with curve = true)
};

struct ClaimResult {
  Claim claim;
  std::vector<PartResult> parts;
  Verdict verdict = Verdict::Untestable;
  int deciding = -1;  // index of the part whose verdict is the claim's (-1: none)
};

struct ClaimsOptions {
  std::size_t replicates = 100;  // simulated trials per study
  std::size_t samples = 200;     // Latin-hypercube samples per pharmacology band
  std::uint64_t seed = 2024;
  int threads = 1;
  bool progress = false;  // the trial engine's progress line
  std::function<void(const std::string&)> note;  // a line per simulation started
  // Trial parts draw their model's uncertain inputs per simulated trial with power's
  // mechanism (clinical_uncertainty.hpp) at this level, in `worlds` parameter sets; a
  // part's own `set` values are kept. Unset: sampling only.
  std::optional<UncertaintyLevel> uncertainty;
  std::size_t worlds = 100;
};

struct ClaimsRun {
  std::vector<ClaimResult> claims;  // in the order asked (file order when none named)
  std::size_t trials_run = 0, pharmacology_runs = 0;
};

// Evaluates the named claims (all when `ids` is empty). Throws UsageError naming an
// unknown id and listing the known ones. Deterministic for a given seed whatever the
// thread count.
ClaimsRun evaluate_claims(const ClaimsSpec& spec, const std::vector<std::string>& ids, const ClaimsOptions& options);

// The rule as text, for outputs and docs.
const std::vector<std::string>& verdict_rule();

}  // namespace ldnsim::science
