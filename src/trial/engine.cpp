// The trial engine (include/ldnsim/trial/engine.hpp): loading a trial, running its replicates
// on the worker pool (or as units a distributed executor hands out), and the plan text. The
// set-up is in engine_setup.cpp, one subject's simulation and the allocation in
// engine_subject.cpp, one replicate and its analyses in engine_replicate.cpp.
#include "engine_impl.hpp"

namespace ldnsim::trial {

using namespace engine_detail;

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
