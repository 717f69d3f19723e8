// Running a model over an inline data set, for engine tests.
#pragma once

#include <string>
#include <vector>

#include "collect.hpp"
#include "ldnsim/data/dataset.hpp"
#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::test {

inline lang::ModelPtr model(const std::string& text, lang::Engine engine = lang::Engine::Interpreter) {
  lang::LoadOptions o;
  o.engine = engine;
  return lang::parse_model(text, "inline.ldn", o);
}

// All rows of all subjects, in output order.
inline std::vector<Row> run(const lang::Model& m, const std::string& csv, engine::SimulationOptions opt = {}) {
  data::Dataset ds = data::parse_dataset(csv, "inline.csv");
  engine::Binding binding(m, ds);
  engine::SubjectSimulator sim(m, binding, opt);
  Collect rows;
  rows.n_states = m.state_count();
  rows.n_outputs = m.output_count();
  for (std::size_t s = 0; s < ds.subject_count(); ++s) sim.run(ds.subject(s), rows);
  return rows.rows;
}

inline engine::SimulationOptions tight(solver::Method method = solver::Method::Auto) {
  engine::SimulationOptions o;
  o.method = method;
  o.tolerances.rtol = 1e-10;
  o.tolerances.atol = 1e-12;
  return o;
}

inline std::vector<double> grid(double from, double to, double step) {
  std::vector<double> g;
  for (long k = 0; from + static_cast<double>(k) * step <= to + 1e-12; ++k) g.push_back(from + static_cast<double>(k) * step);
  return g;
}

}  // namespace ldnsim::test
