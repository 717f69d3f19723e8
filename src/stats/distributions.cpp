#include "ldnsim/stats/distributions.hpp"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <exception>
#include <string>

#include "check.hpp"

namespace ldnsim::stats {

namespace bm = boost::math;

namespace {

// Boost reports parameters it cannot handle with std::domain_error and friends; the checks
// below reject invalid input first, so anything Boost still throws is a numerical failure.
template <class F>
double guarded(const char* where, F&& f) {
  try {
    return f();
  } catch (const ldnsim::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw ldnsim::Error(std::string(where) + ": numerical failure: " + e.what());
  }
}

void check_x(double x, const char* where) {
  if (std::isnan(x)) detail::input_error(where, "argument is NaN");
}

void check_p(double p, const char* where) { detail::require_probability(p, where, "p"); }

void check_df(double df, const char* where, const char* name = "df") {
  if (!(df > 0.0)) detail::input_error(where, std::string(name) + " must be positive (got " + std::to_string(df) + ")");
}

template <class Dist>
double cdf_of(const Dist& d, double x, bool lower_tail) {
  return lower_tail ? bm::cdf(d, x) : bm::cdf(bm::complement(d, x));
}

template <class Dist>
double quantile_of(const Dist& d, double p, bool lower_tail, double lo, double hi) {
  // The extremes are the support's ends; Boost would report an overflow for them.
  if (p == 0.0) return lower_tail ? lo : hi;
  if (p == 1.0) return lower_tail ? hi : lo;
  return lower_tail ? bm::quantile(d, p) : bm::quantile(bm::complement(d, p));
}

}  // namespace

double two_sided_p(double lower_tail_p, double upper_tail_p) {
  return std::min(1.0, 2.0 * std::min(lower_tail_p, upper_tail_p));
}

double detail::p_value(Alternative alt, double lower_tail_p, double upper_tail_p) {
  switch (alt) {
    case Alternative::Less: return lower_tail_p;
    case Alternative::Greater: return upper_tail_p;
    case Alternative::TwoSided: break;
  }
  return two_sided_p(lower_tail_p, upper_tail_p);
}

const char* to_string(Alternative alternative) {
  switch (alternative) {
    case Alternative::Less: return "less";
    case Alternative::Greater: return "greater";
    case Alternative::TwoSided: break;
  }
  return "two.sided";
}

// --- Normal ---------------------------------------------------------------------------

namespace {
void check_normal(double mean, double sd, const char* where) {
  detail::require_finite(mean, where, "mean");
  if (!(sd > 0.0) || !std::isfinite(sd)) detail::input_error(where, "sd must be positive and finite");
}
}  // namespace

double normal_pdf(double x, double mean, double sd) {
  const char* where = "normal_pdf";
  check_x(x, where);
  check_normal(mean, sd, where);
  if (std::isinf(x)) return 0.0;
  return guarded(where, [&] { return bm::pdf(bm::normal_distribution<>(mean, sd), x); });
}

double normal_cdf(double x, double mean, double sd, bool lower_tail) {
  const char* where = "normal_cdf";
  check_x(x, where);
  check_normal(mean, sd, where);
  if (std::isinf(x)) return (x > 0) == lower_tail ? 1.0 : 0.0;
  return guarded(where, [&] { return cdf_of(bm::normal_distribution<>(mean, sd), x, lower_tail); });
}

double normal_quantile(double p, double mean, double sd, bool lower_tail) {
  const char* where = "normal_quantile";
  check_p(p, where);
  check_normal(mean, sd, where);
  return guarded(where, [&] {
    return quantile_of(bm::normal_distribution<>(mean, sd), p, lower_tail, -kInf, kInf);
  });
}

// --- Student t ------------------------------------------------------------------------

double t_cdf(double x, double df, bool lower_tail) {
  const char* where = "t_cdf";
  check_x(x, where);
  check_df(df, where);
  if (std::isinf(df)) return normal_cdf(x, 0.0, 1.0, lower_tail);
  if (std::isinf(x)) return (x > 0) == lower_tail ? 1.0 : 0.0;
  return guarded(where, [&] { return cdf_of(bm::students_t_distribution<>(df), x, lower_tail); });
}

double t_quantile(double p, double df, bool lower_tail) {
  const char* where = "t_quantile";
  check_p(p, where);
  check_df(df, where);
  if (std::isinf(df)) return normal_quantile(p, 0.0, 1.0, lower_tail);
  return guarded(where, [&] {
    return quantile_of(bm::students_t_distribution<>(df), p, lower_tail, -kInf, kInf);
  });
}

double noncentral_t_cdf(double x, double df, double ncp, bool lower_tail) {
  const char* where = "noncentral_t_cdf";
  check_x(x, where);
  check_df(df, where);
  detail::require_finite(ncp, where, "ncp");
  if (ncp == 0.0) return t_cdf(x, df, lower_tail);
  if (std::isinf(x)) return (x > 0) == lower_tail ? 1.0 : 0.0;
  return guarded(where, [&] { return cdf_of(bm::non_central_t_distribution<>(df, ncp), x, lower_tail); });
}

// --- Chi-square and F -------------------------------------------------------------------

double chisq_cdf(double x, double df, bool lower_tail) {
  const char* where = "chisq_cdf";
  check_x(x, where);
  check_df(df, where);
  if (x <= 0.0) return lower_tail ? 0.0 : 1.0;
  if (std::isinf(x)) return lower_tail ? 1.0 : 0.0;
  return guarded(where, [&] { return cdf_of(bm::chi_squared_distribution<>(df), x, lower_tail); });
}

double chisq_quantile(double p, double df, bool lower_tail) {
  const char* where = "chisq_quantile";
  check_p(p, where);
  check_df(df, where);
  return guarded(where, [&] { return quantile_of(bm::chi_squared_distribution<>(df), p, lower_tail, 0.0, kInf); });
}

double f_cdf(double x, double df1, double df2, bool lower_tail) {
  const char* where = "f_cdf";
  check_x(x, where);
  check_df(df1, where, "df1");
  check_df(df2, where, "df2");
  if (x <= 0.0) return lower_tail ? 0.0 : 1.0;
  if (std::isinf(x)) return lower_tail ? 1.0 : 0.0;
  return guarded(where, [&] { return cdf_of(bm::fisher_f_distribution<>(df1, df2), x, lower_tail); });
}

double f_quantile(double p, double df1, double df2, bool lower_tail) {
  const char* where = "f_quantile";
  check_p(p, where);
  check_df(df1, where, "df1");
  check_df(df2, where, "df2");
  return guarded(where, [&] { return quantile_of(bm::fisher_f_distribution<>(df1, df2), p, lower_tail, 0.0, kInf); });
}

// --- Discrete ---------------------------------------------------------------------------

namespace {
void check_binom(long long n, double p, const char* where) {
  if (n < 0) detail::input_error(where, "n must be non-negative (got " + std::to_string(n) + ")");
  check_p(p, where);
}
void check_lambda(double lambda, const char* where) {
  if (!(lambda >= 0.0) || !std::isfinite(lambda))
    detail::input_error(where, "lambda must be non-negative and finite (got " + std::to_string(lambda) + ")");
}
}  // namespace

double binom_pmf(long long k, long long n, double p) {
  const char* where = "binom_pmf";
  check_binom(n, p, where);
  if (k < 0 || k > n) return 0.0;
  if (p == 0.0) return k == 0 ? 1.0 : 0.0;
  if (p == 1.0) return k == n ? 1.0 : 0.0;
  return guarded(where, [&] {
    return bm::pdf(bm::binomial_distribution<>(static_cast<double>(n), p), static_cast<double>(k));
  });
}

double binom_cdf(long long k, long long n, double p, bool lower_tail) {
  const char* where = "binom_cdf";
  check_binom(n, p, where);
  if (k < 0) return lower_tail ? 0.0 : 1.0;
  if (k >= n) return lower_tail ? 1.0 : 0.0;
  if (p == 0.0) return lower_tail ? 1.0 : 0.0;  // X = 0 <= k
  if (p == 1.0) return lower_tail ? 0.0 : 1.0;  // X = n > k
  return guarded(where, [&] {
    return cdf_of(bm::binomial_distribution<>(static_cast<double>(n), p), static_cast<double>(k), lower_tail);
  });
}

double poisson_pmf(long long k, double lambda) {
  const char* where = "poisson_pmf";
  check_lambda(lambda, where);
  if (k < 0) return 0.0;
  if (lambda == 0.0) return k == 0 ? 1.0 : 0.0;
  return guarded(where, [&] { return bm::pdf(bm::poisson_distribution<>(lambda), static_cast<double>(k)); });
}

double poisson_cdf(long long k, double lambda, bool lower_tail) {
  const char* where = "poisson_cdf";
  check_lambda(lambda, where);
  if (k < 0) return lower_tail ? 0.0 : 1.0;
  if (lambda == 0.0) return lower_tail ? 1.0 : 0.0;
  return guarded(where, [&] {
    return cdf_of(bm::poisson_distribution<>(lambda), static_cast<double>(k), lower_tail);
  });
}

// --- Special functions --------------------------------------------------------------------

double incomplete_beta(double a, double b, double x, bool lower_tail) {
  const char* where = "incomplete_beta";
  check_df(a, where, "a");
  check_df(b, where, "b");
  if (!(x >= 0.0 && x <= 1.0)) detail::input_error(where, "x must be in [0, 1] (got " + std::to_string(x) + ")");
  if (!std::isfinite(a) || !std::isfinite(b)) detail::input_error(where, "a and b must be finite");
  return guarded(where, [&] { return lower_tail ? bm::ibeta(a, b, x) : bm::ibetac(a, b, x); });
}

double incomplete_gamma(double a, double x, bool lower_tail) {
  const char* where = "incomplete_gamma";
  check_df(a, where, "a");
  if (!std::isfinite(a)) detail::input_error(where, "a must be finite");
  if (!(x >= 0.0)) detail::input_error(where, "x must be non-negative (got " + std::to_string(x) + ")");
  if (std::isinf(x)) return lower_tail ? 1.0 : 0.0;
  return guarded(where, [&] { return lower_tail ? bm::gamma_p(a, x) : bm::gamma_q(a, x); });
}

}  // namespace ldnsim::stats
