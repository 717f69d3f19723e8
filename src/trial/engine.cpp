#include "ldnsim/trial/engine.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "ldnsim/core/format.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/population/bytes.hpp"
#include "ldnsim/population/parallel.hpp"

namespace ldnsim::trial {

namespace {

constexpr double kNaN = stats::kNaN;
constexpr double kDaysPerYear = 365.25;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// One phase of a subject's study: from `start` (study day) on, the covariates of `arm`
// (-1: washout, off treatment).
struct Phase {
  double start;
  int arm;
};

struct Record {
  double day;
  int evid;    // 0 observation at a visit, 2 a change of treatment phase
  int visit;   // visit index (evid 0)
  int phase;   // phase whose covariates the record carries
};

}  // namespace

struct Trial::Impl {
  TrialSpec spec;
  PopulationSpec population;
  lang::ModelPtr model;
  std::unique_ptr<lang::ModelInstance> instance;  // the trial's own parameter values
  engine::SimulationOptions simulation;
  std::unique_ptr<CohortGenerator> generator;

  std::vector<double> visits;                // study days
  std::vector<std::string> outputs;          // observed output names
  std::vector<int> output_index;             // into the model's outputs
  std::vector<int> endpoint_output;          // per endpoint: slot in `outputs` (-1: event count)
  std::vector<std::string> events;           // counted model events
  std::vector<int> event_slot;               // per model event: index into `events`, or -1
  std::vector<int> endpoint_event;           // per endpoint: index into `events`, or -1
  int dropout_slot = -1;
  std::vector<std::string> groups;
  std::vector<std::vector<Phase>> phases;    // per group

  // Data-set columns: ID, TIME, EVID, then population columns, then treatment columns.
  std::vector<std::size_t> population_columns;  // population column index per data column
  std::vector<std::string> treatment_columns;   // model parameter names
  std::vector<std::vector<int>> arm_columns;    // per arm: treatment column per driver value
  DriverRegistry drivers;                       // the caller's, copied: each worker makes its own drivers
  std::vector<double> washout_values;           // per treatment column
  data::Columns data_columns;
  std::unique_ptr<engine::Binding> binding;
  std::vector<int> stratify_columns;

  struct Worker {
    std::optional<data::DatasetBuilder> ds;  // one subject's records
    std::unique_ptr<engine::SubjectSimulator> sim;
    std::vector<std::unique_ptr<TreatmentDriver>> drivers;  // per arm
    std::vector<Record> records;
    std::vector<double> phase_values;  // per phase, per treatment column
    std::vector<double> row;           // one record's values
    std::vector<double> driver_out;
  };
  std::mutex workers_mutex;
  std::vector<std::unique_ptr<Worker>> workers;

  Worker& worker(std::size_t w) {
    std::lock_guard<std::mutex> lock(workers_mutex);
    if (workers.size() <= w) workers.resize(w + 1);
    if (!workers[w]) {
      auto x = std::make_unique<Worker>();
      x->ds.emplace(data_columns);
      x->sim = std::make_unique<engine::SubjectSimulator>(*model, *binding, simulation);
      DriverContext ctx{model.get(), spec.dir};
      for (const auto& arm : spec.arms) x->drivers.push_back(drivers.make(arm.driver, ctx));
      workers[w] = std::move(x);
    }
    return *workers[w];
  }

  void setup();
  void simulate_subject(Worker& w, std::uint64_t seed, std::size_t replicate, std::span<const double> parameters,
                        const Subject& s, int group, double end_day, double withdraw_day, SubjectOutcome& out);
  ReplicateResult run_replicate(Worker& w, const ReplicateUnit& unit, std::vector<Subject>& cohort,
                                std::vector<SubjectOutcome>& outcomes);
  void allocate(std::uint64_t seed, std::size_t replicate, const std::vector<Subject>& cohort, std::vector<int>& group) const;
  void extract(const EndpointSpec& e, const std::vector<SubjectOutcome>& outcomes, EndpointData& d) const;
};

Trial::Trial(Trial&&) noexcept = default;
Trial::~Trial() = default;

engine::SimulationOptions Trial::default_simulation_options() {
  engine::SimulationOptions o;
  o.covariates = engine::CovariateMode::LastRecord;
  o.tolerances.rtol = 1e-6;
  o.tolerances.atol = 1e-8;
  return o;
}

Trial Trial::load(const std::string& spec_path, const DriverRegistry& drivers, const lang::LoadOptions& load,
                  const engine::SimulationOptions& simulation) {
  TrialSpec spec = load_trial_spec(spec_path);
  if (!std::filesystem::is_regular_file(spec.population_path))
    throw InputError(spec.where("trial.population") + ": cannot open the population spec '" + spec.population_path +
                     "' (expected a path relative to " + spec.file + ")");
  if (!std::filesystem::is_regular_file(spec.model_path))
    throw InputError(spec.where("trial.model") + ": cannot open the model '" + spec.model_path +
                     "' (expected a path relative to " + spec.file + ")");
  PopulationSpec pop = load_population(spec.population_path);
  lang::ModelPtr model = lang::load_model(spec.model_path, load);
  return Trial(std::move(spec), std::move(pop), std::move(model), drivers, simulation);
}

Trial::Trial(TrialSpec spec, PopulationSpec population, lang::ModelPtr model, const DriverRegistry& drivers,
             const engine::SimulationOptions& simulation)
    : Trial(std::move(spec), std::move(population), lang::ModelInstance(std::move(model)), drivers, simulation) {}

Trial::Trial(TrialSpec spec, PopulationSpec population, lang::ModelInstance model, const DriverRegistry& drivers,
             const engine::SimulationOptions& simulation)
    : impl_(std::make_unique<Impl>()) {
  impl_->drivers = drivers;
  impl_->spec = std::move(spec);
  impl_->population = std::move(population);
  impl_->model = model.ptr();
  impl_->instance = std::make_unique<lang::ModelInstance>(std::move(model));
  impl_->simulation = simulation;
  impl_->simulation.covariates = engine::CovariateMode::LastRecord;
  impl_->simulation.grid.clear();
  impl_->setup();
}

const TrialSpec& Trial::spec() const { return impl_->spec; }
const PopulationSpec& Trial::population() const { return impl_->population; }
const lang::Model& Trial::model() const { return *impl_->model; }
const lang::ModelInstance& Trial::instance() const { return *impl_->instance; }
const std::vector<double>& Trial::visits() const { return impl_->visits; }
const std::vector<std::string>& Trial::observed_outputs() const { return impl_->outputs; }
const std::vector<std::string>& Trial::groups() const { return impl_->groups; }
const std::vector<std::string>& Trial::counted_events() const { return impl_->events; }

void Trial::Impl::setup() {
  const lang::Model& m = *model;
  const TrialSpec& s = spec;
  generator = std::make_unique<CohortGenerator>(population);
  std::string output_list;
  for (const auto& o : m.outputs()) output_list += (output_list.empty() ? "" : ", ") + o.name;
  auto add_output = [&](const std::string& name, const std::string& key) {
    int oi = m.output_index(name);
    if (oi < 0)
      throw InputError(s.where(key) + ": model " + m.name() + " (" + s.model_path + ") has no output '" + printable(name, 60) +
                       "' (expected one of: " + (output_list.empty() ? "none" : output_list) + ")");
    for (std::size_t k = 0; k < outputs.size(); ++k)
      if (output_index[k] == oi) return static_cast<int>(k);
    outputs.push_back(m.outputs()[static_cast<std::size_t>(oi)].name);
    output_index.push_back(oi);
    return static_cast<int>(outputs.size() - 1);
  };
  event_slot.assign(m.events().size(), -1);
  for (const auto& e : s.endpoints) {
    if (e.event.empty()) {
      endpoint_output.push_back(add_output(e.output, e.key + ".output"));
      endpoint_event.push_back(-1);
      continue;
    }
    endpoint_output.push_back(-1);
    int found = -1;
    std::string list;
    for (std::size_t k = 0; k < m.events().size(); ++k) {
      list += (list.empty() ? "" : ", ") + m.events()[k].name;
      if (iequals(m.events()[k].name, e.event)) found = static_cast<int>(k);
    }
    if (found < 0)
      throw InputError(s.where(e.key + ".event") + ": model " + m.name() + " (" + s.model_path + ") has no event '" + e.event +
                       "' (expected one of: " + (list.empty() ? "none" : list) + ")");
    if (event_slot[static_cast<std::size_t>(found)] < 0) {
      event_slot[static_cast<std::size_t>(found)] = static_cast<int>(events.size());
      events.push_back(m.events()[static_cast<std::size_t>(found)].name);
    }
    endpoint_event.push_back(event_slot[static_cast<std::size_t>(found)]);
  }
  if (!s.dropout_output.empty()) dropout_slot = add_output(s.dropout_output, "dropout.output");

  // Stratification columns.
  for (std::size_t i = 0; i < s.stratify.size(); ++i) {
    int c = population.column_index(s.stratify[i]);
    if (c < 0) {
      std::string cols;
      for (const auto& x : population.columns()) cols += (cols.empty() ? "" : ", ") + x;
      throw InputError(s.where("enrollment.stratify[" + std::to_string(i) + "]") + ": the population (" + population.file +
                       ") has no covariate '" + printable(s.stratify[i], 60) + "' (expected one of: " + cols + ")");
    }
    stratify_columns.push_back(c);
  }

  // Treatment covariates from the drivers.
  std::string param_list;
  for (const auto& p : m.parameters()) param_list += (param_list.empty() ? "" : ", ") + p.name;
  auto treatment_column = [&](const std::string& name, const std::string& key) {
    int pi = m.parameter_index(name);
    if (pi < 0)
      throw InputError(s.where(key) + ": model " + m.name() + " has no parameter '" + printable(name, 60) +
                       "' for the treatment to set (expected one of: " + param_list + ")");
    const std::string& canonical = m.parameters()[static_cast<std::size_t>(pi)].name;
    for (std::size_t k = 0; k < treatment_columns.size(); ++k)
      if (treatment_columns[k] == canonical) return static_cast<int>(k);
    if (population.column_index(canonical) >= 0)
      throw InputError(s.where(key) + ": '" + canonical + "' is a covariate of the population (" + population.file +
                       "); a treatment cannot set it too");
    treatment_columns.push_back(canonical);
    return static_cast<int>(treatment_columns.size() - 1);
  };
  DriverContext ctx{model.get(), spec.dir};
  for (std::size_t a = 0; a < s.arms.size(); ++a) {
    const std::string key = "arms[" + std::to_string(a) + "]";
    if (!drivers.has(s.arms[a].driver))
      throw InputError(s.where(key + ".driver") + ": no treatment driver is named '" + printable(s.arms[a].driver, 60) +
                       "' (expected one of: " + drivers.names() + ")");
    std::vector<std::string> names;
    try {
      names = drivers.make(s.arms[a].driver, ctx)->covariate_names(s.arms[a]);
    } catch (const InputError& e) {
      throw InputError(s.where(key) + ": driver " + s.arms[a].driver + ": " + e.what());
    }
    std::vector<int> cols;
    for (const auto& n : names) {
      std::string k = key + ".covariates." + n;
      if (!s.locations.count(k)) k = key + ".driver";
      cols.push_back(treatment_column(n, k));
    }
    arm_columns.push_back(cols);
  }
  washout_values.assign(treatment_columns.size(), 0.0);
  for (const auto& [name, value] : s.washout_covariates) {
    int c = treatment_column(name, "crossover.washout_covariates." + name);
    washout_values.resize(treatment_columns.size(), 0.0);
    washout_values[static_cast<std::size_t>(c)] = value;
  }

  // Population columns the model reads.
  for (std::size_t c = 0; c < population.columns().size(); ++c)
    if (m.parameter_index(population.columns()[c]) >= 0) population_columns.push_back(c);
  for (const auto& p : m.parameters()) {
    if (p.value) continue;
    bool have = false;
    for (std::size_t c : population_columns) have = have || iequals(population.columns()[c], p.name);
    for (const auto& t : treatment_columns) have = have || iequals(t, p.name);
    if (!have)
      throw InputError(s.where("trial.model") + ": model " + m.name() + " needs covariate " + p.name +
                       ", which neither the population (" + population.file + ") nor the arms' drivers provide");
  }

  // Groups and phases.
  if (s.design == Design::Crossover) {
    for (int q = 0; q < 2; ++q) {
      groups.push_back(s.arms[static_cast<std::size_t>(s.sequences[q][0])].name + "-" + s.arms[static_cast<std::size_t>(s.sequences[q][1])].name);
      std::vector<Phase> ph{{0, s.sequences[q][0]}};
      if (s.washout > 0) ph.push_back({s.period, -1});
      ph.push_back({s.period + s.washout, s.sequences[q][1]});
      phases.push_back(ph);
    }
  } else {
    for (std::size_t a = 0; a < s.arms.size(); ++a) {
      groups.push_back(s.arms[a].name);
      phases.push_back({{0, static_cast<int>(a)}});
    }
  }

  // Visits.
  std::vector<double> v{0, s.duration};
  if (s.design == Design::Retrospective) {
    for (long k = 1; s.visit_every * static_cast<double>(k) <= s.duration + 1e-9; ++k) v.push_back(s.visit_every * static_cast<double>(k));
  }
  if (s.every > 0)
    for (long k = 1; s.every * static_cast<double>(k) <= s.duration + 1e-9; ++k) v.push_back(s.every * static_cast<double>(k));
  for (double x : s.visits) v.push_back(x);
  if (s.design == Design::Crossover) {
    v.push_back(s.period);
    v.push_back(s.period + s.washout);
  }
  for (const auto& e : s.endpoints) {
    if (e.time_last) continue;
    const bool paired_crossover = s.design == Design::Crossover && e.analysis != Analysis::StudentT &&
                                  e.analysis != Analysis::WelchT && e.analysis != Analysis::WilcoxonRankSum;
    if (paired_crossover) {
      v.push_back(e.time);
      v.push_back(s.period + s.washout + e.time);
    } else if (e.type == EndpointType::Continuous || e.type == EndpointType::Responder) {
      v.push_back(e.time);
    }
  }
  std::sort(v.begin(), v.end());
  for (double x : v)
    if (visits.empty() || x - visits.back() > 1e-9) visits.push_back(x);

  // Data-set columns: each subject's records are built with them.
  std::vector<std::string> names = {"ID", "TIME", "EVID"};
  for (std::size_t c : population_columns) names.push_back(population.columns()[c]);
  for (const auto& t : treatment_columns) names.push_back(t);
  data_columns = data::Columns(std::move(names), s.file + " (trial data set)", 0);
  binding = std::make_unique<engine::Binding>(*model, data_columns);
}

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

namespace {

void pack(const ReplicateResult& r, std::string& buffer) {
  population::BytesWriter w(buffer);
  w.put(r.replicate), w.put(r.randomised), w.put(r.withdrawn), w.put(r.lost), w.put(r.screened);
  w.put(r.withdrawn_by_group);
  w.put(r.course);
  w.put(r.endpoints.size());
  for (const EndpointResult& e : r.endpoints) {
    w.put(e.estimate), w.put(e.lower), w.put(e.upper), w.put(e.p_value), w.put(e.significant);
    w.put(e.n), w.put(e.n_treatment), w.put(e.n_control), w.put(e.mean_treatment), w.put(e.mean_control);
    w.put(e.period_effect), w.put(e.period_p), w.put(e.carryover_p), w.put(e.error);
  }
}

void unpack(const std::string& buffer, ReplicateResult& r) {
  population::BytesReader in(buffer);
  in.get(r.replicate), in.get(r.randomised), in.get(r.withdrawn), in.get(r.lost), in.get(r.screened);
  in.get(r.withdrawn_by_group);
  in.get(r.course);
  std::size_t n = 0;
  in.get(n);
  if (n > buffer.size()) throw std::runtime_error("replicate result buffer too short");
  r.endpoints.resize(n);
  for (EndpointResult& e : r.endpoints) {
    in.get(e.estimate), in.get(e.lower), in.get(e.upper), in.get(e.p_value), in.get(e.significant);
    in.get(e.n), in.get(e.n_treatment), in.get(e.n_control), in.get(e.mean_treatment), in.get(e.mean_control);
    in.get(e.period_effect), in.get(e.period_p), in.get(e.carryover_p), in.get(e.error);
  }
}

}  // namespace

TrialResults Trial::run(const RunOptions& options) const {
  std::vector<ReplicateUnit> units(options.replicates);
  for (std::size_t r = 0; r < units.size(); ++r) units[r] = {options.seed, r, options.model};
  TrialResults out;
  out.seed = options.seed;
  out.replicates = run_units(units, options);
  return out;
}

std::vector<ReplicateResult> Trial::run_units(const std::vector<ReplicateUnit>& units, const RunOptions& options) const {
  for (const auto& u : units)
    if (u.model && u.model->ptr() != impl_->model)
      throw Error("trial " + impl_->spec.file + ": a replicate's parameter values belong to another model (" +
                  u.model->model().file() + ")");
  std::vector<ReplicateResult> out(units.size());
  population::ParallelOptions par;
  par.threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(1, options.threads)),
                                                       std::max<std::size_t>(1, units.size())));
  par.progress = options.progress;
  par.what = "replicates";
  const std::size_t nw = static_cast<std::size_t>(population::worker_count(par));
  // Per job slot: the cohort and outcomes, kept until consumed when subject-level data is
  // asked for; otherwise per worker.
  const bool keep = static_cast<bool>(options.on_subjects);
  // Subject-level outcomes point into their cohort and stay in this process; otherwise a
  // replicate's result travels through the buffer, so the replicates can run in other
  // processes (mpirun, src/distributed).
  par.local_only = keep;
  std::vector<std::vector<Subject>> cohorts(keep ? units.size() : nw);
  std::vector<std::vector<SubjectOutcome>> outcomes(keep ? units.size() : nw);
  for (std::size_t w = 0; w < nw; ++w) impl_->worker(w);
  population::run_ordered(
      units.size(), par,
      [&](std::size_t w, std::size_t k, std::string& buffer) {
        const std::size_t slot = keep ? k : w;
        out[k] = impl_->run_replicate(impl_->worker(w), units[k], cohorts[slot], outcomes[slot]);
        if (!keep) pack(out[k], buffer);
      },
      [&](std::size_t k, std::string& buffer) {
        if (!keep) {
          unpack(buffer, out[k]);
          return;
        }
        options.on_subjects(k, outcomes[k]);
        std::vector<SubjectOutcome>().swap(outcomes[k]);
        std::vector<Subject>().swap(cohorts[k]);
      });
  return out;
}

std::string Trial::plan() const {
  const TrialSpec& s = impl_->spec;
  std::string p;
  auto line = [&](const std::string& x) { p += x + "\n"; };
  line(s.title + " (" + s.file + ")");
  line("  design: " + std::string(to_string(s.design)) + ", n = " + std::to_string(s.n) + ", alpha = " + format_number(s.alpha));
  line("  model: " + impl_->model->name() + " (" + s.model_path + "), time unit: " + (s.time_scale == 1 ? "day" : "hour"));
  line("  population: " + (impl_->population.name.empty() ? impl_->population.file : impl_->population.name) + " (" +
       impl_->population.file + "), inclusion accepts " + format_number(100 * impl_->population.acceptance, 3) + "% of draws");
  for (std::size_t a = 0; a < s.arms.size(); ++a) {
    std::string cov;
    for (std::size_t k = 0; k < impl_->arm_columns[a].size(); ++k)
      cov += (k ? ", " : "") + impl_->treatment_columns[static_cast<std::size_t>(impl_->arm_columns[a][k])];
    line("  arm " + s.arms[a].name + (s.arms[a].placebo ? " (placebo)" : "") + ": driver " + s.arms[a].driver + " sets " +
         (cov.empty() ? "nothing" : cov));
  }
  for (std::size_t g = 0; g < impl_->groups.size(); ++g) {
    std::string ph;
    for (const auto& x : impl_->phases[g])
      ph += (ph.empty() ? "" : ", ") + std::string(x.arm < 0 ? "washout" : s.arms[static_cast<std::size_t>(x.arm)].name) +
            " from day " + format_number(x.start);
    line("  group " + impl_->groups[g] + ": " + ph);
  }
  std::string v;
  for (double x : impl_->visits) v += (v.empty() ? "" : ", ") + format_number(x);
  line("  visits (study day): " + v + "; study ends on day " + format_number(s.duration));
  for (const auto& e : s.endpoints)
    line("  endpoint " + e.name + ": " + to_string(e.type) + " " + (e.event.empty() ? e.output : "event " + e.event) + ", analysis " + to_string(e.analysis) +
         (e.time_last ? ", last charted visit"
          : (e.type == EndpointType::Count || e.type == EndpointType::Progression) ? ""
          : (s.design == Design::Crossover && e.analysis != Analysis::StudentT && e.analysis != Analysis::WelchT &&
             e.analysis != Analysis::WilcoxonRankSum)
              ? ", day " + format_number(e.time) + " of each period"
              : ", study day " + format_number(e.time)));
  return p;
}

}  // namespace ldnsim::trial
