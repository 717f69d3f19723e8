#include "ldnsim/stats/wilcoxon.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "check.hpp"
#include "ldnsim/stats/distributions.hpp"

namespace ldnsim::stats {

std::vector<double> average_ranks(const std::vector<double>& x) {
  const std::size_t n = x.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && x[order[j + 1]] == x[order[i]]) ++j;
    const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

namespace {

// Number of subsets of {1..n} with each rank sum s = 0 .. n(n+1)/2.
std::vector<double> signed_rank_counts(std::size_t n) {
  if (static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / 2.0 > 2e8)
    throw UsageError("signed_rank_cdf: exact distribution too large for n = " + std::to_string(n) +
                     "; use the normal approximation");
  const std::size_t max = n * (n + 1) / 2;
  std::vector<double> c(max + 1, 0.0);
  c[0] = 1.0;
  std::size_t top = 0;
  for (std::size_t j = 1; j <= n; ++j) {
    top += j;
    for (std::size_t s = top; s >= j; --s) c[s] += c[s - j];
  }
  return c;
}

// Number of ways the m smaller-sample values fall among m + n ranks with each
// Mann-Whitney count u = 0 .. m n (u = number of (x, y) pairs with x above y).
std::vector<double> rank_sum_counts(std::size_t m, std::size_t n) {
  if (m > n) std::swap(m, n);  // the distribution is symmetric in the roles of m and n
  const std::size_t total = m + n, umax = m * n;
  if (static_cast<double>(m) * static_cast<double>(umax + 1) * static_cast<double>(total) > 2e8)
    throw UsageError("rank_sum_cdf: exact distribution too large for m = " + std::to_string(m) +
                     ", n = " + std::to_string(n) + "; use the normal approximation");
  // c[k][u]: subsets of the ranks seen so far with k chosen and count u. Adding rank j as
  // the k-th chosen value puts it above j - k unchosen ones.
  std::vector<std::vector<double>> c(m + 1, std::vector<double>(umax + 1, 0.0));
  c[0][0] = 1.0;
  for (std::size_t j = 1; j <= total; ++j) {
    const std::size_t kmax = std::min(j, m);
    for (std::size_t k = kmax; k >= 1; --k) {
      if (j - k > n) break;  // more than n unchosen ranks: can never reach k = m
      const std::size_t shift = j - k;
      const auto& from = c[k - 1];
      auto& to = c[k];
      for (std::size_t u = umax - shift + 1; u-- > 0;) to[u + shift] += from[u];
    }
  }
  return c[m];
}

// P(S <= q) or P(S > q) for a statistic with integer support 0..counts.size()-1.
double tail_from_counts(const std::vector<double>& counts, double q, bool lower_tail) {
  const double x = std::floor(q + 1e-7);
  const double top = static_cast<double>(counts.size() - 1);
  if (x < 0) return lower_tail ? 0.0 : 1.0;
  if (x >= top) return lower_tail ? 1.0 : 0.0;
  const std::size_t k = static_cast<std::size_t>(x);
  double total = 0.0, part = 0.0;
  for (double c : counts) total += c;
  if (lower_tail)
    for (std::size_t i = 0; i <= k; ++i) part += counts[i];
  else
    for (std::size_t i = k + 1; i < counts.size(); ++i) part += counts[i];
  return part / total;
}

bool has_ties(const std::vector<double>& ranks) {
  std::vector<double> s(ranks);
  std::sort(s.begin(), s.end());
  return std::adjacent_find(s.begin(), s.end()) != s.end();
}

// Sum over tie groups of t^3 - t.
double tie_sum(const std::vector<double>& ranks) {
  std::map<double, double> groups;
  for (double r : ranks) groups[r] += 1.0;
  double s = 0.0;
  for (const auto& [r, t] : groups) s += t * t * t - t;
  return s;
}

// p-value and z of the normal approximation, as R computes them.
void normal_approx(WilcoxonResult& r, double centred, double sigma, const WilcoxonOptions& o, const char* where) {
  if (!(sigma > 0.0)) detail::input_error(where, "all values are tied; the test statistic has no variance");
  double correction = 0.0;
  if (o.correct) {
    switch (o.alternative) {
      case Alternative::TwoSided: correction = centred > 0 ? 0.5 : (centred < 0 ? -0.5 : 0.0); break;
      case Alternative::Greater: correction = 0.5; break;
      case Alternative::Less: correction = -0.5; break;
    }
  }
  r.z = (centred - correction) / sigma;
  r.p_value = detail::p_value(o.alternative, normal_cdf(r.z), normal_cdf(r.z, 0.0, 1.0, false));
  r.exact = false;
}

bool use_exact(ExactMode mode, bool small) {
  switch (mode) {
    case ExactMode::Always: return true;
    case ExactMode::Never: return false;
    case ExactMode::Auto: break;
  }
  return small;
}

void check_options(const WilcoxonOptions& o, const char* where) { detail::require_finite(o.mu, where, "mu"); }

WilcoxonResult signed_rank(std::vector<double> d, const WilcoxonOptions& o, const char* where) {
  WilcoxonResult r;
  r.alternative = o.alternative;
  for (double& v : d) v -= o.mu;
  const auto nonzero_end = std::remove(d.begin(), d.end(), 0.0);
  r.zeros = nonzero_end != d.end();
  d.erase(nonzero_end, d.end());
  if (d.empty()) detail::input_error(where, "all differences are zero; the test is undefined");
  const std::size_t n = d.size();
  r.n = n;
  std::vector<double> absd(n);
  for (std::size_t i = 0; i < n; ++i) absd[i] = std::fabs(d[i]);
  const auto ranks = average_ranks(absd);
  double v = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    if (d[i] > 0) v += ranks[i];
  r.statistic = v;
  r.ties = has_ties(ranks);
  const double nn = static_cast<double>(n);
  if (use_exact(o.exact, n < 50) && !r.ties && !r.zeros) {
    r.exact = true;
    const auto counts = signed_rank_counts(n);
    const double lower = tail_from_counts(counts, v, true);
    const double upper = tail_from_counts(counts, v - 1.0, false);
    switch (o.alternative) {
      case Alternative::Less: r.p_value = lower; break;
      case Alternative::Greater: r.p_value = upper; break;
      case Alternative::TwoSided:
        r.p_value = std::min(1.0, 2.0 * (v > nn * (nn + 1.0) / 4.0 ? upper : lower));
        break;
    }
    return r;
  }
  const double centred = v - nn * (nn + 1.0) / 4.0;
  const double sigma = std::sqrt(nn * (nn + 1.0) * (2.0 * nn + 1.0) / 24.0 - tie_sum(ranks) / 48.0);
  normal_approx(r, centred, sigma, o, where);
  return r;
}

}  // namespace

double signed_rank_cdf(double v, std::size_t n, bool lower_tail) {
  if (std::isnan(v)) detail::input_error("signed_rank_cdf", "v is NaN");
  if (n == 0) detail::input_error("signed_rank_cdf", "n must be positive");
  return tail_from_counts(signed_rank_counts(n), v, lower_tail);
}

double rank_sum_cdf(double w, std::size_t m, std::size_t n, bool lower_tail) {
  if (std::isnan(w)) detail::input_error("rank_sum_cdf", "w is NaN");
  if (m == 0 || n == 0) detail::input_error("rank_sum_cdf", "m and n must be positive");
  return tail_from_counts(rank_sum_counts(m, n), w, lower_tail);
}

WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& x, const WilcoxonOptions& options) {
  const char* where = "wilcoxon_signed_rank";
  check_options(options, where);
  detail::require_sample(x, 1, where, "x");
  return signed_rank(x, options, where);
}

WilcoxonResult wilcoxon_signed_rank_paired(const std::vector<double>& x, const std::vector<double>& y,
                                           const WilcoxonOptions& options) {
  const char* where = "wilcoxon_signed_rank";
  check_options(options, where);
  detail::require_same_length(x, y, where, "x", "y");
  detail::require_sample(x, 1, where, "x");
  detail::require_sample(y, 1, where, "y");
  std::vector<double> d(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) d[i] = x[i] - y[i];
  return signed_rank(std::move(d), options, where);
}

WilcoxonResult wilcoxon_rank_sum(const std::vector<double>& x, const std::vector<double>& y,
                                 const WilcoxonOptions& options) {
  const char* where = "wilcoxon_rank_sum";
  check_options(options, where);
  detail::require_sample(x, 1, where, "x");
  detail::require_sample(y, 1, where, "y");
  WilcoxonResult r;
  r.alternative = options.alternative;
  std::vector<double> all;
  all.reserve(x.size() + y.size());
  for (double v : x) all.push_back(v - options.mu);
  all.insert(all.end(), y.begin(), y.end());
  const auto ranks = average_ranks(all);
  const double nx = static_cast<double>(x.size()), ny = static_cast<double>(y.size());
  double w = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) w += ranks[i];
  w -= nx * (nx + 1.0) / 2.0;
  r.statistic = w;
  r.n = x.size();
  r.m = y.size();
  r.ties = has_ties(ranks);
  if (use_exact(options.exact, x.size() < 50 && y.size() < 50) && !r.ties) {
    r.exact = true;
    const auto counts = rank_sum_counts(x.size(), y.size());
    const double lower = tail_from_counts(counts, w, true);
    const double upper = tail_from_counts(counts, w - 1.0, false);
    switch (options.alternative) {
      case Alternative::Less: r.p_value = lower; break;
      case Alternative::Greater: r.p_value = upper; break;
      case Alternative::TwoSided: r.p_value = std::min(1.0, 2.0 * (w > nx * ny / 2.0 ? upper : lower)); break;
    }
    return r;
  }
  const double centred = w - nx * ny / 2.0;
  const double N = nx + ny;
  const double sigma = std::sqrt((nx * ny / 12.0) * ((N + 1.0) - tie_sum(ranks) / (N * (N - 1.0))));
  normal_approx(r, centred, sigma, options, where);
  return r;
}

}  // namespace ldnsim::stats
