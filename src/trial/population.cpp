#include "ldnsim/trial/population.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "ldnsim/core/format.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "ldnsim/core/files.hpp"
#include "ldnsim/trial/spec.hpp"
#include "spec_reader.hpp"

namespace ldnsim::trial {

using detail::join_key;
using detail::TomlReader;

const char* to_string(Subtype s) {
  switch (s) {
    case Subtype::CIS: return "CIS";
    case Subtype::RRMS: return "RRMS";
    case Subtype::SPMS: return "SPMS";
    case Subtype::PPMS: return "PPMS";
  }
  return "?";
}

namespace {

constexpr const char* kSubtypeNames[] = {"CIS", "RRMS", "SPMS", "PPMS"};
constexpr double kInf = std::numeric_limits<double>::infinity();

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Standard normal quantile of a probability given as lower tail (or upper tail when
// `upper`), kept accurate in the far tails.
double truncated_normal_z(double za, double zb, double u) {
  // Work in the tail where the probabilities are small, for accuracy.
  if (za > 0) {
    double qa = stats::normal_cdf(za, 0, 1, false), qb = stats::normal_cdf(zb, 0, 1, false);
    double q = qa - u * (qa - qb);
    return stats::normal_quantile(q, 0, 1, false);
  }
  double pa = stats::normal_cdf(za), pb = stats::normal_cdf(zb);
  double p = pa + u * (pb - pa);
  return stats::normal_quantile(p);
}

}  // namespace

double Marginal::quantile(double u) const {
  double x = 0;
  switch (kind) {
    case Kind::Constant: return a;
    case Kind::Bernoulli: return u > 1.0 - a ? 1.0 : 0.0;
    case Kind::Categorical: {
      double cum = 0;
      for (std::size_t k = 0; k < p.size(); ++k) {
        cum += p[k];
        if (u <= cum) return values[k];
      }
      return values.back();
    }
    case Kind::Uniform: x = min + u * (max - min); break;
    case Kind::Normal: {
      if (std::isinf(min) && std::isinf(max)) x = a + b * stats::normal_quantile(u);
      else x = a + b * truncated_normal_z((min - a) / b, (max - a) / b, u);
      break;
    }
    case Kind::LogNormal: {
      const double mu = std::log(a);
      double lo = min > 0 ? (std::log(min) - mu) / b : -kInf;
      double hi = std::isinf(max) ? kInf : (std::log(max) - mu) / b;
      double z = (std::isinf(lo) && std::isinf(hi)) ? stats::normal_quantile(u) : truncated_normal_z(lo, hi, u);
      x = std::exp(mu + b * z);
      break;
    }
  }
  x = std::clamp(x, min, max);
  if (step > 0) {
    x = step * std::round(x / step);
    if (x < min) x += step;
    if (x > max) x -= step;
  }
  return x;
}

int PopulationSpec::column_index(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (iequals(columns_[i], name)) return static_cast<int>(i);
  return -1;
}

namespace detail {

Marginal read_marginal(const TomlReader& r, const toml::table& t, const std::string& path, const Marginal* base) {
  static const std::vector<std::string> kKeys = {"dist", "mean", "sd", "median", "sdlog", "min", "max", "step",
                                                 "p", "values", "labels", "value", "unit", "subtype"};
  r.check_keys(t, path, kKeys);
  Marginal m;
  if (base) m = *base;
  std::string dist;
  if (auto d = r.string(t, path, "dist")) dist = *d;
  else if (!base) r.fail(t.source(), join_key(path, "dist"), "missing (expected normal, lognormal, uniform, bernoulli, categorical or constant)");
  if (!dist.empty()) {
    Marginal fresh;
    if (dist == "normal") fresh.kind = Marginal::Kind::Normal;
    else if (dist == "lognormal") fresh.kind = Marginal::Kind::LogNormal;
    else if (dist == "uniform") fresh.kind = Marginal::Kind::Uniform;
    else if (dist == "bernoulli") fresh.kind = Marginal::Kind::Bernoulli;
    else if (dist == "categorical") fresh.kind = Marginal::Kind::Categorical;
    else if (dist == "constant") fresh.kind = Marginal::Kind::Constant;
    else
      r.fail(*t.get("dist"), join_key(path, "dist"),
             "'" + dist + "' is not a distribution (expected normal, lognormal, uniform, bernoulli, categorical or constant)");
    if (!base || fresh.kind != base->kind) m = fresh;
  }
  using K = Marginal::Kind;
  auto allowed_for = [&](std::initializer_list<const char*> keys) {
    static const char* kAll[] = {"mean", "sd", "median", "sdlog", "min", "max", "step", "p", "values", "labels", "value"};
    for (const char* k : kAll) {
      if (!t.get(k)) continue;
      bool ok = false;
      for (const char* a : keys) ok = ok || std::string_view(a) == k;
      if (!ok) {
        const char* names[] = {"normal", "lognormal", "uniform", "bernoulli", "categorical", "constant"};
        std::string list;
        for (const char* a : keys) list += (list.empty() ? "" : ", ") + std::string(a);
        r.fail(*t.get(k), join_key(path, k),
               std::string("not a key of dist ") + names[static_cast<int>(m.kind)] + " (expected " + list + ")");
      }
    }
  };
  auto positive = [&](std::string_view key, double& into) {
    if (auto v = r.number(t, path, key)) {
      if (!(*v > 0)) r.fail(*t.get(key), join_key(path, key), "expected a value above 0, found " + format_number(*v));
      into = *v;
    }
  };
  auto need = [&](std::string_view key, bool have) {
    if (!have) r.fail(t.source(), join_key(path, key), "missing (needed by this dist)");
  };
  const bool fresh = !base || !dist.empty();
  switch (m.kind) {
    case K::Normal:
      allowed_for({"mean", "sd", "min", "max", "step"});
      if (auto v = r.number(t, path, "mean")) m.a = *v;
      else if (fresh && !base) need("mean", false);
      positive("sd", m.b);
      if (fresh && !base) need("sd", t.get("sd") != nullptr);
      break;
    case K::LogNormal:
      allowed_for({"median", "sdlog", "min", "max", "step"});
      positive("median", m.a);
      positive("sdlog", m.b);
      if (fresh && !base) {
        need("median", t.get("median") != nullptr);
        need("sdlog", t.get("sdlog") != nullptr);
      }
      break;
    case K::Uniform:
      allowed_for({"min", "max", "step"});
      if (fresh && !base) {
        need("min", t.get("min") != nullptr);
        need("max", t.get("max") != nullptr);
      }
      break;
    case K::Bernoulli:
      allowed_for({"p"});
      if (auto v = r.number(t, path, "p")) {
        if (*v < 0 || *v > 1) r.fail(*t.get("p"), join_key(path, "p"), "expected a probability in [0, 1], found " + format_number(*v));
        m.a = *v;
      } else if (fresh && !base) {
        need("p", false);
      }
      break;
    case K::Constant:
      allowed_for({"value"});
      if (auto v = r.number(t, path, "value")) m.a = *v;
      else if (fresh && !base) need("value", false);
      break;
    case K::Categorical: {
      allowed_for({"values", "p", "labels"});
      if (auto a = r.array(t, path, "values")) {
        m.values.clear();
        for (std::size_t i = 0; i < a->size(); ++i) m.values.push_back(r.as_number(*a->get(i), detail::index_key(join_key(path, "values"), i)));
      }
      if (auto a = r.array(t, path, "p")) {
        m.p.clear();
        double sum = 0;
        for (std::size_t i = 0; i < a->size(); ++i) {
          double v = r.as_number(*a->get(i), detail::index_key(join_key(path, "p"), i));
          if (v < 0 || v > 1) r.fail(*a->get(i), detail::index_key(join_key(path, "p"), i), "expected a probability in [0, 1]");
          m.p.push_back(v);
          sum += v;
        }
        if (std::abs(sum - 1) > 1e-6)
          r.fail(*a, join_key(path, "p"), "the probabilities sum to " + format_number(sum) + " (expected 1)");
      }
      if (auto a = r.array(t, path, "labels")) {
        m.labels.clear();
        for (std::size_t i = 0; i < a->size(); ++i) m.labels.push_back(r.as_string(*a->get(i), detail::index_key(join_key(path, "labels"), i)));
      }
      if (m.values.empty()) r.fail(t.source(), join_key(path, "values"), "missing or empty (expected the category values)");
      if (m.p.size() != m.values.size())
        r.fail(t.get("p") ? t.get("p")->source() : t.source(), join_key(path, "p"),
               "expected " + std::to_string(m.values.size()) + " probabilities, one per value, found " + std::to_string(m.p.size()));
      if (!m.labels.empty() && m.labels.size() != m.values.size())
        r.fail(*t.get("labels"), join_key(path, "labels"), "expected " + std::to_string(m.values.size()) + " labels, one per value");
      break;
    }
  }
  if (auto v = r.number(t, path, "min")) m.min = *v;
  if (auto v = r.number(t, path, "max")) m.max = *v;
  if (auto v = r.number(t, path, "step")) {
    if (!(*v > 0)) r.fail(*t.get("step"), join_key(path, "step"), "expected a step above 0");
    m.step = *v;
  }
  if (m.kind == K::Uniform || m.kind == K::Normal || m.kind == K::LogNormal) {
    if (!(m.min < m.max)) r.fail(t.get("max") ? t.get("max")->source() : t.source(), join_key(path, "max"),
                                 "expected max above min (" + format_number(m.min) + ")");
    if (m.kind == K::LogNormal && m.max <= 0) r.fail(*t.get("max"), join_key(path, "max"), "expected a max above 0 for a lognormal");
    // The truncation range must hold some probability.
    if (m.kind != K::Uniform) {
      double lo = m.min, hi = m.max;
      if (m.kind == K::LogNormal) {
        lo = m.min > 0 ? std::log(m.min) : -kInf;
        hi = std::log(m.max);
      }
      const double mu = m.kind == K::LogNormal ? std::log(m.a) : m.a;
      const double za = (lo - mu) / m.b, zb = (hi - mu) / m.b;
      const double mass = za > 0 ? stats::normal_cdf(za, 0, 1, false) - stats::normal_cdf(zb, 0, 1, false)
                                 : stats::normal_cdf(zb) - stats::normal_cdf(za);
      if (!(mass > 1e-12))
        r.fail(t.source(), path, "the range [min, max] holds (almost) none of the distribution's probability");
    }
  }
  return m;
}

std::optional<double> TomlReader::duration(const toml::table& t, const std::string& path, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  return as_duration(*n, join_key(path, key));
}

double TomlReader::as_duration(const toml::node& n, const std::string& key) const {
  return as_number_or_text(n, key, [](std::string_view text) { return parse_duration_days(text); }, "a duration",
                           "a duration such as \"8w\", \"56d\", \"6mo\", \"2y\" or a number of days");
}

}  // namespace detail

using detail::read_marginal;

PopulationSpec parse_population(std::string_view text, const std::string& file) {
  TomlReader r(file);
  toml::table root = r.parse(text);
  r.check_keys(root, "", {"name", "description", "indication", "subtypes", "covariates", "correlations", "inclusion"});
  PopulationSpec spec;
  spec.file = file;
  spec.name = r.string(root, "", "name").value_or("");
  spec.description = r.string(root, "", "description").value_or("");
  spec.indication = r.string(root, "", "indication").value_or("");
  if (!spec.indication.empty()) {
    bool word = spec.indication.size() <= 40;
    for (char c : spec.indication) word = word && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_');
    if (!word)
      r.fail(*root.get("indication"), "indication",
             "'" + printable(spec.indication, 60) + "' (expected a lower-case word such as ms, fibromyalgia, crohns)");
  }
  const bool ms = spec.indication.empty() || spec.indication == "ms";

  // Subtypes: MS populations only. Other indications have no split; their subjects carry
  // the RRMS columns, which no model of theirs reads (the indication check keeps MS models
  // away from them, docs/trials.md).
  const toml::table* st = r.table(root, "", "subtypes");
  if (!ms) {
    if (st)
      r.fail(st->source(), "subtypes",
             "an MS subtype split in a population for indication '" + spec.indication + "' (remove [subtypes]: only MS populations have subtypes)");
    spec.subtype_p[static_cast<std::size_t>(Subtype::RRMS)] = 1;
  }
  if (ms && !st) r.fail(root.source(), "subtypes", "missing (expected a table of proportions, e.g. RRMS = 0.6, SPMS = 0.25, PPMS = 0.15)");
  if (ms) r.check_keys(*st, "subtypes", {"CIS", "RRMS", "SPMS", "PPMS"});
  double sum = ms ? 0 : 1;
  for (std::size_t k = 0; ms && k < kSubtypeCount; ++k) {
    if (auto v = r.number(*st, "subtypes", kSubtypeNames[k])) {
      if (*v < 0 || *v > 1)
        r.fail(*st->get(kSubtypeNames[k]), join_key("subtypes", kSubtypeNames[k]), "expected a proportion in [0, 1], found " + format_number(*v));
      spec.subtype_p[k] = *v;
      sum += *v;
    }
  }
  if (ms && std::abs(sum - 1) > 1e-6) r.fail(st->source(), "subtypes", "the proportions sum to " + format_number(sum) + " (expected 1)");

  // Covariates
  const toml::table* cov = r.table(root, "", "covariates");
  if (cov) {
    for (auto&& [k, v] : *cov) {
      const std::string name(k.str());
      const std::string path = join_key("covariates", name);
      r.remember(path, k.source());
      const toml::table* ct = v.as_table();
      if (!ct) r.fail(v, path, "expected a table with a dist (e.g. [covariates." + name + "] dist = \"normal\")");
      static const char* kReserved[] = {"SUBTYPE", "CIS", "RRMS", "SPMS", "PPMS", "ID", "TIME", "EVID", "AMT", "CMT",
                                        "RATE", "II", "ADDL", "SS", "DV", "MDV"};
      for (const char* res : kReserved)
        if (iequals(name, res)) r.fail(k.source(), path, "'" + printable(name, 60) + "' is a reserved column name (choose another covariate name)");
      bool ok_name = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
      for (char c : name) ok_name = ok_name && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
      if (!ok_name) r.fail(k.source(), path, "expected a name of letters, digits and _ (a model parameter name)");
      CovariateSpec c;
      c.name = name;
      c.unit = r.string(*ct, path, "unit").value_or("");
      Marginal base = read_marginal(r, *ct, path, nullptr);
      c.marginal.fill(base);
      if (const toml::table* by = r.table(*ct, path, "subtype")) {
        if (!ms)
          r.fail(by->source(), join_key(path, "subtype"),
                 "per-subtype values in a population for indication '" + spec.indication + "' (only MS populations have subtypes)");
        r.check_keys(*by, join_key(path, "subtype"), {"CIS", "RRMS", "SPMS", "PPMS"});
        for (std::size_t s = 0; s < kSubtypeCount; ++s) {
          const std::string sp = join_key(join_key(path, "subtype"), kSubtypeNames[s]);
          if (const toml::table* o = r.table(*by, join_key(path, "subtype"), kSubtypeNames[s])) {
            if (o->get("subtype")) r.fail(*o->get("subtype"), join_key(sp, "subtype"), "subtype overrides do not nest");
            c.marginal[s] = read_marginal(r, *o, sp, &base);
          }
        }
      }
      spec.covariates.push_back(std::move(c));
    }
  }
  for (const auto& c : spec.covariates) spec.columns_.push_back(c.name);
  for (const char* s : {"SUBTYPE", "CIS", "RRMS", "SPMS", "PPMS"}) spec.columns_.emplace_back(s);

  // Correlations
  const std::size_t K = spec.covariates.size();
  spec.correlation.assign(K * K, 0.0);
  for (std::size_t i = 0; i < K; ++i) spec.correlation[i * K + i] = 1;
  auto covariate_index = [&](const std::string& name) -> int {
    for (std::size_t i = 0; i < K; ++i)
      if (iequals(spec.covariates[i].name, name)) return static_cast<int>(i);
    return -1;
  };
  std::vector<std::string> cov_names;
  for (const auto& c : spec.covariates) cov_names.push_back(c.name);
  if (const toml::array* corr = r.array(root, "", "correlations")) {
    for (std::size_t i = 0; i < corr->size(); ++i) {
      const std::string path = detail::index_key("correlations", i);
      const toml::table* ct = corr->get(i)->as_table();
      if (!ct) r.fail(*corr->get(i), path, "expected a table { between = [\"A\", \"B\"], r = 0.5 }");
      r.check_keys(*ct, path, {"between", "r"});
      const toml::array* b = r.array(*ct, path, "between");
      if (!b || b->size() != 2)
        r.fail(b ? b->source() : ct->source(), join_key(path, "between"), "expected two covariate names, e.g. [\"AGE\", \"DURATION\"]");
      int ij[2];
      for (std::size_t j = 0; j < 2; ++j) {
        const std::string key = detail::index_key(join_key(path, "between"), j);
        std::string nm = r.as_string(*b->get(j), key);
        ij[j] = covariate_index(nm);
        if (ij[j] < 0) {
          std::string s = detail::closest(nm, cov_names);
          r.fail(*b->get(j), key, "'" + printable(nm, 60) + "' is not a covariate of this population" + (s.empty() ? "" : " (did you mean '" + s + "'?)"));
        }
      }
      if (ij[0] == ij[1]) r.fail(*b, join_key(path, "between"), "expected two different covariates");
      double rho = r.require_number(*ct, path, "r");
      if (!(rho > -1 && rho < 1)) r.fail(*ct->get("r"), join_key(path, "r"), "expected a correlation strictly between -1 and 1, found " + format_number(rho));
      auto a = static_cast<std::size_t>(ij[0]), c = static_cast<std::size_t>(ij[1]);
      if (spec.correlation[a * K + c] != 0)
        r.fail(*b, join_key(path, "between"), "the correlation of " + spec.covariates[a].name + " and " + spec.covariates[c].name + " is given twice");
      spec.correlation[a * K + c] = spec.correlation[c * K + a] = rho;
    }
    // Cholesky
    spec.cholesky.assign(K * K, 0.0);
    for (std::size_t i = 0; i < K; ++i) {
      for (std::size_t j = 0; j <= i; ++j) {
        double s = spec.correlation[i * K + j];
        for (std::size_t k = 0; k < j; ++k) s -= spec.cholesky[i * K + k] * spec.cholesky[j * K + k];
        if (i == j) {
          if (!(s > 1e-10))
            r.fail(corr->source(), "correlations",
                   "the correlations cannot hold together: the matrix is not positive definite (expected a valid "
                   "correlation matrix; weaken some of them)");
          spec.cholesky[i * K + i] = std::sqrt(s);
        } else {
          spec.cholesky[i * K + j] = s / spec.cholesky[j * K + j];
        }
      }
    }
  }
  if (spec.cholesky.empty()) {
    spec.cholesky.assign(K * K, 0.0);
    for (std::size_t i = 0; i < K; ++i) spec.cholesky[i * K + i] = 1;
  }

  // Inclusion criteria
  if (const toml::table* inc = r.table(root, "", "inclusion")) {
    for (auto&& [k, v] : *inc) {
      const std::string name(k.str());
      const std::string path = join_key("inclusion", name);
      int col = spec.column_index(name);
      if (col < 0) {
        std::string s = detail::closest(name, spec.columns_);
        r.fail(k.source(), path, "'" + printable(name, 60) + "' is not a covariate of this population" + (s.empty() ? "" : " (did you mean '" + s + "'?)"));
      }
      InclusionCriterion c;
      c.covariate = spec.columns_[static_cast<std::size_t>(col)];
      c.column = static_cast<std::size_t>(col);
      if (const toml::array* a = v.as_array()) {
        if (a->size() != 2) r.fail(v, path, "expected [min, max]");
        c.min = r.as_number(*a->get(0), path + "[0]");
        c.max = r.as_number(*a->get(1), path + "[1]");
      } else if (const toml::table* t = v.as_table()) {
        r.check_keys(*t, path, {"min", "max"});
        if (auto x = r.number(*t, path, "min")) c.min = *x;
        if (auto x = r.number(*t, path, "max")) c.max = *x;
      } else {
        r.fail(v, path, "expected [min, max] or { min = ..., max = ... }");
      }
      if (c.min > c.max) r.fail(v, path, "expected min <= max");
      spec.inclusion.push_back(c);
    }
  }

  // Acceptance rate of the inclusion criteria, from a fixed pilot sample.
  if (!spec.inclusion.empty()) {
    CohortGenerator gen(spec);
    RandomStream rng(0x5EED5EED, 0, 0, stream::kPilot);
    Subject s;
    constexpr long kPilot = 20000;
    long accepted = 0;
    std::vector<long> alone(spec.inclusion.size(), 0);
    for (long i = 0; i < kPilot; ++i) {
      if (gen.draw_once(rng, s)) ++accepted;
      for (std::size_t c = 0; c < spec.inclusion.size(); ++c) {
        double x = s.values[spec.inclusion[c].column];
        if (x >= spec.inclusion[c].min - 1e-9 && x <= spec.inclusion[c].max + 1e-9) ++alone[c];
      }
    }
    spec.acceptance = static_cast<double>(accepted) / kPilot;
    if (spec.acceptance < 0.001) {
      std::string detail;
      for (std::size_t c = 0; c < spec.inclusion.size(); ++c)
        detail += (c ? ", " : "") + spec.inclusion[c].covariate + " in [" + format_number(spec.inclusion[c].min) + ", " +
                  format_number(spec.inclusion[c].max) + "] " + format_number(100.0 * static_cast<double>(alone[c]) / kPilot, 3) + "%";
      r.fail(root.get("inclusion")->source(), "inclusion",
             "the inclusion criteria accept " + format_number(100.0 * spec.acceptance, 3) + "% of the population (" +
                 std::to_string(accepted) + " of " + std::to_string(kPilot) +
                 " draws; expected at least 0.1%); each criterion alone: " + detail);
    }
  }
  return spec;
}

PopulationSpec load_population(const std::string& path) {
  return parse_population(read_text_file(path, "population spec"), path);
}

double Subject::get(std::string_view name) const {
  int c = spec ? spec->column_index(name) : -1;
  if (c < 0) throw InputError("the population has no covariate '" + std::string(name) + "'");
  return values[static_cast<std::size_t>(c)];
}

CohortGenerator::CohortGenerator(const PopulationSpec& spec) : spec_(spec) {}

bool CohortGenerator::draw_once(RandomStream& rng, Subject& out) const {
  const std::size_t K = spec_.covariates.size();
  out.spec = &spec_;
  out.values.resize(K + 5);
  double u = rng.uniform(), cum = 0;
  std::size_t st = kSubtypeCount - 1;
  while (st > 0 && spec_.subtype_p[st] == 0) --st;  // the last subtype with a share
  for (std::size_t k = 0; k < kSubtypeCount; ++k) {
    cum += spec_.subtype_p[k];
    if (spec_.subtype_p[k] > 0 && u <= cum) {
      st = k;
      break;
    }
  }
  out.subtype = static_cast<Subtype>(st);
  // Latent normals: z = L e.
  double e[64];
  std::vector<double> big;
  double* ep = e;
  if (K > 64) {
    big.resize(K);
    ep = big.data();
  }
  for (std::size_t i = 0; i < K; ++i) ep[i] = rng.normal();
  for (std::size_t i = 0; i < K; ++i) {
    double z = 0;
    const double* L = &spec_.cholesky[i * K];
    for (std::size_t j = 0; j <= i; ++j) z += L[j] * ep[j];
    const Marginal& m = spec_.covariates[i].marginal[st];
    double x;
    if (m.kind == Marginal::Kind::Normal && std::isinf(m.min) && std::isinf(m.max) && m.step == 0) x = m.a + m.b * z;
    else if (m.kind == Marginal::Kind::Constant) x = m.a;
    else {
      double uu = stats::normal_cdf(z);
      uu = std::clamp(uu, 1e-300, 1.0 - 1e-16);
      x = m.quantile(uu);
    }
    out.values[i] = x;
  }
  out.values[K] = static_cast<double>(st);
  for (std::size_t k = 0; k < kSubtypeCount; ++k) out.values[K + 1 + k] = k == st ? 1.0 : 0.0;
  for (const auto& c : spec_.inclusion) {
    double x = out.values[c.column];
    if (!(x >= c.min - 1e-9 && x <= c.max + 1e-9)) return false;
  }
  return true;
}

void CohortGenerator::draw(std::uint64_t seed, std::uint64_t replicate, std::uint64_t subject, Subject& out) const {
  RandomStream rng(seed, replicate, subject, stream::kCohort);
  out.index = static_cast<std::size_t>(subject);
  constexpr long kMaxAttempts = 1000000;
  for (long a = 1; a <= kMaxAttempts; ++a) {
    if (draw_once(rng, out)) {
      out.attempts = a;
      return;
    }
  }
  throw InputError(spec_.file + ": no draw out of " + std::to_string(kMaxAttempts) +
                   " met the inclusion criteria (replicate " + std::to_string(replicate) + ", subject " +
                   std::to_string(subject) + ")");
}

std::vector<Subject> CohortGenerator::cohort(std::uint64_t seed, std::uint64_t replicate, std::size_t n) const {
  std::vector<Subject> out(n);
  for (std::size_t i = 0; i < n; ++i) draw(seed, replicate, i, out[i]);
  return out;
}

}  // namespace ldnsim::trial
