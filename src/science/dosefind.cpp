#include "ldnsim/science/dosefind.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/random.hpp"
#include "ldnsim/core/toml_reader.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/science/predictive.hpp"
#include "ldnsim/stats/descriptives.hpp"
#include "ldnsim/stats/proportions.hpp"
#include "ldnsim/trial/engine.hpp"

namespace ldnsim::science {

namespace fs = std::filesystem;

namespace {
constexpr std::uint32_t kCriticalPurpose = 0x4D435054;  // "MCPT"
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string mg(double v) { return format_number(v, 3) + " mg"; }
}  // namespace

double shape_value(const DoseShape& s, double d) {
  if (s.model == "linear") return d;
  if (s.model == "loglinear") return std::log(d + s.offset);
  if (s.model == "emax") return d / (s.ed50 + d);
  if (s.model == "sigemax") return std::pow(d, s.hill) / (std::pow(s.ed50, s.hill) + std::pow(d, s.hill));
  if (s.model == "exponential") return std::expm1(d / s.delta);
  throw InputError("dose-response shape '" + s.model + "': expected linear, loglinear, emax, sigemax or exponential");
}

DoseFindSpec load_dosefind_spec(const std::string& path) {
  if (!fs::is_regular_file(path)) throw UsageError("dose-finding spec '" + path + "': no such file");
  spec::TomlReader r(path);
  toml::table doc = r.parse_file();
  DoseFindSpec s;
  s.file = path;
  s.dir = fs::path(path).parent_path().string();
  r.check_keys(doc, "", {"dosefind", "shapes"});
  const toml::table* t = r.table(doc, "", "dosefind");
  if (!t) throw InputError(path + ":1:1: dosefind: missing (expected a [dosefind] table with trial, n_per_arm, ...)");
  const std::string k = "dosefind";
  r.check_keys(*t, k, {"name", "title", "trial", "worlds", "seed", "target", "n_per_arm", "nominal_replicates", "alpha", "power",
                       "critical_draws", "note"});
  s.name = r.string(*t, k, "name").value_or(fs::path(path).stem().string());
  s.title = r.string(*t, k, "title").value_or(s.name);
  s.note = r.string(*t, k, "note").value_or("");
  const std::string trial = r.require_string(*t, k, "trial");
  s.trial = fs::path(trial).is_absolute() ? trial : (fs::path(s.dir) / trial).lexically_normal().string();
  if (!fs::is_regular_file(s.trial))
    r.fail(*t->get("trial"), k + ".trial", "cannot open '" + s.trial + "' (expected a trial spec path relative to " + path + ")");
  auto whole = [&](std::string_view key, double lo, double hi, const std::string& what) -> std::optional<double> {
    auto v = r.number(*t, k, key);
    if (v && (*v < lo || *v > hi || std::floor(*v) != *v))
      r.fail(*t->get(key), k + "." + std::string(key),
             "expected " + what + ", a whole number " + format_number(lo) + " to " + format_number(hi) + ", found " + format_number(*v));
    return v;
  };
  if (auto v = whole("worlds", 2, 100000, "a number of parameter worlds")) s.worlds = static_cast<std::size_t>(*v);
  if (auto v = whole("seed", 0, 9.0e15, "a seed")) s.seed = static_cast<std::uint64_t>(*v);
  if (auto v = whole("nominal_replicates", 0, 100000, "a number of trials per size at the file's values"))
    s.nominal_replicates = static_cast<std::size_t>(*v);
  if (auto v = whole("critical_draws", 1000, 1.0e8, "a number of Monte-Carlo draws")) s.critical_draws = static_cast<std::size_t>(*v);
  auto prob = [&](std::string_view key, double lo, double hi, double& out) {
    if (auto v = r.number(*t, k, key)) {
      if (!(*v > lo && *v < hi))
        r.fail(*t->get(key), k + "." + std::string(key),
               "expected a probability above " + format_number(lo) + " and below " + format_number(hi) + ", found " + format_number(*v));
      out = *v;
    }
  };
  prob("target", 0, 1, s.target);
  prob("alpha", 0, 0.5, s.alpha);
  prob("power", 0, 1, s.power);
  const toml::array* sizes = r.array(*t, k, "n_per_arm");
  if (!sizes || sizes->empty())
    throw InputError(r.location(t->source()) + ": dosefind.n_per_arm: missing (expected sizes per arm, e.g. [25, 50, 100])");
  for (std::size_t i = 0; i < sizes->size(); ++i) {
    const std::string key = spec::index_key("dosefind.n_per_arm", i);
    const double v = r.as_number(*sizes->get(i), key);
    if (v < 2 || v > 100000 || std::floor(v) != v)
      r.fail(*sizes->get(i), key, "expected patients per arm, a whole number 2 to 100000, found " + format_number(v));
    if (!s.n_per_arm.empty() && v <= static_cast<double>(s.n_per_arm.back()))
      r.fail(*sizes->get(i), key, "sizes must ascend (found " + format_number(v) + " after " + std::to_string(s.n_per_arm.back()) + ")");
    s.n_per_arm.push_back(static_cast<long>(v));
  }
  const auto shapes = r.tables(doc, "", "shapes");
  if (shapes.empty())
    throw InputError(path + ":1:1: shapes: missing (expected [[shapes]] with model = linear, loglinear, emax, sigemax or exponential)");
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const toml::table& st = *shapes[i];
    const std::string key = spec::index_key("shapes", i);
    r.check_keys(st, key, {"name", "model", "ed50", "hill", "offset", "delta"});
    DoseShape d;
    d.model = r.require_string(st, key, "model");
    const std::vector<std::string> models = {"linear", "loglinear", "emax", "sigemax", "exponential"};
    if (std::find(models.begin(), models.end(), d.model) == models.end())
      r.fail(*st.get("model"), key + ".model", "'" + d.model + "' (expected linear, loglinear, emax, sigemax or exponential)");
    auto positive = [&](std::string_view name, double& out, bool needed) {
      auto v = r.number(st, key, name);
      if (!v && needed)
        throw InputError(r.location(st.source()) + ": " + key + "." + std::string(name) + ": missing (the " + d.model + " shape needs it)");
      if (v && !(*v > 0 && *v < 1e6))
        r.fail(*st.get(name), key + "." + std::string(name), "expected a number above 0, found " + format_number(*v));
      if (v) out = *v;
    };
    positive("ed50", d.ed50, d.model == "emax" || d.model == "sigemax");
    positive("hill", d.hill, d.model == "sigemax");
    positive("offset", d.offset, false);
    positive("delta", d.delta, d.model == "exponential");
    d.name = r.string(st, key, "name").value_or(d.model);
    s.shapes.push_back(d);
  }
  return s;
}

std::vector<double> optimal_contrast(const std::vector<double>& mu, const std::vector<double>& n) {
  const double total = std::accumulate(n.begin(), n.end(), 0.0);
  double mean = 0;
  for (std::size_t i = 0; i < mu.size(); ++i) mean += n[i] * mu[i] / total;
  std::vector<double> c(mu.size());
  double len = 0;
  for (std::size_t i = 0; i < mu.size(); ++i) {
    c[i] = n[i] * (mu[i] - mean);
    len += c[i] * c[i];
  }
  len = std::sqrt(len);
  double scale = 0;
  for (double m : mu) scale = std::max(scale, std::abs(m - mean));
  if (!(len > 1e-12 * std::max(1.0, scale))) throw InputError("a dose-response shape is flat over the arms' doses (no contrast)");
  for (double& x : c) x /= len;
  return c;
}

std::vector<std::vector<double>> contrast_correlation(const std::vector<std::vector<double>>& c, const std::vector<double>& n) {
  const std::size_t k = c.size();
  std::vector<std::vector<double>> cov(k, std::vector<double>(k, 0.0)), out = cov;
  for (std::size_t a = 0; a < k; ++a)
    for (std::size_t b = 0; b < k; ++b)
      for (std::size_t i = 0; i < n.size(); ++i) cov[a][b] += c[a][i] * c[b][i] / n[i];
  for (std::size_t a = 0; a < k; ++a)
    for (std::size_t b = 0; b < k; ++b) out[a][b] = cov[a][b] / std::sqrt(cov[a][a] * cov[b][b]);
  return out;
}

double max_normal_critical_value(const std::vector<std::vector<double>>& correlation, double alpha, std::size_t draws,
                                 std::uint64_t seed) {
  const auto k = static_cast<Eigen::Index>(correlation.size());
  Eigen::MatrixXd R(k, k);
  for (Eigen::Index a = 0; a < k; ++a)
    for (Eigen::Index b = 0; b < k; ++b) R(a, b) = correlation[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
  // R = V diag(l) V': a square root that works for singular R (identical shapes).
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(R);
  Eigen::MatrixXd L = eig.eigenvectors() * eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
  std::vector<double> maxima(draws);
  Eigen::VectorXd z(k);
  for (std::size_t d = 0; d < draws; ++d) {
    RandomStream rng(seed, 0, d, kCriticalPurpose);
    for (Eigen::Index a = 0; a < k; ++a) z(a) = rng.normal();
    maxima[d] = (L * z).maxCoeff();
  }
  return stats::quantile(maxima, 1 - alpha);
}

double max_contrast_z(const std::vector<std::vector<double>>& contrasts, const std::vector<long>& x, const std::vector<long>& n) {
  double sx = 0, sn = 0;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (n[i] <= 0) return kNaN;
    sx += static_cast<double>(x[i]);
    sn += static_cast<double>(n[i]);
  }
  const double pbar = sx / sn;
  if (pbar <= 0 || pbar >= 1) return kNaN;
  double best = -kInf;
  for (const auto& c : contrasts) {
    double num = 0, var = 0;
    for (std::size_t i = 0; i < n.size(); ++i) {
      num += c[i] * static_cast<double>(x[i]) / static_cast<double>(n[i]);
      var += c[i] * c[i] / static_cast<double>(n[i]);
    }
    best = std::max(best, num / std::sqrt(pbar * (1 - pbar) * var));
  }
  return best;
}

TargetDose target_dose(const std::vector<double>& doses, const std::vector<double>& rates, double target) {
  TargetDose out;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    if (!(rates[i] >= target)) continue;
    if (i <= 1) {
      out.status = -1;
      return out;
    }
    const double l0 = std::log(doses[i - 1]), l1 = std::log(doses[i]);
    const double f = (target - rates[i - 1]) / (rates[i] - rates[i - 1]);
    out.dose = std::exp(l0 + f * (l1 - l0));
    return out;
  }
  out.status = 1;
  return out;
}

std::string ed_text(double v, const std::vector<double>& doses) {
  const double lo = doses.size() > 1 ? doses[1] : 0, hi = doses.empty() ? 0 : doses.back();
  if (!(v >= lo)) return "< " + mg(lo) + " (below the lowest dose)";
  if (!(v <= hi)) return "> " + mg(hi) + " (not reached)";
  return mg(v);
}

std::string ed_statement(const DoseFindResult& r) {
  const std::string t = format_number(100 * r.spec.target, 3) + "%";
  const std::string lo = mg(r.doses_mg.size() > 1 ? r.doses_mg[1] : 0), hi = mg(r.doses_mg.back());
  auto pct = [](double v) { return format_number(100 * v, 3) + "%"; };
  if (r.ed_identified)
    return "the dose with a " + t + " chance of response is " + ed_text(r.ed_median, r.doses_mg) + " (95% across worlds " +
           ed_text(r.ed_low, r.doses_mg) + " to " + ed_text(r.ed_high, r.doses_mg) + ")";
  return "the dose with a " + t + " chance of response is not identified by the evidence behind the model: in " + pct(r.ed_above) +
         " of the plausible worlds a " + t + " response rate is not reached by " + hi + ", in " + pct(r.ed_below) +
         " it is reached at or below " + lo + " (or on placebo), and in " + pct(r.ed_within) + " it lies between; the 95% bound " +
         "the evidence gives is " + ed_text(r.ed_low, r.doses_mg) + " to " + ed_text(r.ed_high, r.doses_mg) + " (median " +
         ed_text(r.ed_median, r.doses_mg) + ")";
}

DoseFindResult run_dosefind(const DoseFindSpec& spec, const DoseFindOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  DoseFindResult res;
  res.spec = spec;
  trial::Trial base = trial::Trial::load(spec.trial, ldn_drivers(), {}, clinical_simulation_options());
  const trial::TrialSpec& ts = base.spec();
  auto fail = [&](const std::string& key, const std::string& m) { throw InputError(ts.where(key) + ": " + m + " (dose finding, " + spec.file + ")"); };
  if (ts.design != trial::Design::Parallel) fail("trial.design", "expected a parallel design of a placebo arm and dose arms");
  if (ts.control < 0) fail("arms", "no placebo arm (expected one arm with placebo = true)");
  // Arms: placebo, then dose arms by dose; each with its responder endpoint against placebo.
  std::vector<int> arm_index = {ts.control};
  for (int a = 0; a < static_cast<int>(ts.arms.size()); ++a) {
    if (a == ts.control) continue;
    if (!(ts.arms[static_cast<std::size_t>(a)].dose_mg > 0))
      fail("arms[" + std::to_string(a) + "].dose_mg", "arm '" + ts.arms[static_cast<std::size_t>(a)].name + "' has no dose (expected dose_mg above 0)");
    arm_index.push_back(a);
  }
  if (arm_index.size() < 3) fail("arms", "expected a placebo arm and at least two dose arms");
  std::sort(arm_index.begin() + 1, arm_index.end(), [&](int a, int b) {
    return ts.arms[static_cast<std::size_t>(a)].dose_mg < ts.arms[static_cast<std::size_t>(b)].dose_mg;
  });
  const std::size_t arms = arm_index.size();
  std::vector<int> endpoint(arms, -1);
  for (std::size_t i = 1; i < arms; ++i) {
    const auto& arm = ts.arms[static_cast<std::size_t>(arm_index[i])];
    if (arm.dose_mg <= ts.arms[static_cast<std::size_t>(arm_index[i - 1])].dose_mg && i > 1)
      fail("arms", "two arms have the dose " + mg(arm.dose_mg) + " (expected distinct doses)");
    for (std::size_t e = 0; e < ts.endpoints.size(); ++e) {
      const auto& ep = ts.endpoints[e];
      if (ep.type == trial::EndpointType::Responder && ep.treatment == arm_index[i] && ep.control == ts.control &&
          (ep.analysis == trial::Analysis::TwoProportions || ep.analysis == trial::Analysis::FisherExact)) {
        endpoint[i] = static_cast<int>(e);
        break;
      }
    }
    if (endpoint[i] >= 0 && i > 1) {
      const auto& a = ts.endpoints[static_cast<std::size_t>(endpoint[1])];
      const auto& b = ts.endpoints[static_cast<std::size_t>(endpoint[i])];
      if (a.output != b.output || a.at_most != b.at_most || a.at_least != b.at_least || a.time != b.time || a.measure != b.measure)
        fail(b.key, "endpoint '" + b.name + "' defines the response otherwise than '" + a.name +
                        "' (expected the same output, threshold and time for every dose arm)");
    }
    if (endpoint[i] < 0)
      fail("endpoints", "arm '" + arm.name + "' has no responder endpoint against placebo (expected type = \"responder\", "
                        "compare = [\"" + arm.name + "\", \"" + ts.arms[static_cast<std::size_t>(ts.control)].name +
                        "\"], analysis two_proportions or fisher_exact)");
  }
  for (std::size_t i = 0; i < arms; ++i) {
    res.arms.push_back(ts.arms[static_cast<std::size_t>(arm_index[i])].name);
    res.doses_mg.push_back(i == 0 ? 0.0 : ts.arms[static_cast<std::size_t>(arm_index[i])].dose_mg);
  }
  res.trial_title = ts.title;
  res.model = ts.model_path;
  {  // The response as the endpoints define it (the same for every arm, checked above).
    const auto& ep = ts.endpoints[static_cast<std::size_t>(endpoint[1])];
    res.endpoint_label = ep.output + (ep.at_most ? " <= " + format_number(*ep.at_most) : "") +
                         (ep.at_least ? " >= " + format_number(*ep.at_least) : "") + " at day " + format_number(ep.time) +
                         " (" + ep.name + ", ...)";
  }
  std::vector<double> alloc(arms, 1.0);
  if (!ts.allocation.empty())
    for (std::size_t i = 0; i < arms; ++i) alloc[i] = ts.allocation[static_cast<std::size_t>(arm_index[i])];

  // The contrasts and their critical value (the same for every size: the correlation does
  // not depend on the scale of the allocation).
  for (const auto& s : spec.shapes) {
    std::vector<double> mu(arms);
    for (std::size_t i = 0; i < arms; ++i) mu[i] = shape_value(s, res.doses_mg[i]);
    try {
      res.contrasts.push_back(optimal_contrast(mu, alloc));
    } catch (const InputError& e) {
      throw InputError(spec.file + ": shapes '" + s.name + "': " + e.what());
    }
  }
  res.correlation = contrast_correlation(res.contrasts, alloc);
  res.critical_value = max_normal_critical_value(res.correlation, spec.alpha, spec.critical_draws, spec.seed);

  const auto worlds = draw_worlds(base.instance(), spec.worlds, spec.seed);
  for (const auto& d : drawn_parameters(base.instance())) res.drawn_names.push_back(d.name);
  res.drawn_parameters = res.drawn_names.size();
  res.worlds.assign(spec.worlds, DoseFindWorld{});
  for (auto& w : res.worlds) {
    w.responders.assign(arms, 0);
    w.evaluable.assign(arms, 0);
    w.significant.assign(spec.n_per_arm.size(), 0);
  }
  const double alloc_sum = std::accumulate(alloc.begin(), alloc.end(), 0.0);
  // Counts of one simulated trial, by arm (false if an analysis failed).
  auto counts = [&](const trial::ReplicateResult& rep, std::vector<long>& x, std::vector<long>& n) {
    x.assign(arms, 0);
    n.assign(arms, 0);
    for (std::size_t i = 1; i < arms; ++i) {
      const auto& er = rep.endpoints[static_cast<std::size_t>(endpoint[i])];
      if (!er.error.empty() || !std::isfinite(er.mean_treatment) || !std::isfinite(er.mean_control)) return false;
      n[i] = er.n_treatment;
      x[i] = std::lround(er.mean_treatment * static_cast<double>(er.n_treatment));
      if (i == 1) {
        n[0] = er.n_control;
        x[0] = std::lround(er.mean_control * static_cast<double>(er.n_control));
      }
    }
    return true;
  };
  std::vector<long> x, n;
  for (std::size_t k = 0; k < spec.n_per_arm.size(); ++k) {
    trial::TrialSpec sized = ts;
    sized.n = static_cast<long>(std::llround(static_cast<double>(spec.n_per_arm[k]) * alloc_sum));
    trial::Trial t(sized, base.population(), base.instance(), ldn_drivers(), clinical_simulation_options());
    if (options.note) options.note(std::to_string(spec.n_per_arm[k]) + " per arm: " + std::to_string(spec.worlds) + " worlds");
    std::vector<trial::ReplicateUnit> units(spec.worlds);
    for (std::size_t w = 0; w < spec.worlds; ++w) {
      units[w].seed = spec.seed;
      units[w].replicate = k * spec.worlds + w;
      units[w].model = &worlds[w];
    }
    trial::RunOptions ro;
    ro.threads = options.threads;
    ro.progress = options.progress;
    ro.seed = spec.seed;
    const auto reps = t.run_units(units, ro);
    DoseFindPoint p;
    p.n_per_arm = spec.n_per_arm[k];
    long successes = 0;
    for (std::size_t w = 0; w < spec.worlds; ++w) {
      if (!counts(reps[w], x, n)) {
        ++p.trials_failed;
        continue;
      }
      DoseFindWorld& dw = res.worlds[w];
      for (std::size_t i = 0; i < arms; ++i) {
        dw.responders[i] += x[i];
        dw.evaluable[i] += n[i];
      }
      const double z = max_contrast_z(res.contrasts, x, n);
      dw.significant[k] = std::isfinite(z) && z > res.critical_value;
      successes += dw.significant[k];
    }
    const auto ci = stats::clopper_pearson_ci(successes, static_cast<long long>(spec.worlds));
    p.assurance = static_cast<double>(successes) / static_cast<double>(spec.worlds);
    p.assurance_low = ci.lower;
    p.assurance_high = ci.upper;
    if (spec.nominal_replicates > 0) {
      if (options.note) options.note(std::to_string(spec.n_per_arm[k]) + " per arm: " + std::to_string(spec.nominal_replicates) + " trials at the file's values");
      std::vector<trial::ReplicateUnit> nom(spec.nominal_replicates);
      for (std::size_t r = 0; r < nom.size(); ++r) {
        nom[r].seed = spec.seed;
        // Replicate numbers after every world's trials, so no stream is shared.
        nom[r].replicate = spec.n_per_arm.size() * spec.worlds + k * spec.nominal_replicates + r;
      }
      const auto nreps = t.run_units(nom, ro);
      long ok = 0;
      for (const auto& rep : nreps) {
        if (!counts(rep, x, n)) {
          ++p.trials_failed;
          continue;
        }
        const double z = max_contrast_z(res.contrasts, x, n);
        ok += std::isfinite(z) && z > res.critical_value;
      }
      const auto pci = stats::clopper_pearson_ci(ok, static_cast<long long>(nom.size()));
      p.power = static_cast<double>(ok) / static_cast<double>(nom.size());
      p.power_low = pci.lower;
      p.power_high = pci.upper;
    }
    res.points.push_back(p);
    if (res.n_assurance < 0 && p.assurance >= spec.power) res.n_assurance = p.n_per_arm;
    if (res.n_power < 0 && p.power >= spec.power) res.n_power = p.n_per_arm;
  }

  // Dose-response and target dose per world.
  std::vector<std::vector<double>> by_arm(arms);
  std::vector<double> eds;
  for (auto& w : res.worlds) {
    w.rate.assign(arms, kNaN);
    for (std::size_t i = 0; i < arms; ++i)
      if (w.evaluable[i] > 0) {
        w.rate[i] = static_cast<double>(w.responders[i]) / static_cast<double>(w.evaluable[i]);
        by_arm[i].push_back(w.rate[i]);
      }
    w.ed = target_dose(res.doses_mg, w.rate, spec.target);
    eds.push_back(w.ed.status < 0 ? -kInf : w.ed.status > 0 ? kInf : w.ed.dose);
    res.ed_below += w.ed.status < 0;
    res.ed_above += w.ed.status > 0;
    res.ed_within += w.ed.status == 0;
  }
  for (std::size_t i = 0; i < arms; ++i) {
    if (by_arm[i].empty()) {
      res.rate_median.push_back(kNaN);
      res.rate_low.push_back(kNaN);
      res.rate_high.push_back(kNaN);
      continue;
    }
    const auto q = stats::quantiles(by_arm[i], {0.5, 0.025, 0.975});
    res.rate_median.push_back(q[0]);
    res.rate_low.push_back(q[1]);
    res.rate_high.push_back(q[2]);
  }
  const double nw = static_cast<double>(spec.worlds);
  res.ed_below /= nw;
  res.ed_above /= nw;
  res.ed_within /= nw;
  // Quantiles of a sample with values below and above the range: order statistics (type 7
  // without interpolating into an infinite value: the nearer one is taken).
  std::sort(eds.begin(), eds.end());
  auto q = [&](double p) {
    const double h = (static_cast<double>(eds.size()) - 1) * p;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, eds.size() - 1);
    const double a = eds[lo], b = eds[hi];
    if (!std::isfinite(a) || !std::isfinite(b)) return h - static_cast<double>(lo) < 0.5 ? a : b;
    return a + (h - static_cast<double>(lo)) * (b - a);
  };
  res.ed_median = q(0.5);
  res.ed_low = q(0.025);
  res.ed_high = q(0.975);
  res.ed_identified = std::isfinite(res.ed_low) && std::isfinite(res.ed_high);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace ldnsim::science
