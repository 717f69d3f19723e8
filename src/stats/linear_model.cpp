#include "ldnsim/stats/linear_model.hpp"

#include <Eigen/Dense>
#include <cmath>

#include "check.hpp"
#include "ldnsim/stats/distributions.hpp"

namespace ldnsim::stats {

const Coefficient& LinearModelFit::operator[](const std::string& name) const {
  for (const auto& c : coefficients)
    if (c.name == name) return c;
  throw UsageError("linear model has no coefficient named '" + name + "'");
}

LinearModelFit ols(const std::vector<double>& y, const std::vector<Predictor>& predictors, bool intercept,
                   double conf_level) {
  const char* where = "ols";
  detail::require_conf_level(conf_level, where);
  detail::require_finite(y, where, "y");
  for (const auto& p : predictors) {
    detail::require_same_length(y, p.values, where, "y", "predictor '" + p.name + "'");
    detail::require_finite(p.values, where, "predictor '" + p.name + "'");
  }
  const Eigen::Index n = static_cast<Eigen::Index>(y.size());
  const Eigen::Index p = static_cast<Eigen::Index>(predictors.size()) + (intercept ? 1 : 0);
  if (p == 0) detail::input_error(where, "the model has no coefficients");
  if (n < p + 1)
    detail::input_error(where, "needs more observations (" + std::to_string(n) + ") than coefficients (" +
                                   std::to_string(p) + ")");
  Eigen::MatrixXd X(n, p);
  std::vector<std::string> names;
  Eigen::Index col = 0;
  if (intercept) {
    X.col(col++).setOnes();
    names.emplace_back("(Intercept)");
  }
  for (const auto& pr : predictors) {
    X.col(col++) = Eigen::Map<const Eigen::VectorXd>(pr.values.data(), n);
    names.push_back(pr.name);
  }
  const Eigen::Map<const Eigen::VectorXd> Y(y.data(), n);

  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X.rows(), X.cols());
  // R's lm() declares a column aliased when its pivot falls below 1e-7 of the largest.
  qr.setThreshold(1e-7);
  qr.compute(X);
  if (qr.rank() < p)
    detail::input_error(where, "the design matrix is rank deficient (a predictor is constant or a linear "
                               "combination of others, e.g. an empty treatment arm)");
  const Eigen::VectorXd beta = qr.solve(Y);
  const Eigen::VectorXd fitted = X * beta;
  const Eigen::VectorXd resid = Y - fitted;

  // (X'X)^-1 = P R^-1 R^-T P' from X P = Q R.
  const Eigen::MatrixXd R = qr.matrixR().topLeftCorner(p, p).triangularView<Eigen::Upper>();
  const Eigen::MatrixXd Rinv =
      R.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(p, p));
  const Eigen::MatrixXd unscaled_perm = Rinv * Rinv.transpose();
  const auto& perm = qr.colsPermutation();
  const Eigen::MatrixXd unscaled = perm * unscaled_perm * perm.transpose();

  LinearModelFit fit;
  fit.df_residual = static_cast<double>(n - p);
  const double rss = resid.squaredNorm();
  const double sigma2 = rss / fit.df_residual;
  fit.sigma = std::sqrt(sigma2);
  const double q = t_quantile((1.0 + conf_level) / 2.0, fit.df_residual);
  for (Eigen::Index j = 0; j < p; ++j) {
    Coefficient c;
    c.name = names[static_cast<std::size_t>(j)];
    Effect& e = c.effect;
    e.estimate = beta(j);
    e.std_error = std::sqrt(sigma2 * unscaled(j, j));
    e.df = fit.df_residual;
    e.statistic = e.estimate / e.std_error;
    e.p_value = two_sided_p(t_cdf(e.statistic, e.df), t_cdf(e.statistic, e.df, false));
    e.ci = {e.estimate - q * e.std_error, e.estimate + q * e.std_error};
    fit.coefficients.push_back(std::move(c));
  }
  fit.covariance.assign(static_cast<std::size_t>(p), std::vector<double>(static_cast<std::size_t>(p)));
  for (Eigen::Index i = 0; i < p; ++i)
    for (Eigen::Index j = 0; j < p; ++j)
      fit.covariance[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = sigma2 * unscaled(i, j);

  // Model sum of squares about the mean (or about zero without an intercept), as summary.lm.
  double mss = 0.0;
  if (intercept) {
    const double fm = fitted.mean();
    mss = (fitted.array() - fm).square().sum();
  } else {
    mss = fitted.squaredNorm();
  }
  const double df_int = intercept ? 1.0 : 0.0;
  fit.r_squared = mss / (mss + rss);
  fit.adj_r_squared = 1.0 - (1.0 - fit.r_squared) * ((static_cast<double>(n) - df_int) / fit.df_residual);
  fit.f_df1 = static_cast<double>(p) - df_int;
  fit.f_df2 = fit.df_residual;
  if (fit.f_df1 > 0) {
    fit.f_statistic = (mss / fit.f_df1) / sigma2;
    fit.f_p_value = f_cdf(fit.f_statistic, fit.f_df1, fit.f_df2, false);
  }
  fit.fitted.assign(fitted.data(), fitted.data() + n);
  fit.residuals.assign(resid.data(), resid.data() + n);
  return fit;
}

AncovaResult ancova(const std::vector<double>& baseline, const std::vector<double>& follow_up,
                    const std::vector<int>& group, AncovaResponse response, double conf_level,
                    const std::vector<Predictor>& extra_covariates) {
  const char* where = "ancova";
  detail::require_same_length(baseline, follow_up, where, "baseline", "follow_up");
  detail::require_same_length(baseline, group, where, "baseline", "group");
  detail::require_finite(baseline, where, "baseline");
  detail::require_finite(follow_up, where, "follow_up");
  if (baseline.size() < 4) detail::input_error(where, "needs at least 4 subjects");
  std::size_t treated = 0;
  std::vector<double> g(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (group[i] != 0 && group[i] != 1)
      detail::input_error(where, "group[" + std::to_string(i) + "] must be 0 (control) or 1 (treated)");
    g[i] = group[i];
    treated += static_cast<std::size_t>(group[i]);
  }
  if (treated == 0 || treated == group.size()) detail::input_error(where, "both groups must have subjects");
  std::vector<double> y(follow_up);
  if (response == AncovaResponse::Change)
    for (std::size_t i = 0; i < y.size(); ++i) y[i] -= baseline[i];
  std::vector<Predictor> preds{{"group", g}, {"baseline", baseline}};
  preds.insert(preds.end(), extra_covariates.begin(), extra_covariates.end());

  AncovaResult r;
  r.fit = ols(y, preds, true, conf_level);
  r.treatment = r.fit["group"].effect;
  r.baseline = r.fit["baseline"].effect;
  auto mean_of = [](const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
  };
  double at_means = r.fit["(Intercept)"].effect.estimate;
  for (std::size_t k = 1; k < preds.size(); ++k)
    at_means += r.fit.coefficients[k + 1].effect.estimate * mean_of(preds[k].values);
  r.adjusted_mean_control = at_means;
  r.adjusted_mean_treated = at_means + r.treatment.estimate;
  return r;
}

}  // namespace ldnsim::stats
