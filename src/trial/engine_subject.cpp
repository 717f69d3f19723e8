// The trial engine per subject: one subject's records through the phases of their group
// (drivers, visits, dropout), and the allocation of a cohort to the groups.
#include "engine_impl.hpp"

namespace ldnsim::trial {

using namespace engine_detail;

// Subject s (already allocated to `group`) from day 0 to `end_day`, withdrawn at
// `withdraw_day` by the spec-level dropout (infinite: never).
void Trial::Impl::simulate_subject(Worker& w, std::uint64_t seed, std::size_t replicate, std::span<const double> parameters,
                                   const Subject& s, int group, double end_day, double withdraw_day, SubjectOutcome& out) {
  const std::vector<Phase>& ph = phases[static_cast<std::size_t>(group)];
  const std::size_t nt = treatment_columns.size();
  const std::size_t nv = visits.size();
  const std::size_t no = outputs.size();
  out.values.assign(no * nv, kNaN);
  out.event_times.resize(events.size());
  for (auto& v : out.event_times) v.clear();
  out.withdrawn_at = -1;
  out.lost = false;
  out.follow_up = end_day;

  // Treatment covariates of each phase, from the drivers.
  w.phase_values.assign(ph.size() * nt, 0.0);
  for (std::size_t p = 0; p < ph.size(); ++p) {
    double* vals = &w.phase_values[p * nt];
    if (ph[p].arm < 0) {
      std::copy(washout_values.begin(), washout_values.end(), vals);
      continue;
    }
    const auto arm = static_cast<std::size_t>(ph[p].arm);
    const auto& cols = arm_columns[arm];
    w.driver_out.assign(cols.size(), 0.0);
    RandomStream rng(seed, replicate, s.index, stream::kDriver + static_cast<std::uint32_t>(p));
    w.drivers[arm]->covariates(spec.arms[arm], s, rng, w.driver_out);
    for (std::size_t k = 0; k < cols.size(); ++k) vals[static_cast<std::size_t>(cols[k])] = w.driver_out[k];
  }

  // Records: visits up to the end (and before withdrawal), phase changes.
  w.records.clear();
  const double stop = std::min(end_day, withdraw_day);
  std::size_t p = 0;
  for (std::size_t v = 0; v < nv; ++v) {
    const double day = visits[v];
    if (day > end_day + 1e-9 || (day >= withdraw_day && day > 0)) break;
    while (p + 1 < ph.size() && ph[p + 1].start < day - 1e-9) {
      ++p;
      w.records.push_back({ph[p].start, 2, -1, static_cast<int>(p)});
    }
    w.records.push_back({day, 0, static_cast<int>(v), static_cast<int>(p)});
  }
  while (p + 1 < ph.size() && ph[p + 1].start < stop - 1e-9) {
    ++p;
    w.records.push_back({ph[p].start, 2, -1, static_cast<int>(p)});
  }
  if (std::isfinite(withdraw_day) && withdraw_day < end_day) out.withdrawn_at = withdraw_day;

  // The data set of this one subject (record rows number its records from 0).
  data::DatasetBuilder& ds = *w.ds;
  ds.clear();
  w.row.resize(data_columns.size());
  for (const Record& rec : w.records) {
    double* row = w.row.data();
    row[0] = static_cast<double>(s.index + 1);
    row[1] = rec.day * spec.time_scale;
    row[2] = rec.evid;
    std::size_t c = 3;
    for (std::size_t pc : population_columns) row[c++] = s.values[pc];
    const double* tv = &w.phase_values[static_cast<std::size_t>(rec.phase) * nt];
    for (std::size_t k = 0; k < nt; ++k) row[c++] = tv[k];
    ds.add(w.row);
  }

  struct Sink : engine::RowSink {
    const std::vector<Record>* records;
    const std::vector<int>* output_index;
    const std::vector<int>* event_slot;
    double time_scale;
    SubjectOutcome* out;
    std::size_t nv;
    void event(const engine::EventRow& e) override {
      int k = (*event_slot)[static_cast<std::size_t>(e.event)];
      if (k >= 0) out->event_times[static_cast<std::size_t>(k)].push_back(e.time / time_scale);
    }
    void row(const engine::OutputRow& r) override {
      if (!r.record) return;
      const Record& rec = (*records)[r.record->row];
      if (rec.evid != 0) return;
      for (std::size_t o = 0; o < output_index->size(); ++o)
        out->values[o * nv + static_cast<std::size_t>(rec.visit)] = r.outputs[(*output_index)[o]];
    }
  } sink;
  sink.records = &w.records;
  sink.output_index = &output_index;
  sink.event_slot = &event_slot;
  sink.time_scale = spec.time_scale;
  sink.out = &out;
  sink.nv = nv;
  try {
    // The model's random elements (random draws, cv, rate events, output noise) come from
    // the streams keyed (seed, replicate, subject ID), the ID being s.index + 1.
    const engine::RandomKey key{seed, replicate};
    w.sim->run(ds.dataset().subject(0), sink, parameters, &key);
  } catch (const SolverError& e) {
    throw SolverError("replicate " + std::to_string(replicate) + ", subject " + std::to_string(s.index + 1) + ": " + e.what());
  }

  // Withdrawal flagged by the model.
  if (dropout_slot >= 0) {
    const double* flag = &out.values[static_cast<std::size_t>(dropout_slot) * nv];
    for (std::size_t v = 1; v < nv; ++v) {
      if (std::isfinite(flag[v]) && flag[v] >= 0.5) {
        if (out.withdrawn_at < 0 || visits[v] < out.withdrawn_at) out.withdrawn_at = visits[v];
        break;
      }
    }
  }
  if (out.withdrawn_at >= 0) {
    for (std::size_t v = 0; v < nv; ++v)
      if (visits[v] >= out.withdrawn_at - 1e-9 && visits[v] > 0)
        for (std::size_t o = 0; o < no; ++o)
          if (static_cast<int>(o) != dropout_slot) out.values[o * nv + v] = kNaN;
    out.follow_up = std::min(out.follow_up, out.withdrawn_at);
  }
  for (auto& times : out.event_times)
    times.erase(std::remove_if(times.begin(), times.end(), [&](double d) { return d > out.follow_up + 1e-9; }), times.end());
}

void Trial::Impl::allocate(std::uint64_t seed, std::size_t replicate, const std::vector<Subject>& cohort,
                           std::vector<int>& group) const {
  const std::size_t ng = groups.size();
  group.assign(cohort.size(), 0);
  if (ng == 1) return;
  RandomStream rng(seed, replicate, 0, stream::kAllocation);
  double total = 0;
  for (double a : spec.allocation) total += a;
  if (spec.block_size == 0) {
    for (std::size_t i = 0; i < cohort.size(); ++i) {
      double u = rng.uniform() * total, cum = 0;
      int g = static_cast<int>(ng) - 1;
      for (std::size_t k = 0; k < ng; ++k) {
        cum += spec.allocation[k];
        if (u < cum) {
          g = static_cast<int>(k);
          break;
        }
      }
      group[i] = g;
    }
    return;
  }
  // Permuted blocks within strata.
  std::vector<int> block_template;
  const double per = spec.block_size / total;
  for (std::size_t k = 0; k < ng; ++k)
    for (long c = 0; c < std::lround(spec.allocation[k] * per); ++c) block_template.push_back(static_cast<int>(k));
  std::map<std::vector<double>, std::pair<std::vector<int>, std::size_t>> strata;
  std::vector<double> key(stratify_columns.size());
  for (std::size_t i = 0; i < cohort.size(); ++i) {
    for (std::size_t k = 0; k < stratify_columns.size(); ++k) key[k] = cohort[i].values[static_cast<std::size_t>(stratify_columns[k])];
    auto& [block, next] = strata[key];
    if (next >= block.size()) {
      block = block_template;
      for (std::size_t k = block.size(); k > 1; --k) {
        auto j = static_cast<std::size_t>(rng.uniform() * static_cast<double>(k));
        if (j >= k) j = k - 1;
        std::swap(block[k - 1], block[j]);
      }
      next = 0;
    }
    group[i] = block[next++];
  }
}

}  // namespace ldnsim::trial
