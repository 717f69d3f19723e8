// The trial engine per replicate: the cohort, its allocation and simulation, and the
// analyses of each endpoint (the data an analysis needs extracted from the subjects' outcomes).
#include "engine_impl.hpp"

namespace ldnsim::trial {

using namespace engine_detail;

namespace {

int visit_at(const std::vector<double>& visits, double day) {
  for (std::size_t v = 0; v < visits.size(); ++v)
    if (std::abs(visits[v] - day) < 1e-6) return static_cast<int>(v);
  return -1;
}

}  // namespace

void Trial::Impl::extract(const EndpointSpec& e, const std::vector<SubjectOutcome>& outcomes, EndpointData& d) const {
  d = EndpointData{};
  const std::size_t nv = visits.size();
  const auto index = static_cast<std::size_t>(&e - spec.endpoints.data());
  const int counted = endpoint_event[index];
  const auto slot = static_cast<std::size_t>(std::max(0, endpoint_output[index]));
  const bool crossover = spec.design == Design::Crossover;
  const bool two_sample = e.analysis == Analysis::StudentT || e.analysis == Analysis::WelchT || e.analysis == Analysis::WilcoxonRankSum;
  for (const SubjectOutcome& so : outcomes) {
    if (so.lost) continue;
    const double* V = so.values.empty() ? nullptr : &so.values[slot * nv];
    // Group 1 = treatment, 0 = control (crossover two-sample: the sequence starting on treatment).
    int g;
    if (crossover) g = spec.sequences[static_cast<std::size_t>(so.group)][0] == e.treatment ? 1 : 0;
    else if (spec.design == Design::Parallel) {
      if (so.group == e.treatment) g = 1;
      else if (so.group == e.control) g = 0;
      else continue;
    } else g = 1;
    if (counted >= 0) {
      if (!(so.follow_up > 0)) continue;
      d.count.push_back(static_cast<double>(so.event_times[static_cast<std::size_t>(counted)].size()));
      d.exposure.push_back(so.follow_up / kDaysPerYear);
      d.group.push_back(g);
      continue;
    }
    if (e.type == EndpointType::Count) {
      int last = -1;
      for (std::size_t v = 1; v < nv; ++v)
        if (std::isfinite(V[v])) last = static_cast<int>(v);
      if (!std::isfinite(V[0]) || last < 0) continue;
      d.count.push_back(std::max(0.0, std::round(V[last] - V[0])));
      d.exposure.push_back(visits[static_cast<std::size_t>(last)] / kDaysPerYear);
      d.group.push_back(g);
      continue;
    }
    if (e.type == EndpointType::Progression) {
      if (!std::isfinite(V[0])) continue;
      ProgressionRule rule{e.increase, e.increase_high, e.cutoff, e.confirm};
      ProgressionOutcome po = confirmed_progression(visits, std::span<const double>(V, nv), rule);
      if (!std::isfinite(po.time) || (po.time <= 0 && !po.event)) continue;
      d.time.push_back(po.time);
      d.event.push_back(po.event ? 1 : 0);
      d.group.push_back(g);
      continue;
    }
    auto measure = [&](int vi, int bi, double& m, double& base) {
      if (vi < 0) return false;
      double x = V[vi];
      base = bi >= 0 ? V[bi] : kNaN;
      if (!std::isfinite(x)) return false;
      const bool needs_base = e.measure == Measure::Change || e.analysis == Analysis::Ancova ||
                              (!crossover && e.measure == Measure::Value &&
                               (e.analysis == Analysis::PairedT || e.analysis == Analysis::WilcoxonSignedRank));
      if (needs_base && !std::isfinite(base)) return false;
      m = e.measure == Measure::Change ? x - base : x;
      return true;
    };
    if (crossover && !two_sample) {
      const double starts[2] = {0, spec.period + spec.washout};
      double m[2], b;
      bool ok = true;
      for (int k = 0; k < 2 && ok; ++k) {
        int vi = visit_at(visits, starts[k] + e.time);
        int bi = e.period_baseline ? visit_at(visits, starts[k]) : 0;
        ok = measure(vi, bi, m[k], b);
      }
      if (!ok) continue;
      const bool ab = spec.sequences[static_cast<std::size_t>(so.group)][0] == e.treatment;
      d.p1.push_back(m[0]);
      d.p2.push_back(m[1]);
      d.sequence_ab.push_back(ab);
      d.a.push_back(ab ? m[0] : m[1]);
      d.b.push_back(ab ? m[1] : m[0]);
      continue;
    }
    int vi;
    if (e.time_last) {
      vi = -1;
      for (std::size_t v = 1; v < nv; ++v)
        if (std::isfinite(V[v])) vi = static_cast<int>(v);
    } else {
      vi = visit_at(visits, e.time);
    }
    double m, b;
    if (!measure(vi, 0, m, b)) continue;
    d.y.push_back(m);
    d.baseline.push_back(b);
    d.group.push_back(g);
  }
}

ReplicateResult Trial::Impl::run_replicate(Worker& w, const ReplicateUnit& unit, std::vector<Subject>& cohort,
                                           std::vector<SubjectOutcome>& outcomes) {
  const TrialSpec& s = spec;
  const std::uint64_t seed = unit.seed;
  const std::size_t replicate = unit.replicate;
  const lang::ModelInstance& values = unit.model ? *unit.model : *instance;
  ReplicateResult res;
  res.replicate = replicate;
  const auto n = static_cast<std::size_t>(s.n);
  cohort.resize(n);
  outcomes.resize(n);
  std::vector<double> follow(n, s.duration);
  if (s.design == Design::Retrospective) {
    // Charts: draw patients until n have at least the minimum follow-up.
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++k) {
      if (k > 1000 * n + 100000)
        throw InputError(s.where("retrospective.min_follow_up") + ": almost no chart has the minimum follow-up");
      generator->draw(seed, replicate, k, cohort[i]);
      RandomStream rng(seed, replicate, k, stream::kFollowUp);
      double f = s.follow_up.quantile(rng.uniform());
      if (f < s.min_follow_up || !(f > 0)) continue;
      follow[i++] = f;
    }
    res.screened = static_cast<long>(k);
  } else {
    for (std::size_t i = 0; i < n; ++i) generator->draw(seed, replicate, i, cohort[i]);
    res.screened = static_cast<long>(n);
  }
  std::vector<int> group;
  allocate(seed, replicate, cohort, group);

  const double lambda = s.dropout_fraction > 0 ? -std::log(1 - s.dropout_fraction) / s.dropout_by : 0;
  for (std::size_t i = 0; i < n; ++i) {
    double withdraw = std::numeric_limits<double>::infinity();
    if (lambda > 0) {
      RandomStream rng(seed, replicate, cohort[i].index, stream::kDropout);
      withdraw = rng.exponential() / lambda;
    }
    outcomes[i].subject = &cohort[i];
    outcomes[i].group = group[i];
    simulate_subject(w, seed, replicate, values.values(), cohort[i], group[i], follow[i], withdraw, outcomes[i]);
  }

  // Administrative data loss among those who did not withdraw.
  std::vector<std::size_t> stayed;
  for (std::size_t i = 0; i < n; ++i)
    if (outcomes[i].withdrawn_at < 0) stayed.push_back(i);
  if (s.lost_subjects > 0) {
    RandomStream rng(seed, replicate, 0, stream::kDataLoss);
    const std::size_t m = std::min(stayed.size(), static_cast<std::size_t>(s.lost_subjects));
    for (std::size_t k = 0; k < m; ++k) {
      auto j = k + static_cast<std::size_t>(rng.uniform() * static_cast<double>(stayed.size() - k));
      if (j >= stayed.size()) j = stayed.size() - 1;
      std::swap(stayed[k], stayed[j]);
      outcomes[stayed[k]].lost = true;
    }
  }
  const std::size_t nv = visits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (s.lost_fraction == 0 && s.lost_visit_fraction == 0 && (s.design != Design::Retrospective || s.charted >= 1)) break;
    SubjectOutcome& so = outcomes[i];
    RandomStream rng(seed, replicate, cohort[i].index, stream::kDataLoss);
    if (s.lost_fraction > 0 && so.withdrawn_at < 0 && !so.lost && rng.uniform() < s.lost_fraction) so.lost = true;
    for (std::size_t v = 0; v < nv; ++v) {
      bool missing = s.lost_visit_fraction > 0 && rng.uniform() < s.lost_visit_fraction;
      if (s.design == Design::Retrospective && v > 0 && s.charted < 1) missing = rng.uniform() >= s.charted || missing;
      if (!missing) continue;
      for (std::size_t o = 0; o < outputs.size(); ++o)
        if (static_cast<int>(o) != dropout_slot) so.values[o * nv + v] = kNaN;
    }
  }

  res.randomised = static_cast<long>(n);
  res.withdrawn_by_group.assign(groups.size(), 0);
  for (const auto& so : outcomes) {
    if (so.withdrawn_at >= 0) {
      ++res.withdrawn;
      ++res.withdrawn_by_group[static_cast<std::size_t>(so.group)];
    }
    if (so.lost) ++res.lost;
  }

  // Endpoints.
  EndpointData d;
  for (const auto& e : s.endpoints) {
    extract(e, outcomes, d);
    res.endpoints.push_back(analyse(e, d, s.alpha));
  }

  // Arms' mean course.
  const std::size_t no = outputs.size(), ng = groups.size();
  res.course.assign(ng * no * nv, 0.0);
  std::vector<double> count(ng * no * nv, 0.0);
  for (const auto& so : outcomes) {
    if (so.lost) continue;
    for (std::size_t o = 0; o < no; ++o)
      for (std::size_t v = 0; v < nv; ++v) {
        double x = so.values[o * nv + v];
        if (!std::isfinite(x)) continue;
        std::size_t k = (static_cast<std::size_t>(so.group) * no + o) * nv + v;
        res.course[k] += x;
        count[k] += 1;
      }
  }
  for (std::size_t k = 0; k < res.course.size(); ++k) res.course[k] = count[k] > 0 ? res.course[k] / count[k] : kNaN;
  return res;
}

}  // namespace ldnsim::trial
