#include "ldnsim/science/uncertainty.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstring>
#include <numeric>

#include "ldnsim/core/random.hpp"
#include "ldnsim/population/parallel.hpp"

namespace ldnsim::science {

std::vector<UncertainParameter> ranged_parameters(const LdnModel& model) {
  std::vector<UncertainParameter> out;
  const auto params = model.model().parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    if (!p.low || !p.high || !(*p.high > *p.low)) continue;
    UncertainParameter u;
    u.name = p.name;
    u.index = i;
    u.low = *p.low;
    u.high = *p.high;
    u.log = p.distribution == "log-uniform";
    u.assumed = p.has(lang::Role::Assumption);
    u.unit = p.unit;
    out.push_back(u);
  }
  return out;
}

double from_unit(const UncertainParameter& p, double u) {
  if (p.log) return std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)));
  return p.low + u * (p.high - p.low);
}

std::vector<std::vector<double>> latin_hypercube(std::size_t n, std::size_t k, std::uint64_t seed) {
  std::vector<std::vector<double>> x(n, std::vector<double>(k));
  std::vector<std::size_t> perm(n);
  for (std::size_t d = 0; d < k; ++d) {
    RandomStream rng(seed, 0, d, 1);
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    // Fisher-Yates with the counter-based stream
    for (std::size_t i = n; i > 1; --i) {
      auto j = static_cast<std::size_t>(rng.uniform() * static_cast<double>(i));
      if (j >= i) j = i - 1;
      std::swap(perm[i - 1], perm[j]);
    }
    for (std::size_t i = 0; i < n; ++i)
      x[i][d] = (static_cast<double>(perm[i]) + rng.uniform()) / static_cast<double>(n);
  }
  return x;
}

Band band(std::vector<double> v) {
  Band b;
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return {NAN, NAN, NAN};
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    double pos = p * static_cast<double>(v.size() - 1);
    auto i = static_cast<std::size_t>(std::floor(pos));
    double f = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] + f * (v[i + 1] - v[i]) : v[i];
  };
  b.median = q(0.5);
  b.low = q(0.05);
  b.high = q(0.95);
  return b;
}

Band band(const std::vector<double>& values, const std::vector<double>& weights) {
  std::vector<std::pair<double, double>> vw;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(values[i]) && weights[i] > 0) vw.emplace_back(values[i], weights[i]);
  if (vw.empty()) return {NAN, NAN, NAN};
  std::sort(vw.begin(), vw.end());
  double total = 0;
  for (const auto& x : vw) total += x.second;
  // Quantile q: the value where the cumulative weight (mid-point rule) reaches q.
  std::vector<double> mid(vw.size());
  double acc = 0;
  for (std::size_t i = 0; i < vw.size(); ++i) {
    mid[i] = (acc + 0.5 * vw[i].second) / total;
    acc += vw[i].second;
  }
  auto q = [&](double p) {
    if (p <= mid.front()) return vw.front().first;
    if (p >= mid.back()) return vw.back().first;
    std::size_t i = static_cast<std::size_t>(std::upper_bound(mid.begin(), mid.end(), p) - mid.begin());
    double f = (p - mid[i - 1]) / (mid[i] - mid[i - 1]);
    return vw[i - 1].first + f * (vw[i].first - vw[i - 1].first);
  };
  return {q(0.5), q(0.05), q(0.95)};
}

double effective_sample_size(const std::vector<double>& w) {
  double s = 0, s2 = 0;
  for (double x : w)
    if (std::isfinite(x)) s += x, s2 += x * x;
  return s2 > 0 ? s * s / s2 : 0;
}

std::vector<std::vector<double>> run_samples(
    std::size_t n, int threads, bool progress, const std::string& what,
    const std::function<std::vector<double>(std::size_t, std::size_t)>& f) {
  std::vector<std::vector<double>> out(n);
  population::ParallelOptions par;
  par.threads = threads;
  par.progress = progress;
  par.what = what;
  population::run_ordered(
      n, par,
      [&](std::size_t worker, std::size_t i, std::string& buf) {
        std::vector<double> v = f(worker, i);
        buf.resize(v.size() * sizeof(double));
        if (!v.empty()) std::memcpy(buf.data(), v.data(), buf.size());
      },
      [&](std::size_t i, std::string& buf) {
        out[i].resize(buf.size() / sizeof(double));
        if (!buf.empty()) std::memcpy(out[i].data(), buf.data(), buf.size());
      });
  return out;
}

MorrisResult morris(std::size_t k, std::size_t outputs, std::size_t r, int levels, std::uint64_t seed, int threads,
                    bool progress, const std::function<std::vector<double>(std::size_t, std::span<const double>)>& f) {
  const double p = levels;
  const double delta = p / (2.0 * (p - 1.0));
  // Trajectories: a random base point on the grid, then each parameter moved once by
  // +delta or -delta, in a random order.
  std::vector<std::vector<double>> points;
  std::vector<std::size_t> moved;  // parameter changed to reach point j (within its trajectory)
  std::vector<double> signs;
  for (std::size_t t = 0; t < r; ++t) {
    RandomStream rng(seed, 0, t, 2);
    std::vector<double> x(k);
    const int half = levels / 2;
    for (std::size_t i = 0; i < k; ++i) {
      int lvl = std::min(half - 1, static_cast<int>(rng.uniform() * half));
      double lo = lvl / (p - 1.0);
      x[i] = rng.uniform() < 0.5 ? lo : lo + delta;  // start low (move up) or high (move down)
    }
    std::vector<std::size_t> order(k);
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t i = k; i > 1; --i) {
      auto j = static_cast<std::size_t>(rng.uniform() * static_cast<double>(i));
      if (j >= i) j = i - 1;
      std::swap(order[i - 1], order[j]);
    }
    points.push_back(x);
    moved.push_back(k);
    signs.push_back(0);
    for (std::size_t i : order) {
      double s = x[i] + delta <= 1.0 + 1e-12 ? 1.0 : -1.0;
      x[i] += s * delta;
      points.push_back(x);
      moved.push_back(i);
      signs.push_back(s);
    }
  }
  auto y = run_samples(points.size(), threads, progress, "Morris points",
                       [&](std::size_t worker, std::size_t j) { return f(worker, points[j]); });
  MorrisResult res;
  res.trajectories = r;
  res.levels = levels;
  res.mu.assign(outputs, std::vector<double>(k, 0.0));
  res.mu_star = res.mu;
  res.sigma = res.mu;
  for (auto& v : y)
    if (v.empty()) {
      ++res.failed;
      v.assign(outputs, std::numeric_limits<double>::quiet_NaN());
    }
  std::vector<std::vector<std::vector<double>>> ee(outputs, std::vector<std::vector<double>>(k));
  for (std::size_t j = 0; j < points.size(); ++j) {
    if (moved[j] == k) continue;
    for (std::size_t o = 0; o < outputs; ++o) {
      double e = (y[j][o] - y[j - 1][o]) / (signs[j] * delta);
      ee[o][moved[j]].push_back(e);
    }
  }
  for (std::size_t o = 0; o < outputs; ++o)
    for (std::size_t i = 0; i < k; ++i) {
      const auto& v = ee[o][i];
      double n = static_cast<double>(v.size()), m = 0, ma = 0;
      std::size_t finite = 0;
      for (double e : v)
        if (std::isfinite(e)) m += e, ma += std::fabs(e), ++finite;
      n = static_cast<double>(finite);
      m /= n;
      ma /= n;
      double s2 = 0;
      for (double e : v)
        if (std::isfinite(e)) s2 += (e - m) * (e - m);
      res.mu[o][i] = m;
      res.mu_star[o][i] = ma;
      res.sigma[o][i] = n > 1 ? std::sqrt(s2 / (n - 1)) : 0;
    }
  return res;
}

}  // namespace ldnsim::science
