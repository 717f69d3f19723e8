// ldnsim claims: the claims file, the figures each claim is tested with, and the verdict
// rule. See include/ldnsim/science/claims.hpp and docs/claims.md.
#include "ldnsim/science/claims.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <set>

#include "ldnsim/core/argument_error.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/paths.hpp"
#include "ldnsim/core/units.hpp"
#include "ldnsim/lang/instance.hpp"
#include "ldnsim/science/calibration.hpp"
#include "ldnsim/science/weighted_samples.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/ldn.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/science/uncertainty.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "ldnsim/stats/proportions.hpp"
#include "ldnsim/trial/analysis.hpp"
#include "ldnsim/trial/engine.hpp"
#include "ldnsim/trial/spec.hpp"
#include "ldnsim/core/toml_reader.hpp"

namespace ldnsim::science {

namespace fs = std::filesystem;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::Supported: return "supported";
    case Verdict::ConsistentUnproven: return "consistent but unproven";
    case Verdict::NotSupported: return "not supported";
    case Verdict::Contradicted: return "contradicted";
    case Verdict::Untestable: return "untestable";
    case Verdict::NotSupportedAssumption: return "not supported under the stated assumption";
    case Verdict::UntestableMisfit: return "untestable: model misfit";
    case Verdict::ConsistentFitted: return "consistent (fitted to this source)";
  }
  return "?";
}

const std::vector<Verdict>& all_verdicts() {
  static const std::vector<Verdict> v = {Verdict::Supported,          Verdict::ConsistentUnproven,
                                         Verdict::ConsistentFitted,   Verdict::UntestableMisfit,
                                         Verdict::NotSupportedAssumption, Verdict::NotSupported,
                                         Verdict::Contradicted,       Verdict::Untestable};
  return v;
}

const std::vector<std::string>& verdict_rule() {
  static const std::vector<std::string> rule = {
      "Each part of a claim is a figure ldnsim computes: a best estimate with a 95% interval I, the claimed region C, "
      "and where it matters the same figure without LDN's drug effect, I0 (natural history, placebo response, "
      "regression to the mean, or no effect).",
      "A figure is strong when everything it rests on is graded A, B or C or is exact arithmetic; otherwise (S, U, D, "
      "E, assumptions) it is weak.",
      "1. untestable: no figure can be computed (no denominator, no definition, no data, no model).",
      "2. I does not reach C: contradicted when the figure is strong and I0 (if any) does not reach C either; "
      "otherwise not supported.",
      "3. I reaches C, but for a claim about what LDN does (an effect) the best estimate lies outside C: not "
      "supported (only the edge of the uncertainty allows the claim).",
      "4. Otherwise the claim is compatible: supported when the figure is strong and, if there is an I0, I0 neither "
      "reaches C nor overlaps I (without LDN the claim would not hold, and LDN makes a difference); otherwise "
      "consistent but unproven.",
      "Provenance, read from the model files and the calibration specs (never from a claim's id), then limits the "
      "verdict: (a) a figure that is, or rests on a parameter fitted to, a study the claim itself reports can at best be "
      "'consistent (fitted to this source)': it returns its own input; (b) a figure that is the statistic of a "
      "calibration target which the model misses (the published value outside the central 95% of the simulated "
      "studies) is 'untestable: model misfit', with the misfit shown, never a verdict against the claim; (c) a figure "
      "resting on an assumption-only parameter (role assumption, neither fitted nor data; for the pharmacology, one "
      "that moves the figure within its stated range) is graded as assumption: at best 'consistent but unproven', at "
      "worst 'not supported under the stated assumption'.",
      "A figure the evidence only bounds (a parameter its targets do not identify, such as an effect whose trial reported "
      "'not significant' without numbers) has no best estimate, and its interval is the prior range: it can rule a claim "
      "out (step 2), but otherwise leaves it consistent but unproven, never supported.",
      "A claim with several parts takes the least favourable verdict of its testable parts (contradicted, not "
      "supported, not supported under the stated assumption, untestable: model misfit, consistent (fitted to this "
      "source), consistent but unproven, supported); it is untestable only when every part is.",
      "For an observation (something a study saw), the figure is how often ldnsim's simulated studies produce it, and "
      "C is 'at least 2.5% of them' or the published number itself.",
  };
  return rule;
}

bool strong_basis(const std::vector<std::string>& grades) {
  if (grades.empty()) return false;
  for (const auto& g : grades)
    if (g != "A" && g != "B" && g != "C" && g != "exact") return false;
  return true;
}

namespace {

bool overlaps(double a_lo, double a_hi, double b_lo, double b_hi) { return a_lo <= b_hi && b_lo <= a_hi; }

int rank(Verdict v) {
  switch (v) {
    case Verdict::Contradicted: return 0;
    case Verdict::NotSupported: return 1;
    case Verdict::NotSupportedAssumption: return 2;
    case Verdict::UntestableMisfit: return 3;
    case Verdict::ConsistentFitted: return 4;
    case Verdict::ConsistentUnproven: return 5;
    case Verdict::Supported: return 6;
    case Verdict::Untestable: return 7;
  }
  return 7;
}

}  // namespace

Verdict decide(const Figure& f, const Figure& f0, double c_lo, double c_hi, bool strong, PartKind kind, std::string* why) {
  auto say = [&](const std::string& s) {
    if (why) *why = s;
  };
  if (!f.defined || (f.measured && !std::isfinite(f.value)) || std::isnan(f.low) || std::isnan(f.high)) {
    say("step 1: no figure can be computed");
    return Verdict::Untestable;
  }
  const bool reaches = overlaps(f.low, f.high, c_lo, c_hi);
  const bool without_reaches = f0.defined && overlaps(f0.low, f0.high, c_lo, c_hi);
  if (!reaches) {
    if (strong && !without_reaches) {
      say(std::string("step 2: the 95% interval does not reach the claim") +
          (f0.defined ? ", nor does the figure without LDN" : "") + ", and the figure is strong");
      return Verdict::Contradicted;
    }
    say(std::string("step 2: the 95% interval does not reach the claim") +
        (strong ? ", but the figure without LDN does (the claim is explained without the drug)"
                : ", but the figure is weak (it rests on S/U/D/E evidence or assumptions)"));
    return Verdict::NotSupported;
  }
  if (!f.measured) {
    say("step 4: compatible, but the evidence only bounds the figure (not measured: no best estimate), so it cannot "
        "support the claim");
    return Verdict::ConsistentUnproven;
  }
  if (kind == PartKind::Effect && !(c_lo <= f.value && f.value <= c_hi)) {
    say("step 3: the best estimate lies outside the claim; only the edge of the 95% interval reaches it");
    return Verdict::NotSupported;
  }
  const bool distinct = !f0.defined || (!without_reaches && !overlaps(f.low, f.high, f0.low, f0.high));
  if (strong && distinct) {
    say(std::string("step 4: compatible, strong") + (f0.defined ? ", and the claim would not hold without LDN" : ""));
    return Verdict::Supported;
  }
  std::string reason = "step 4: compatible, but ";
  if (!strong) reason += "the figure is weak (it rests on S/U/D/E evidence or assumptions)";
  if (!distinct) {
    if (!strong) reason += "; and ";
    reason += without_reaches ? "the same would be seen without LDN" : "the interval includes the figure without LDN";
  }
  say(reason);
  return Verdict::ConsistentUnproven;
}

Verdict apply_provenance(Verdict v, const Provenance& p, std::string* why) {
  auto add = [&](const std::string& s) {
    if (why) *why += (why->empty() ? "" : "; then ") + s;
  };
  if (v == Verdict::Untestable) return v;
  if (p.misfit) {
    add("rule (b): untestable, the model misses the calibration target this figure is about (" + p.misfit_text + ")");
    return Verdict::UntestableMisfit;
  }
  if (p.fitted_to_source && (v == Verdict::Supported || v == Verdict::ConsistentUnproven)) {
    add("rule (a): the figure was fitted to the claim's own source (" + p.fitted_text +
        "), so it can only be consistent with it");
    return Verdict::ConsistentFitted;
  }
  if (p.assumption) {
    if (v == Verdict::Supported) {
      add("rule (c): the figure rests on an assumption (" + p.assumption_text + "): at best consistent but unproven");
      return Verdict::ConsistentUnproven;
    }
    if (v == Verdict::Contradicted || v == Verdict::NotSupported) {
      add("rule (c): the figure rests on an assumption (" + p.assumption_text +
          "): not supported under the stated assumption");
      return Verdict::NotSupportedAssumption;
    }
  }
  return v;
}

Verdict combine(const std::vector<Verdict>& parts) {
  Verdict out = Verdict::Untestable;
  for (Verdict v : parts)
    if (v != Verdict::Untestable && (out == Verdict::Untestable || rank(v) < rank(out))) out = v;
  return out;
}

// ---- reading the claims file ----------------------------------------------------------------

namespace {

// Counts of people in a claim (k of n): beyond any study, and past 2^63 the conversion to
// a whole number was undefined.
constexpr double kMaxCount = 1e9;

using SpecReader = spec::TomlReader;
using spec::join_key;

const std::vector<std::string> kMethods = {"arithmetic", "documented", "pharmacology", "parameter", "trial", "exact",
                                           "untestable"};
const std::vector<std::string> kMetrics = {"t_peak_change", "t_mean_change", "b_mean_change", "occ_trough",
                                           "occ_peak", "bend_change", "enk_change"};
const std::vector<std::string> kGrades = {"A", "B", "C", "D", "E", "S", "U", "exact", "assumption"};

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::vector<double> numbers(const SpecReader& r, const toml::table& t, const std::string& path, std::string_view key) {
  std::vector<double> out;
  const toml::array* a = r.array(t, path, key);
  if (!a) return out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto v = (*a)[i].value<double>();
    if (!v) r.fail((*a)[i], join_key(path, key) + "[" + std::to_string(i) + "]", "expected a number");
    out.push_back(*v);
  }
  return out;
}

std::vector<std::string> strings(const SpecReader& r, const toml::table& t, const std::string& path, std::string_view key) {
  std::vector<std::string> out;
  const toml::array* a = r.array(t, path, key);
  if (!a) return out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto v = (*a)[i].value<std::string>();
    if (!v) r.fail((*a)[i], join_key(path, key) + "[" + std::to_string(i) + "]", "expected a string");
    out.push_back(*v);
  }
  return out;
}

std::map<std::string, double> number_table(const SpecReader& r, const toml::table& t, const std::string& path,
                                           std::string_view key) {
  std::map<std::string, double> out;
  const toml::table* s = r.table(t, path, key);
  if (!s) return out;
  for (const auto& [k, v] : *s) {
    auto x = v.value<double>();
    if (!x) r.fail(v, join_key(path, key) + "." + std::string(k.str()), "expected a number (a parameter value)");
    out[std::string(k.str())] = *x;
  }
  return out;
}

std::string resolve(const std::string& dir, const std::string& rel) {
  fs::path p(rel);
  return (p.is_absolute() ? p : fs::path(dir) / p).lexically_normal().string();
}

ClaimPart read_part(const SpecReader& r, const toml::table& t, const std::string& path, const std::string& dir) {
  ClaimPart p;
  p.key = path;
  r.check_keys(t, path,
               {"name", "kind", "method", "claimed", "claimed_text", "unit", "rests_on", "basis", "note", "scale", "reason",
                "numerator", "denominators", "central", "values", "model", "dose_mg", "per_kg", "metric", "band", "null",
                "parameter", "multiply_by", "sign", "study", "time_of_day", "hours_above", "endpoint", "statistic", "direction", "complement", "set",
                "without", "binomial", "curve", "k", "n", "null_p", "decides"});
  p.name = r.require_string(t, path, "name");
  p.method = r.require_string(t, path, "method");
  if (std::find(kMethods.begin(), kMethods.end(), p.method) == kMethods.end())
    r.fail(*t.get("method"), join_key(path, "method"), "unknown method '" + p.method + "' (expected one of: " + join(kMethods) + ")");
  const std::string kind = r.string(t, path, "kind").value_or("effect");
  if (kind != "effect" && kind != "observation")
    r.fail(*t.get("kind"), join_key(path, "kind"), "expected \"effect\" or \"observation\"");
  p.kind = kind == "effect" ? PartKind::Effect : PartKind::Observation;
  p.note = r.string(t, path, "note").value_or("");
  p.decides = r.boolean(t, path, "decides").value_or(true);
  if (p.method == "untestable") {
    p.reason = r.require_string(t, path, "reason");
    return p;
  }
  std::vector<double> c = numbers(r, t, path, "claimed");
  if (c.size() != 2) throw InputError(r.location(t.source()) + ": " + join_key(path, "claimed") + ": expected [low, high] (inf allowed)");
  if (!(c[0] <= c[1])) r.fail(*t.get("claimed"), join_key(path, "claimed"), "low must not exceed high");
  p.claimed_low = c[0];
  p.claimed_high = c[1];
  p.claimed_text = r.require_string(t, path, "claimed_text");
  p.unit = r.string(t, path, "unit").value_or("");
  p.rests_on = strings(r, t, path, "rests_on");
  if (p.rests_on.empty()) throw InputError(r.location(t.source()) + ": " + join_key(path, "rests_on") + ": missing (expected grades, e.g. [\"C\"])");
  for (const auto& g : p.rests_on)
    if (std::find(kGrades.begin(), kGrades.end(), g) == kGrades.end())
      r.fail(*t.get("rests_on"), join_key(path, "rests_on"), "unknown grade '" + g + "' (expected one of: " + join(kGrades) + ")");
  p.basis = r.require_string(t, path, "basis");
  p.scale = r.number(t, path, "scale").value_or(1);
  if (auto v = r.number(t, path, "null")) {
    p.has_null = true;
    p.null_value = *v;
  }
  if (p.method == "arithmetic") {
    p.numerator = r.require_number(t, path, "numerator");
    p.values = numbers(r, t, path, "denominators");
    p.central = r.require_number(t, path, "central");
    if (p.values.empty()) throw InputError(r.location(t.source()) + ": " + join_key(path, "denominators") + ": missing (expected numbers)");
    for (double d : p.values)
      if (!(d > 0)) r.fail(*t.get("denominators"), join_key(path, "denominators"), "expected numbers above 0");
    if (!(p.central > 0)) r.fail(*t.get("central"), join_key(path, "central"), "expected a number above 0");
  } else if (p.method == "documented") {
    p.values = numbers(r, t, path, "values");
    p.central = r.require_number(t, path, "central");
    if (p.values.empty()) throw InputError(r.location(t.source()) + ": " + join_key(path, "values") + ": missing (expected numbers)");
  } else if (p.method == "pharmacology") {
    p.model = r.string(t, path, "model").value_or("human");
    if (p.model != "human" && p.model != "mouse") r.fail(*t.get("model"), join_key(path, "model"), "expected \"human\" or \"mouse\"");
    p.dose_mg = r.require_number(t, path, "dose_mg");
    if (!(p.dose_mg > 0)) r.fail(*t.get("dose_mg"), join_key(path, "dose_mg"), "expected a dose above 0");
    p.per_kg = r.boolean(t, path, "per_kg").value_or(false);
    p.metric = r.require_string(t, path, "metric");
    if (std::find(kMetrics.begin(), kMetrics.end(), p.metric) == kMetrics.end())
      r.fail(*t.get("metric"), join_key(path, "metric"), "unknown metric '" + p.metric + "' (expected one of: " + join(kMetrics) + ")");
    p.band = r.string(t, path, "band").value_or("prior");
    const std::string at = r.require_string(t, path, "time_of_day");
    try {
      p.clock_h = trial::parse_time_of_day(at);
    } catch (const InputError& e) {
      r.fail(*t.get("time_of_day"), join_key(path, "time_of_day"), e.what());
    }
    if (auto h = r.number(t, path, "hours_above")) {
      if (p.metric != "t_peak_change" && p.metric != "t_mean_change")
        r.fail(*t.get("hours_above"), join_key(path, "hours_above"), "hours above a T-cell change go with a T-cell metric (t_peak_change, t_mean_change)");
      p.hours_above = *h;
    }
    if (p.band != "prior" && p.band != "calibrated") r.fail(*t.get("band"), join_key(path, "band"), "expected \"prior\" or \"calibrated\"");
    if (p.band == "calibrated" && p.model == "mouse")
      r.fail(*t.get("band"), join_key(path, "band"), "the calibrated band is for the human model; use \"prior\"");
  } else if (p.method == "parameter") {
    p.parameter = r.require_string(t, path, "parameter");
    p.multiply_by = r.string(t, path, "multiply_by").value_or("");
    p.sign = r.number(t, path, "sign").value_or(1);
  } else if (p.method == "trial") {
    p.study = resolve(dir, r.require_string(t, path, "study"));
    if (!fs::exists(p.study)) r.fail(*t.get("study"), join_key(path, "study"), "no such trial spec: " + p.study);
    p.statistic = r.require_string(t, path, "statistic");
    if (p.statistic != "estimate" && p.statistic != "significant" && p.statistic != "withdrawn")
      r.fail(*t.get("statistic"), join_key(path, "statistic"), "expected estimate, significant or withdrawn");
    p.endpoint = r.string(t, path, "endpoint").value_or("");
    if (p.endpoint.empty() && p.statistic != "withdrawn")
      throw InputError(r.location(t.source()) + ": " + join_key(path, "endpoint") + ": missing (expected an endpoint of the study)");
    p.direction = r.string(t, path, "direction").value_or("any");
    if (p.direction != "any" && p.direction != "negative" && p.direction != "positive")
      r.fail(*t.get("direction"), join_key(path, "direction"), "expected any, negative or positive");
    p.complement = r.boolean(t, path, "complement").value_or(false);
    p.curve = r.boolean(t, path, "curve").value_or(false);
    p.set = number_table(r, t, path, "set");
    if (const toml::table* w = r.table(t, path, "without")) {
      const std::string wp = join_key(path, "without");
      r.check_keys(*w, wp, {"study", "set"});
      p.has_without = true;
      if (auto s = r.string(*w, wp, "study")) {
        p.without_study = resolve(dir, *s);
        if (!fs::exists(p.without_study)) r.fail(*w->get("study"), join_key(wp, "study"), "no such trial spec: " + p.without_study);
      }
      p.without_set = number_table(r, *w, wp, "set");
    }
    if (const toml::table* b = r.table(t, path, "binomial")) {
      const std::string bp = join_key(path, "binomial");
      r.check_keys(*b, bp, {"k", "n"});
      const double k = r.require_number(*b, bp, "k"), n = r.require_number(*b, bp, "n");
      if (!(n >= 1 && n <= kMaxCount && k >= 0 && k <= n && k == std::floor(k) && n == std::floor(n)))
        r.fail(*b, bp, "expected whole numbers 0 <= k <= n, 1 <= n <= 1e9, found k = " + format_number(k) + ", n = " + format_number(n));
      p.binomial_k = static_cast<long>(k);
      p.binomial_n = static_cast<long>(n);
    }
  } else if (p.method == "exact") {
    const double k = r.require_number(t, path, "k"), n = r.require_number(t, path, "n");
    if (!(n >= 1 && n <= kMaxCount && k >= 0 && k <= n && k == std::floor(k) && n == std::floor(n)))
      throw InputError(r.location(t.source()) + ": " + path + ": expected whole numbers 0 <= k <= n, 1 <= n <= 1e9, found k = " +
                       format_number(k) + ", n = " + format_number(n));
    p.k = static_cast<long>(k);
    p.n = static_cast<long>(n);
    p.null_p = r.number(t, path, "null_p").value_or(-1);
    if (t.get("null_p") && !(p.null_p >= 0 && p.null_p <= 1)) r.fail(*t.get("null_p"), join_key(path, "null_p"), "expected a probability in [0, 1]");
  }
  return p;
}

}  // namespace

ClaimsSpec load_claims(const std::string& path) {
  SpecReader r(path);
  toml::table root = r.parse_file();
  ClaimsSpec spec;
  spec.file = path;
  spec.dir = fs::path(path).parent_path().string();
  if (spec.dir.empty()) spec.dir = ".";
  r.check_keys(root, "", {"model", "claims"});
  spec.model_path = resolve(spec.dir, r.string(root, "", "model").value_or("../models/ms/patient.ldn"));
  std::set<std::string> ids;
  auto claims = r.tables(root, "", "claims");
  if (claims.empty()) throw InputError(path + ": no [[claims]]");
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const toml::table& t = *claims[i];
    const std::string cp = "claims[" + std::to_string(i) + "]";
    r.check_keys(t, cp, {"id", "claim", "sources", "evidence", "test", "parts"});
    Claim c;
    c.key = cp;
    c.id = r.require_string(t, cp, "id");
    if (!ids.insert(c.id).second) r.fail(*t.get("id"), join_key(cp, "id"), "duplicate id '" + c.id + "'");
    c.claim = r.require_string(t, cp, "claim");
    c.test = r.require_string(t, cp, "test");
    c.sources = strings(r, t, cp, "sources");
    if (c.sources.empty()) throw InputError(r.location(t.source()) + ": " + join_key(cp, "sources") + ": missing (expected letters B, A, O, P)");
    for (const auto& s : c.sources)
      if (s != "B" && s != "A" && s != "O" && s != "P")
        r.fail(*t.get("sources"), join_key(cp, "sources"), "unknown source '" + s + "' (expected B, A, O or P)");
    auto ev = r.tables(t, cp, "evidence");
    for (std::size_t e = 0; e < ev.size(); ++e) {
      const std::string ep = cp + ".evidence[" + std::to_string(e) + "]";
      r.check_keys(*ev[e], ep, {"text", "grade", "ref"});
      ClaimEvidence x{r.require_string(*ev[e], ep, "text"), r.require_string(*ev[e], ep, "grade"),
                      r.require_string(*ev[e], ep, "ref")};
      if (std::find(kGrades.begin(), kGrades.end(), x.grade) == kGrades.end())
        r.fail(*ev[e]->get("grade"), join_key(ep, "grade"), "unknown grade '" + x.grade + "' (expected one of: " + join(kGrades) + ")");
      c.evidence.push_back(x);
    }
    if (c.evidence.empty()) throw InputError(r.location(t.source()) + ": " + join_key(cp, "evidence") + ": missing (every claim is tied to its evidence)");
    auto parts = r.tables(t, cp, "parts");
    if (parts.empty()) throw InputError(r.location(t.source()) + ": " + join_key(cp, "parts") + ": missing (expected [[claims.parts]])");
    for (std::size_t k = 0; k < parts.size(); ++k)
      c.parts.push_back(read_part(r, *parts[k], cp + ".parts[" + std::to_string(k) + "]", spec.dir));
    spec.claims.push_back(std::move(c));
  }
  return spec;
}

std::string default_claims_path() { return find_resource("claims/claims.toml"); }

// ---- evaluation -----------------------------------------------------------------------------

namespace {

std::string num(double v, int digits = 3) {
  if (std::isnan(v)) return "NA";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return format_number(v, digits);
}

// Type-7 quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Figure central95(std::vector<double> v) {
  Figure f;
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return f;
  std::sort(v.begin(), v.end());
  f.defined = true;
  f.value = quantile(v, 0.5);
  f.low = quantile(v, 0.025);
  f.high = quantile(v, 0.975);
  return f;
}

// Weighted 2.5/50/97.5% points (weights >= 0).
Figure weighted95(const std::vector<double>& v, const std::vector<double>& w) {
  const WeightedDistribution d = weighted_distribution(v, w);
  Figure f;
  if (d.empty()) return f;
  f.defined = true;
  f.value = d.quantile(0.5);
  f.low = d.quantile(0.025);
  f.high = d.quantile(0.975);
  return f;
}

Figure scaled(Figure f, double s) {
  if (!f.defined) return f;
  f.value *= s;
  const double a = f.low * s, b = f.high * s;
  f.low = std::min(a, b);
  f.high = std::max(a, b);
  return f;
}

std::string figure_text(const Figure& f, const std::string& unit) {
  if (!f.defined) return "none";
  const std::string u = unit == "%" ? "%" : (unit.empty() ? "" : " " + unit);
  if (!f.measured) return "not measured (bounded: prior range [" + num(f.low) + ", " + num(f.high) + "]" + u + ")";
  if (f.low == f.high && f.value == f.low) return num(f.value) + u;
  return num(f.value) + u + " [" + num(f.low) + ", " + num(f.high) + "]";
}

std::string set_text(const std::map<std::string, double>& set) {
  std::string s;
  for (const auto& [k, v] : set) s += (s.empty() ? "" : ", ") + k + " = " + num(v, 4);
  return s;
}

// A simulated study, run once per (spec, parameter values) and shared by every part.
struct TrialRun {
  std::unique_ptr<trial::Trial> trial;
  trial::TrialResults results;
  std::string description;
  std::vector<CurvePoint> curve;  // progression-free share, when asked
};

// A pharmacology band, run once per (model, dose, band).
struct PharmRun {
  std::string description;
  std::vector<double> typical;                 // metrics at the typical values, by kMetrics
  std::vector<std::vector<double>> samples;    // [sample][metric]
  std::vector<double> weights;
  double ess = 0;
  double hours_above = 0;  // typical: h/day with the T-cell index changed by at least the part's hours_above %
  // Assumption-only ranged parameters (role assumption, neither fitted nor data), each
  // moved alone to either end of its stated range: the metrics there (rule c).
  struct Span {
    std::string name, range;
    std::vector<double> low, high;  // metrics, by kMetrics
  };
  std::vector<Span> assumptions;
};

// A parameter whose value has no data behind it: role assumption, and neither fitted,
// data nor an input (rule c of the verdict).
bool assumption_only(const lang::Parameter& q) {
  return q.has(lang::Role::Assumption) && !q.has(lang::Role::Fitted) && !q.has(lang::Role::Data) &&
         !q.has(lang::Role::Input);
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  auto c = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path).lexically_normal().string() : c.string();
}

// The calibration spec a parameter's source names ("fitted by `ldnsim calibrate SPEC`",
// the clause `ldnsim calibrate --write` writes), or "" when none.
std::string fitted_by(const lang::Parameter& q) {
  const std::string tag = "fitted by `ldnsim calibrate ";
  const auto at = q.source.find(tag);
  if (at == std::string::npos) return "";
  const auto end = q.source.find('`', at + tag.size());
  if (end == std::string::npos) return "";
  return q.source.substr(at + tag.size(), end - at - tag.size());
}

std::vector<double> metrics_of(const Series& s, double interval) {
  CycleMetrics m = summarise(s, 0, interval);
  double peak = -kInf;
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.t[i] <= interval + 1e-9) peak = std::max(peak, s.y[PT][i]);
  return {100 * (peak - 1), 100 * m.t_change, 100 * m.b_change, 100 * m.occ_trough, 100 * m.occ_peak,
          100 * m.bend_change, 100 * m.enk_change};
}

class Evaluator {
 public:
  Evaluator(const ClaimsSpec& spec, const ClaimsOptions& o) : spec_(spec), o_(o) {}

  TrialRun& trial_run(const std::string& study, const std::map<std::string, double>& set, bool curve,
                      const std::string& curve_endpoint) {
    std::string key = study + "|" + set_text(set);
    auto it = trials_.find(key);
    if (it != trials_.end()) return *it->second;
    auto run = std::make_unique<TrialRun>();
    trial::TrialSpec ts = trial::load_trial_spec(study);
    trial::PopulationSpec pop = trial::load_population(ts.population_path);
    // The study's model (compiled once per file) with the part's values set.
    lang::ModelInstance model(model_of(ts.model_path));
    for (const auto& [name, v] : set) {
      const int k = model.model().parameter_index(name);
      if (k < 0 || model.parameter(static_cast<std::size_t>(k)).name != name)
        throw InputError(spec_.file + ": " + study + ": the model " + ts.model_path + " has no parameter " + name);
      model.set(static_cast<std::size_t>(k), v);
    }
    run->trial = std::make_unique<trial::Trial>(ts, pop, std::move(model), ldn_drivers(), clinical_simulation_options());
    const trial::Trial& t = *run->trial;
    std::string arms;
    for (const auto& a : t.spec().arms) {
      arms += (arms.empty() ? "" : "; ") + a.name;
      if (a.driver == "ldn") arms += " " + num(a.dose_mg, 3) + " mg at " + num(std::floor(a.clock_h), 2) + ":00 nightly";
      else arms += a.placebo ? " (placebo)" : " (no drug)";
    }
    run->description = t.spec().title + ": " + std::to_string(t.spec().n) + " virtual patients per trial (" + t.population().name +
                       "), " + std::to_string(o_.replicates) + " simulated trials, seed " + std::to_string(o_.seed) + "; arms: " +
                       arms + (set.empty() ? "" : "; parameters set: " + set_text(set));
    if (o_.note) o_.note("simulating " + fs::path(study).filename().string() + (set.empty() ? "" : " (" + set_text(set) + ")") +
                         ": " + std::to_string(o_.replicates) + " trials of " + std::to_string(t.spec().n) + " patients");
    trial::RunOptions ro;
    ro.replicates = o_.replicates;
    ro.seed = o_.seed;
    ro.threads = o_.threads;
    ro.progress = o_.progress;
    // Progression-free curve: per replicate, the share of patients without a confirmed
    // progression using the visits up to each visit time.
    std::vector<std::vector<double>> pf;  // [visit][replicate]
    int out_index = -1, e_index = -1;
    if (curve) {
      e_index = endpoint_index(t, curve_endpoint);
      if (e_index >= 0) {
        const auto& ep = t.spec().endpoints[static_cast<std::size_t>(e_index)];
        const auto& outs = t.observed_outputs();
        for (std::size_t k = 0; k < outs.size(); ++k)
          if (outs[k] == ep.output) out_index = static_cast<int>(k);
      }
      if (out_index >= 0) {
        const auto& ep = t.spec().endpoints[static_cast<std::size_t>(e_index)];
        const std::vector<double>& visits = t.visits();
        pf.assign(visits.size(), {});
        trial::ProgressionRule rule{ep.increase, ep.increase_high, ep.cutoff, ep.confirm};
        ro.on_subjects = [&pf, &visits, rule, out_index](std::size_t, const std::vector<trial::SubjectOutcome>& subjects) {
          const std::size_t nv = visits.size();
          std::vector<long> free(nv, 0), seen(nv, 0);
          for (const auto& s : subjects) {
            if (s.lost) continue;
            const double* V = s.values.data() + static_cast<std::size_t>(out_index) * nv;
            if (!std::isfinite(V[0])) continue;
            for (std::size_t v = 0; v < nv; ++v) {
              auto po = trial::confirmed_progression(std::span<const double>(visits.data(), v + 1),
                                                     std::span<const double>(V, v + 1), rule);
              ++seen[v];
              if (!po.event) ++free[v];
            }
          }
          for (std::size_t v = 0; v < nv; ++v)
            pf[v].push_back(seen[v] ? static_cast<double>(free[v]) / static_cast<double>(seen[v]) : kNaN);
        };
      }
    }
    run->results = t.run(ro);
    if (out_index >= 0)
      for (std::size_t v = 0; v < pf.size(); ++v) {
        Figure f = central95(pf[v]);
        if (f.defined) run->curve.push_back({t.visits()[v], 100 * f.value, 100 * f.low, 100 * f.high});
      }
    ++trials_run;
    return *trials_.emplace(key, std::move(run)).first->second;
  }

  PharmRun& pharm_run(const ClaimPart& p) {
    const std::string key = p.model + "|" + num(p.dose_mg, 8) + (p.per_kg ? "/kg" : "") + "|" + p.band + "|" + num(p.clock_h, 8) +
                            "|" + num(p.hours_above, 8);
    auto it = pharm_.find(key);
    if (it != pharm_.end()) return *it->second;
    auto run = std::make_unique<PharmRun>();
    LdnModel model = LdnModel::load(p.model);
    std::vector<double> typ = model.typical();
    Regimen g;
    g.dose_mg = p.per_kg ? p.dose_mg * model.get(typ, "WT") : p.dose_mg;
    g.label = num(g.dose_mg) + " mg";
    g.clock_h = p.clock_h;
    g.interval_h = 24;  // nightly
    if (o_.note) o_.note("pharmacology (" + p.model + "): " + g.label + " nightly, " + std::to_string(o_.samples) + " samples");
    Simulator sim(model);
    Series s = sim.regimen(typ, g, 0.05);
    run->typical = metrics_of(s, g.interval_h);
    // hours a day with the T-cell index at least 1 + hours_above/100 (a change of hours_above %)
    if (std::isfinite(p.hours_above)) run->hours_above = hours_at_or_above(s.t, s.y[PT], 1 + p.hours_above / 100, 0, g.interval_h);
    // Rule (c): each assumption-only ranged parameter alone at either end of its range.
    for (const auto& u : ranged_parameters(model)) {
      const auto& q = model.model().parameters()[u.index];
      if (!assumption_only(q)) continue;
      PharmRun::Span sp;
      sp.name = u.name;
      sp.range = num(u.low, 3) + "-" + num(u.high, 3) + (u.unit.empty() || u.unit == "1" ? "" : " " + u.unit);
      for (double end : {u.low, u.high}) {
        std::vector<double> q2 = typ;
        q2[u.index] = end;
        std::vector<double> m;
        try {
          m = metrics_of(sim.regimen(q2, g, 0.05), g.interval_h);
        } catch (const Error&) {
          m.assign(kMetrics.size(), kNaN);  // a failed end counts as moving the figure
        }
        (end == u.low ? sp.low : sp.high) = m;
      }
      run->assumptions.push_back(std::move(sp));
    }
    const bool weigh = p.band == "calibrated";
    WeightedSampling ws;
    ws.samples = o_.samples;
    ws.seed = o_.seed;
    ws.weigh = weigh;
    ws.threads = o_.threads;
    ws.progress = o_.progress;
    ws.what = "pharmacology samples";
    WeightedSamples drawn = weighted_samples(model, typ, ws, kMetrics.size(), [&](Simulator& sm, const std::vector<double>& q) {
      return metrics_of(sm.regimen(q, g, 0.1), g.interval_h);
    });
    const auto& ranged = drawn.parameters;
    run->weights = std::move(drawn.weights);
    run->samples = std::move(drawn.values);
    run->ess = drawn.ess;
    run->description = "models/ldn/" + p.model + ".ldn at steady state, " + g.label + " naltrexone HCl nightly at " + clock_text(g.clock_h) + " (" +
                       (p.per_kg ? num(p.dose_mg) + " mg/kg, " : "") + "typical " + num(model.get(typ, "WT")) + "-kg subject); " +
                       std::to_string(o_.samples) + " Latin-hypercube samples over " + std::to_string(ranged.size()) +
                       " ranged parameters, " +
                       (weigh ? "weighted by agreement with the calibration targets (effective sample size " + num(run->ess, 3) + ")"
                              : "unweighted (every assumption over its whole plausible range)") +
                       ", seed " + std::to_string(o_.seed);
    ++pharmacology_runs;
    return *pharm_.emplace(key, std::move(run)).first->second;
  }

  const lang::Model& patient() { return *model_of(spec_.model_path); }

  // The calibration spec named relative to the ldnsim tree that holds the model file (the
  // clause is written relative to it): the nearest ancestor of the model's folder where
  // the path exists. Null when there is none.
  const CalibrationSpec* calibration(const std::string& model_path, const std::string& rel) {
    fs::path dir = fs::path(canonical(model_path)).parent_path();
    for (int up = 0; up < 6 && !dir.empty(); ++up) {
      const fs::path cand = dir / rel;
      std::error_code ec;
      if (fs::exists(cand, ec)) {
        const std::string key = canonical(cand.string());
        auto it = calibrations_.find(key);
        if (it == calibrations_.end())
          it = calibrations_.emplace(key, std::make_unique<CalibrationSpec>(load_calibration_spec(key))).first;
        return it->second.get();
      }
      if (dir == dir.parent_path()) break;
      dir = dir.parent_path();
    }
    return nullptr;
  }

  // Every calibration spec that fitted a parameter of the model.
  std::vector<const CalibrationSpec*> calibrations_of(const std::string& model_path) {
    std::vector<const CalibrationSpec*> out;
    for (const auto& q : model_of(model_path)->parameters()) {
      const std::string rel = fitted_by(q);
      if (rel.empty()) continue;
      if (const CalibrationSpec* c = calibration(model_path, rel); c && std::find(out.begin(), out.end(), c) == out.end())
        out.push_back(c);
    }
    return out;
  }

  // Each model file is read and compiled once.
  const lang::ModelPtr& model_of(const std::string& path) {
    auto it = models_.find(path);
    if (it == models_.end()) it = models_.emplace(path, lang::load_model(path)).first;
    return it->second;
  }

  std::size_t trials_run = 0, pharmacology_runs = 0;

 private:
  const ClaimsSpec& spec_;
  const ClaimsOptions& o_;
  std::map<std::string, std::unique_ptr<TrialRun>> trials_;
  std::map<std::string, std::unique_ptr<PharmRun>> pharm_;
  std::map<std::string, lang::ModelPtr> models_;
  std::map<std::string, std::unique_ptr<CalibrationSpec>> calibrations_;
};

// The statistic of a trial part over the replicates of a run (before scaling).
Figure trial_figure(const ClaimPart& p, const TrialRun& run, const std::string& where) {
  const trial::Trial& t = *run.trial;
  int e = -1;
  if (p.statistic != "withdrawn") {
    e = endpoint_index(t, p.endpoint);
    if (e < 0) {
      std::string list;
      for (const auto& x : t.spec().endpoints) list += (list.empty() ? "" : ", ") + x.name;
      throw InputError(where + ".endpoint: the study " + t.spec().file + " has no endpoint '" + p.endpoint + "' (it has: " + list + ")");
    }
  }
  if (p.statistic == "significant") {
    long k = 0, n = 0;
    for (const auto& r : run.results.replicates) {
      const auto& x = r.endpoints[static_cast<std::size_t>(e)];
      ++n;
      const bool dir = p.direction == "any" || (p.direction == "negative" ? x.estimate < 0 : x.estimate > 0);
      if (x.significant && dir) ++k;
    }
    Figure f;
    if (n == 0) return f;
    auto ci = stats::clopper_pearson_ci(k, n);
    f.defined = true;
    f.value = static_cast<double>(k) / static_cast<double>(n);
    f.low = ci.lower;
    f.high = ci.upper;
    return f;
  }
  std::vector<double> v;
  for (const auto& r : run.results.replicates) {
    double x = p.statistic == "withdrawn" ? static_cast<double>(r.withdrawn) : r.endpoints[static_cast<std::size_t>(e)].estimate;
    if (p.complement) x = 1 - x;
    v.push_back(x);
  }
  return central95(v);
}

// P(X >= k), X ~ Bin(n, p).
double tail(long k, long n, double p) {
  p = std::clamp(p, 0.0, 1.0);
  if (k <= 0) return 1;
  return stats::binom_cdf(k - 1, n, p, false);
}

Figure binomial_figure(const Figure& p, long k, long n) {
  Figure f;
  if (!p.defined) return f;
  f.defined = true;
  f.value = tail(k, n, p.value);
  f.low = tail(k, n, p.low);
  f.high = tail(k, n, p.high);
  return f;
}

// The p at which P(X >= k) = target (bisection; P increases with p).
double p_needed(long k, long n, double target) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    (tail(k, n, mid) < target ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

std::string short_path(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path().filename() / p.filename()).string();
}

// Rule (a) and (c) for the parameters a part names: the parameter of a `parameter` part,
// the values a trial part sets, and the drug-effect parameters its "without" run turns off
// (the with-LDN figure rests on their model values).
void parameter_provenance(const ClaimPart& p, const std::string& model_path, const std::set<std::string>& claim_studies,
                          Evaluator& ev, Provenance& pv) {
  std::vector<std::string> names;
  if (p.method == "parameter") names.push_back(p.parameter);
  for (const auto& [k, v] : p.set) names.push_back(k);
  for (const auto& [k, v] : p.without_set)
    if (!p.set.count(k)) names.push_back(k);
  const lang::Model& model = *ev.model_of(model_path);
  for (const auto& name : names) {
    const int k = model.parameter_index(name);
    if (k < 0) continue;
    const lang::Parameter& q = model.parameters()[static_cast<std::size_t>(k)];
    if (assumption_only(q)) {
      pv.assumption = true;
      auto it = p.set.find(name);
      pv.assumption_text += (pv.assumption_text.empty() ? "" : ", ") + name +
                            (it != p.set.end() ? " = " + num(it->second, 4) : " = " + num(q.value.value_or(kNaN), 4)) +
                            (q.low && q.high ? " of its assumed range " + num(*q.low, 3) + "-" + num(*q.high, 3) : "");
    }
    if (!q.has(lang::Role::Fitted)) continue;
    const std::string rel = fitted_by(q);
    if (rel.empty()) continue;
    const CalibrationSpec* cs = ev.calibration(model_path, rel);
    if (!cs) continue;
    std::set<std::string> hit;
    for (const auto& st : cs->stages) {
      bool in = false;
      for (const auto& fp : st.parameters) in = in || fp.name == name;
      if (!in) continue;
      for (std::size_t t : st.targets) {
        const std::string study = canonical(cs->targets[t].study);
        if (claim_studies.count(study)) hit.insert(short_path(study));
      }
    }
    if (!hit.empty()) {
      pv.fitted_to_source = true;
      std::string list;
      for (const auto& h : hit) list += (list.empty() ? "" : ", ") + h;
      pv.fitted_text += (pv.fitted_text.empty() ? "" : "; ") + name + " was fitted to " + list + " by " + rel;
    }
  }
}

// Rules (a) and (b) for a trial part: the calibration targets (of the specs that fitted the
// study's model) that are the same statistic of the same study and endpoint. `raw` is the
// figure before scaling and binomial arithmetic.
void target_provenance(const ClaimPart& p, const std::string& model_path, const Figure& raw, Evaluator& ev,
                       Provenance& pv) {
  const std::string study = canonical(p.study);
  for (const CalibrationSpec* cs : ev.calibrations_of(model_path))
    for (const auto& t : cs->targets) {
      if (canonical(t.study) != study || t.endpoint != p.endpoint) continue;
      const bool same = (p.statistic == "estimate" && t.statistic == Statistic::Estimate) ||
                        (p.statistic == "withdrawn" && t.statistic == Statistic::Withdrawn) ||
                        (p.statistic == "significant" && t.statistic == Statistic::Significant);
      // "significant" is the same observation as a bound on t (a verdict without numbers)
      const bool related = same || (p.statistic == "significant" && t.statistic == Statistic::T);
      if (!related) continue;
      const std::string where = "target " + t.id + " of " + short_path(cs->file);
      pv.fitted_to_source = true;
      pv.fitted_text += (pv.fitted_text.empty() ? "" : "; ") + std::string("the figure is ") + where;
      if (!same || !raw.defined) continue;
      // The published value against the central 95% of the simulated studies (in the
      // part's terms: 1 - x for a complement, which turns an "at least" around).
      double v = t.value;
      auto kind = t.kind;
      if (p.complement) {
        v = 1 - v;
        if (kind == ClinicalTarget::Kind::AtLeast) kind = ClinicalTarget::Kind::AtMost;
        else if (kind == ClinicalTarget::Kind::AtMost) kind = ClinicalTarget::Kind::AtLeast;
      }
      bool miss = false;
      if (kind == ClinicalTarget::Kind::Equal) miss = v < raw.low || v > raw.high;
      else if (kind == ClinicalTarget::Kind::AtLeast) miss = raw.high < v;
      else miss = raw.low > v;
      if (miss) {
        pv.misfit = true;
        const std::string u = p.unit == "%" ? "%" : (p.unit.empty() ? "" : " " + p.unit);
        pv.misfit_text += (pv.misfit_text.empty() ? "" : "; ") + std::string("simulated ") +
                          figure_text(scaled(raw, p.scale), p.unit) + " against the published " + num(v * p.scale, 3) + u +
                          " it was fitted to (" + where + ")";
      }
    }
}

PartResult evaluate_part(const ClaimPart& p, Evaluator& ev, const ClaimsSpec& spec, const ClaimsOptions& o,
                         const std::set<std::string>& claim_studies) {
  PartResult r;
  r.part = p;
  r.strong = strong_basis(p.rests_on);
  if (p.method == "untestable") {
    r.verdict = Verdict::Untestable;
    r.why = "step 1: " + p.reason;
    r.simulated = "nothing: " + p.reason;
    return r;
  }
  Figure& f = r.with_ldn;
  Figure& f0 = r.without_ldn;
  if (p.method == "arithmetic") {
    f.defined = true;
    f.value = p.numerator / p.central;
    f.low = p.numerator / *std::max_element(p.values.begin(), p.values.end());
    f.high = p.numerator / *std::min_element(p.values.begin(), p.values.end());
    std::string list;
    for (double d : p.values) list += (list.empty() ? "" : ", ") + num(p.numerator) + "/" + num(d) + " = " + num(p.numerator / d);
    r.simulated = "arithmetic: " + list;
  } else if (p.method == "documented") {
    f.defined = true;
    f.value = p.central;
    f.low = *std::min_element(p.values.begin(), p.values.end());
    f.high = *std::max_element(p.values.begin(), p.values.end());
    std::string list;
    for (double d : p.values) list += (list.empty() ? "" : ", ") + num(d);
    r.simulated = "no simulation: documented values " + list + " (central " + num(p.central) + ")";
  } else if (p.method == "pharmacology") {
    PharmRun& run = ev.pharm_run(p);
    const std::size_t m = static_cast<std::size_t>(std::find(kMetrics.begin(), kMetrics.end(), p.metric) - kMetrics.begin());
    std::vector<double> v;
    for (const auto& s : run.samples) v.push_back(s[m]);
    f = p.band == "calibrated" ? weighted95(v, run.weights) : weighted95(v, std::vector<double>(v.size(), 1.0));
    if (f.defined) f.value = run.typical[m];  // the typical (calibrated) value is the best estimate
    // The interval always contains the best estimate.
    if (f.defined) {
      f.low = std::min(f.low, f.value);
      f.high = std::max(f.high, f.value);
    }
    f = scaled(f, p.scale);
    r.simulated = run.description;
    // Rule (c): the assumption-only parameters that move this metric within their range by
    // more than a twentieth of its 95% interval (less does not carry the figure).
    for (const auto& sp : run.assumptions) {
      const double typ = run.typical[m];
      const double tol = std::max(0.01, 0.05 * (f.high - f.low) / std::max(1e-300, std::abs(p.scale)));
      const double lo = sp.low[m], hi = sp.high[m];
      if (!std::isfinite(lo) || !std::isfinite(hi) || std::abs(lo - typ) > tol || std::abs(hi - typ) > tol) {
        r.provenance.assumption = true;
        r.provenance.assumption_text += (r.provenance.assumption_text.empty() ? "" : ", ") + sp.name + " (" + sp.range +
                                        ": " + num(lo * p.scale, 3) + " to " + num(hi * p.scale, 3) + ")";
      }
    }
    if (std::isfinite(p.hours_above))
      r.notes.push_back("hours per day with T-cell proliferation at least +" + num(p.hours_above) + "% (typical values): " + num(run.hours_above, 3) +
                        "; mean change over the day " + num(run.typical[1], 3) + "%");
    if (p.band == "calibrated" && run.ess < 0.1 * static_cast<double>(o.samples))
      r.notes.push_back("few samples carry the weight (effective sample size " + num(run.ess, 3) + " of " +
                        std::to_string(o.samples) + "): the interval is rough; raise --samples");
  } else if (p.method == "parameter") {
    const lang::Model& model = ev.patient();
    auto get = [&](const std::string& name) -> const lang::Parameter& {
      int k = model.parameter_index(name);
      if (k < 0 || model.parameters()[static_cast<std::size_t>(k)].name != name || !model.parameters()[static_cast<std::size_t>(k)].value)
        throw InputError(spec.file + ": " + p.key + ".parameter: the model " + spec.model_path + " has no param " + name);
      return model.parameters()[static_cast<std::size_t>(k)];
    };
    const lang::Parameter& q = get(p.parameter);
    const double se = q.se.value_or(kNaN);
    const double mult = p.multiply_by.empty() ? 1.0 : *get(p.multiply_by).value;
    const std::string where =
        fs::path(spec.model_path).lexically_relative(fs::path(spec.dir).parent_path()).string() +
        (p.multiply_by.empty() ? "" : ", times " + p.multiply_by + " = " + num(mult, 4));
    if (q.has(lang::Role::Unidentified)) {
      // Not identified by its targets (a null without numbers bounds it): no estimate, and
      // the interval is the prior range; never read as a measured zero.
      if (q.low && q.high) {
        f.defined = true;
        f.measured = false;
        f.low = *q.low;
        f.high = *q.high;
        f = scaled(f, p.sign * mult * p.scale);
      }
      r.simulated = "no new simulation: " + p.parameter + " is not identified by its calibration targets in " + where +
                    " (the evidence bounds it, it does not measure it): not measured, interval = its prior range";
    } else if (std::isfinite(se)) {
      f.defined = true;
      f.value = *q.value;
      f.low = *q.value - 1.959963984540054 * se;
      f.high = *q.value + 1.959963984540054 * se;
      f = scaled(f, p.sign * mult * p.scale);
    }
    if (!q.has(lang::Role::Unidentified))
      r.simulated = "no new simulation: " + p.parameter + " = " + num(*q.value, 4) + " (SE " + num(se, 3) + ") as calibrated in " +
                    where + "; 95% interval: estimate +- 1.96 SE";
    parameter_provenance(p, spec.model_path, claim_studies, ev, r.provenance);
  } else if (p.method == "trial") {
    TrialRun& run = ev.trial_run(p.study, p.set, p.curve, p.endpoint);
    Figure raw = trial_figure(p, run, spec.file + ": " + p.key);
    parameter_provenance(p, run.trial->spec().model_path, claim_studies, ev, r.provenance);
    target_provenance(p, run.trial->spec().model_path, raw, ev, r.provenance);
    r.simulated = run.description;
    if (!run.curve.empty()) r.curves.push_back({run.trial->spec().title, run.curve});
    Figure raw0;
    if (p.has_without) {
      const std::string study0 = p.without_study.empty() ? p.study : p.without_study;
      TrialRun& run0 = ev.trial_run(study0, p.without_set, p.curve, p.endpoint);
      raw0 = trial_figure(p, run0, spec.file + ": " + p.key);
      r.without_text = p.without_study.empty() ? "the same study with " + set_text(p.without_set) + " (no drug effect)"
                                               : run0.description;
      if (!run0.curve.empty()) r.curves.push_back({run0.trial->spec().title, run0.curve});
    }
    if (p.binomial_n > 0) {
      r.notes.push_back("the 3-year stable share used: " + figure_text(scaled(raw, 100), "%") +
                        (raw0.defined ? "; without LDN " + figure_text(scaled(raw0, 100), "%") : ""));
      const double need = p_needed(p.binomial_k, p.binomial_n, 0.025);
      r.notes.push_back(">= " + std::to_string(p.binomial_k) + " of " + std::to_string(p.binomial_n) +
                        " becomes plausible (P >= 2.5%) only if each patient's chance is at least " + num(100 * need, 3) +
                        "%, i.e. a risk of progressing " + num((1 - need) / std::max(1e-12, 1 - raw.value), 2) +
                        " times that of the simulated patients");
      raw = binomial_figure(raw, p.binomial_k, p.binomial_n);
      raw0 = binomial_figure(raw0, p.binomial_k, p.binomial_n);
    }
    f = scaled(raw, p.scale);
    f0 = scaled(raw0, p.scale);
  } else if (p.method == "exact") {
    auto ci = stats::clopper_pearson_ci(p.k, p.n);
    f.defined = true;
    f.value = static_cast<double>(p.k) / static_cast<double>(p.n);
    f.low = ci.lower;
    f.high = ci.upper;
    f = scaled(f, p.scale);
    r.simulated = "exact binomial (Clopper-Pearson) interval for " + std::to_string(p.k) + " of " + std::to_string(p.n);
    if (p.null_p >= 0) {
      // central 95% of Bin(n, null_p) / n
      long lo = 0, hi = p.n;
      while (lo < p.n && stats::binom_cdf(lo, p.n, p.null_p) < 0.025) ++lo;
      while (hi > 0 && stats::binom_cdf(hi - 1, p.n, p.null_p) >= 0.975) --hi;
      f0.defined = true;
      f0.value = p.null_p * p.scale;
      f0.low = static_cast<double>(lo) / static_cast<double>(p.n) * p.scale;
      f0.high = static_cast<double>(hi) / static_cast<double>(p.n) * p.scale;
      r.without_text = "Bin(" + std::to_string(p.n) + ", " + num(p.null_p) + "): the placebo responder rate";
      r.notes.push_back("P(>= " + std::to_string(p.k) + " of " + std::to_string(p.n) + " | " + num(p.null_p) + ") = " +
                        num(tail(p.k, p.n, p.null_p), 3));
    }
  }
  if (p.has_null && !f0.defined) {
    f0.defined = true;
    f0.value = f0.low = f0.high = p.null_value;
    r.without_text = "no drug: " + num(p.null_value) + (p.unit == "%" ? "%" : " " + p.unit);
  }
  // Rule (c) also for what the claims file grades as assumption.
  if (std::find(p.rests_on.begin(), p.rests_on.end(), "assumption") != p.rests_on.end()) {
    r.provenance.assumption = true;
    if (r.provenance.assumption_text.empty()) r.provenance.assumption_text = "graded assumption: " + p.basis;
  }
  r.base = decide(f, f0, p.claimed_low, p.claimed_high, r.strong, p.kind, &r.why);
  r.verdict = apply_provenance(r.base, r.provenance, &r.why);
  return r;
}

}  // namespace

ClaimsRun evaluate_claims(const ClaimsSpec& spec, const std::vector<std::string>& ids, const ClaimsOptions& options) {
  if (options.replicates < 2) throw ArgumentError("replicates", " " + std::to_string(options.replicates) + ": expected at least 2");
  if (options.samples < 10) throw ArgumentError("samples", " " + std::to_string(options.samples) + ": expected at least 10");
  std::vector<const Claim*> chosen;
  if (ids.empty()) {
    for (const auto& c : spec.claims) chosen.push_back(&c);
  } else {
    for (const auto& id : ids) {
      const Claim* found = nullptr;
      for (const auto& c : spec.claims)
        if (c.id == id) found = &c;
      if (!found) {
        std::string list;
        for (const auto& c : spec.claims) list += (list.empty() ? "" : ", ") + c.id;
        throw UsageError("unknown claim id '" + id + "' (" + spec.file + " has: " + list + ")");
      }
      if (std::find(chosen.begin(), chosen.end(), found) == chosen.end()) chosen.push_back(found);
    }
  }
  Evaluator ev(spec, options);
  ClaimsRun out;
  for (const Claim* c : chosen) {
    ClaimResult cr;
    cr.claim = *c;
    std::vector<Verdict> vs;
    // The studies the claim itself reports: those its parts simulate (rule a).
    std::set<std::string> studies;
    for (const auto& p : c->parts)
      if (p.method == "trial") {
        studies.insert(canonical(p.study));
        if (!p.without_study.empty()) studies.insert(canonical(p.without_study));
      }
    for (const auto& p : c->parts) {
      cr.parts.push_back(evaluate_part(p, ev, spec, options, studies));
      if (p.decides) vs.push_back(cr.parts.back().verdict);
    }
    cr.verdict = combine(vs);
    for (std::size_t i = 0; i < cr.parts.size(); ++i)
      if (cr.parts[i].part.decides && cr.parts[i].verdict == cr.verdict) {
        cr.deciding = static_cast<int>(i);
        break;
      }
    out.claims.push_back(std::move(cr));
  }
  out.trials_run = ev.trials_run;
  out.pharmacology_runs = ev.pharmacology_runs;
  return out;
}

}  // namespace ldnsim::science
