// The R package's native side: converts R objects to the requests of src/api and its
// results back (no engine logic here). Errors come back as a "ldnsim_failure" value that
// the R side turns into a condition, so no C++ object is skipped by a longjmp.
#include <Rcpp.h>
#include <R_ext/Rdynload.h>

#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "ldnsim/api/frontend.hpp"
#include "ldnsim/core/error.hpp"

namespace {

using ldnsim::lang::ModelPtr;

struct Interrupted : std::exception {
  const char* what() const noexcept override { return "interrupted by the user"; }
};

void check_interrupt(void*) { R_CheckUserInterrupt(); }

// Called on R's thread while workers run: R_ToplevelExec catches the interrupt's jump.
void poll_interrupt() {
  if (!R_ToplevelExec(check_interrupt, nullptr)) throw Interrupted();
}

SEXP failure(const char* kind, const std::string& message) {
  Rcpp::List f = Rcpp::List::create(Rcpp::Named("kind") = kind, Rcpp::Named("message") = message);
  f.attr("class") = "ldnsim_failure";
  return f;
}

template <class F>
SEXP guarded(F&& body) {
  try {
    return body();
  } catch (const Interrupted& e) {
    return failure("interrupt", e.what());
  } catch (const ldnsim::ModelError& e) {
    return failure("model_error", e.what());
  } catch (const ldnsim::InputError& e) {
    return failure("input_error", e.what());
  } catch (const ldnsim::SolverError& e) {
    return failure("solver_error", e.what());
  } catch (const ldnsim::UsageError& e) {
    return failure("usage_error", e.what());
  } catch (const ldnsim::Error& e) {
    return failure("error", e.what());
  } catch (const std::exception& e) {
    return failure("internal_error", e.what());
  }
}

ModelPtr& model_of(SEXP ptr) {
  if (TYPEOF(ptr) != EXTPTRSXP || R_ExternalPtrAddr(ptr) == nullptr)
    throw ldnsim::UsageError("model: not a loaded model (use ldn_model())");
  return *static_cast<ModelPtr*>(R_ExternalPtrAddr(ptr));
}

void finalize_model(SEXP ptr) {
  delete static_cast<ModelPtr*>(R_ExternalPtrAddr(ptr));
  R_ClearExternalPtr(ptr);
}

// The columns of a data frame (a named list of vectors) as the API takes them. `store`
// keeps converted numbers (integer and logical columns) alive.
std::vector<ldnsim::api::FrameColumn> frame_columns(Rcpp::List frame, std::size_t& rows,
                                                    std::vector<std::vector<double>>& store) {
  std::vector<ldnsim::api::FrameColumn> out;
  Rcpp::CharacterVector names = frame.names();
  rows = frame.size() ? static_cast<std::size_t>(Rf_xlength(frame[0])) : 0;
  store.reserve(static_cast<std::size_t>(frame.size()));
  for (R_xlen_t k = 0; k < frame.size(); ++k) {
    ldnsim::api::FrameColumn c;
    c.name = Rcpp::as<std::string>(names[k]);
    SEXP x = frame[k];
    const std::size_t n = static_cast<std::size_t>(Rf_xlength(x));
    if (n != rows) throw ldnsim::UsageError("data: column " + c.name + " has " + std::to_string(n) + " values, not " + std::to_string(rows));
    if (Rf_isFactor(x)) {
      c.refuse = "is a factor; ldnsim reads numbers (a factor's codes are not its labels): convert it with "
                 "as.numeric(as.character(x)) if its labels are numbers";
    } else if (TYPEOF(x) == REALSXP) {
      c.numbers = std::span<const double>(REAL(x), n);
    } else if (TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) {
      const int* v = TYPEOF(x) == INTSXP ? INTEGER(x) : LOGICAL(x);
      store.emplace_back(n);
      for (std::size_t i = 0; i < n; ++i) store.back()[i] = v[i] == NA_INTEGER ? std::nan("") : v[i];
      c.numbers = store.back();
    } else if (TYPEOF(x) == STRSXP) {
      c.texts.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        SEXP s = STRING_ELT(x, static_cast<R_xlen_t>(i));
        c.texts[i] = s == NA_STRING ? std::string_view(".") : std::string_view(CHAR(s));
      }
    } else {
      c.refuse = std::string("is of type ") + Rf_type2char(TYPEOF(x)) + "; ldnsim reads numbers";
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

extern "C" {

SEXP ldnsim_r_model(SEXP path_or_text, SEXP engine) {
  return guarded([&]() -> SEXP {
    ModelPtr m = ldnsim::api::load_model(Rcpp::as<std::string>(path_or_text), Rcpp::as<std::string>(engine));
    SEXP ptr = PROTECT(R_MakeExternalPtr(new ModelPtr(std::move(m)), R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(ptr, finalize_model, TRUE);
    UNPROTECT(1);
    return ptr;
  });
}

SEXP ldnsim_r_model_info(SEXP ptr) {
  return guarded([&]() -> SEXP {
    const auto& m = *model_of(ptr);
    Rcpp::CharacterVector states, outputs;
    for (std::size_t s = 0; s < m.declared_state_count(); ++s) states.push_back(m.states()[s].name);
    for (const auto& o : m.outputs()) outputs.push_back(o.name);
    const std::size_t n = m.parameter_count();
    Rcpp::CharacterVector name(n), unit(n), roles(n), source(n), assumption(n), distribution(n);
    Rcpp::NumericVector value(n), low(n), high(n), cv(n), se(n);
    Rcpp::LogicalVector covariate(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& p = m.parameters()[i];
      name[i] = p.name;
      value[i] = p.value ? *p.value : NA_REAL;
      unit[i] = p.unit;
      covariate[i] = !p.value.has_value();
      low[i] = p.low ? *p.low : NA_REAL;
      high[i] = p.high ? *p.high : NA_REAL;
      distribution[i] = p.low && p.high ? (p.distribution.empty() ? "uniform" : p.distribution) : "";
      cv[i] = p.cv ? *p.cv : NA_REAL;
      se[i] = p.se ? *p.se : NA_REAL;
      roles[i] = ldnsim::lang::role_text(p.roles);
      source[i] = p.source;
      assumption[i] = p.assumption;
    }
    Rcpp::DataFrame params = Rcpp::DataFrame::create(
        Rcpp::Named("name") = name, Rcpp::Named("value") = value, Rcpp::Named("unit") = unit,
        Rcpp::Named("covariate") = covariate, Rcpp::Named("low") = low, Rcpp::Named("high") = high,
        Rcpp::Named("distribution") = distribution, Rcpp::Named("bsv_cv") = cv, Rcpp::Named("se") = se,
        Rcpp::Named("roles") = roles, Rcpp::Named("source") = source, Rcpp::Named("assumption") = assumption,
        Rcpp::Named("stringsAsFactors") = false);
    return Rcpp::List::create(Rcpp::Named("name") = m.name(), Rcpp::Named("file") = m.file(),
                              Rcpp::Named("engine") = m.is_native() ? "native" : "interpreted",
                              Rcpp::Named("states") = states, Rcpp::Named("outputs") = outputs,
                              Rcpp::Named("parameters") = params);
  });
}

// data: a named list of columns or NULL; regimen: a named list (dose, every, first, days,
// doses, cmt) or NULL; subjects: a named list of columns (ID first) or NULL.
SEXP ldnsim_r_simulate(SEXP ptr, SEXP data, SEXP regimen, SEXP subjects, SEXP grid, SEXP columns, SEXP obs_only,
                       SEXP allow_nan, SEXP seed, SEXP threads, SEXP solver) {
  return guarded([&]() -> SEXP {
    const ModelPtr model = model_of(ptr);
    ldnsim::api::SimulateRequest r;
    if (!Rf_isNull(grid)) {
      if (TYPEOF(grid) == STRSXP) r.grid = ldnsim::api::parse_grid(Rcpp::as<std::string>(grid));
      else r.grid = Rcpp::as<std::vector<double>>(grid);
    }
    if (!Rf_isNull(columns)) r.columns = Rcpp::as<std::vector<std::string>>(columns);
    r.obs_only = Rcpp::as<bool>(obs_only);
    r.allow_nan = Rcpp::as<bool>(allow_nan);
    if (!Rf_isNull(seed)) {
      const double s = Rcpp::as<double>(seed);
      if (!(s >= 0) || s != std::floor(s) || s > 9.007199254740992e15)
        throw ldnsim::UsageError("seed = " + std::to_string(s) + ": expected a whole number of 0 or more");
      r.seed = static_cast<std::uint64_t>(s);
    }
    r.threads = Rcpp::as<int>(threads);
    Rcpp::List sv(solver);
    r.solver.solver = Rcpp::as<std::string>(sv["solver"]);
    r.solver.rtol = Rcpp::as<double>(sv["rtol"]);
    r.solver.atol = Rcpp::as<double>(sv["atol"]);
    r.solver.max_steps = static_cast<long>(Rcpp::as<double>(sv["max_steps"]));
    r.solver.covariates = Rcpp::as<std::string>(sv["covariates"]);
    r.poll = poll_interrupt;
    ldnsim::data::Dataset ds;
    std::vector<std::vector<double>> store;
    if (!Rf_isNull(data)) {
      std::size_t rows = 0;
      auto cols = frame_columns(Rcpp::List(data), rows, store);
      ds = ldnsim::api::dataset_from_frame(cols, rows);
    } else {
      Rcpp::List g(regimen);
      ldnsim::api::RegimenRequest q;
      q.dose = Rcpp::as<std::string>(g["dose"]);
      q.every = Rcpp::as<std::string>(g["every"]);
      q.first = Rcpp::as<std::string>(g["first"]);
      q.days = Rcpp::as<double>(g["days"]);
      q.doses = Rcpp::as<int>(g["doses"]);
      q.cmt = Rcpp::as<std::string>(g["cmt"]);
      std::unique_ptr<ldnsim::data::SubjectsTable> table;
      if (!Rf_isNull(subjects)) {
        std::size_t rows = 0;
        auto cols = frame_columns(Rcpp::List(subjects), rows, store);
        table = std::make_unique<ldnsim::data::SubjectsTable>();
        table->file = "subjects";
        if (cols.empty() || cols[0].name != "ID" || !cols[0].texts.empty() || cols[0].refuse)
          throw ldnsim::UsageError("subjects: the first column must be a numeric ID");
        for (std::size_t k = 1; k < cols.size(); ++k) {
          if (!cols[k].texts.empty() || cols[k].refuse)
            throw ldnsim::UsageError("subjects: column " + cols[k].name + " must be numeric");
          table->columns.push_back(cols[k].name);
        }
        for (std::size_t i = 0; i < rows; ++i) {
          table->ids.push_back(cols[0].numbers[i]);
          std::vector<double> row;
          for (std::size_t k = 1; k < cols.size(); ++k) row.push_back(cols[k].numbers[i]);
          table->values.push_back(std::move(row));
        }
      }
      ds = ldnsim::api::regimen_dataset(*model, q, r.grid, table.get());
    }
    ldnsim::population::ColumnTable t = ldnsim::api::simulate(*model, ds, r);
    Rcpp::List out(t.names.size());
    for (std::size_t k = 0; k < t.names.size(); ++k) {
      Rcpp::NumericVector v(Rcpp::no_init(static_cast<R_xlen_t>(t.rows)));
      if (t.rows) std::memcpy(REAL(v), t.columns[k].data(), t.rows * sizeof(double));
      std::vector<double>().swap(t.columns[k]);  // release as we go
      out[static_cast<R_xlen_t>(k)] = v;
    }
    out.names() = Rcpp::wrap(t.names);
    out.attr("subjects") = static_cast<double>(t.subjects);
    return out;
  });
}

// R's registration table holds every entry point as DL_FUNC, whatever its arity.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-function-type"
static const R_CallMethodDef kCallMethods[] = {
    {"ldnsim_r_model", reinterpret_cast<DL_FUNC>(&ldnsim_r_model), 2},
    {"ldnsim_r_model_info", reinterpret_cast<DL_FUNC>(&ldnsim_r_model_info), 1},
    {"ldnsim_r_simulate", reinterpret_cast<DL_FUNC>(&ldnsim_r_simulate), 11},
    {nullptr, nullptr, 0}};
#pragma GCC diagnostic pop

void R_init_ldnsim(DllInfo* dll) {
  R_registerRoutines(dll, nullptr, kCallMethods, nullptr, nullptr);
  R_useDynamicSymbols(dll, FALSE);
}

}  // extern "C"
