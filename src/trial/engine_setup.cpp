// The trial engine's set-up, once per loaded trial: observed outputs and counted events of the
// endpoints, strata, treatment columns per arm and driver, the phases of each group (washout,
// crossover periods, retrospective exposure) and the data-set columns the model binds.
#include "engine_impl.hpp"

namespace ldnsim::trial {

using namespace engine_detail;

void Trial::Impl::setup() {
  const lang::Model& m = *model;
  const TrialSpec& s = spec;
  generator = std::make_unique<CohortGenerator>(population);
  // One indication for trial, model and population (each may leave it unstated, except that
  // a population without one is an MS population: it has subtypes).
  const std::string pop_indication = population.indication.empty() ? "ms" : population.indication;
  if (!m.indication().empty() && !s.indication.empty() && m.indication() != s.indication)
    throw InputError(s.where("trial.model") + ": model " + m.name() + " (" + s.model_path + ") is a model of '" + m.indication() +
                     "', the trial is for '" + s.indication + "' (trial.indication; expected a model of that indication)");
  const std::string& want = !s.indication.empty() ? s.indication : m.indication();
  if (!want.empty() && pop_indication != want)
    throw InputError(s.where("trial.population") + ": the population (" + population.file + ") is for '" + pop_indication +
                     "', the " + (!s.indication.empty() ? "trial" : "model " + m.name()) + " for '" + want +
                     "' (expected a population of that indication" +
                     (population.indication.empty() ? ": a population without `indication` is an MS population" : "") + ")");
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

}  // namespace ldnsim::trial
