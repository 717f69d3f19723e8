// What `ldnsim` runs with no arguments: the reference regimen of the benchmark
// (4.5 mg nightly at 22:00 for a year) for a few virtual subjects, a short summary on
// stdout and the hourly time course in ldnsim-reference.csv.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/paths.hpp"
#include "ldnsim/core/random.hpp"
#include "ldnsim/data/regimen.hpp"
#include "ldnsim/population/table.hpp"

namespace ldnsim::cli {
namespace {

// Collects the last day of each subject for the summary.
class LastDay : public engine::RowSink {
 public:
  LastDay(int cp, int occ, int prol) : cp_(cp), occ_(occ), prol_(prol) {}
  void row(const engine::OutputRow& r) override {
    if (r.record || r.time < 8736) return;  // day 365: 8736-8760 h
    cmax = std::max(cmax, r.outputs[cp_]);
    trough = std::min(trough, r.outputs[cp_]);
    occ_max = std::max(occ_max, r.outputs[occ_]);
    occ_min = std::min(occ_min, r.outputs[occ_]);
    prol = r.outputs[prol_];
  }
  double cmax = 0, trough = 1e300, occ_max = 0, occ_min = 1, prol = 0;

 private:
  int cp_, occ_, prol_;
};

}  // namespace

int run_default_job(bool quiet) {
  const std::string model_path = find_resource("bench/reference.ldn");
  lang::LoadOptions lo;
  lo.verbose = !quiet;
  lang::ModelPtr model = lang::load_model(model_path, lo);

  // Five subjects: typical values, then four with CL, VC and KA drawn log-normally
  // (CV 25%) from seed 2026, so the run is the same everywhere.
  data::SubjectsTable subjects;
  subjects.file = "<built-in subjects>";
  subjects.columns = {"CL", "VC", "KA"};
  const double typical[3] = {200, 450, 1.2};
  const double omega = std::sqrt(std::log(1 + 0.25 * 0.25));
  for (int id = 1; id <= 5; ++id) {
    RandomStream rng(2026, 0, static_cast<std::uint64_t>(id));
    std::vector<double> v;
    for (double tv : typical) v.push_back(id == 1 ? tv : tv * std::exp(omega * rng.normal()));
    subjects.ids.push_back(id);
    subjects.values.push_back(v);
  }
  data::Regimen g;
  g.amount = 4500;  // ug
  g.first = 22;
  g.interval = 24;
  g.doses = 365;
  data::Dataset ds = data::regimen_dataset(g, &subjects);

  engine::SimulationOptions opt;
  opt.grid = parse_grid("0:8760:1");
  auto columns = population::resolve_columns(*model, ds, {"ID", "TIME", "CP", "OCC", "TONE", "PROL"});
  population::TableOptions table;
  table.obs_only = true;
  population::ParallelOptions par;
  par.threads = 1;
  const std::string out_path = "ldnsim-reference.csv";
  AtomicFile file(out_path);
  population::simulate_table(*model, ds, opt, columns, table, par, [&](std::string_view t) { file.write(t); });
  file.commit();

  std::printf("ldnsim: reference regimen (%s), 4.5 mg naltrexone nightly at 22:00 for 365 days\n",
              model_path.c_str());
  std::printf("steady state, day 365:\n");
  std::printf("%4s %8s %8s %7s %10s %12s %12s %8s\n", "ID", "CL L/h", "VC L", "KA 1/h", "Cmax ng/mL",
              "trough ng/mL", "occupancy %", "PROL");
  engine::Binding binding(*model, ds);
  engine::SubjectSimulator sim(*model, ds, binding, opt);
  const int cp = model->output_index("CP"), occ = model->output_index("OCC"), prol = model->output_index("PROL");
  for (std::size_t s = 0; s < ds.subjects.size(); ++s) {
    LastDay last(cp, occ, prol);
    sim.run(s, last);
    const auto& v = subjects.values[s];
    std::printf("%4.0f %8.1f %8.1f %7.3f %10.4f %12.5f %5.1f-%-6.1f %8.4f\n", subjects.ids[s], v[0], v[1], v[2],
                last.cmax, last.trough, 100 * last.occ_min, 100 * last.occ_max, last.prol);
  }
  std::printf("hourly time course of %zu subjects written to %s\n", ds.subjects.size(), out_path.c_str());
  std::printf("(a benchmark model, not the scientific LDN model; see `ldnsim --help`)\n");
  return 0;
}

}  // namespace ldnsim::cli
