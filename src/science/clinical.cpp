#include "ldnsim/science/clinical.hpp"

#include <nlopt.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/lang/instance.hpp"
#include "ldnsim/science/calibration.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "ldnsim/trial/driver.hpp"
#include "ldnsim/core/toml_reader.hpp"

namespace ldnsim::science {

namespace fs = std::filesystem;

// ---- statistics of simulated studies ------------------------------------------------------

Statistic parse_statistic(const std::string& name) {
  if (name == "estimate") return Statistic::Estimate;
  if (name == "se") return Statistic::StdError;
  if (name == "t") return Statistic::T;
  if (name == "significant") return Statistic::Significant;
  if (name == "mean_treatment") return Statistic::MeanTreatment;
  if (name == "mean_control") return Statistic::MeanControl;
  if (name == "withdrawn") return Statistic::Withdrawn;
  if (name == "lost") return Statistic::Lost;
  throw InputError("'" + name + "' (expected estimate, se, t, significant, mean_treatment, mean_control, withdrawn or lost)");
}

const char* to_string(Statistic s) {
  switch (s) {
    case Statistic::Estimate: return "estimate";
    case Statistic::StdError: return "se";
    case Statistic::T: return "t";
    case Statistic::Significant: return "significant";
    case Statistic::MeanTreatment: return "mean_treatment";
    case Statistic::MeanControl: return "mean_control";
    case Statistic::Withdrawn: return "withdrawn";
    case Statistic::Lost: return "lost";
  }
  return "?";
}

int endpoint_index(const trial::Trial& t, const std::string& name) {
  const auto& eps = t.spec().endpoints;
  for (std::size_t i = 0; i < eps.size(); ++i)
    if (eps[i].name == name) return static_cast<int>(i);
  return -1;
}

namespace {

// Degrees of freedom of the t reference of an analysis with n analysed (0: normal).
double analysis_df(trial::Analysis a, long n) {
  using A = trial::Analysis;
  switch (a) {
    case A::PairedT:
    case A::Mean:
    case A::WilcoxonSignedRank: return static_cast<double>(n - 1);
    case A::Crossover:
    case A::StudentT:
    case A::WelchT:
    case A::WilcoxonRankSum: return static_cast<double>(n - 2);
    case A::Ancova: return static_cast<double>(n - 3);
    default: return 0;
  }
}

}  // namespace

double statistic_value(const trial::Trial& t, const trial::ReplicateResult& r, int endpoint, Statistic s) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (s == Statistic::Withdrawn) return static_cast<double>(r.withdrawn);
  if (s == Statistic::Lost) return static_cast<double>(r.lost);
  if (endpoint < 0 || static_cast<std::size_t>(endpoint) >= r.endpoints.size()) return nan;
  const trial::EndpointResult& e = r.endpoints[static_cast<std::size_t>(endpoint)];
  if (!e.error.empty()) return nan;
  switch (s) {
    case Statistic::Estimate: return e.estimate;
    case Statistic::Significant: return e.significant ? 1.0 : 0.0;
    case Statistic::MeanTreatment: return e.mean_treatment;
    case Statistic::MeanControl: return e.mean_control;
    case Statistic::StdError:
    case Statistic::T: {
      if (!std::isfinite(e.lower) || !std::isfinite(e.upper)) return nan;
      const auto& spec = t.spec().endpoints[static_cast<std::size_t>(endpoint)];
      const double alpha = t.spec().alpha;
      const double df = analysis_df(spec.analysis, e.n);
      const double q = df >= 1 ? stats::t_quantile(1 - alpha / 2, df) : stats::normal_quantile(1 - alpha / 2);
      const double se = (e.upper - e.lower) / (2 * q);
      if (s == Statistic::StdError) return se;
      return se > 0 ? e.estimate / se : nan;
    }
    default: return nan;
  }
}

engine::SimulationOptions clinical_simulation_options() {
  engine::SimulationOptions o = trial::Trial::default_simulation_options();
  o.method = solver::Method::Dopri5;
  return o;
}

// ---- calibration specs ----------------------------------------------------------------

namespace {

std::string canonical(const std::string& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p : c.string();
}

}  // namespace

CalibrationSpec load_calibration_spec(const std::string& path) {
  if (!fs::is_regular_file(path)) throw UsageError("calibration spec '" + path + "': no such file");
  spec::TomlReader r(path);
  toml::table doc = r.parse_file();
  CalibrationSpec s;
  s.file = path;
  s.dir = fs::path(path).parent_path().string();
  auto rel = [&](const std::string& p) { return fs::path(p).is_absolute() ? p : (fs::path(s.dir) / p).lexically_normal().string(); };
  r.check_keys(doc, "", {"calibration", "stages", "targets"});
  const toml::table* c = r.table(doc, "", "calibration");
  if (!c) throw InputError(path + ":1:1: calibration: missing table [calibration] (expected name, model, replicates, seed)");
  r.check_keys(*c, "calibration", {"name", "title", "model", "replicates", "seed", "max_evaluations"});
  s.name = r.require_string(*c, "calibration", "name");
  s.title = r.string(*c, "calibration", "title").value_or(s.name);
  s.model_path = rel(r.require_string(*c, "calibration", "model"));
  if (!fs::is_regular_file(s.model_path))
    r.fail(*c->get("model"), "calibration.model", "cannot open '" + s.model_path + "' (expected a .ldn path relative to the spec)");
  auto positive_int = [&](const char* key, double def, double max) {
    auto v = r.number(*c, "calibration", key);
    if (!v) return def;
    if (*v < 1 || *v > max || std::floor(*v) != *v)
      r.fail(*c->get(key), std::string("calibration.") + key, "expected a whole number in 1-" + format_number(max));
    return *v;
  };
  s.replicates = static_cast<std::size_t>(positive_int("replicates", 20, 100000));
  s.max_evaluations = static_cast<int>(positive_int("max_evaluations", 200, 100000));
  if (auto v = r.number(*c, "calibration", "seed")) {
    if (*v < 0 || std::floor(*v) != *v) r.fail(*c->get("seed"), "calibration.seed", "expected a whole number >= 0");
    s.seed = static_cast<std::uint64_t>(*v);
  }

  // targets first (stages refer to them by id)
  std::map<std::string, std::pair<trial::TrialSpec, bool>> studies;
  const auto targets = r.tables(doc, "", "targets");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const toml::table& t = *targets[i];
    const std::string key = "targets[" + std::to_string(i) + "]";
    r.check_keys(t, key, {"id", "study", "endpoint", "statistic", "value", "sigma", "sigma_why", "grade", "unit", "scale", "kind"});
    ClinicalTarget g;
    g.key = key;
    g.id = r.require_string(t, key, "id");
    for (const auto& o : s.targets)
      if (o.id == g.id) r.fail(*t.get("id"), key + ".id", "'" + g.id + "' is used twice");
    g.study = rel(r.require_string(t, key, "study"));
    if (!fs::is_regular_file(g.study))
      r.fail(*t.get("study"), key + ".study", "cannot open '" + g.study + "' (expected a trial spec path relative to the calibration spec)");
    std::string stat = r.string(t, key, "statistic").value_or("estimate");
    try {
      g.statistic = parse_statistic(stat);
    } catch (const InputError& e) {
      r.fail(*t.get("statistic"), key + ".statistic", e.what());
    }
    g.endpoint = r.string(t, key, "endpoint").value_or("");
    if (g.endpoint.empty() && g.statistic != Statistic::Withdrawn && g.statistic != Statistic::Lost)
      throw InputError(r.location(t.source()) + ": " + key + ".endpoint: missing (expected an endpoint of the study)");
    g.value = r.require_number(t, key, "value");
    g.sigma = r.require_number(t, key, "sigma");
    if (!(g.sigma > 0)) r.fail(*t.get("sigma"), key + ".sigma", "expected a spread above 0");
    g.sigma_why = r.require_string(t, key, "sigma_why");
    g.grade = r.string(t, key, "grade").value_or("");
    g.unit = r.string(t, key, "unit").value_or("");
    g.scale = r.number(t, key, "scale").value_or(1);
    std::string kind = r.string(t, key, "kind").value_or("equal");
    if (kind == "equal") g.kind = ClinicalTarget::Kind::Equal;
    else if (kind == "at_least") g.kind = ClinicalTarget::Kind::AtLeast;
    else if (kind == "at_most") g.kind = ClinicalTarget::Kind::AtMost;
    else r.fail(*t.get("kind"), key + ".kind", "'" + kind + "' (a bound needs its direction: expected equal, at_least or at_most)");
    // the study: readable, on the calibrated model, with this endpoint
    auto it = studies.find(g.study);
    if (it == studies.end()) {
      trial::TrialSpec ts = trial::load_trial_spec(g.study);
      it = studies.emplace(g.study, std::make_pair(std::move(ts), true)).first;
    }
    const trial::TrialSpec& ts = it->second.first;
    if (canonical(ts.model_path) != canonical(s.model_path))
      r.fail(*t.get("study"), key + ".study",
             "the study runs the model '" + ts.model_path + "', the calibration writes '" + s.model_path + "' (expected the same file)");
    if (!g.endpoint.empty()) {
      bool found = false;
      std::string names;
      for (const auto& e : ts.endpoints) {
        found |= e.name == g.endpoint;
        names += (names.empty() ? "" : ", ") + e.name;
      }
      if (!found) r.fail(*t.get("endpoint"), key + ".endpoint", "the study has no endpoint '" + g.endpoint + "' (expected one of: " + names + ")");
    }
    s.targets.push_back(g);
  }

  const auto stages = r.tables(doc, "", "stages");
  if (stages.empty()) throw InputError(path + ":1:1: stages: missing (expected at least one [[stages]] with parameters and targets)");
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const toml::table& t = *stages[i];
    const std::string key = "stages[" + std::to_string(i) + "]";
    r.check_keys(t, key, {"name", "parameters", "targets"});
    FitStage st;
    st.name = r.require_string(t, key, "name");
    const toml::array* ps = r.array(t, key, "parameters");
    if (!ps || ps->empty()) throw InputError(r.location(t.source()) + ": " + key + ".parameters: missing (expected a list of {name, low, high})");
    for (std::size_t k = 0; k < ps->size(); ++k) {
      const std::string pk = key + ".parameters[" + std::to_string(k) + "]";
      const toml::table* p = (*ps)[k].as_table();
      if (!p) r.fail((*ps)[k], pk, "expected a table {name = ..., low = ..., high = ...}");
      r.check_keys(*p, pk, {"name", "low", "high", "log"});
      FitParameter f;
      f.name = r.require_string(*p, pk, "name");
      f.low = r.require_number(*p, pk, "low");
      f.high = r.require_number(*p, pk, "high");
      f.log = r.boolean(*p, pk, "log").value_or(false);
      if (!(f.low < f.high)) r.fail(*p, pk, "expected low < high");
      if (f.log && !(f.low > 0)) r.fail(*p, pk, "a log-scaled parameter needs low > 0");
      for (const auto& o : s.stages)
        for (const auto& q : o.parameters)
          if (q.name == f.name) r.fail(*p, pk + ".name", f.name + " is fitted in an earlier stage (" + o.name + ")");
      for (const auto& q : st.parameters)
        if (q.name == f.name) r.fail(*p, pk + ".name", f.name + " appears twice");
      st.parameters.push_back(f);
    }
    const toml::array* ts = r.array(t, key, "targets");
    if (!ts || ts->empty()) throw InputError(r.location(t.source()) + ": " + key + ".targets: missing (expected a list of target ids)");
    for (std::size_t k = 0; k < ts->size(); ++k) {
      auto id = (*ts)[k].value<std::string>();
      const std::string tk = key + ".targets[" + std::to_string(k) + "]";
      if (!id) r.fail((*ts)[k], tk, "expected a target id (a string)");
      std::size_t found = s.targets.size();
      std::vector<std::string> ids;
      for (std::size_t j = 0; j < s.targets.size(); ++j) {
        ids.push_back(s.targets[j].id);
        if (s.targets[j].id == *id) found = j;
      }
      if (found == s.targets.size()) {
        std::string hint = spec::closest(*id, ids);
        r.fail((*ts)[k], tk, "no [[targets]] with id '" + *id + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
      st.targets.push_back(found);
    }
    s.stages.push_back(std::move(st));
  }
  return s;
}

// ---- the fit ---------------------------------------------------------------------------------

namespace {

class Evaluator {
 public:
  // The studies the targets name, each read and set up once; every evaluation runs them with
  // other parameter values of the same compiled model.
  Evaluator(const CalibrationSpec& spec, const CalibrationOptions& options, const lang::ModelInstance& base)
      : spec_(spec), options_(options) {
    for (const auto& t : spec.targets) {
      if (trials_.count(t.study)) continue;
      trial::TrialSpec ts = trial::load_trial_spec(t.study);
      trial::PopulationSpec pop = trial::load_population(ts.population_path);
      trials_.emplace(t.study, std::make_unique<trial::Trial>(std::move(ts), std::move(pop), base, ldn_drivers(), clinical_simulation_options()));
    }
  }

  // Runs the studies the targets need with the parameter values of `model`; fills model,
  // mc_se and z.
  std::vector<TargetFit> evaluate(const lang::ModelInstance& model, const std::vector<std::size_t>& which) {
    ++evaluations;
    std::map<std::string, std::vector<std::size_t>> by_study;
    for (std::size_t k : which) by_study[spec_.targets[k].study].push_back(k);
    std::vector<TargetFit> out;
    for (const auto& [path, ks] : by_study) {
      const trial::Trial& t = *trials_.at(path);
      trial::RunOptions o;
      o.replicates = spec_.replicates;
      o.seed = spec_.seed;
      o.threads = options_.threads;
      o.model = &model;
      trial::TrialResults res = t.run(o);
      for (std::size_t k : ks) {
        const ClinicalTarget& g = spec_.targets[k];
        const int e = g.endpoint.empty() ? -1 : endpoint_index(t, g.endpoint);
        double sum = 0, sum2 = 0;
        long n = 0;
        for (const auto& rep : res.replicates) {
          double v = statistic_value(t, rep, e, g.statistic);
          if (!std::isfinite(v)) continue;
          sum += v;
          sum2 += v * v;
          ++n;
        }
        TargetFit f;
        f.target = g;
        if (n == 0) {
          f.model = std::numeric_limits<double>::quiet_NaN();
          f.z = 1e3;  // the analysis failed in every replicate: far from the data
        } else {
          f.model = sum / static_cast<double>(n);
          const double var = n > 1 ? std::max(0.0, (sum2 - sum * sum / static_cast<double>(n)) / static_cast<double>(n - 1)) : 0;
          f.mc_se = std::sqrt(var / static_cast<double>(n));
          f.z = residual(g, f.model, f.mc_se);
        }
        out.push_back(f);
      }
    }
    // back in the order asked
    std::vector<TargetFit> ordered;
    for (std::size_t k : which)
      for (const auto& f : out)
        if (f.target.id == spec_.targets[k].id) ordered.push_back(f);
    return ordered;
  }

  static double residual(const ClinicalTarget& g, double model, double mc_se) {
    const double d = model - g.value;
    if (g.kind == ClinicalTarget::Kind::AtLeast && d >= 0) return 0;
    if (g.kind == ClinicalTarget::Kind::AtMost && d <= 0) return 0;
    return d / std::sqrt(g.sigma * g.sigma + mc_se * mc_se);
  }

  int evaluations = 0;

 private:
  const CalibrationSpec& spec_;
  const CalibrationOptions& options_;
  std::map<std::string, std::unique_ptr<trial::Trial>> trials_;
};

double to_unit(const FitParameter& p, double v) {
  v = std::clamp(v, p.low, p.high);
  return p.log ? (std::log(v) - std::log(p.low)) / (std::log(p.high) - std::log(p.low)) : (v - p.low) / (p.high - p.low);
}
double from_unit(const FitParameter& p, double u) {
  u = std::clamp(u, 0.0, 1.0);
  return p.log ? std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low))) : p.low + u * (p.high - p.low);
}

struct Problem {
  Evaluator* ev;
  const FitStage* stage;
  const lang::ModelInstance* base;  // the values of earlier stages
  std::vector<std::size_t> index;   // of the stage's parameters in the model
  std::vector<double> best_u;
  double best = 1e300;
  const CalibrationOptions* options;
  std::string stage_label;
  int count = 0;
  // The values at a point of the unit cube. The fit's bounds may reach beyond a
  // parameter's prior range in the file (write_fit sets the new one).
  lang::ModelInstance at_point(const double* u) const {
    lang::ModelInstance m = *base;
    for (std::size_t i = 0; i < stage->parameters.size(); ++i) m.set(index[i], from_unit(stage->parameters[i], u[i]));
    return m;
  }
  std::vector<TargetFit> at(const double* u) { return ev->evaluate(at_point(u), stage->targets); }
};

double objective(unsigned n, const double* u, double*, void* data) {
  auto* p = static_cast<Problem*>(data);
  double f = 0;
  for (const auto& t : p->at(u)) f += t.z * t.z;
  ++p->count;
  if (f < p->best) {
    p->best = f;
    p->best_u.assign(u, u + n);
  }
  if (p->options->progress) {
    std::string line = p->stage_label + ": evaluation " + std::to_string(p->count) + ", sum z^2 = " + format_number(f, 4) + " (";
    for (unsigned i = 0; i < n; ++i)
      line += (i ? ", " : "") + p->stage->parameters[i].name + " " + format_number(from_unit(p->stage->parameters[i], u[i]), 4);
    p->options->progress(line + ")");
  }
  return f;
}

}  // namespace

CalibrationResult calibrate_clinical(const CalibrationSpec& spec, const CalibrationOptions& options) {
  // The model is compiled once; the fit varies the values of an instance of it.
  const lang::ModelInstance model0(lang::load_model(spec.model_path));
  lang::ModelInstance current = model0;
  auto parameter_index = [&](const FitStage& st, const FitParameter& p) {
    const int k = model0.model().parameter_index(p.name);
    if (k < 0 || model0.parameter(static_cast<std::size_t>(k)).name != p.name)
      throw InputError(spec.file + ": stage '" + st.name + "': the model " + spec.model_path + " has no parameter " + p.name);
    if (!model0.parameter(static_cast<std::size_t>(k)).value)
      throw InputError(spec.file + ": stage '" + st.name + "': " + p.name + " is a covariate without a value; only params can be fitted");
    return static_cast<std::size_t>(k);
  };
  for (const auto& st : spec.stages)
    for (const auto& p : st.parameters) (void)parameter_index(st, p);
  Evaluator ev(spec, options, model0);
  CalibrationResult result;
  const std::string spec_name = spec.file;

  for (std::size_t si = 0; si < spec.stages.size(); ++si) {
    const FitStage& st = spec.stages[si];
    const std::size_t n = st.parameters.size();
    Problem pr;
    pr.ev = &ev;
    pr.stage = &st;
    pr.base = &current;
    for (const auto& p : st.parameters) pr.index.push_back(parameter_index(st, p));
    pr.options = &options;
    pr.stage_label = "stage " + std::to_string(si + 1) + "/" + std::to_string(spec.stages.size()) + " (" + st.name + ")";
    std::vector<double> u(n);
    for (std::size_t i = 0; i < n; ++i) u[i] = to_unit(st.parameters[i], model0.get(pr.index[i]));
    if (!options.evaluate_only) {
      std::vector<double> lo(n, 0.0), hi(n, 1.0), step(n, 0.08);
      nlopt_opt opt = nlopt_create(n >= 2 ? NLOPT_LN_BOBYQA : NLOPT_LN_COBYLA, static_cast<unsigned>(n));
      nlopt_set_lower_bounds(opt, lo.data());
      nlopt_set_upper_bounds(opt, hi.data());
      nlopt_set_min_objective(opt, objective, &pr);
      nlopt_set_xtol_abs1(opt, 1e-3);
      nlopt_set_ftol_abs(opt, 1e-4);
      nlopt_set_maxeval(opt, spec.max_evaluations);
      nlopt_set_initial_step(opt, step.data());
      double f = 0;
      nlopt_result rc = nlopt_optimize(opt, u.data(), &f);
      nlopt_destroy(opt);
      if (rc < 0 && rc != NLOPT_ROUNDOFF_LIMITED && pr.best_u.empty())
        throw Error("calibration stage '" + st.name + "': NLopt failed (code " + std::to_string(static_cast<int>(rc)) + ")");
      if (!pr.best_u.empty()) u = pr.best_u;
    }
    // The estimate and its weighted residuals.
    // (Without a fit, the file's values themselves, not their round trip through the unit cube.)
    std::vector<TargetFit> at = options.evaluate_only ? ev.evaluate(current, st.targets) : pr.at(u.data());
    double chi2 = 0;
    for (const auto& t : at) chi2 += t.z * t.z;
    result.objective.push_back(chi2);
    // Jacobian of the residuals in unit coordinates, central differences (one-sided at a
    // bound), step 2% of the range: wide enough that common random numbers keep it smooth.
    const double h = 0.02;
    const std::size_t m = at.size();
    Eigen::MatrixXd J(m, n);
    if (!options.evaluate_only) {
      for (std::size_t j = 0; j < n; ++j) {
        std::vector<double> up = u, dn = u;
        up[j] = std::min(1.0, u[j] + h);
        dn[j] = std::max(0.0, u[j] - h);
        auto fu = pr.at(up.data()), fd = pr.at(dn.data());
        for (std::size_t i = 0; i < m; ++i) J(static_cast<long>(i), static_cast<long>(j)) = (fu[i].z - fd[i].z) / (up[j] - dn[j]);
        if (options.progress) options.progress(pr.stage_label + ": uncertainty, parameter " + std::to_string(j + 1) + "/" + std::to_string(n));
      }
    } else {
      J.setZero();
    }
    Eigen::MatrixXd info = J.transpose() * J;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(info);
    const double top = eig.eigenvalues().size() ? eig.eigenvalues().maxCoeff() : 0;
    Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(static_cast<long>(n), static_cast<long>(n));
    std::vector<bool> identified(n, top > 0);
    for (long k = 0; k < eig.eigenvalues().size(); ++k) {
      const double lam = eig.eigenvalues()(k);
      const Eigen::VectorXd v = eig.eigenvectors().col(k);
      if (lam > 1e-8 * top && lam > 1e-6) {
        cov += v * v.transpose() / lam;
      } else {
        // a direction the targets do not constrain: its parameters are not identified
        for (std::size_t j = 0; j < n; ++j)
          if (std::fabs(v(static_cast<long>(j))) > 0.1) identified[j] = false;
      }
    }
    {
      StageCorrelation sc;
      sc.stage = st.name;
      std::vector<std::size_t> ids;
      for (std::size_t j = 0; j < n; ++j)
        if (identified[j] && cov(static_cast<long>(j), static_cast<long>(j)) > 0) ids.push_back(j);
      for (std::size_t a : ids) {
        sc.names.push_back(st.parameters[a].name);
        std::vector<double> row;
        for (std::size_t b : ids)
          row.push_back(cov(static_cast<long>(a), static_cast<long>(b)) /
                        std::sqrt(cov(static_cast<long>(a), static_cast<long>(a)) * cov(static_cast<long>(b), static_cast<long>(b))));
        sc.r.push_back(row);
      }
      if (ids.size() >= 2 && !options.evaluate_only) result.correlations.push_back(sc);
    }
    for (std::size_t j = 0; j < n; ++j) {
      const FitParameter& fp = st.parameters[j];
      ParameterFit p;
      p.name = fp.name;
      p.stage = st.name;
      const auto& mp = model0.parameter(pr.index[j]);
      p.unit = mp.unit;
      p.start = *mp.value;
      p.estimate = from_unit(fp, u[j]);
      p.bound_low = fp.low;
      p.bound_high = fp.high;
      p.at_bound = !options.evaluate_only && (u[j] <= 1e-3 || u[j] >= 1 - 1e-3);
      const double se_u = std::sqrt(std::max(0.0, cov(static_cast<long>(j), static_cast<long>(j))));
      if (identified[j] && std::isfinite(se_u) && se_u > 0) {
        if (fp.log) {
          const double se_log = se_u * (std::log(fp.high) - std::log(fp.low));
          p.se = p.estimate * se_log;
          p.low95 = std::max(fp.low, p.estimate * std::exp(-1.96 * se_log));
          p.high95 = std::min(fp.high, p.estimate * std::exp(1.96 * se_log));
        } else {
          p.se = se_u * (fp.high - fp.low);
          p.low95 = std::max(fp.low, p.estimate - 1.96 * p.se);
          p.high95 = std::min(fp.high, p.estimate + 1.96 * p.se);
        }
      } else {
        p.low95 = fp.low;
        p.high95 = fp.high;
      }
      result.parameters.push_back(p);
    }
    // later stages start from these estimates
    if (!options.evaluate_only)
      for (std::size_t j = 0; j < n; ++j) current.set(pr.index[j], from_unit(st.parameters[j], u[j]));
    if (options.progress)
      options.progress(pr.stage_label + ": done, sum z^2 = " + format_number(chi2, 4) + " over " + std::to_string(m) + " targets");
  }

  // Every target (fitted or a check) at the final values.
  std::vector<std::size_t> all(spec.targets.size());
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
  result.targets = ev.evaluate(current, all);
  for (auto& t : result.targets) {
    t.fitted = false;
    for (const auto& st : spec.stages)
      for (std::size_t k : st.targets)
        if (spec.targets[k].id == t.target.id) t.fitted = true;
  }
  result.evaluations = ev.evaluations;
  return result;
}

}  // namespace ldnsim::science
