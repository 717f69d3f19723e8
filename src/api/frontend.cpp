#include "ldnsim/api/frontend.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/policy.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/core/units.hpp"
#include "ldnsim/data/csv.hpp"
#include "ldnsim/models/builtin.hpp"
#include "ldnsim/population/parallel.hpp"
#include "ldnsim/science/ldn_driver.hpp"

namespace ldnsim::api {

void initialise() {
  static std::once_flag once;
  std::call_once(once, [] {
    models::register_builtin_models();
    science::register_ldn_driver();
  });
}

lang::ModelPtr load_model(const std::string& path_or_text, const std::string& engine) {
  initialise();
  lang::LoadOptions options;
  if (engine == "auto") options.engine = lang::Engine::Auto;
  else if (engine == "native") options.engine = lang::Engine::Native;
  else if (engine == "interpreter") options.engine = lang::Engine::Interpreter;
  else throw UsageError("engine must be auto, native or interpreter, not '" + printable(engine) + "'");
  const bool is_text = path_or_text.find('\n') != std::string::npos;
  // The key holds the file's contents, so an edited file is compiled again.
  std::string contents;
  if (!is_text) {
    std::ifstream in(path_or_text, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      contents = ss.str();
    }
  }
  static std::mutex mutex;
  static std::map<std::tuple<std::string, std::string, std::string>, lang::ModelPtr> cache;
  const auto key = std::make_tuple(path_or_text, contents, engine);
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  // A file that could not be read goes to load_model, which names the problem as the CLI does.
  lang::ModelPtr m = is_text ? lang::parse_model(path_or_text, "<text>", options) : lang::load_model(path_or_text, options);
  std::lock_guard lock(mutex);
  if (cache.size() >= 64) cache.clear();  // bounded: a script generating model texts in a loop
  cache.emplace(key, m);
  return m;
}

data::Dataset dataset_from_frame(const std::vector<FrameColumn>& columns, std::size_t rows, const std::string& source) {
  std::vector<std::string> names;
  for (const auto& c : columns) names.push_back(c.name);
  data::DatasetBuilder builder(data::Columns(names, source, 0));
  for (const auto& c : columns)
    if (c.refuse) throw InputError(printable(source) + ": column " + printable(c.name) + ": " + *c.refuse);
  std::vector<double> values(columns.size());
  // As in a data set file: a row whose comment column (C) holds something other than
  // nothing, '.' or 0 is a comment, and the column itself is no data.
  const int comment = builder.dataset().columns().items().comment;
  for (std::size_t r = 0; r < rows; ++r) {
    const int line = static_cast<int>(r + 1);
    if (comment >= 0) {
      const FrameColumn& c = columns[static_cast<std::size_t>(comment)];
      const bool skip = c.texts.empty() ? !(std::isnan(c.numbers[r]) || c.numbers[r] == 0)
                                        : !(c.texts[r].empty() || c.texts[r] == "." || c.texts[r] == "0");
      if (skip) continue;
    }
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const FrameColumn& c = columns[k];
      if (static_cast<int>(k) == comment) {
        values[k] = std::nan("");
        continue;
      }
      if (c.texts.empty()) {
        values[k] = c.numbers[r];
        continue;
      }
      const std::string_view f = c.texts[r];
      if (f.empty() || f == ".") {
        values[k] = std::nan("");
        continue;
      }
      std::optional<double> v = data::parse_number(f);
      if (!v)
        throw InputError(printable(source) + ":" + std::to_string(line) + ": column " + printable(c.name) + ": '" +
                         printable(f) + "' is not a number (expected a number, or '.' or nothing where missing)");
      values[k] = *v;
    }
    builder.add(values, line);
  }
  return builder.build();
}

namespace {

int dose_compartment(const lang::Model& m, const std::string& name) {
  if (name.empty()) {
    for (std::size_t s = 0; s < m.state_count(); ++s)
      if (m.states()[s].depot) return static_cast<int>(s);
    return 0;
  }
  int s = m.state_index(name);
  if (s >= 0) return s;
  throw UsageError("--cmt: model " + m.name() + " has no state '" + printable(name, 40) + "'");
}

}  // namespace

data::Dataset regimen_dataset(const lang::Model& m, const RegimenRequest& f, std::vector<double>& grid,
                              const data::SubjectsTable* subjects) {
  data::Regimen g;
  int cmt = dose_compartment(m, f.cmt);
  g.cmt = cmt + 1;
  const std::string& unit = m.states()[static_cast<std::size_t>(cmt)].unit;
  // A dose with a unit ("4.5mg") is converted into the compartment's unit; a plain
  // number is already in the model's amount unit.
  bool has_unit = f.dose.find_first_not_of("0123456789.eE+- ") != std::string::npos;
  auto factor = mg_to_unit(unit);
  double mg = -1;  // the dose in mg, when it can be known
  if (has_unit) {
    mg = parse_mass_mg(f.dose);
    if (!factor)
      throw UsageError("--dose " + printable(f.dose, 40) + ": the dose compartment " + m.states()[static_cast<std::size_t>(cmt)].name +
                       " of model " + m.name() + " declares no mass unit (unit \"mg\", \"ug\", ...); "
                       "give the dose as a plain number in the model's amount unit");
    g.amount = mg * *factor;
  } else {
    g.amount = parse_mass_mg(f.dose);
    if (factor) mg = g.amount / *factor;
  }
  if (!(g.amount > 0)) throw UsageError("--dose " + printable(f.dose, 40) + ": the dose must be above 0");
  if (mg > policy::kMaxDoseMg) throw UsageError("--dose " + printable(f.dose, 40) + ": " + policy::max_dose_reason());
  g.interval = parse_duration_h(f.every);
  if (!(g.interval > 0)) throw UsageError("--every must be above 0");
  g.first = parse_clock_h(f.first);
  double horizon = f.days > 0 ? f.days * 24.0 : 0;
  if (f.doses > 0) {
    g.doses = f.doses;
  } else if (horizon > g.first) {
    const double doses = std::floor((horizon - g.first - 1e-9) / g.interval) + 1;
    if (doses > 100000)
      throw UsageError("--every " + printable(f.every, 40) + " over --days " + format_number(f.days) + " gives " +
                       format_number(doses, 3) + " doses (expected at most 100000: a longer interval or fewer days)");
    g.doses = static_cast<int>(doses);
  } else if (f.days > 0) {
    throw UsageError("--days " + format_number(f.days) + " ends before the first dose (--first " + printable(f.first, 40) +
                     ", hour " + format_number(g.first) + " of day 0); expected more days or an earlier --first");
  } else {
    throw UsageError("a regimen needs its length: give --days (e.g. --days 28) or --doses with --dose");
  }
  if (horizon <= 0) horizon = g.first + g.interval * g.doses;
  if (grid.empty()) grid = parse_grid("0:" + std::to_string(horizon) + ":1");
  return data::regimen_dataset(g, subjects);
}

engine::SimulationOptions SolverSettings::options() const {
  engine::SimulationOptions o;
  o.method = solver::parse_method(solver);
  if (!(rtol > 0 && rtol < 1)) throw UsageError("--rtol must lie between 0 and 1");
  if (!(atol > 0 && std::isfinite(atol))) throw UsageError("--atol must be a finite number above 0");
  if (!(ss_rtol >= 0 && ss_rtol < 1)) throw UsageError("--ss-rtol must lie in 0-1 (0: --rtol)");
  if (!(ss_atol >= 0 && std::isfinite(ss_atol))) throw UsageError("--ss-atol must be a finite number, 0 or more (0: --atol)");
  if (max_steps < 1) throw UsageError("--max-steps must be at least 1");
  if (ss_max < 1) throw UsageError("--ss-max must be at least 1");
  o.tolerances.rtol = rtol;
  o.tolerances.atol = atol;
  o.tolerances.max_steps = max_steps;
  if (covariates == "nocb") o.covariates = engine::CovariateMode::NextRecord;
  else if (covariates == "locf") o.covariates = engine::CovariateMode::LastRecord;
  else throw UsageError("--covariates must be nocb or locf, not '" + printable(covariates, 40) + "'");
  o.ss_rtol = ss_rtol;
  o.ss_atol = ss_atol;
  o.ss_max_intervals = ss_max;
  return o;
}

std::vector<double> parse_grid(const std::string& spec) {
  auto parts = std::vector<std::string>();
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ':')) parts.push_back(item);
  auto number = [&](const std::string& s) {
    double v;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
      throw UsageError("--grid '" + printable(spec, 60) + "': '" + printable(s, 40) + "' is not a number (expected START:END:STEP)");
    return v;
  };
  if (parts.size() != 3) throw UsageError("--grid '" + printable(spec, 60) + "': expected START:END:STEP, e.g. 0:24:0.5");
  double a = number(parts[0]), b = number(parts[1]), step = number(parts[2]);
  if (!(step > 0)) throw UsageError("--grid '" + printable(spec, 60) + "': STEP must be above 0");
  if (b < a) throw UsageError("--grid '" + printable(spec, 60) + "': END must not be before START");
  double count = std::floor((b - a) / step + 1e-9) + 1;
  if (count > 1e8) throw UsageError("--grid '" + printable(spec, 60) + "': more than 100 million times");
  std::vector<double> g;
  g.reserve(static_cast<std::size_t>(count));
  // Times as START + k*STEP (not repeated addition), so whole hours stay exact.
  for (long k = 0; k < static_cast<long>(count); ++k) g.push_back(a + static_cast<double>(k) * step);
  return g;
}

population::ColumnTable simulate(const lang::Model& model, const data::Dataset& data, const SimulateRequest& r) {
  engine::SimulationOptions o = r.solver.options();
  o.grid = r.grid;
  if (r.threads < 1)
    throw UsageError("threads = " + std::to_string(r.threads) + ": give 1 or more worker threads");
  if (r.threads > 1024)
    throw UsageError("--threads " + std::to_string(r.threads) + ": at most 1024 (this machine has " +
                     std::to_string(population::hardware_threads()) + " hardware threads)");
  auto columns = population::resolve_columns(model, data.columns(), r.columns);
  population::TableOptions table;
  table.obs_only = r.obs_only;
  table.allow_nan = r.allow_nan;
  if (r.seed) table.random = engine::RandomKey{*r.seed, 0};
  population::ParallelOptions par;
  par.threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(r.threads),
                                                       std::max<std::size_t>(1, data.subject_count())));
  par.poll = r.poll;
  return population::simulate_columns(model, data, o, columns, table, par);
}

}  // namespace ldnsim::api
