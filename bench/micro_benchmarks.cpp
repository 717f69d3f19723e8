// Micro-benchmarks of the engine's hot paths (Google Benchmark). Whole-run comparisons
// with the peer tools are in bench/compare.
#include <benchmark/benchmark.h>

#include <string>

#include "ldnsim/core/format.hpp"
#include "ldnsim/data/dataset.hpp"
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

// Reading a data set subject by subject (CSV splitting, number parsing, the records'
// rules): the reference workload's data set with every hourly observation, 20 subjects
// (7.4 MB), in memory so that the disk does not count. Bytes per second is the parse
// throughput.
void read_dataset(benchmark::State& state) {
  std::string text = "ID,TIME,EVID,AMT,CMT,II,ADDL,CL,VC,KA\n";
  for (int id = 1; id <= 20; ++id) {
    const std::string covariates = "," + std::to_string(180 + id) + ".25," + std::to_string(400 + 3 * id) + ".5,1." +
                                   std::to_string(100 + id) + "\n";
    for (int h = 0; h <= 8760; ++h) {
      if (h == 22) text += std::to_string(id) + ",22,1,4500,1,24,364" + covariates;
      text += std::to_string(id) + "," + std::to_string(h) + ",0,0,0,0,0" + covariates;
    }
  }
  data::Dataset buffer;
  for (auto _ : state) {
    data::DatasetReader reader(text, "bench.csv");
    std::size_t records = 0;
    while (reader.next_subject(buffer)) records += buffer.record_count();
    benchmark::DoNotOptimize(records);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<long>(text.size()));
}
BENCHMARK(read_dataset)->Unit(benchmark::kMillisecond);

}  // namespace

// Loading a model (parse, analysis, bytecode, C++ generation; no native compilation) of N
// parameters, or of a chain of N lets each naming the one before: linear in N (issue 12
// measured 8k parameters in 1.0 s and 16k in 4.2 s, a 50k chain over 20 s, before).
std::string many_parameters(long n) {
  std::string t;
  for (long i = 0; i < n; ++i) t += "param P" + std::to_string(i) + " = 1\n";
  return t + "state C = 0\nd/dt(C) = P0\n";
}
std::string let_chain(long n) {
  std::string t = "param P0 = 1\nlet L0 = P0\n";
  for (long i = 1; i < n; ++i) t += "let L" + std::to_string(i) + " = L" + std::to_string(i - 1) + " + 1\n";
  return t + "state C = 0\nd/dt(C) = L" + std::to_string(n - 1) + "\n";
}
void load_model(benchmark::State& state, std::string (*text)(long)) {
  const std::string t = text(state.range(0));
  lang::LoadOptions o;
  o.engine = lang::Engine::Interpreter;
  for (auto _ : state) benchmark::DoNotOptimize(lang::parse_model(t, "bench.ldn", o));
  state.SetComplexityN(state.range(0));
}
BENCHMARK_CAPTURE(load_model, parameters, many_parameters)->RangeMultiplier(2)->Range(4000, 32000)->Complexity()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(load_model, let_chain, let_chain)->RangeMultiplier(2)->Range(6250, 50000)->Complexity()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
