#include "ldnsim/stats/crossover.hpp"

#include <cmath>

#include "check.hpp"
#include "ldnsim/stats/descriptives.hpp"
#include "ldnsim/stats/distributions.hpp"

namespace ldnsim::stats {

namespace {

void check_data(const CrossoverData& d, const char* where) {
  detail::require_same_length(d.sequence, d.period1, where, "sequence", "period1");
  detail::require_same_length(d.sequence, d.period2, where, "sequence", "period2");
  detail::require_finite(d.period1, where, "period1");
  detail::require_finite(d.period2, where, "period2");
}

// A two-sided t-based effect from an estimate, its SE and df.
Effect t_effect(double estimate, double se, double df, double conf_level) {
  Effect e;
  e.estimate = estimate;
  e.std_error = se;
  e.df = df;
  e.statistic = estimate / se;
  e.p_value = two_sided_p(t_cdf(e.statistic, df), t_cdf(e.statistic, df, false));
  const double q = t_quantile((1.0 + conf_level) / 2.0, df);
  e.ci = {estimate - q * se, estimate + q * se};
  return e;
}

double pooled_se(const std::vector<double>& a, const std::vector<double>& b) {
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  const double pooled = ((na - 1.0) * variance(a) + (nb - 1.0) * variance(b)) / (na + nb - 2.0);
  return std::sqrt(pooled * (1.0 / na + 1.0 / nb));
}

}  // namespace

CrossoverResult crossover_analysis(const CrossoverData& data, double conf_level) {
  const char* where = "crossover_analysis";
  detail::require_conf_level(conf_level, where);
  check_data(data, where);
  std::vector<double> d_ab, d_ba, t_ab, t_ba;
  double sum_a = 0.0, sum_b = 0.0;
  for (std::size_t i = 0; i < data.sequence.size(); ++i) {
    const double y1 = data.period1[i], y2 = data.period2[i];
    if (data.sequence[i] == Sequence::AB) {
      d_ab.push_back((y1 - y2) / 2.0);
      t_ab.push_back(y1 + y2);
      sum_a += y1;
      sum_b += y2;
    } else {
      d_ba.push_back((y1 - y2) / 2.0);
      t_ba.push_back(y1 + y2);
      sum_a += y2;
      sum_b += y1;
    }
  }
  if (d_ab.size() < 2 || d_ba.size() < 2)
    detail::input_error(where, "needs at least 2 subjects in each sequence (got " + std::to_string(d_ab.size()) +
                                   " AB and " + std::to_string(d_ba.size()) + " BA)");
  CrossoverResult r;
  r.n_ab = d_ab.size();
  r.n_ba = d_ba.size();
  const double n = static_cast<double>(r.n_ab + r.n_ba);
  r.mean_a = sum_a / n;
  r.mean_b = sum_b / n;
  const double df = n - 2.0;
  const double mab = mean(d_ab), mba = mean(d_ba);
  const double se_d = pooled_se(d_ab, d_ba);
  if (!(se_d > 0.0)) detail::input_error(where, "period differences have zero variance; treatment test undefined");
  r.treatment = t_effect(mab - mba, se_d, df, conf_level);
  r.period = t_effect(mab + mba, se_d, df, conf_level);
  const double se_t = pooled_se(t_ab, t_ba);
  if (!(se_t > 0.0)) detail::input_error(where, "subject totals have zero variance; carry-over test undefined");
  r.carryover = t_effect(mean(t_ab) - mean(t_ba), se_t, df, conf_level);
  return r;
}

TTestResult crossover_paired_t_test(const CrossoverData& data, const TTestOptions& options) {
  const char* where = "crossover_paired_t_test";
  check_data(data, where);
  std::vector<double> a(data.sequence.size()), b(data.sequence.size());
  for (std::size_t i = 0; i < data.sequence.size(); ++i) {
    const bool ab = data.sequence[i] == Sequence::AB;
    a[i] = ab ? data.period1[i] : data.period2[i];
    b[i] = ab ? data.period2[i] : data.period1[i];
  }
  return paired_t_test(a, b, options);
}

}  // namespace ldnsim::stats
