// ldnsim claims: reading the claims file (claims/claims.toml; the schema is in docs/claims.md).
#include <algorithm>
#include <cmath>
#include <set>

#include "claims_detail.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/paths.hpp"
#include "ldnsim/core/toml_reader.hpp"

namespace ldnsim::science {

using claims_detail::kMetrics;
namespace fs = std::filesystem;

namespace {

// Counts of people in a claim (k of n): beyond any study, and past 2^63 the conversion to
// a whole number was undefined.
constexpr double kMaxCount = 1e9;

using SpecReader = spec::TomlReader;
using spec::join_key;

const std::vector<std::string> kMethods = {"arithmetic", "documented", "pharmacology", "parameter", "trial", "exact",
                                           "untestable"};
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

}  // namespace ldnsim::science
