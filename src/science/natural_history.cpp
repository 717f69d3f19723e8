#include "ldnsim/science/natural_history.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/toml_reader.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::science {

namespace fs = std::filesystem;

const char* to_string(ArmOutcome outcome) {
  switch (outcome) {
    case ArmOutcome::Arr: return "ARR";
    case ArmOutcome::RelapseFree: return "relapse-free";
    case ArmOutcome::Cdp: return "CDP";
  }
  return "?";
}

PlaceboArms load_placebo_arms(const std::string& path) {
  if (!fs::is_regular_file(path)) throw UsageError("placebo-arms file '" + path + "': no such file");
  spec::TomlReader r(path);
  toml::table doc = r.parse_file();
  PlaceboArms s;
  s.file = path;
  r.check_keys(doc, "", {"between_trial", "arms"});
  const toml::table* bt = r.table(doc, "", "between_trial");
  if (!bt) throw InputError(path + ":1:1: between_trial: missing (expected model, tau_max, tau_max_why)");
  r.check_keys(*bt, "between_trial", {"model", "tau_max", "tau_max_why"});
  const std::string model = r.require_string(*bt, "between_trial", "model");
  s.model = fs::path(model).is_absolute() ? model : (fs::path(path).parent_path() / model).lexically_normal().string();
  if (!fs::is_regular_file(s.model))
    r.fail(*bt->get("model"), "between_trial.model", "cannot open '" + s.model + "' (expected the clinical model, relative to " + path + ")");
  s.tau_max = r.require_number(*bt, "between_trial", "tau_max");
  if (!(s.tau_max > 0 && s.tau_max <= 3))
    r.fail(*bt->get("tau_max"), "between_trial.tau_max", "expected a between-trial SD above 0 and at most 3, found " + format_number(s.tau_max));
  s.tau_max_why = r.require_string(*bt, "between_trial", "tau_max_why");
  const auto arms = r.tables(doc, "", "arms");
  if (arms.empty()) throw InputError(path + ":1:1: arms: missing (expected [[arms]] with name, source, n, years and outcomes)");
  for (std::size_t i = 0; i < arms.size(); ++i) {
    const toml::table& t = *arms[i];
    const std::string key = spec::index_key("arms", i);
    r.check_keys(t, key, {"name", "source", "n", "years", "arr", "relapse_free", "cdp", "independent", "why"});
    PlaceboArm a;
    a.name = r.require_string(t, key, "name");
    a.source = r.require_string(t, key, "source");
    a.n = r.require_number(t, key, "n");
    if (!(a.n >= 2 && a.n <= 1e6 && std::floor(a.n) == a.n))
      r.fail(*t.get("n"), key + ".n", "expected a whole number of patients, 2 to 1000000, found " + format_number(a.n));
    a.years = r.require_number(t, key, "years");
    if (!(a.years > 0 && a.years <= 20)) r.fail(*t.get("years"), key + ".years", "expected a duration above 0 and at most 20 years, found " + format_number(a.years));
    a.arr = r.number(t, key, "arr");
    if (a.arr && !(*a.arr > 0 && *a.arr < 10)) r.fail(*t.get("arr"), key + ".arr", "expected a relapse rate above 0 and below 10 per year, found " + format_number(*a.arr));
    for (auto [name, field] : {std::pair{"relapse_free", &a.relapse_free}, std::pair{"cdp", &a.cdp}}) {
      *field = r.number(t, key, name);
      if (*field && !(**field > 0 && **field < 1))
        r.fail(*t.get(name), key + "." + name, std::string("expected a share strictly between 0 and 1, found ") + format_number(**field));
    }
    if (!a.arr && !a.relapse_free && !a.cdp) throw InputError(r.location(t.source()) + ": " + key + ": no outcome (expected arr, relapse_free or cdp)");
    a.independent = r.boolean(t, key, "independent").value_or(true);
    a.why = r.string(t, key, "why").value_or("");
    if (!a.independent && a.why.empty())
      throw InputError(r.location(t.source()) + ": " + key + ".why: missing (an arm that is not independent says why)");
    for (const auto& o : s.arms)
      if (o.name == a.name) r.fail(*t.get("name"), key + ".name", "'" + a.name + "' is listed twice");
    s.arms.push_back(a);
  }
  return s;
}

namespace {

double logit(double p) { return std::log(p / (1 - p)); }
double expit(double x) { return 1 / (1 + std::exp(-x)); }
double back(ArmOutcome o, double y) { return o == ArmOutcome::Arr ? std::exp(y) : expit(y); }
double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Within-arm sampling variance of the transformed value of an arm of n over `years` whose
// true value is `value` (original scale).
double within_variance(ArmOutcome o, double n, double years, double value, double k) {
  if (o == ArmOutcome::Arr) return 1 / (n * years * value) + k / n;
  return 1 / (n * value * (1 - value));
}

std::optional<double> value_of(const PlaceboArm& a, ArmOutcome o) {
  return o == ArmOutcome::Arr ? a.arr : o == ArmOutcome::RelapseFree ? a.relapse_free : a.cdp;
}

struct Posterior {
  std::vector<double> tau, weight, mu, var_mu;
};

constexpr int kGrid = 2000;

Posterior posterior(const std::vector<Observation>& obs, double tau_max) {
  Posterior p;
  std::vector<double> logl;
  for (int j = 0; j <= kGrid; ++j) {
    const double tau = tau_max * j / kGrid;
    double sw = 0, swy = 0, slog = 0;
    for (const auto& o : obs) {
      const double w = 1 / (o.v + tau * tau);
      sw += w;
      swy += w * o.y;
      slog += std::log(o.v + tau * tau);
    }
    const double mu = swy / sw;
    double rss = 0;
    for (const auto& o : obs) rss += (o.y - mu) * (o.y - mu) / (o.v + tau * tau);
    // Restricted likelihood: mu integrated out under a flat prior.
    logl.push_back(-0.5 * slog - 0.5 * std::log(sw) - 0.5 * rss);
    p.tau.push_back(tau);
    p.mu.push_back(mu);
    p.var_mu.push_back(1 / sw);
  }
  const double top = *std::max_element(logl.begin(), logl.end());
  double total = 0;
  for (std::size_t j = 0; j < logl.size(); ++j) {
    // Trapezoid weights over the grid (uniform prior on [0, tau_max]).
    const double end = (j == 0 || j + 1 == logl.size()) ? 0.5 : 1.0;
    p.weight.push_back(end * std::exp(logl[j] - top));
    total += p.weight.back();
  }
  for (double& w : p.weight) w /= total;
  return p;
}

double tau_quantile(const Posterior& p, double q) {
  double cum = 0;
  for (std::size_t j = 0; j < p.tau.size(); ++j) {
    cum += p.weight[j];
    if (cum >= q) return p.tau[j];
  }
  return p.tau.back();
}

// Quantile q of the predictive mixture of a new transformed value with within variance v_new.
double predictive_quantile(const Posterior& p, double v_new, double q) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t j = 0; j < p.tau.size(); ++j) {
    const double sd = std::sqrt(p.tau[j] * p.tau[j] + p.var_mu[j] + v_new);
    lo = std::min(lo, p.mu[j] - 10 * sd);
    hi = std::max(hi, p.mu[j] + 10 * sd);
  }
  auto cdf = [&](double x) {
    double c = 0;
    for (std::size_t j = 0; j < p.tau.size(); ++j)
      if (p.weight[j] > 0) c += p.weight[j] * phi((x - p.mu[j]) / std::sqrt(p.tau[j] * p.tau[j] + p.var_mu[j] + v_new));
    return c;
  };
  for (int i = 0; i < 100 && hi - lo > 1e-10; ++i) {
    const double mid = 0.5 * (lo + hi);
    (cdf(mid) < q ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double rms(const Posterior& p) {
  double e = 0;
  for (std::size_t j = 0; j < p.tau.size(); ++j) e += p.weight[j] * p.tau[j] * p.tau[j];
  return std::sqrt(e);
}

double pooled_at(const std::vector<Observation>& obs, double tau) {
  double sw = 0, swy = 0;
  for (const auto& o : obs) {
    const double w = 1 / (o.v + tau * tau);
    sw += w;
    swy += w * o.y;
  }
  return swy / sw;
}

}  // namespace

std::vector<Observation> observations(const PlaceboArms& arms, ArmOutcome outcome, double overdispersion, bool all) {
  std::vector<Observation> out;
  for (const auto& a : arms.arms) {
    if (!a.independent && !all) continue;
    const auto v = value_of(a, outcome);
    if (!v) continue;
    Observation o;
    o.arm = a.name;
    o.y = outcome == ArmOutcome::Arr ? std::log(*v) : logit(*v);
    o.v = within_variance(outcome, a.n, a.years, *v, overdispersion);
    out.push_back(o);
  }
  return out;
}

BetweenTrialFit fit_between_trial(const std::vector<Observation>& obs, double tau_max, ArmOutcome outcome, double v_new) {
  if (obs.empty()) throw InputError(std::string("no placebo arm reports ") + to_string(outcome));
  BetweenTrialFit f;
  f.outcome = outcome;
  for (const auto& o : obs) f.arms.push_back(o.arm);
  const Posterior p = posterior(obs, tau_max);
  f.tau_median = tau_quantile(p, 0.5);
  f.tau_low = tau_quantile(p, 0.025);
  f.tau_high = tau_quantile(p, 0.975);
  f.tau_rms = rms(p);
  // DerSimonian-Laird and Cochran's Q (fixed-effect weights).
  double sw = 0, sw2 = 0;
  for (const auto& o : obs) {
    sw += 1 / o.v;
    sw2 += 1 / (o.v * o.v);
  }
  const double mu0 = pooled_at(obs, 0);
  for (const auto& o : obs) f.q += (o.y - mu0) * (o.y - mu0) / o.v;
  const double c = sw - sw2 / sw;
  f.tau_dl = obs.size() > 1 && c > 0 ? std::sqrt(std::max(0.0, (f.q - static_cast<double>(obs.size() - 1)) / c)) : 0;
  f.pooled = back(outcome, pooled_at(obs, f.tau_rms));
  f.predicted = back(outcome, predictive_quantile(p, v_new, 0.5));
  f.predicted_low = back(outcome, predictive_quantile(p, v_new, 0.025));
  f.predicted_high = back(outcome, predictive_quantile(p, v_new, 0.975));
  return f;
}

NaturalHistoryCheck check_natural_history(const PlaceboArms& arms) {
  NaturalHistoryCheck c;
  lang::LoadOptions options;
  options.engine = lang::Engine::Interpreter;  // only the parameters are read
  const lang::ModelPtr model = lang::load_model(arms.model, options);
  auto value = [&](const char* name) -> double {
    const int i = model->parameter_index(name);
    if (i < 0 || !model->parameters()[static_cast<std::size_t>(i)].value)
      throw InputError(arms.file + ": between_trial.model: " + arms.model + " has no parameter " + name +
                       " (the between-trial check needs ARR_FRAIL, the between-patient SD of the log relapse rate)");
    return *model->parameters()[static_cast<std::size_t>(i)].value;
  };
  const double frail = value("ARR_FRAIL");
  c.overdispersion = std::exp(frail * frail) - 1;
  if (model->parameter_index("ARR_TAU") >= 0) c.model_tau = value("ARR_TAU");
  for (ArmOutcome o : {ArmOutcome::Arr, ArmOutcome::RelapseFree, ArmOutcome::Cdp}) {
    const auto obs = observations(arms, o, c.overdispersion);
    if (obs.empty()) continue;
    // A new arm the size and length of the largest independent arm reporting the outcome.
    const PlaceboArm* largest = nullptr;
    for (const auto& a : arms.arms)
      if (a.independent && value_of(a, o) && (!largest || a.n > largest->n)) largest = &a;
    const double pooled0 = back(o, pooled_at(obs, 0));
    BetweenTrialFit f = fit_between_trial(obs, arms.tau_max, o, within_variance(o, largest->n, largest->years, pooled0, c.overdispersion));
    f.new_n = largest->n;
    f.new_years = largest->years;
    // Leave one out: every arm reporting the outcome (not-independent ones are predicted
    // from all independent arms, never used to fit), predicted from the independent others.
    for (const auto& a : arms.arms) {
      const auto v = value_of(a, o);
      if (!v) continue;
      std::vector<Observation> others;
      for (const auto& x : obs)
        if (x.arm != a.name) others.push_back(x);
      if (others.empty()) continue;
      const double centre = back(o, pooled_at(others, 0));
      const BetweenTrialFit g = fit_between_trial(others, arms.tau_max, o, within_variance(o, a.n, a.years, centre, c.overdispersion));
      LeaveOneOut l;
      l.outcome = o;
      l.arm = a.name + (a.independent ? "" : " (not independent)");
      l.observed = *v;
      l.predicted = g.predicted;
      l.low = g.predicted_low;
      l.high = g.predicted_high;
      l.tau_rms = g.tau_rms;
      l.others = others.size();
      l.covered = *v >= l.low && *v <= l.high;
      if (a.independent) {
        ++c.total;
        c.covered += l.covered ? 1 : 0;
      }
      c.loo.push_back(l);
    }
    c.fits.push_back(f);
  }
  return c;
}

bool is_placebo_arms_file(const std::string& path) {
  if (!fs::is_regular_file(path)) return false;
  try {
    spec::TomlReader r(path);
    return r.parse_file().contains("between_trial");
  } catch (const Error&) {
    return false;
  }
}

namespace {
std::string show(ArmOutcome o, double x) {
  return o == ArmOutcome::Arr ? format_number(x, 3) : format_number(100 * x, 3) + "%";
}
}  // namespace

std::string markdown(const PlaceboArms& arms, const NaturalHistoryCheck& check) {
  std::string out;
  out += "Between-patient overdispersion k = exp(ARR_FRAIL^2) - 1 = " + format_number(check.overdispersion, 3) +
         "; prior of tau uniform on 0-" + format_number(arms.tau_max, 3) + " (" + arms.tau_max_why + ").\n\n";
  out += "| outcome | arms | Q | tau (DL) | tau median [95%] | tau RMS | pooled | new arm (n, years) | predicted [95%] |\n";
  out += "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& f : check.fits) {
    std::string names;
    for (const auto& a : f.arms) names += (names.empty() ? "" : ", ") + a;
    out += "| " + std::string(to_string(f.outcome)) + " | " + names + " | " + format_number(f.q, 3) + " | " + format_number(f.tau_dl, 2) +
           " | " + format_number(f.tau_median, 2) + " [" + format_number(f.tau_low, 2) + ", " + format_number(f.tau_high, 2) + "] | " +
           format_number(f.tau_rms, 3) + " | " + show(f.outcome, f.pooled) + " | " + format_number(f.new_n) + ", " + format_number(f.new_years) +
           " | " + show(f.outcome, f.predicted) + " [" + show(f.outcome, f.predicted_low) + ", " + show(f.outcome, f.predicted_high) + "] |\n";
  }
  out += "\nLeave one out (fitted without the arm, predicted with its 95% interval; arms that are not independent are "
         "predicted from all independent arms and never counted):\n\n";
  out += "| outcome | held-out arm | published | predicted [95%] | from | tau RMS of the others | inside |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (const auto& l : check.loo)
    out += "| " + std::string(to_string(l.outcome)) + " | " + l.arm + " | " + show(l.outcome, l.observed) + " | " + show(l.outcome, l.predicted) +
           " [" + show(l.outcome, l.low) + ", " + show(l.outcome, l.high) + "] | " + std::to_string(l.others) + " arm" +
           (l.others == 1 ? "" : "s") + " | " + format_number(l.tau_rms, 3) + " | " + (l.covered ? "yes" : "**no**") + " |\n";
  out += "\nCoverage of the 95% intervals: " + std::to_string(check.covered) + " of " + std::to_string(check.total) +
         " independent held-out arms.\n";
  return out;
}

}  // namespace ldnsim::science
