// The Python module's native side (ldnsim._ldnsim): converts Python objects to the requests
// of src/api and its results to numpy arrays (no engine logic here). The GIL is released
// while subjects are simulated; Ctrl-C (a pending KeyboardInterrupt) cancels the workers.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ldnsim/api/frontend.hpp"
#include "ldnsim/core/error.hpp"

namespace py = pybind11;

namespace {

using ldnsim::lang::ModelPtr;

struct Interrupted {};

struct PyModel {
  ModelPtr model;
};

py::array take(std::vector<double>&& v) {
  auto* heap = new std::vector<double>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return py::array_t<double>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

py::dict parameters_of(const ldnsim::lang::Model& m) {
  py::list name, unit, covariate, distribution, roles, source, assumption;
  std::vector<double> value, low, high, cv, se;
  auto opt = [](const std::optional<double>& v) { return v ? *v : std::nan(""); };
  for (const auto& p : m.parameters()) {
    name.append(p.name);
    value.push_back(opt(p.value));
    unit.append(p.unit);
    covariate.append(!p.value.has_value());
    low.push_back(opt(p.low));
    high.push_back(opt(p.high));
    distribution.append(p.low && p.high ? (p.distribution.empty() ? "uniform" : p.distribution) : "");
    cv.push_back(opt(p.cv));
    se.push_back(opt(p.se));
    roles.append(ldnsim::lang::role_text(p.roles));
    source.append(p.source);
    assumption.append(p.assumption);
  }
  py::dict d;
  d["name"] = name;
  d["value"] = take(std::move(value));
  d["unit"] = unit;
  d["covariate"] = covariate;
  d["low"] = take(std::move(low));
  d["high"] = take(std::move(high));
  d["distribution"] = distribution;
  d["bsv_cv"] = take(std::move(cv));
  d["se"] = take(std::move(se));
  d["roles"] = roles;
  d["source"] = source;
  d["assumption"] = assumption;
  return d;
}

// A column as handed over by ldnsim/__init__.py: (name, float64 array) or (name, [str]) or
// (name, None, why-refused).
struct Frame {
  std::vector<ldnsim::api::FrameColumn> columns;
  std::vector<py::array_t<double>> arrays;   // kept alive
  std::vector<std::vector<std::string>> texts;
  std::size_t rows = 0;
};

Frame frame_of(const py::list& columns) {
  Frame f;
  f.texts.reserve(columns.size());
  f.arrays.reserve(columns.size());
  bool first = true;
  for (const py::handle item : columns) {
    auto t = item.cast<py::tuple>();
    ldnsim::api::FrameColumn c;
    c.name = t[0].cast<std::string>();
    std::size_t n = 0;
    if (t.size() > 2 && !t[2].is_none()) {
      c.refuse = t[2].cast<std::string>();
      n = f.rows;
    } else if (py::isinstance<py::list>(t[1])) {
      f.texts.push_back(t[1].cast<std::vector<std::string>>());
      for (const auto& s : f.texts.back()) c.texts.emplace_back(s);
      n = f.texts.back().size();
    } else {
      auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(t[1]);
      if (!a || a.ndim() != 1) throw ldnsim::UsageError("data: column " + c.name + " is not a one-dimensional array of numbers");
      f.arrays.push_back(a);
      n = static_cast<std::size_t>(a.shape(0));
      c.numbers = std::span<const double>(a.data(), n);
    }
    if (first) f.rows = n;
    else if (n != f.rows)
      throw ldnsim::UsageError("data: column " + c.name + " has " + std::to_string(n) + " values, not " + std::to_string(f.rows));
    first = false;
    f.columns.push_back(std::move(c));
  }
  return f;
}

py::dict simulate(const PyModel& model, py::object data, py::object regimen, py::object subjects, py::object grid,
                  std::vector<std::string> columns, bool obs_only, bool allow_nan, std::optional<long long> seed,
                  int threads, py::dict solver) {
  ldnsim::api::SimulateRequest r;
  if (!grid.is_none()) {
    if (py::isinstance<py::str>(grid)) r.grid = ldnsim::api::parse_grid(grid.cast<std::string>());
    else r.grid = grid.cast<std::vector<double>>();
  }
  r.columns = std::move(columns);
  r.obs_only = obs_only;
  r.allow_nan = allow_nan;
  if (seed) {
    if (*seed < 0) throw ldnsim::UsageError("seed = " + std::to_string(*seed) + ": expected a whole number of 0 or more");
    r.seed = static_cast<std::uint64_t>(*seed);
  }
  r.threads = threads;
  r.solver.solver = solver["solver"].cast<std::string>();
  r.solver.rtol = solver["rtol"].cast<double>();
  r.solver.atol = solver["atol"].cast<double>();
  r.solver.max_steps = solver["max_steps"].cast<long>();
  r.solver.covariates = solver["covariates"].cast<std::string>();
  r.poll = [] {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw Interrupted();
  };
  ldnsim::data::Dataset ds;
  if (!data.is_none()) {
    Frame f = frame_of(data.cast<py::list>());
    ds = ldnsim::api::dataset_from_frame(f.columns, f.rows, "data");
  } else {
    auto g = regimen.cast<py::dict>();
    ldnsim::api::RegimenRequest q;
    q.dose = g["dose"].cast<std::string>();
    q.every = g["every"].cast<std::string>();
    q.first = g["first"].cast<std::string>();
    q.days = g["days"].cast<double>();
    q.doses = g["doses"].cast<int>();
    q.cmt = g["cmt"].cast<std::string>();
    std::unique_ptr<ldnsim::data::SubjectsTable> table;
    if (!subjects.is_none()) {
      Frame f = frame_of(subjects.cast<py::list>());
      table = std::make_unique<ldnsim::data::SubjectsTable>();
      table->file = "subjects";
      if (f.columns.empty() || f.columns[0].name != "ID" || !f.columns[0].texts.empty() || f.columns[0].refuse)
        throw ldnsim::UsageError("subjects: the first column must be a numeric ID");
      for (std::size_t k = 1; k < f.columns.size(); ++k) {
        if (!f.columns[k].texts.empty() || f.columns[k].refuse)
          throw ldnsim::UsageError("subjects: column " + f.columns[k].name + " must be numeric");
        table->columns.push_back(f.columns[k].name);
      }
      for (std::size_t i = 0; i < f.rows; ++i) {
        table->ids.push_back(f.columns[0].numbers[i]);
        std::vector<double> row;
        for (std::size_t k = 1; k < f.columns.size(); ++k) row.push_back(f.columns[k].numbers[i]);
        table->values.push_back(std::move(row));
      }
    }
    ds = ldnsim::api::regimen_dataset(*model.model, q, r.grid, table.get());
  }
  ldnsim::population::ColumnTable t;
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    try {
      t = ldnsim::api::simulate(*model.model, ds, r);
    } catch (const Interrupted&) {
      interrupted = true;
    }
  }
  if (interrupted) throw py::error_already_set();  // the KeyboardInterrupt PyErr_CheckSignals raised
  // A model may name an output and a state alike: the second column of a name is NAME.1
  // (then NAME.2, ...), as pandas.read_csv names the CLI's columns.
  py::dict out;
  for (std::size_t k = 0; k < t.names.size(); ++k) {
    std::string name = t.names[k];
    for (int n = 1; out.contains(name); ++n) name = t.names[k] + "." + std::to_string(n);
    out[py::str(name)] = take(std::move(t.columns[k]));
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_ldnsim, m) {
  m.doc() = "ldnsim's engine (the same C++ libraries as the ldnsim command line)";
  py::object base = py::reinterpret_borrow<py::object>(PyExc_Exception);
  static py::exception<ldnsim::Error> error(m, "Error", base.ptr());
  static py::exception<ldnsim::ModelError> model_error(m, "ModelError", error.ptr());
  static py::exception<ldnsim::InputError> input_error(m, "InputError", error.ptr());
  static py::exception<ldnsim::SolverError> solver_error(m, "SolverError", error.ptr());
  static py::exception<ldnsim::UsageError> usage_error(m, "UsageError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ldnsim::ModelError& e) {
      model_error(e.what());
    } catch (const ldnsim::InputError& e) {
      input_error(e.what());
    } catch (const ldnsim::SolverError& e) {
      solver_error(e.what());
    } catch (const ldnsim::UsageError& e) {
      usage_error(e.what());
    } catch (const ldnsim::Error& e) {
      error(e.what());
    }
  });

  py::class_<PyModel>(m, "Model")
      .def(py::init([](const std::string& path_or_text, const std::string& engine) {
             return PyModel{ldnsim::api::load_model(path_or_text, engine)};
           }),
           py::arg("path_or_text"), py::arg("engine") = "auto")
      .def_property_readonly("name", [](const PyModel& p) { return p.model->name(); })
      .def_property_readonly("file", [](const PyModel& p) { return p.model->file(); })
      .def_property_readonly("engine", [](const PyModel& p) { return p.model->is_native() ? "native" : "interpreted"; })
      .def_property_readonly("states",
                             [](const PyModel& p) {
                               std::vector<std::string> s;
                               for (std::size_t i = 0; i < p.model->declared_state_count(); ++i)
                                 s.push_back(p.model->states()[i].name);
                               return s;
                             })
      .def_property_readonly("outputs",
                             [](const PyModel& p) {
                               std::vector<std::string> s;
                               for (const auto& o : p.model->outputs()) s.push_back(o.name);
                               return s;
                             })
      .def_property_readonly("parameter_table", [](const PyModel& p) { return parameters_of(*p.model); });

  m.def("_simulate", &simulate, py::arg("model"), py::arg("data"), py::arg("regimen"), py::arg("subjects"),
        py::arg("grid"), py::arg("columns"), py::arg("obs_only"), py::arg("allow_nan"), py::arg("seed"),
        py::arg("threads"), py::arg("solver"));
}
