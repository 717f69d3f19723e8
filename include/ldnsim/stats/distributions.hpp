// Probability distributions behind every p-value and confidence interval of the layer.
//
// They are thin, checked wrappers around Boost.Math, whose special functions are accurate
// to a few ulps in the body and keep full relative accuracy in the far tails: a p-value of
// 1e-30 for a large simulated trial must not round to 0 through 1 - cdf. That is why each
// function takes `lower_tail` (as R's p*/q* functions do) instead of leaving callers to
// subtract from one. Names and parameterisations follow R (pnorm, qt, pchisq, pf, pbinom,
// ppois, pbeta, pgamma) so that reference values can be read straight from R.
//
// Invalid parameters (NaN anywhere, negative or zero degrees of freedom, probabilities
// outside [0, 1], a negative rate) throw ldnsim::InputError.
#pragma once

namespace ldnsim::stats {

// --- Normal ---------------------------------------------------------------------------
double normal_pdf(double x, double mean = 0.0, double sd = 1.0);
// P(X <= x), or P(X > x) when !lower_tail (R: pnorm).
double normal_cdf(double x, double mean = 0.0, double sd = 1.0, bool lower_tail = true);
// The x with normal_cdf(x, ..., lower_tail) == p; p = 0 or 1 give -inf/+inf (R: qnorm).
double normal_quantile(double p, double mean = 0.0, double sd = 1.0, bool lower_tail = true);

// --- Student t ------------------------------------------------------------------------
// df > 0 need not be an integer (Welch's test has fractional df); df = +inf is the
// standard normal.
double t_cdf(double x, double df, bool lower_tail = true);
double t_quantile(double p, double df, bool lower_tail = true);
// Noncentral t with noncentrality `ncp`, for the exact power of a t-test (R: pt(x, df, ncp)).
double noncentral_t_cdf(double x, double df, double ncp, bool lower_tail = true);

// --- Chi-square and F -------------------------------------------------------------------
double chisq_cdf(double x, double df, bool lower_tail = true);
double chisq_quantile(double p, double df, bool lower_tail = true);
double f_cdf(double x, double df1, double df2, bool lower_tail = true);
double f_quantile(double p, double df1, double df2, bool lower_tail = true);

// --- Discrete ---------------------------------------------------------------------------
// Binomial(n, p): P(X = k), and P(X <= k) or P(X > k) (R: dbinom, pbinom). k outside
// [0, n] is allowed and gives the obvious 0 or 1.
double binom_pmf(long long k, long long n, double p);
double binom_cdf(long long k, long long n, double p, bool lower_tail = true);
// Poisson(lambda): P(X = k), and P(X <= k) or P(X > k) (R: dpois, ppois).
double poisson_pmf(long long k, double lambda);
double poisson_cdf(long long k, double lambda, bool lower_tail = true);

// --- Special functions --------------------------------------------------------------------
// Regularized incomplete beta I_x(a, b) (or 1 - I_x(a, b)), a, b > 0, 0 <= x <= 1
// (R: pbeta(x, a, b)).
double incomplete_beta(double a, double b, double x, bool lower_tail = true);
// Regularized incomplete gamma P(a, x) (or Q(a, x) = 1 - P), a > 0, x >= 0
// (R: pgamma(x, a)).
double incomplete_gamma(double a, double x, bool lower_tail = true);

// Two-sided p-value from the two tail probabilities of a statistic: 2 * min(lower, upper),
// capped at 1 (how R's t.test and friends report it).
double two_sided_p(double lower_tail_p, double upper_tail_p);

}  // namespace ldnsim::stats
