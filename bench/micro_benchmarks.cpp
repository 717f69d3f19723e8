// Micro-benchmarks of the engine's hot paths (Google Benchmark). Whole-run comparisons
// with the peer tools are in bench/compare.
#include <benchmark/benchmark.h>

#include <string>

#include "ldnsim/core/format.hpp"
#include "ldnsim/data/regimen.hpp"
#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/models/builtin.hpp"

namespace {

using namespace ldnsim;

lang::ModelPtr reference_model(lang::Engine engine) {
  static const int registered = (models::register_builtin_models(), 0);
  (void)registered;
  lang::LoadOptions o;
  o.engine = engine;
  return lang::load_model(std::string(LDNSIM_SOURCE_DIR) + "/bench/reference.ldn", o);
}

class Discard : public engine::RowSink {
 public:
  void row(const engine::OutputRow& r) override { benchmark::DoNotOptimize(r.outputs[0]); }
};

// One subject-year of the reference workload (365 nightly doses), with or without the
// hourly output grid, native or interpreted, per solver.
void subject_year(benchmark::State& state, lang::Engine engine, solver::Method method, bool hourly) {
  auto model = reference_model(engine);
  data::Regimen g;
  g.amount = 4500;
  g.first = 22;
  g.interval = 24;
  g.doses = 365;
  data::Dataset ds = data::regimen_dataset(g, nullptr);
  engine::SimulationOptions opt;
  opt.method = method;
  opt.grid = hourly ? std::vector<double>{} : std::vector<double>{0.0, 8760.0};
  if (hourly)
    for (int h = 0; h <= 8760; ++h) opt.grid.push_back(h);
  engine::Binding binding(*model, ds);
  engine::SubjectSimulator sim(*model, binding, opt);
  Discard sink;
  for (auto _ : state) sim.run(ds.subject(0), sink);
  state.counters["rhs_per_run"] = static_cast<double>(sim.rhs_calls()) / static_cast<double>(state.iterations());
}

BENCHMARK_CAPTURE(subject_year, native_auto, lang::Engine::Native, solver::Method::Auto, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(subject_year, native_auto_hourly, lang::Engine::Native, solver::Method::Auto, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(subject_year, interpreter_auto, lang::Engine::Interpreter, solver::Method::Auto, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(subject_year, native_rosenbrock, lang::Engine::Native, solver::Method::Rosenbrock, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(subject_year, native_bdf, lang::Engine::Native, solver::Method::Bdf, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(subject_year, native_adams, lang::Engine::Native, solver::Method::Adams, false)->Unit(benchmark::kMillisecond);

void rhs_call(benchmark::State& state, lang::Engine engine) {
  auto model = reference_model(engine);
  std::vector<double> p = model->default_parameter_block();
  std::vector<double> y = {100, 50, 20, 30, 0.4, 1.2, 1.05}, dy(7), work(model->kernel().work_size + 1);
  const lang::Kernel& k = model->kernel();
  for (auto _ : state) {
    k.rhs(k.ctx, 1.0, y.data(), p.data(), dy.data(), work.data());
    y[4] = dy[4] * 1e-30 + 0.4;  // a dependency between calls, as in an integrator
    benchmark::DoNotOptimize(dy.data());
  }
}
BENCHMARK_CAPTURE(rhs_call, native, lang::Engine::Native);
BENCHMARK_CAPTURE(rhs_call, interpreter, lang::Engine::Interpreter);

void format_numbers(benchmark::State& state, int digits) {
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(0.000123 * i * i + 1.0 / (i + 1));
  // As an output row is written: into a buffer with room, a comma after each number.
  std::vector<char> out(v.size() * (kMaxNumberChars + 1));
  for (auto _ : state) {
    char* w = out.data();
    for (double x : v) {
      w = write_number(w, x, digits);
      *w++ = ',';
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(v.size()));
}
BENCHMARK_CAPTURE(format_numbers, g10, 10);
BENCHMARK_CAPTURE(format_numbers, shortest, 0);

}  // namespace

BENCHMARK_MAIN();
