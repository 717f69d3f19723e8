#include "entries.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/dataset.hpp"
#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/science/claims.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/server/dose_api.hpp"
#include "ldnsim/output/json_output.hpp"
#include "ldnsim/trial/driver.hpp"
#include "ldnsim/trial/engine.hpp"
#include "ldnsim/trial/population.hpp"
#include "ldnsim/trial/spec.hpp"

#ifndef LDNSIM_SOURCE_DIR
#define LDNSIM_SOURCE_DIR "."
#endif

namespace ldnsim::fuzz {
namespace {

namespace fs = std::filesystem;

std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

lang::LoadOptions interpreted() {
  lang::LoadOptions o;
  o.engine = lang::Engine::Interpreter;  // nothing is compiled natively while fuzzing
  return o;
}

// ---- model ---------------------------------------------------------------------------

void run_programs(const lang::Model& m) {
  std::vector<double> p = m.default_parameter_block();
  const lang::Kernel& k = m.kernel();
  std::vector<double> work(k.work_size + 1), y(m.state_count(), 1.0), dy(m.state_count());
  std::vector<double> out(m.output_count() + 1), g(m.root_count() + 1);
  std::vector<double> draws(m.output_draws().size() + 1, 0.25);
  (void)k.pre(k.ctx, p.data(), work.data());
  for (std::size_t s = 0; s < m.state_count(); ++s) y[s] = p[static_cast<std::size_t>(m.initial_value_slot(static_cast<int>(s)))];
  k.rhs(k.ctx, 0.5, y.data(), p.data(), dy.data(), work.data());
  (void)k.outputs(k.ctx, 0.5, y.data(), p.data(), out.data(), draws.data(), work.data());
  k.roots(k.ctx, 0.5, y.data(), p.data(), g.data(), work.data());
  for (std::size_t e = 0; e < m.events().size(); ++e) {
    std::vector<double> action_draws(m.events()[e].action_draws.size() + 1, 0.75);
    (void)k.action(k.ctx, static_cast<int>(e), 0.5, y.data(), p.data(), action_draws.data(), work.data());
  }
  for (const auto& par : m.parameters()) (void)m.parameter_index(par.name);
}

// ---- data set ----------------------------------------------------------------------------

constexpr const char* kDatasetModel = R"(model fuzz_pk "two compartments, every dosing property"
param CL = 1.1
param V = 20
param KA = 1.5
param WT = 70
param BIOAV = 0.8
state GUT = 0 depot
state CENT = 0
d/dt(GUT) = -KA * GUT
d/dt(CENT) = KA * GUT - CL * (WT / 70) / V * CENT
F(GUT) = BIOAV
ALAG(GUT) = 0.25
R(CENT) = 2
D(CENT) = 3
event HIGH when CENT > 5
output CP = CENT / V
)";

class CountRows : public engine::RowSink {
 public:
  void row(const engine::OutputRow& r) override {
    ++rows;
    sum += r.time;
  }
  long rows = 0;
  double sum = 0;
};

// ---- specs ---------------------------------------------------------------------------------

// A private directory with the fixtures specs may name (the trial tests' model, population
// and specs), where each input is written as spec.toml.
const fs::path& spec_directory() {
  static const fs::path dir = [] {
    std::string t = (fs::temp_directory_path() / "ldnsim-fuzz-XXXXXX").string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
    const fs::path data = fs::path(LDNSIM_SOURCE_DIR) / "tests" / "trial" / "data";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(data, ec)) fs::copy_file(e.path(), fs::path(t) / e.path().filename(), ec);
    return fs::path(t);
  }();
  return dir;
}

std::string write_spec(std::string_view content) {
  const fs::path p = spec_directory() / "spec.toml";
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(content.data(), static_cast<std::streamsize>(content.size()));
  return p.string();
}

}  // namespace

int model(const std::uint8_t* data, std::size_t size) {
  try {
    lang::ModelPtr m = lang::parse_model(text(data, size), "fuzz.ldn", interpreted());
    run_programs(*m);
    (void)m->generated_cpp();
  } catch (const Error&) {
    // a clear rejection
  }
  return 0;
}

int dataset(const std::uint8_t* data, std::size_t size) {
  static const lang::ModelPtr m = lang::parse_model(kDatasetModel, "fuzz_pk.ldn", interpreted());
  try {
    data::Dataset ds = data::parse_dataset(text(data, size), "fuzz.csv");
    engine::Binding binding(*m, ds);
    engine::SimulationOptions o;
    o.tolerances.max_steps = 20000;  // bounded work per input
    o.ss_max_intervals = 200;
    engine::SubjectSimulator sim(*m, binding, o);
    CountRows rows;
    for (std::size_t s = 0; s < ds.subject_count() && s < 8; ++s) {
      try {
        sim.run(ds.subject(s), rows);
      } catch (const SolverError&) {
        // a numerical failure, reported per subject
      }
    }
  } catch (const Error&) {
  }
  return 0;
}

int spec(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body = text(data + 1, size - 1);
  int which = 0;
  switch (data[0]) {
    case 'T': which = 0; break;
    case 'P': which = 1; break;
    case 'C': which = 2; break;
    case 'K': which = 3; break;
    case 'L': which = 4; break;
    default: which = data[0] % 5;
  }
  try {
    switch (which) {
      case 0: (void)trial::parse_trial_spec(body, "spec.toml"); break;
      case 1: (void)trial::parse_population(body, "population.toml"); break;
      case 2: (void)science::load_calibration_spec(write_spec(body)); break;
      case 3: (void)science::load_claims(write_spec(body)); break;
      default: {
        static const trial::DriverRegistry drivers = trial::DriverRegistry::builtin();
        trial::Trial t = trial::Trial::load(write_spec(body), drivers, interpreted());
        (void)t.plan();
      }
    }
  } catch (const Error&) {
  }
  return 0;
}

int query(const std::uint8_t* data, std::size_t size) {
  // name=value pairs separated by '&', as the HTTP layer hands them over (decoded).
  server::QueryParams params;
  std::string_view s = text(data, size);
  while (!s.empty()) {
    auto amp = s.find('&');
    std::string_view pair = s.substr(0, amp);
    auto eq = pair.find('=');
    params.emplace(std::string(pair.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    s.remove_prefix(amp + 1);
  }
  try {
    server::DoseQuery q = server::parse_dose_query(params);
    (void)q.key();
    (void)q.clock();
  } catch (const server::BadRequest& e) {
    (void)json_output::dump(e.to_json());  // the 400 answer, as the server serialises it
  } catch (const Error&) {
  }
  return 0;
}

const std::vector<Target>& targets() {
  static const std::vector<Target> t = {{"model", model}, {"dataset", dataset}, {"spec", spec}, {"query", query}};
  return t;
}

}  // namespace ldnsim::fuzz
