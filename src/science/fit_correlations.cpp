// The correlations of a clinical model's fitted estimates, beside the model file
// (science/clinical.hpp: fit_correlations_file, write_fit_correlations, read_fit_correlations).
#include <cmath>
#include <filesystem>
#include <sstream>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/files.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/toml_reader.hpp"
#include "ldnsim/science/clinical.hpp"

namespace ldnsim::science {

namespace fs = std::filesystem;

std::string fit_correlations_file(const std::string& model_path) {
  fs::path p(model_path);
  return (p.parent_path() / (p.stem().string() + ".fit.toml")).string();
}

namespace {

struct Entry {
  std::string spec;
  StageCorrelation c;
};

std::vector<Entry> parse(const std::string& text, const std::string& file) {
  std::vector<Entry> out;
  if (text.empty()) return out;
  spec::TomlReader r(file);
  const toml::table doc = r.parse(text);
  r.check_keys(doc, "", {"fits"});
  const auto fits = r.tables(doc, "", "fits");
  for (std::size_t i = 0; i < fits.size(); ++i) {
    const toml::table& t = *fits[i];
    const std::string key = spec::index_key("fits", i);
    r.check_keys(t, key, {"spec", "stage", "parameters", "correlation"});
    Entry e;
    e.spec = r.require_string(t, key, "spec");
    e.c.stage = r.require_string(t, key, "stage");
    const toml::array* names = r.array(t, key, "parameters");
    const toml::array* rows = r.array(t, key, "correlation");
    if (!names || !rows) throw InputError(r.location(t.source()) + ": " + key + ": expected parameters and correlation");
    for (const auto& n : *names) e.c.names.push_back(r.as_string(n, key + ".parameters"));
    if (rows->size() != e.c.names.size())
      r.fail(*t.get("correlation"), key + ".correlation", "expected " + std::to_string(e.c.names.size()) + " rows, one per parameter");
    for (const auto& row : *rows) {
      const toml::array* a = row.as_array();
      if (!a || a->size() != e.c.names.size())
        r.fail(row, key + ".correlation", "expected a row of " + std::to_string(e.c.names.size()) + " numbers");
      std::vector<double> v;
      for (const auto& x : *a) {
        const double c = r.as_number(x, key + ".correlation");
        if (!(c >= -1 && c <= 1)) r.fail(x, key + ".correlation", "expected a correlation in [-1, 1], found " + format_number(c));
        v.push_back(c);
      }
      e.c.r.push_back(v);
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace

std::string write_fit_correlations(const std::string& existing, const CalibrationResult& fit, const std::string& spec_name) {
  std::vector<Entry> entries;
  for (auto& e : parse(existing, "correlations"))
    if (e.spec != spec_name) entries.push_back(e);
  for (const auto& c : fit.correlations) entries.push_back({spec_name, c});
  std::ostringstream o;
  o << "# Correlations of the fitted estimates of the model beside this file, written by\n"
       "# `ldnsim calibrate SPEC` (one entry per spec and stage; do not edit by hand). The\n"
       "# uncertainty draws of power, claims and reproduce draw each stage's estimates jointly\n"
       "# with these correlations and the SEs in the model file.\n";
  for (const auto& e : entries) {
    o << "\n[[fits]]\nspec = \"" << e.spec << "\"\nstage = \"" << e.c.stage << "\"\nparameters = [";
    for (std::size_t i = 0; i < e.c.names.size(); ++i) o << (i ? ", " : "") << '"' << e.c.names[i] << '"';
    o << "]\ncorrelation = [\n";
    for (const auto& row : e.c.r) {
      o << "  [";
      for (std::size_t i = 0; i < row.size(); ++i) o << (i ? ", " : "") << format_number(std::round(row[i] * 1e4) / 1e4, 6);
      o << "],\n";
    }
    o << "]\n";
  }
  return o.str();
}

std::vector<StageCorrelation> read_fit_correlations(const std::string& path) {
  std::vector<StageCorrelation> out;
  if (!fs::is_regular_file(path)) return out;
  for (auto& e : parse(read_text_file(path, "fit correlations"), path)) out.push_back(e.c);
  return out;
}

}  // namespace ldnsim::science
