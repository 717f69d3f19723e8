#include "ldnsim/trial/analysis.hpp"

#include <algorithm>
#include <cmath>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/all.hpp"

namespace ldnsim::trial {

ProgressionOutcome confirmed_progression(std::span<const double> times, std::span<const double> values,
                                         const ProgressionRule& rule) {
  ProgressionOutcome out;
  const std::size_t n = std::min(times.size(), values.size());
  if (n == 0 || !std::isfinite(values[0])) return out;
  const double baseline = values[0];
  const double needed = baseline <= rule.cutoff + 1e-9 ? rule.increase : rule.increase_high;
  auto meets = [&](std::size_t k) { return values[k] - baseline >= needed - 1e-9; };
  out.time = times[0];
  for (std::size_t k = 0; k < n; ++k)
    if (std::isfinite(values[k])) out.time = times[k];
  for (std::size_t v = 1; v < n; ++v) {
    if (!std::isfinite(values[v]) || !meets(v)) continue;
    for (std::size_t w = v + 1; w < n; ++w) {
      if (!std::isfinite(values[w])) continue;
      if (!meets(w)) break;
      if (times[w] - times[v] >= rule.confirm - 1e-9) {
        out.event = true;
        out.time = times[v];
        return out;
      }
    }
  }
  return out;
}

namespace {

double mean_of(const std::vector<double>& x) {
  if (x.empty()) return stats::kNaN;
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

bool is_responder(const EndpointSpec& e, double y) {
  if (e.at_least) return y >= *e.at_least - 1e-12;
  return y <= *e.at_most + 1e-12;
}

void split(const EndpointData& d, const std::vector<double>& v, std::vector<double>& t, std::vector<double>& c) {
  t.clear();
  c.clear();
  for (std::size_t i = 0; i < v.size(); ++i) (d.group[i] == 1 ? t : c).push_back(v[i]);
}

void from_t(EndpointResult& r, const stats::TTestResult& t) {
  r.estimate = t.estimate;
  r.lower = t.ci.lower;
  r.upper = t.ci.upper;
  r.p_value = t.p_value;
}

void from_effect(EndpointResult& r, const stats::Effect& e) {
  r.estimate = e.estimate;
  r.lower = e.ci.lower;
  r.upper = e.ci.upper;
  r.p_value = e.p_value;
}

}  // namespace

EndpointResult analyse(const EndpointSpec& e, const EndpointData& d, double alpha) {
  EndpointResult r;
  const double conf = 1 - alpha;
  stats::TTestOptions topt;
  topt.alternative = e.alternative;
  topt.conf_level = conf;
  stats::WilcoxonOptions wopt;
  wopt.alternative = e.alternative;
  std::vector<double> t, c;
  try {
    switch (e.analysis) {
      case Analysis::PairedT:
      case Analysis::WilcoxonSignedRank:
      case Analysis::Mean: {
        // Crossover: A vs B within subjects. Single group: follow-up vs baseline (or the
        // change, or for `mean` the measure itself, against 0).
        std::vector<double> x, y;
        if (!d.a.empty() || !d.b.empty()) {
          x = d.a;
          y = d.b;
          r.mean_treatment = mean_of(d.a);
          r.mean_control = mean_of(d.b);
        } else if (e.analysis != Analysis::Mean && e.measure == Measure::Value) {
          x = d.y;
          y = d.baseline;
          r.mean_treatment = mean_of(d.y);
          r.mean_control = mean_of(d.baseline);
        } else {
          x = d.y;
          r.mean_treatment = mean_of(d.y);
        }
        r.n = r.n_treatment = static_cast<long>(x.size());
        if (!d.a.empty()) r.n_control = static_cast<long>(y.size());
        if (e.analysis == Analysis::WilcoxonSignedRank) {
          stats::WilcoxonResult w = y.empty() ? stats::wilcoxon_signed_rank(x, wopt) : stats::wilcoxon_signed_rank_paired(x, y, wopt);
          double s = 0;
          for (std::size_t i = 0; i < x.size(); ++i) s += x[i] - (y.empty() ? 0.0 : y[i]);
          r.estimate = x.empty() ? stats::kNaN : s / static_cast<double>(x.size());
          r.p_value = w.p_value;
        } else {
          from_t(r, y.empty() ? stats::one_sample_t_test(x, topt) : stats::paired_t_test(x, y, topt));
        }
        break;
      }
      case Analysis::StudentT:
      case Analysis::WelchT:
      case Analysis::WilcoxonRankSum: {
        split(d, d.y, t, c);
        r.n_treatment = static_cast<long>(t.size());
        r.n_control = static_cast<long>(c.size());
        r.n = r.n_treatment + r.n_control;
        r.mean_treatment = mean_of(t);
        r.mean_control = mean_of(c);
        if (e.analysis == Analysis::StudentT) from_t(r, stats::student_t_test(t, c, topt));
        else if (e.analysis == Analysis::WelchT) from_t(r, stats::welch_t_test(t, c, topt));
        else {
          stats::WilcoxonResult w = stats::wilcoxon_rank_sum(t, c, wopt);
          r.estimate = r.mean_treatment - r.mean_control;
          r.p_value = w.p_value;
        }
        break;
      }
      case Analysis::Ancova: {
        split(d, d.y, t, c);
        r.n_treatment = static_cast<long>(t.size());
        r.n_control = static_cast<long>(c.size());
        r.n = r.n_treatment + r.n_control;
        r.mean_treatment = mean_of(t);
        r.mean_control = mean_of(c);
        std::vector<double> follow(d.y.size());
        for (std::size_t i = 0; i < d.y.size(); ++i) follow[i] = e.measure == Measure::Change ? d.baseline[i] + d.y[i] : d.y[i];
        stats::AncovaResult a = stats::ancova(d.baseline, follow, d.group,
                                              e.measure == Measure::Change ? stats::AncovaResponse::Change : stats::AncovaResponse::FollowUp,
                                              conf);
        from_effect(r, a.treatment);
        break;
      }
      case Analysis::Crossover: {
        stats::CrossoverData x;
        for (std::size_t i = 0; i < d.p1.size(); ++i) {
          x.sequence.push_back(d.sequence_ab[i] ? stats::Sequence::AB : stats::Sequence::BA);
          x.period1.push_back(d.p1[i]);
          x.period2.push_back(d.p2[i]);
        }
        r.n = static_cast<long>(d.p1.size());
        r.n_treatment = r.n_control = r.n;
        stats::CrossoverResult cr = stats::crossover_analysis(x, conf);
        from_effect(r, cr.treatment);
        r.mean_treatment = cr.mean_a;
        r.mean_control = cr.mean_b;
        r.period_effect = cr.period.estimate;
        r.period_p = cr.period.p_value;
        r.carryover_p = cr.carryover.p_value;
        break;
      }
      case Analysis::Proportion: {
        long long x = 0, n = 0;
        if (e.type == EndpointType::Progression) {
          for (int ev : d.event) x += ev;
          n = static_cast<long long>(d.event.size());
        } else {
          for (double v : d.y) x += is_responder(e, v) ? 1 : 0;
          n = static_cast<long long>(d.y.size());
        }
        r.n = r.n_treatment = static_cast<long>(n);
        if (n == 0) throw InputError("no subject to analyse");
        r.estimate = r.mean_treatment = static_cast<double>(x) / static_cast<double>(n);
        if (e.p0) {
          stats::BinomialTestResult b = stats::binomial_test(x, n, *e.p0, e.alternative, conf);
          r.lower = b.ci.lower;
          r.upper = b.ci.upper;
          r.p_value = b.p_value;
        } else {
          stats::Interval ci = stats::clopper_pearson_ci(x, n, conf);
          r.lower = ci.lower;
          r.upper = ci.upper;
        }
        break;
      }
      case Analysis::TwoProportions:
      case Analysis::FisherExact: {
        long long x1 = 0, n1 = 0, x0 = 0, n0 = 0;
        for (std::size_t i = 0; i < d.y.size(); ++i) {
          bool resp = is_responder(e, d.y[i]);
          if (d.group[i] == 1) {
            ++n1;
            x1 += resp;
          } else {
            ++n0;
            x0 += resp;
          }
        }
        r.n_treatment = static_cast<long>(n1);
        r.n_control = static_cast<long>(n0);
        r.n = r.n_treatment + r.n_control;
        r.mean_treatment = n1 ? static_cast<double>(x1) / static_cast<double>(n1) : stats::kNaN;
        r.mean_control = n0 ? static_cast<double>(x0) / static_cast<double>(n0) : stats::kNaN;
        if (n1 == 0 || n0 == 0) throw InputError("an arm has no subject to analyse");
        if (e.analysis == Analysis::TwoProportions) {
          stats::TwoProportionsResult p = stats::two_proportions_test(x1, n1, x0, n0, true, e.alternative, conf);
          from_effect(r, p.difference);
          r.p_value = p.p_value;
        } else {
          stats::FisherResult f = stats::fisher_exact_test(stats::Table2x2{x1, n1 - x1, x0, n0 - x0}, e.alternative, conf);
          r.estimate = f.odds_ratio;
          r.lower = f.ci.lower;
          r.upper = f.ci.upper;
          r.p_value = f.p_value;
        }
        break;
      }
      case Analysis::McNemar: {
        long long ra = 0, rb = 0, only_a = 0, only_b = 0;
        const std::size_t n = d.a.size();
        for (std::size_t i = 0; i < n; ++i) {
          bool A = is_responder(e, d.a[i]), B = is_responder(e, d.b[i]);
          ra += A;
          rb += B;
          only_a += A && !B;
          only_b += B && !A;
        }
        r.n = r.n_treatment = r.n_control = static_cast<long>(n);
        if (n == 0) throw InputError("no subject to analyse");
        const double nn = static_cast<double>(n);
        r.mean_treatment = static_cast<double>(ra) / nn;
        r.mean_control = static_cast<double>(rb) / nn;
        r.estimate = r.mean_treatment - r.mean_control;
        const double disc = static_cast<double>(only_a + only_b);
        const double diff = static_cast<double>(only_a - only_b);
        const double se = std::sqrt(std::max(0.0, disc - diff * diff / nn)) / nn;
        const double z = stats::normal_quantile(1 - alpha / 2);
        r.lower = r.estimate - z * se;
        r.upper = r.estimate + z * se;
        r.p_value = only_a + only_b == 0 ? 1.0 : stats::binomial_test(only_a, only_a + only_b, 0.5).p_value;
        break;
      }
      case Analysis::RateRatio: {
        long n1 = 0, n0 = 0;
        double c1 = 0, c0 = 0, e1 = 0, e0 = 0;
        for (std::size_t i = 0; i < d.count.size(); ++i) {
          if (d.group[i] == 1) {
            ++n1;
            c1 += d.count[i];
            e1 += d.exposure[i];
          } else {
            ++n0;
            c0 += d.count[i];
            e0 += d.exposure[i];
          }
        }
        r.n_treatment = n1;
        r.n_control = n0;
        r.n = n1 + n0;
        r.mean_treatment = e1 > 0 ? c1 / e1 : stats::kNaN;
        r.mean_control = e0 > 0 ? c0 / e0 : stats::kNaN;
        stats::RateRatioResult rr = e.negative_binomial ? stats::negative_binomial_rate_ratio(d.count, d.exposure, d.group, conf)
                                                        : stats::poisson_rate_ratio(d.count, d.exposure, d.group, conf);
        r.estimate = rr.rate_ratio;
        r.lower = rr.ci.lower;
        r.upper = rr.ci.upper;
        r.p_value = rr.log_rate_ratio.p_value;
        break;
      }
      case Analysis::Rate: {
        double cs = 0, es = 0;
        for (std::size_t i = 0; i < d.count.size(); ++i) {
          cs += d.count[i];
          es += d.exposure[i];
        }
        r.n = r.n_treatment = static_cast<long>(d.count.size());
        if (d.count.empty() || !(es > 0)) throw InputError("no follow-up to analyse");
        r.estimate = r.mean_treatment = cs / es;
        // Exact Poisson interval for the total count over the total exposure.
        const double lo = cs == 0 ? 0.0 : stats::chisq_quantile(alpha / 2, 2 * cs) / 2;
        const double hi = stats::chisq_quantile(1 - alpha / 2, 2 * cs + 2) / 2;
        r.lower = lo / es;
        r.upper = hi / es;
        break;
      }
      case Analysis::Cox:
      case Analysis::LogRank: {
        long n1 = 0, n0 = 0;
        double ev1 = 0, ev0 = 0;
        for (std::size_t i = 0; i < d.time.size(); ++i) {
          if (d.group[i] == 1) {
            ++n1;
            ev1 += d.event[i];
          } else {
            ++n0;
            ev0 += d.event[i];
          }
        }
        r.n_treatment = n1;
        r.n_control = n0;
        r.n = n1 + n0;
        r.mean_treatment = n1 ? ev1 / static_cast<double>(n1) : stats::kNaN;
        r.mean_control = n0 ? ev0 / static_cast<double>(n0) : stats::kNaN;
        if (e.analysis == Analysis::LogRank) {
          stats::LogRankResult lr = stats::log_rank_test(d.time, d.event, d.group);
          r.p_value = lr.test.p_value;
          try {
            stats::HazardRatioResult h = stats::cox_hazard_ratio(d.time, d.event, d.group, conf);
            r.estimate = h.hazard_ratio;
            r.lower = h.ci.lower;
            r.upper = h.ci.upper;
          } catch (const Error&) {
          }
        } else {
          stats::HazardRatioResult h = stats::cox_hazard_ratio(d.time, d.event, d.group, conf);
          r.estimate = h.hazard_ratio;
          r.lower = h.ci.lower;
          r.upper = h.ci.upper;
          r.p_value = h.log_hazard_ratio.p_value;
        }
        break;
      }
    }
  } catch (const Error& err) {
    r.error = err.what();
    r.estimate = r.lower = r.upper = r.p_value = stats::kNaN;
  }
  r.significant = std::isfinite(r.p_value) && r.p_value < alpha;
  return r;
}

}  // namespace ldnsim::trial
