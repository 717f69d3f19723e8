#include "ldnsim/stats/rates.hpp"

#include <Eigen/Dense>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>

#include "check.hpp"
#include "ldnsim/stats/distributions.hpp"

namespace ldnsim::stats {

const Coefficient& GlmFit::operator[](const std::string& name) const {
  for (const auto& c : coefficients)
    if (c.name == name) return c;
  throw UsageError("GLM fit has no coefficient named '" + name + "'");
}

namespace {

// A log-link count model: Poisson when theta is infinite, NB2 otherwise.
struct CountModel {
  Eigen::VectorXd y;
  Eigen::MatrixXd X;
  Eigen::VectorXd offset;
  std::vector<std::string> names;
};

struct IrlsState {
  Eigen::VectorXd beta;
  Eigen::VectorXd mu;
  Eigen::MatrixXd cov;  // (X' W X)^-1 at the converged mu
  double deviance = kNaN;
  int iterations = 0;
};

double deviance_of(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, double theta) {
  double d = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const double yi = y(i), mi = mu(i);
    const double ylog = yi > 0 ? yi * std::log(yi / mi) : 0.0;
    if (std::isinf(theta))
      d += 2.0 * (ylog - (yi - mi));
    else
      d += 2.0 * (ylog - (yi + theta) * std::log((yi + theta) / (mi + theta)));
  }
  return d;
}

double loglik_of(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, double theta) {
  double l = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const double yi = y(i), mi = mu(i);
    const double ylogmu = yi > 0 ? yi * std::log(mi) : 0.0;
    if (std::isinf(theta))
      l += ylogmu - mi - std::lgamma(yi + 1.0);
    else
      l += std::lgamma(theta + yi) - std::lgamma(theta) - std::lgamma(yi + 1.0) + theta * std::log(theta) + ylogmu -
           (theta + yi) * std::log(theta + mi);
  }
  return l;
}

// Fisher scoring (IRLS) for the coefficients at fixed theta, to a deviance that changes by
// less than 1e-13 relative. Starts from `start` if given, else from R's mustart.
IrlsState irls(const CountModel& m, double theta, const Eigen::VectorXd* start, const char* where) {
  const Eigen::Index n = m.X.rows(), p = m.X.cols();
  Eigen::VectorXd eta(n), mu(n);
  if (start) {
    eta = m.X * *start + m.offset;
    mu = eta.array().exp();
  } else {
    for (Eigen::Index i = 0; i < n; ++i) mu(i) = m.y(i) + (std::isinf(theta) ? 0.1 : (m.y(i) == 0 ? 1.0 / 6.0 : 0.0));
    eta = mu.array().log();
  }
  IrlsState s;
  double dev_old = kInf;
  Eigen::VectorXd beta_old = Eigen::VectorXd::Constant(p, kNaN);
  for (int it = 1; it <= 200; ++it) {
    const Eigen::ArrayXd w = std::isinf(theta) ? mu.array() : (mu.array() / (1.0 + mu.array() / theta)).eval();
    const Eigen::VectorXd z = (eta - m.offset).array() + (m.y - mu).array() / mu.array();
    const Eigen::ArrayXd sw = w.sqrt();
    const Eigen::MatrixXd Xw = m.X.array().colwise() * sw;
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(Xw.rows(), Xw.cols());
    qr.setThreshold(1e-7);
    qr.compute(Xw);
    if (qr.rank() < p)
      detail::input_error(where, "the design matrix is rank deficient (a predictor is constant or a linear "
                                 "combination of others)");
    Eigen::VectorXd beta = qr.solve((z.array() * sw).matrix());
    // Step halving keeps the deviance finite, as glm.fit does.
    double dev = kInf;
    for (int half = 0; half < 60; ++half) {
      eta = m.X * beta + m.offset;
      mu = eta.array().exp();
      dev = deviance_of(m.y, mu, theta);
      if (std::isfinite(dev) || !beta_old.allFinite()) break;
      beta = 0.5 * (beta + beta_old);
    }
    if (!std::isfinite(dev)) throw ldnsim::Error(std::string(where) + ": the fit diverged");
    s.iterations = it;
    const bool converged = std::fabs(dev - dev_old) / (std::fabs(dev) + 0.1) < 1e-13 ||
                           (beta_old.allFinite() && (beta - beta_old).cwiseAbs().maxCoeff() <
                                                        1e-13 * (1.0 + beta.cwiseAbs().maxCoeff()));
    dev_old = dev;
    beta_old = beta;
    if (converged) {
      s.beta = beta;
      s.mu = mu;
      s.deviance = dev;
      const Eigen::ArrayXd wf = std::isinf(theta) ? mu.array() : (mu.array() / (1.0 + mu.array() / theta)).eval();
      const Eigen::MatrixXd XtWX = m.X.transpose() * (m.X.array().colwise() * wf).matrix();
      s.cov = XtWX.ldlt().solve(Eigen::MatrixXd::Identity(p, p));
      return s;
    }
  }
  throw ldnsim::Error(std::string(where) + ": IRLS did not converge in 200 iterations (does an arm have no events?)");
}

CountModel build(const std::vector<double>& counts, const std::vector<Predictor>& predictors,
                 const std::vector<double>& exposure, const char* where) {
  detail::require_finite(counts, where, "counts");
  if (counts.size() < predictors.size() + 2)
    detail::input_error(where, "needs more observations than coefficients");
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i] < 0 || counts[i] != std::floor(counts[i]))
      detail::input_error(where, "counts[" + std::to_string(i) + "] must be a non-negative integer");
  if (!exposure.empty()) {
    detail::require_same_length(counts, exposure, where, "counts", "exposure");
    for (std::size_t i = 0; i < exposure.size(); ++i)
      if (!(exposure[i] > 0) || !std::isfinite(exposure[i]))
        detail::input_error(where, "exposure[" + std::to_string(i) + "] must be positive and finite");
  }
  for (const auto& p : predictors) {
    detail::require_same_length(counts, p.values, where, "counts", "predictor '" + p.name + "'");
    detail::require_finite(p.values, where, "predictor '" + p.name + "'");
  }
  const Eigen::Index n = static_cast<Eigen::Index>(counts.size());
  const Eigen::Index p = static_cast<Eigen::Index>(predictors.size()) + 1;
  CountModel m;
  m.y = Eigen::Map<const Eigen::VectorXd>(counts.data(), n);
  m.X.resize(n, p);
  m.X.col(0).setOnes();
  m.names.emplace_back("(Intercept)");
  for (Eigen::Index j = 1; j < p; ++j) {
    const auto& pr = predictors[static_cast<std::size_t>(j - 1)];
    m.X.col(j) = Eigen::Map<const Eigen::VectorXd>(pr.values.data(), n);
    m.names.push_back(pr.name);
  }
  m.offset = Eigen::VectorXd::Zero(n);
  if (!exposure.empty())
    for (Eigen::Index i = 0; i < n; ++i) m.offset(i) = std::log(exposure[static_cast<std::size_t>(i)]);
  if (m.y.sum() == 0) detail::input_error(where, "there are no events; rates cannot be modelled");
  return m;
}

GlmFit finish(const CountModel& m, const IrlsState& s, double theta, double conf_level, const char* where) {
  GlmFit f;
  const Eigen::Index p = m.X.cols();
  const double q = normal_quantile((1.0 + conf_level) / 2.0);
  for (Eigen::Index j = 0; j < p; ++j) {
    Coefficient c;
    c.name = m.names[static_cast<std::size_t>(j)];
    Effect& e = c.effect;
    e.estimate = s.beta(j);
    e.std_error = std::sqrt(s.cov(j, j));
    e.df = kInf;
    e.statistic = e.estimate / e.std_error;
    e.p_value = two_sided_p(normal_cdf(e.statistic), normal_cdf(e.statistic, 0.0, 1.0, false));
    e.ci = {e.estimate - q * e.std_error, e.estimate + q * e.std_error};
    f.coefficients.push_back(std::move(c));
  }
  f.covariance.assign(static_cast<std::size_t>(p), std::vector<double>(static_cast<std::size_t>(p)));
  for (Eigen::Index i = 0; i < p; ++i)
    for (Eigen::Index j = 0; j < p; ++j) f.covariance[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = s.cov(i, j);
  f.deviance = s.deviance;
  f.df_residual = static_cast<double>(m.X.rows() - p);
  f.log_likelihood = loglik_of(m.y, s.mu, theta);
  f.theta = theta;
  f.iterations = s.iterations;
  CountModel null_model{m.y, Eigen::MatrixXd::Ones(m.X.rows(), 1), m.offset, {"(Intercept)"}};
  f.null_deviance = irls(null_model, theta, nullptr, where).deviance;
  return f;
}

// Score and observed information of the NB log-likelihood in theta (MASS's theta.ml).
// For integer counts digamma(th + y) - digamma(th) is the finite sum of 1/(th + j), j < y,
// and the remaining terms are rearranged to avoid cancellation; with the textbook form the
// score drowns in rounding once theta is large (~1e6), and a fit to equidispersed data would
// "converge" at an arbitrary large theta instead of being reported as not overdispersed.
void theta_score_info(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, double th, double& score, double& info) {
  namespace bm = boost::math;
  score = 0.0;
  info = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const double yi = y(i), mi = mu(i);
    double dg = 0.0, tg = 0.0;  // digamma(th + y) - digamma(th), trigamma(th) - trigamma(th + y)
    if (yi <= 1e5) {
      for (double j = 0; j < yi; j += 1.0) {
        const double inv = 1.0 / (th + j);
        dg += inv;
        tg += inv * inv;
      }
    } else {
      dg = bm::digamma(th + yi) - bm::digamma(th);
      tg = bm::trigamma(th) - bm::trigamma(th + yi);
    }
    score += dg - std::log1p(mi / th) + (mi - yi) / (mi + th);
    info += tg - mi / (th * (mi + th)) + (mi - yi) / ((mi + th) * (mi + th));
  }
}

// ML estimate of theta at fixed mu: Newton in log(theta), which keeps theta positive.
double theta_ml(const Eigen::VectorXd& y, const Eigen::VectorXd& mu, double start, const char* where) {
  double th = start;
  if (!(th > 0) || !std::isfinite(th)) {
    double s = 0.0;
    for (Eigen::Index i = 0; i < y.size(); ++i) s += (y(i) / mu(i) - 1.0) * (y(i) / mu(i) - 1.0);
    th = static_cast<double>(y.size()) / s;
  }
  if (!(th > 0) || !std::isfinite(th)) th = 1.0;
  for (int it = 0; it < 500; ++it) {
    double score = 0.0, info = 0.0;
    theta_score_info(y, mu, th, score, info);
    double step = score / (th * info);  // Newton step in log(theta)
    if (!(info > 0) || !std::isfinite(step)) step = score > 0 ? 1.0 : -1.0;
    step = std::max(-3.0, std::min(3.0, step));
    th *= std::exp(step);
    if (th > 1e10)
      detail::input_error(where, "the counts show no overdispersion (theta -> infinity); use Poisson regression");
    if (std::fabs(step) < 1e-14) return th;
  }
  throw ldnsim::Error(std::string(where) + ": the estimate of theta did not converge");
}

std::vector<Predictor> group_predictor(const std::vector<double>& counts, const std::vector<int>& group,
                                       const char* where) {
  detail::require_same_length(counts, group, where, "counts", "group");
  std::vector<double> g(group.size());
  double events[2] = {0.0, 0.0};
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (group[i] != 0 && group[i] != 1)
      detail::input_error(where, "group[" + std::to_string(i) + "] must be 0 (control) or 1 (treated)");
    g[i] = group[i];
    if (std::isfinite(counts[i])) events[group[i]] += counts[i];
  }
  if (events[0] <= 0 || events[1] <= 0)
    detail::input_error(where, "each group needs at least one event for a finite rate ratio");
  return {{"group", g}};
}

RateRatioResult rate_ratio_from(GlmFit fit, double conf_level) {
  RateRatioResult r;
  const double q = normal_quantile((1.0 + conf_level) / 2.0);
  r.log_rate_ratio = fit["group"].effect;
  const double b0 = fit["(Intercept)"].effect.estimate, b1 = r.log_rate_ratio.estimate;
  r.rate_control = std::exp(b0);
  r.rate_treated = std::exp(b0 + b1);
  r.rate_ratio = std::exp(b1);
  r.ci = {std::exp(b1 - q * r.log_rate_ratio.std_error), std::exp(b1 + q * r.log_rate_ratio.std_error)};
  r.fit = std::move(fit);
  return r;
}

}  // namespace

GlmFit poisson_regression(const std::vector<double>& counts, const std::vector<Predictor>& predictors,
                          const std::vector<double>& exposure, double conf_level) {
  const char* where = "poisson_regression";
  detail::require_conf_level(conf_level, where);
  const CountModel m = build(counts, predictors, exposure, where);
  const IrlsState s = irls(m, kInf, nullptr, where);
  return finish(m, s, kInf, conf_level, where);
}

GlmFit negative_binomial_regression(const std::vector<double>& counts, const std::vector<Predictor>& predictors,
                                    const std::vector<double>& exposure, double conf_level) {
  const char* where = "negative_binomial_regression";
  detail::require_conf_level(conf_level, where);
  const CountModel m = build(counts, predictors, exposure, where);
  IrlsState s = irls(m, kInf, nullptr, where);
  double theta = theta_ml(m.y, s.mu, kNaN, where);
  int total = s.iterations;
  for (int outer = 0; outer < 500; ++outer) {
    s = irls(m, theta, &s.beta, where);
    total += s.iterations;
    const double next = theta_ml(m.y, s.mu, theta, where);
    const bool done = std::fabs(next - theta) <= 1e-12 * theta;
    theta = next;
    if (done) {
      s = irls(m, theta, &s.beta, where);
      GlmFit f = finish(m, s, theta, conf_level, where);
      double score = 0.0, info = 0.0;
      theta_score_info(m.y, s.mu, theta, score, info);
      f.theta_std_error = std::sqrt(1.0 / info);
      f.iterations = total + s.iterations;
      return f;
    }
  }
  throw ldnsim::Error(std::string(where) + ": alternation between coefficients and theta did not converge");
}

RateRatioResult poisson_rate_ratio(const std::vector<double>& counts, const std::vector<double>& exposure,
                                   const std::vector<int>& group, double conf_level) {
  const char* where = "poisson_rate_ratio";
  detail::require_conf_level(conf_level, where);
  const auto preds = group_predictor(counts, group, where);
  return rate_ratio_from(poisson_regression(counts, preds, exposure, conf_level), conf_level);
}

RateRatioResult negative_binomial_rate_ratio(const std::vector<double>& counts, const std::vector<double>& exposure,
                                             const std::vector<int>& group, double conf_level) {
  const char* where = "negative_binomial_rate_ratio";
  detail::require_conf_level(conf_level, where);
  const auto preds = group_predictor(counts, group, where);
  return rate_ratio_from(negative_binomial_regression(counts, preds, exposure, conf_level), conf_level);
}

}  // namespace ldnsim::stats
