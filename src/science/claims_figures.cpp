// ldnsim claims: the figures a part is tested with (intervals, their text, the statistic of a
// simulated study, binomial arithmetic).
#include <algorithm>
#include <cmath>

#include "claims_detail.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/science/weighted_samples.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "ldnsim/stats/proportions.hpp"
#include "ldnsim/trial/analysis.hpp"

namespace ldnsim::science::claims_detail {

namespace {

// Type-7 quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

std::string num(double v, int digits) {
  if (std::isnan(v)) return "NA";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return format_number(v, digits);
}

Figure central95(std::vector<double> v) {
  Figure f;
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return f;
  std::sort(v.begin(), v.end());
  f.defined = true;
  f.value = quantile(v, 0.5);
  f.low = quantile(v, 0.025);
  f.high = quantile(v, 0.975);
  return f;
}

// Weighted 2.5/50/97.5% points (weights >= 0).
Figure weighted95(const std::vector<double>& v, const std::vector<double>& w) {
  const WeightedDistribution d = weighted_distribution(v, w);
  Figure f;
  if (d.empty()) return f;
  f.defined = true;
  f.value = d.quantile(0.5);
  f.low = d.quantile(0.025);
  f.high = d.quantile(0.975);
  return f;
}

Figure scaled(Figure f, double s) {
  if (!f.defined) return f;
  f.value *= s;
  const double a = f.low * s, b = f.high * s;
  f.low = std::min(a, b);
  f.high = std::max(a, b);
  return f;
}

std::string figure_text(const Figure& f, const std::string& unit) {
  if (!f.defined) return "none";
  const std::string u = unit == "%" ? "%" : (unit.empty() ? "" : " " + unit);
  if (!f.measured) return "not measured (bounded: prior range [" + num(f.low) + ", " + num(f.high) + "]" + u + ")";
  if (f.low == f.high && f.value == f.low) return num(f.value) + u;
  return num(f.value) + u + " [" + num(f.low) + ", " + num(f.high) + "]";
}

std::string set_text(const std::map<std::string, double>& set) {
  std::string s;
  for (const auto& [k, v] : set) s += (s.empty() ? "" : ", ") + k + " = " + num(v, 4);
  return s;
}

// A parameter whose value has no data behind it: role assumption, and neither fitted,
// data nor an input (rule c of the verdict).
bool assumption_only(const lang::Parameter& q) {
  return q.has(lang::Role::Assumption) && !q.has(lang::Role::Fitted) && !q.has(lang::Role::Data) &&
         !q.has(lang::Role::Input);
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  auto c = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path).lexically_normal().string() : c.string();
}

// The calibration spec a parameter's source names ("fitted by `ldnsim calibrate SPEC`",
// the clause `ldnsim calibrate --write` writes), or "" when none.
std::string fitted_by(const lang::Parameter& q) {
  const std::string tag = "fitted by `ldnsim calibrate ";
  const auto at = q.source.find(tag);
  if (at == std::string::npos) return "";
  const auto end = q.source.find('`', at + tag.size());
  if (end == std::string::npos) return "";
  return q.source.substr(at + tag.size(), end - at - tag.size());
}

std::vector<double> metrics_of(const Series& s, double interval) {
  CycleMetrics m = summarise(s, 0, interval);
  double peak = -kInf;
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.t[i] <= interval + 1e-9) peak = std::max(peak, s.y[PT][i]);
  return {100 * (peak - 1), 100 * m.t_change, 100 * m.b_change, 100 * m.occ_trough, 100 * m.occ_peak,
          100 * m.bend_change, 100 * m.enk_change};
}

// The statistic of a trial part over the replicates of a run (before scaling).
Figure trial_figure(const ClaimPart& p, const TrialRun& run, const std::string& where) {
  const trial::Trial& t = *run.trial;
  int e = -1;
  if (p.statistic != "withdrawn") {
    e = endpoint_index(t, p.endpoint);
    if (e < 0) {
      std::string list;
      for (const auto& x : t.spec().endpoints) list += (list.empty() ? "" : ", ") + x.name;
      throw InputError(where + ".endpoint: the study " + t.spec().file + " has no endpoint '" + p.endpoint + "' (it has: " + list + ")");
    }
  }
  if (p.statistic == "significant") {
    long k = 0, n = 0;
    for (const auto& r : run.results.replicates) {
      const auto& x = r.endpoints[static_cast<std::size_t>(e)];
      ++n;
      const bool dir = p.direction == "any" || (p.direction == "negative" ? x.estimate < 0 : x.estimate > 0);
      if (x.significant && dir) ++k;
    }
    Figure f;
    if (n == 0) return f;
    auto ci = stats::clopper_pearson_ci(k, n);
    f.defined = true;
    f.value = static_cast<double>(k) / static_cast<double>(n);
    f.low = ci.lower;
    f.high = ci.upper;
    return f;
  }
  std::vector<double> v;
  for (const auto& r : run.results.replicates) {
    double x = p.statistic == "withdrawn" ? static_cast<double>(r.withdrawn) : r.endpoints[static_cast<std::size_t>(e)].estimate;
    if (p.complement) x = 1 - x;
    v.push_back(x);
  }
  return central95(v);
}

// P(X >= k), X ~ Bin(n, p).
double tail(long k, long n, double p) {
  p = std::clamp(p, 0.0, 1.0);
  if (k <= 0) return 1;
  return stats::binom_cdf(k - 1, n, p, false);
}

Figure binomial_figure(const Figure& p, long k, long n) {
  Figure f;
  if (!p.defined) return f;
  f.defined = true;
  f.value = tail(k, n, p.value);
  f.low = tail(k, n, p.low);
  f.high = tail(k, n, p.high);
  return f;
}

// The p at which P(X >= k) = target (bisection; P increases with p).
double p_needed(long k, long n, double target) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    (tail(k, n, mid) < target ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

std::string short_path(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path().filename() / p.filename()).string();
}

}  // namespace ldnsim::science::claims_detail
