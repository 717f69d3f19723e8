#include "ldnsim/stats/survival.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <utility>

#include "check.hpp"
#include "ldnsim/stats/distributions.hpp"

namespace ldnsim::stats {

namespace {

void check_survival_input(const std::vector<double>& time, const std::vector<int>& event, const char* where) {
  detail::require_same_length(time, event, where, "time", "event");
  if (time.empty()) detail::input_error(where, "needs at least one subject");
  detail::require_finite(time, where, "time");
  for (std::size_t i = 0; i < time.size(); ++i) {
    if (time[i] < 0) detail::input_error(where, "time[" + std::to_string(i) + "] is negative");
    if (event[i] != 0 && event[i] != 1)
      detail::input_error(where, "event[" + std::to_string(i) + "] must be 0 (censored) or 1 (event)");
  }
}

// survival's findq(): the time at which a step function F (cumulative probability, with
// x[0] = 0, y[0] = 0) reaches p, treating values within `tol` of p as equal to it (then
// the midpoint to the next jump, or to the last observed time). NaN values are skipped.
double find_quantile(std::vector<double> x, std::vector<double> y, double p, double xmax) {
  const double tol = std::sqrt(std::numeric_limits<double>::epsilon());
  double ymax = -kInf;
  for (double v : y)
    if (!std::isnan(v)) ymax = std::max(ymax, v);
  if (ymax < p) return kNaN;
  // Keep the first of repeated values (the time at which F jumps), as duplicated() does.
  std::vector<double> xs, ys;
  std::set<double> seen;
  bool seen_nan = false;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const bool dup = std::isnan(y[i]) ? std::exchange(seen_nan, true) : !seen.insert(y[i]).second;
    if (!dup) {
      xs.push_back(x[i]);
      ys.push_back(y[i]);
    }
  }
  auto first_at_least = [&](double shift) -> long {
    // approx(y + shift, 1:n, p, "constant", f = 1). approx() sorts its knots by value, so on
    // a non-monotone curve (a confidence band can rise again when its variance jumps) this
    // is the index of the smallest value reaching p, not the first one in time. NA outside
    // the range of the non-missing values.
    double lo = kInf, hi = -kInf;
    for (double v : ys)
      if (!std::isnan(v)) lo = std::min(lo, v + shift), hi = std::max(hi, v + shift);
    if (p < lo || p > hi) return -1;
    long best = -1;
    for (std::size_t i = 0; i < ys.size(); ++i)
      if (!std::isnan(ys[i]) && ys[i] + shift >= p && (best < 0 || ys[i] < ys[static_cast<std::size_t>(best)]))
        best = static_cast<long>(i);
    return best;
  };
  const long i1 = first_at_least(tol), i2 = first_at_least(-tol);
  double q = (i1 < 0 || i2 < 0) ? kNaN : (xs[static_cast<std::size_t>(i1)] + xs[static_cast<std::size_t>(i2)]) / 2.0;
  if (p == 0.0) q = xs[0];
  const double ylast = ys.back();
  if (!std::isnan(ylast) && std::fabs(p - ylast) < tol && i1 >= 0) q = (xs[static_cast<std::size_t>(i1)] + xmax) / 2.0;
  return q;
}

}  // namespace

double KaplanMeier::survival_at(double t) const {
  double s = 1.0;
  for (const auto& st : steps) {
    if (st.time > t) break;
    s = st.survival;
  }
  return s;
}

KaplanMeier kaplan_meier(const std::vector<double>& time, const std::vector<int>& event, double conf_level) {
  const char* where = "kaplan_meier";
  detail::require_conf_level(conf_level, where);
  check_survival_input(time, event, where);
  std::vector<std::size_t> order(time.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return time[a] < time[b]; });
  KaplanMeier km;
  km.n = time.size();
  km.conf_level = conf_level;
  const double z = normal_quantile((1.0 + conf_level) / 2.0);
  double at_risk = static_cast<double>(time.size());
  double s = 1.0, greenwood = 0.0;
  for (std::size_t i = 0; i < order.size();) {
    const double t = time[order[i]];
    KaplanMeierStep st;
    st.time = t;
    st.n_risk = at_risk;
    std::size_t j = i;
    for (; j < order.size() && time[order[j]] == t; ++j) (event[order[j]] ? st.n_event : st.n_censor) += 1.0;
    if (st.n_event > 0) {
      s *= 1.0 - st.n_event / at_risk;
      greenwood += at_risk > st.n_event ? st.n_event / (at_risk * (at_risk - st.n_event)) : kInf;
    }
    st.survival = s;
    st.std_error_log = std::sqrt(greenwood);
    st.std_error = s > 0 ? s * st.std_error_log : kNaN;
    if (s > 0) {
      st.ci = {s * std::exp(-z * st.std_error_log), std::min(1.0, s * std::exp(z * st.std_error_log))};
    }
    km.n_events += static_cast<std::size_t>(st.n_event);
    at_risk -= st.n_event + st.n_censor;
    km.steps.push_back(st);
    i = j;
  }
  std::vector<double> x{0.0}, f{0.0}, fl{0.0}, fu{0.0};
  for (const auto& st : km.steps) {
    x.push_back(st.time);
    f.push_back(1.0 - st.survival);
    fl.push_back(1.0 - st.ci.lower);  // the lower band reaches 1/2 first: lower limit
    fu.push_back(1.0 - st.ci.upper);
  }
  const double xmax = km.steps.back().time;
  km.median = find_quantile(x, f, 0.5, xmax);
  km.median_ci = {find_quantile(x, fl, 0.5, xmax), find_quantile(x, fu, 0.5, xmax)};
  return km;
}

LogRankResult log_rank_test(const std::vector<double>& time, const std::vector<int>& event,
                            const std::vector<int>& group) {
  const char* where = "log_rank_test";
  check_survival_input(time, event, where);
  detail::require_same_length(time, group, where, "time", "group");
  LogRankResult r;
  std::map<int, std::size_t> index;
  for (int g : group) index.emplace(g, 0);
  if (index.size() < 2) detail::input_error(where, "needs at least two groups");
  for (auto& [label, k] : index) {
    k = r.groups.size();
    r.groups.push_back(label);
  }
  const std::size_t K = r.groups.size();
  r.n.assign(K, 0.0);
  r.observed.assign(K, 0.0);
  r.expected.assign(K, 0.0);
  for (int g : group) r.n[index[g]] += 1.0;
  std::vector<std::size_t> order(time.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return time[a] < time[b]; });
  std::vector<double> at_risk(r.n);
  Eigen::MatrixXd V = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(K), static_cast<Eigen::Index>(K));
  double total_events = 0.0;
  for (std::size_t i = 0; i < order.size();) {
    const double t = time[order[i]];
    std::vector<double> d(K, 0.0), leaving(K, 0.0);
    std::size_t j = i;
    for (; j < order.size() && time[order[j]] == t; ++j) {
      const std::size_t g = index[group[order[j]]];
      d[g] += event[order[j]];
      leaving[g] += 1.0;
    }
    const double n = std::accumulate(at_risk.begin(), at_risk.end(), 0.0);
    const double dt = std::accumulate(d.begin(), d.end(), 0.0);
    if (dt > 0) {
      total_events += dt;
      for (std::size_t g = 0; g < K; ++g) {
        r.observed[g] += d[g];
        r.expected[g] += at_risk[g] * dt / n;
      }
      if (n > 1) {
        const double f = dt * (n - dt) / (n - 1.0);
        for (std::size_t g = 0; g < K; ++g)
          for (std::size_t h = 0; h < K; ++h)
            V(static_cast<Eigen::Index>(g), static_cast<Eigen::Index>(h)) +=
                f * (at_risk[g] / n) * ((g == h ? 1.0 : 0.0) - at_risk[h] / n);
      }
    }
    for (std::size_t g = 0; g < K; ++g) at_risk[g] -= leaving[g];
    i = j;
  }
  if (total_events == 0) detail::input_error(where, "there are no events");
  // The K deviations sum to zero; the test uses the first K - 1.
  const Eigen::Index k1 = static_cast<Eigen::Index>(K) - 1;
  Eigen::VectorXd dev(k1);
  for (Eigen::Index g = 0; g < k1; ++g)
    dev(g) = r.observed[static_cast<std::size_t>(g)] - r.expected[static_cast<std::size_t>(g)];
  const Eigen::MatrixXd V1 = V.topLeftCorner(k1, k1);
  Eigen::FullPivLU<Eigen::MatrixXd> lu(V1);
  if (lu.rank() < k1) detail::input_error(where, "the log-rank variance is singular (a group has no subject at risk at any event time)");
  r.test.statistic = dev.dot(lu.solve(dev));
  r.test.df = static_cast<double>(k1);
  r.test.p_value = chisq_cdf(r.test.statistic, r.test.df, false);
  return r;
}

const Coefficient& CoxFit::operator[](const std::string& name) const {
  for (const auto& c : coefficients)
    if (c.name == name) return c;
  throw UsageError("Cox fit has no coefficient named '" + name + "'");
}

namespace {

// Breslow partial log-likelihood, score and information at beta. `order` sorts subjects by
// decreasing time, so that a running sum builds each risk set.
struct CoxEval {
  double loglik = 0.0;
  Eigen::VectorXd score;
  Eigen::MatrixXd info;
};

CoxEval cox_eval(const Eigen::MatrixXd& X, const std::vector<double>& time, const std::vector<int>& event,
                 const std::vector<std::size_t>& order, const Eigen::VectorXd& beta) {
  const Eigen::Index p = X.cols();
  CoxEval e;
  e.score = Eigen::VectorXd::Zero(p);
  e.info = Eigen::MatrixXd::Zero(p, p);
  double s0 = 0.0;
  Eigen::VectorXd s1 = Eigen::VectorXd::Zero(p);
  Eigen::MatrixXd s2 = Eigen::MatrixXd::Zero(p, p);
  for (std::size_t i = 0; i < order.size();) {
    const double t = time[order[i]];
    std::size_t j = i;
    double d = 0.0;
    Eigen::VectorXd xsum = Eigen::VectorXd::Zero(p);
    double lpsum = 0.0;
    for (; j < order.size() && time[order[j]] == t; ++j) {
      const Eigen::Index r = static_cast<Eigen::Index>(order[j]);
      const double lp = X.row(r).dot(beta);
      const double w = std::exp(lp);
      s0 += w;
      s1 += w * X.row(r).transpose();
      s2 += w * X.row(r).transpose() * X.row(r);
      if (event[order[j]]) {
        d += 1.0;
        xsum += X.row(r).transpose();
        lpsum += lp;
      }
    }
    if (d > 0) {
      const Eigen::VectorXd mean = s1 / s0;
      e.loglik += lpsum - d * std::log(s0);
      e.score += xsum - d * mean;
      e.info += d * (s2 / s0 - mean * mean.transpose());
    }
    i = j;
  }
  return e;
}

}  // namespace

CoxFit cox_regression(const std::vector<double>& time, const std::vector<int>& event,
                      const std::vector<Predictor>& predictors, double conf_level) {
  const char* where = "cox_regression";
  detail::require_conf_level(conf_level, where);
  check_survival_input(time, event, where);
  if (predictors.empty()) detail::input_error(where, "needs at least one covariate");
  const Eigen::Index n = static_cast<Eigen::Index>(time.size());
  const Eigen::Index p = static_cast<Eigen::Index>(predictors.size());
  Eigen::MatrixXd X(n, p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const auto& pr = predictors[static_cast<std::size_t>(j)];
    detail::require_same_length(time, pr.values, where, "time", "covariate '" + pr.name + "'");
    detail::require_finite(pr.values, where, "covariate '" + pr.name + "'");
    X.col(j) = Eigen::Map<const Eigen::VectorXd>(pr.values.data(), n);
    // Centring changes no estimate but keeps exp(x beta) in range, as coxph does.
    X.col(j).array() -= X.col(j).mean();
    if (X.col(j).cwiseAbs().maxCoeff() == 0.0)
      detail::input_error(where, "covariate '" + pr.name + "' is constant");
  }
  CoxFit fit;
  fit.n = time.size();
  for (int e : event) fit.n_events += static_cast<std::size_t>(e);
  if (fit.n_events == 0) detail::input_error(where, "there are no events");
  std::vector<std::size_t> order(time.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return time[a] > time[b]; });

  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  const CoxEval e0 = cox_eval(X, time, event, order, beta);
  fit.loglik_null = e0.loglik;
  Eigen::LDLT<Eigen::MatrixXd> ldlt0(e0.info);
  if (ldlt0.info() != Eigen::Success || !(ldlt0.vectorD().minCoeff() > 1e-10 * ldlt0.vectorD().maxCoeff()))
    detail::input_error(where, "the information matrix is singular at beta = 0 (collinear covariates?)");
  fit.score.statistic = e0.score.dot(ldlt0.solve(e0.score));
  fit.score.df = static_cast<double>(p);
  fit.score.p_value = chisq_cdf(fit.score.statistic, fit.score.df, false);

  CoxEval cur = e0;
  bool converged = false;
  for (int it = 1; it <= 100 && !converged; ++it) {
    fit.iterations = it;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(cur.info);
    Eigen::VectorXd step = ldlt.solve(cur.score);
    if (!step.allFinite()) throw ldnsim::Error(std::string(where) + ": singular information matrix during the fit");
    Eigen::VectorXd next = beta + step;
    CoxEval ev = cox_eval(X, time, event, order, next);
    // Step halving when Newton overshoots (the partial likelihood is concave).
    for (int half = 0; half < 60 && !(ev.loglik >= cur.loglik - 1e-12 * std::fabs(cur.loglik)); ++half) {
      step *= 0.5;
      next = beta + step;
      ev = cox_eval(X, time, event, order, next);
    }
    converged = std::fabs(ev.loglik - cur.loglik) <= 1e-13 * std::fabs(ev.loglik) &&
                step.cwiseAbs().maxCoeff() <= 1e-9 * (1.0 + next.cwiseAbs().maxCoeff());
    beta = next;
    cur = ev;
  }
  if (!converged) throw ldnsim::Error(std::string(where) + ": Newton-Raphson did not converge in 100 iterations");
  Eigen::LDLT<Eigen::MatrixXd> ldlt(cur.info);
  const Eigen::MatrixXd cov = ldlt.solve(Eigen::MatrixXd::Identity(p, p));
  // With a monotone likelihood (e.g. every event in one arm happening while the other arm
  // is still event-free) the partial likelihood levels off as a coefficient runs to
  // infinity: Newton "converges" with a huge coefficient and a vanishing information. R
  // only warns; here it is an error, because the hazard ratio and its SE are meaningless.
  for (Eigen::Index j = 0; j < p; ++j) {
    const double sd = std::sqrt(X.col(j).squaredNorm() / static_cast<double>(n));
    if (!(cov(j, j) > 0) || !std::isfinite(cov(j, j)) || std::fabs(beta(j)) * sd > 10.0)
      throw ldnsim::Error(std::string(where) + ": the coefficient of '" + predictors[static_cast<std::size_t>(j)].name +
                          "' is infinite (monotone likelihood, e.g. no events in one group while the other has them)");
  }
  fit.loglik = cur.loglik;
  const double q = normal_quantile((1.0 + conf_level) / 2.0);
  for (Eigen::Index j = 0; j < p; ++j) {
    Coefficient c;
    c.name = predictors[static_cast<std::size_t>(j)].name;
    Effect& ef = c.effect;
    ef.estimate = beta(j);
    ef.std_error = std::sqrt(cov(j, j));
    ef.df = kInf;
    ef.statistic = ef.estimate / ef.std_error;
    ef.p_value = two_sided_p(normal_cdf(ef.statistic), normal_cdf(ef.statistic, 0.0, 1.0, false));
    ef.ci = {ef.estimate - q * ef.std_error, ef.estimate + q * ef.std_error};
    fit.hazard_ratios.push_back(std::exp(ef.estimate));
    fit.hazard_ratio_ci.push_back({std::exp(ef.ci.lower), std::exp(ef.ci.upper)});
    fit.coefficients.push_back(std::move(c));
  }
  fit.covariance.assign(static_cast<std::size_t>(p), std::vector<double>(static_cast<std::size_t>(p)));
  for (Eigen::Index i = 0; i < p; ++i)
    for (Eigen::Index j = 0; j < p; ++j) fit.covariance[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = cov(i, j);
  fit.likelihood_ratio = {2.0 * (fit.loglik - fit.loglik_null), static_cast<double>(p), kNaN};
  fit.likelihood_ratio.p_value = chisq_cdf(std::max(0.0, fit.likelihood_ratio.statistic), fit.likelihood_ratio.df, false);
  fit.wald = {beta.dot(cur.info * beta), static_cast<double>(p), kNaN};
  fit.wald.p_value = chisq_cdf(fit.wald.statistic, fit.wald.df, false);
  return fit;
}

HazardRatioResult cox_hazard_ratio(const std::vector<double>& time, const std::vector<int>& event,
                                   const std::vector<int>& group, double conf_level) {
  const char* where = "cox_hazard_ratio";
  detail::require_same_length(time, group, where, "time", "group");
  std::vector<double> g(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (group[i] != 0 && group[i] != 1)
      detail::input_error(where, "group[" + std::to_string(i) + "] must be 0 (control) or 1 (treated)");
    g[i] = group[i];
  }
  HazardRatioResult r;
  r.fit = cox_regression(time, event, {{"group", g}}, conf_level);
  r.log_hazard_ratio = r.fit.coefficients[0].effect;
  r.hazard_ratio = r.fit.hazard_ratios[0];
  r.ci = r.fit.hazard_ratio_ci[0];
  r.score = r.fit.score;
  r.likelihood_ratio = r.fit.likelihood_ratio;
  return r;
}

}  // namespace ldnsim::stats
