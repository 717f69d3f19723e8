#include "ldnsim/stats/proportions.hpp"

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <functional>
#include <vector>

#include "check.hpp"
#include "ldnsim/stats/distributions.hpp"

namespace ldnsim::stats {

namespace {

void check_counts(long long x, long long n, const char* where) {
  if (n < 1) detail::input_error(where, "n must be at least 1 (got " + std::to_string(n) + ")");
  if (x < 0 || x > n)
    detail::input_error(where, "x must be between 0 and n (got x = " + std::to_string(x) + ", n = " +
                                   std::to_string(n) + ")");
}

// Beta quantiles; the upper one is computed from its own tail so that a 1 - alpha close
// to 1 loses no digits.
double beta_lower_quantile(double a, double b, double p) { return boost::math::ibeta_inv(a, b, p); }
double beta_upper_quantile(double a, double b, double q) { return boost::math::ibetac_inv(a, b, q); }

double lchoose(double n, double k) { return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0); }

// Root of a monotone function f on the real line (increasing if `increasing`), by
// bracketing and bisection to full double precision. Used on log odds ratios, where the
// functions are smooth but can be extremely flat, so a derivative-free method is safest.
double monotone_root(const std::function<double(double)>& f, bool increasing) {
  auto sign = [&](double t) { return increasing ? f(t) : -f(t); };
  double lo = -1.0, hi = 1.0;
  for (int i = 0; i < 200 && sign(lo) > 0; ++i) lo *= 2.0;
  for (int i = 0; i < 200 && sign(hi) < 0; ++i) hi *= 2.0;
  if (sign(lo) > 0 || sign(hi) < 0) throw ldnsim::Error("fisher_exact_test: could not bracket a root");
  // Stop at full double precision of the odds ratio exp(root) (and of the root itself
  // when it is large), without chasing denormals when the root is near 0.
  for (int i = 0; i < 200 && hi - lo > 4e-16 * std::max({1.0, std::fabs(lo), std::fabs(hi)}); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (sign(mid) < 0)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

// The noncentral hypergeometric distribution of the (1,1) cell given the margins.
struct ConditionalDist {
  long long lo = 0, hi = 0;
  std::vector<double> logdc;  // log of the central (odds ratio 1) weights, unnormalised

  // Probabilities over lo..hi at log odds ratio `theta`.
  std::vector<double> density(double theta) const {
    std::vector<double> d(logdc.size());
    double mx = -kInf;
    for (std::size_t i = 0; i < d.size(); ++i) {
      d[i] = logdc[i] + theta * static_cast<double>(lo + static_cast<long long>(i));
      mx = std::max(mx, d[i]);
    }
    double s = 0.0;
    for (double& v : d) {
      v = std::exp(v - mx);
      s += v;
    }
    for (double& v : d) v /= s;
    return d;
  }
  double mean(double theta) const {
    const auto d = density(theta);
    double m = 0.0;
    for (std::size_t i = 0; i < d.size(); ++i) m += static_cast<double>(lo + static_cast<long long>(i)) * d[i];
    return m;
  }
  // P(X <= q) or P(X >= q).
  double tail(long long q, double theta, bool upper) const {
    const auto d = density(theta);
    double s = 0.0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const long long v = lo + static_cast<long long>(i);
      if (upper ? v >= q : v <= q) s += d[i];
    }
    return s;
  }
};

}  // namespace

Interval clopper_pearson_ci(long long x, long long n, double conf_level, Alternative alternative) {
  const char* where = "clopper_pearson_ci";
  detail::require_conf_level(conf_level, where);
  check_counts(x, n, where);
  const double xd = static_cast<double>(x), nd = static_cast<double>(n);
  auto lower = [&](double alpha) { return x == 0 ? 0.0 : beta_lower_quantile(xd, nd - xd + 1.0, alpha); };
  auto upper = [&](double alpha) { return x == n ? 1.0 : beta_upper_quantile(xd + 1.0, nd - xd, alpha); };
  switch (alternative) {
    case Alternative::Less: return {0.0, upper(1.0 - conf_level)};
    case Alternative::Greater: return {lower(1.0 - conf_level), 1.0};
    case Alternative::TwoSided: break;
  }
  const double alpha = (1.0 - conf_level) / 2.0;
  return {lower(alpha), upper(alpha)};
}

Interval wilson_ci(long long x, long long n, double conf_level, bool continuity) {
  const char* where = "wilson_ci";
  detail::require_conf_level(conf_level, where);
  check_counts(x, n, where);
  const double nd = static_cast<double>(n), est = static_cast<double>(x) / nd;
  const double z = normal_quantile((1.0 + conf_level) / 2.0);
  const double yates = continuity ? 0.5 : 0.0;
  const double z22n = z * z / (2.0 * nd);
  double pc = est + yates / nd;
  const double pu = pc >= 1.0 ? 1.0 : (pc + z22n + z * std::sqrt(pc * (1.0 - pc) / nd + z22n / (2.0 * nd))) / (1.0 + 2.0 * z22n);
  pc = est - yates / nd;
  const double pl = pc <= 0.0 ? 0.0 : (pc + z22n - z * std::sqrt(pc * (1.0 - pc) / nd + z22n / (2.0 * nd))) / (1.0 + 2.0 * z22n);
  return {std::max(pl, 0.0), std::min(pu, 1.0)};
}

BinomialTestResult binomial_test(long long x, long long n, double p, Alternative alternative, double conf_level) {
  const char* where = "binomial_test";
  detail::require_conf_level(conf_level, where);
  check_counts(x, n, where);
  detail::require_probability(p, where, "p");
  BinomialTestResult r;
  r.successes = x;
  r.trials = n;
  r.estimate = static_cast<double>(x) / static_cast<double>(n);
  r.null_value = p;
  r.ci = clopper_pearson_ci(x, n, conf_level, alternative);
  switch (alternative) {
    case Alternative::Less: r.p_value = binom_cdf(x, n, p); return r;
    case Alternative::Greater: r.p_value = binom_cdf(x - 1, n, p, false); return r;
    case Alternative::TwoSided: break;
  }
  if (p == 0.0) {
    r.p_value = x == 0 ? 1.0 : 0.0;
  } else if (p == 1.0) {
    r.p_value = x == n ? 1.0 : 0.0;
  } else {
    // Outcomes on the far side of the mean that are no more likely than x (R's rule, with
    // its 1e-7 relative slack so that equal probabilities computed differently still tie).
    const double rel_err = 1.0 + 1e-7;
    const double d = binom_pmf(x, n, p);
    const double m = static_cast<double>(n) * p;
    const double xd = static_cast<double>(x);
    if (xd == m) {
      r.p_value = 1.0;
    } else if (xd < m) {
      long long y = 0;
      for (long long i = static_cast<long long>(std::ceil(m)); i <= n; ++i)
        if (binom_pmf(i, n, p) <= d * rel_err) ++y;
      r.p_value = binom_cdf(x, n, p) + binom_cdf(n - y, n, p, false);
    } else {
      long long y = 0;
      for (long long i = 0; i <= static_cast<long long>(std::floor(m)); ++i)
        if (binom_pmf(i, n, p) <= d * rel_err) ++y;
      r.p_value = binom_cdf(y - 1, n, p) + binom_cdf(x - 1, n, p, false);
    }
    r.p_value = std::min(1.0, r.p_value);
  }
  return r;
}

FisherResult fisher_exact_test(const Table2x2& t, Alternative alternative, double conf_level) {
  const char* where = "fisher_exact_test";
  detail::require_conf_level(conf_level, where);
  if (t.a < 0 || t.b < 0 || t.c < 0 || t.d < 0) detail::input_error(where, "table counts must be non-negative");
  // R's names: m = first column total, n = second column total, k = first row total.
  const long long m = t.a + t.c, n = t.b + t.d, k = t.a + t.b, x = t.a;
  if (m + n == 0) detail::input_error(where, "the table is empty");
  ConditionalDist cd;
  cd.lo = std::max(0LL, k - n);
  cd.hi = std::min(k, m);
  for (long long s = cd.lo; s <= cd.hi; ++s)
    cd.logdc.push_back(lchoose(static_cast<double>(m), static_cast<double>(s)) +
                       lchoose(static_cast<double>(n), static_cast<double>(k - s)));
  FisherResult r;
  const auto d0 = cd.density(0.0);
  switch (alternative) {
    case Alternative::Less: r.p_value = cd.tail(x, 0.0, false); break;
    case Alternative::Greater: r.p_value = cd.tail(x, 0.0, true); break;
    case Alternative::TwoSided: {
      const double rel_err = 1.0 + 1e-7;
      const double dx = d0[static_cast<std::size_t>(x - cd.lo)];
      double s = 0.0;
      for (double v : d0)
        if (v <= dx * rel_err) s += v;
      r.p_value = std::min(1.0, s);
      break;
    }
  }
  const double xd = static_cast<double>(x);
  // Conditional MLE: the odds ratio whose conditional mean of the (1,1) cell equals x.
  if (x == cd.lo)
    r.odds_ratio = 0.0;
  else if (x == cd.hi)
    r.odds_ratio = kInf;
  else
    r.odds_ratio = std::exp(monotone_root([&](double th) { return cd.mean(th) - xd; }, true));
  // Exact limits: the odds ratios at which the observed tail has probability alpha.
  auto upper_limit = [&](double alpha) {
    if (x == cd.hi) return kInf;
    return std::exp(monotone_root([&](double th) { return cd.tail(x, th, false) - alpha; }, false));
  };
  auto lower_limit = [&](double alpha) {
    if (x == cd.lo) return 0.0;
    return std::exp(monotone_root([&](double th) { return cd.tail(x, th, true) - alpha; }, true));
  };
  switch (alternative) {
    case Alternative::Less: r.ci = {0.0, upper_limit(1.0 - conf_level)}; break;
    case Alternative::Greater: r.ci = {lower_limit(1.0 - conf_level), kInf}; break;
    case Alternative::TwoSided: {
      const double alpha = (1.0 - conf_level) / 2.0;
      r.ci = {lower_limit(alpha), upper_limit(alpha)};
      break;
    }
  }
  return r;
}

TwoProportionsResult two_proportions_test(long long x1, long long n1, long long x2, long long n2, bool continuity,
                                          Alternative alternative, double conf_level) {
  const char* where = "two_proportions_test";
  detail::require_conf_level(conf_level, where);
  check_counts(x1, n1, where);
  check_counts(x2, n2, where);
  const double N1 = static_cast<double>(n1), N2 = static_cast<double>(n2);
  const double X1 = static_cast<double>(x1), X2 = static_cast<double>(x2);
  TwoProportionsResult r;
  r.p1 = X1 / N1;
  r.p2 = X2 / N2;
  const double pooled = (X1 + X2) / (N1 + N2);
  if (pooled == 0.0 || pooled == 1.0)
    detail::input_error(where, "all outcomes are identical; the chi-square test is undefined");
  const double delta = r.p1 - r.p2;
  const double inv_n = 1.0 / N1 + 1.0 / N2;
  const double yates = std::min(continuity ? 0.5 : 0.0, std::fabs(delta) / inv_n);
  const double se = std::sqrt(r.p1 * (1.0 - r.p1) / N1 + r.p2 * (1.0 - r.p2) / N2);
  const double z = normal_quantile(alternative == Alternative::TwoSided ? (1.0 + conf_level) / 2.0 : conf_level);
  const double width = z * se + yates * inv_n;
  Effect& e = r.difference;
  e.estimate = delta;
  e.std_error = se;
  e.df = kInf;
  switch (alternative) {
    case Alternative::TwoSided: e.ci = {std::max(delta - width, -1.0), std::min(delta + width, 1.0)}; break;
    case Alternative::Greater: e.ci = {std::max(delta - width, -1.0), 1.0}; break;
    case Alternative::Less: e.ci = {-1.0, std::min(delta + width, 1.0)}; break;
  }
  const double obs[4] = {X1, N1 - X1, X2, N2 - X2};
  const double exp[4] = {N1 * pooled, N1 * (1.0 - pooled), N2 * pooled, N2 * (1.0 - pooled)};
  double chi = 0.0;
  for (int i = 0; i < 4; ++i) {
    const double dev = std::fabs(obs[i] - exp[i]) - yates;
    chi += dev * dev / exp[i];
  }
  r.chi_square = chi;
  e.statistic = (delta > 0 ? 1.0 : (delta < 0 ? -1.0 : 0.0)) * std::sqrt(chi);
  switch (alternative) {
    case Alternative::TwoSided: r.p_value = chisq_cdf(chi, 1.0, false); break;
    case Alternative::Less: r.p_value = normal_cdf(e.statistic); break;
    case Alternative::Greater: r.p_value = normal_cdf(e.statistic, 0.0, 1.0, false); break;
  }
  e.p_value = r.p_value;
  return r;
}

}  // namespace ldnsim::stats
