// ldnsim check: compile a model and show what it declares, or its errors.
// ldnsim params: the table of parameters with units, values and sources.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "common.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/output/json_output.hpp"
#include "ldnsim/science/unknowns.hpp"

namespace ldnsim::cli {
namespace {

const char* const kDoseProperties[] = {"F", "ALAG", "R", "D"};

nlohmann::ordered_json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

// `ldnsim check MODEL --json` (docs/json.md).
void print_check_json(const std::string& path, const lang::Model& m, bool show_code) {
  auto j = json_output::envelope("check");
  j["inputs"] = {{"model", path}, {"code", show_code}};
  auto& r = j["results"];
  r["ok"] = true;
  r["name"] = m.name();
  r["description"] = m.description();
  r["counts"] = {{"parameters", m.parameter_count()}, {"states", m.state_count()}, {"outputs", m.output_count()}};
  r["states"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < m.state_count(); ++i) {
    const auto& s = m.states()[i];
    r["states"].push_back({{"index", i + 1}, {"name", s.name}, {"unit", s.unit}, {"depot", s.depot}, {"hidden", s.hidden}});
  }
  r["parameters"] = nlohmann::ordered_json::array();
  for (const auto& p : m.parameters())
    r["parameters"].push_back(
        {{"name", p.name}, {"value", optional_number(p.value)}, {"unit", p.unit}, {"covariate", !p.value.has_value()}});
  r["outputs"] = nlohmann::ordered_json::array();
  for (const auto& o : m.outputs())
    r["outputs"].push_back({{"name", o.name}, {"unit", o.unit}, {"description", o.description}});
  r["dosing_properties"] = nlohmann::ordered_json::array();
  for (std::size_t s = 0; s < m.state_count(); ++s)
    for (int k = 0; k < 4; ++k)
      if (m.dose_property_slot(static_cast<lang::DoseProperty>(k), static_cast<int>(s)) >= 0)
        r["dosing_properties"].push_back({{"property", kDoseProperties[k]}, {"state", m.states()[s].name}});
  r["events"] = nlohmann::ordered_json::array();
  for (const auto& e : m.events()) r["events"].push_back({{"name", e.name}, {"kind", e.is_rate ? "rate" : "when"}});
  r["random_draws"] = m.subject_draws().size();
  r["hash"] = m.hash();
  if (show_code) r["generated_cpp"] = m.generated_cpp();
  std::fputs(json_output::dump(j).c_str(), stdout);
}

int run_check(const std::string& path, bool show_code, bool json) {
  lang::LoadOptions opt;
  opt.engine = lang::Engine::Interpreter;
  lang::ModelPtr m = lang::load_model(path, opt);
  if (json) {
    print_check_json(path, *m, show_code);
    return 0;
  }
  std::printf("model %s: %zu parameters, %zu states, %zu outputs (ok)\n", m->name().c_str(),
              m->parameter_count(), m->state_count(), m->output_count());
  if (!m->description().empty()) std::printf("  %s\n", m->description().c_str());
  std::printf("\nstates:\n");
  for (std::size_t i = 0; i < m->state_count(); ++i) {
    const auto& s = m->states()[i];
    std::printf("  %-3zu %-12s %-8s%s\n", i + 1, s.name.c_str(), s.unit.c_str(), s.depot ? " (depot: default dose compartment)" : "");
  }
  std::printf("\nparameters:\n");
  for (const auto& p : m->parameters()) {
    std::string v = p.value ? format_number(*p.value, 6) : std::string("(covariate: from data)");
    std::printf("  %-12s = %-12s %s\n", p.name.c_str(), v.c_str(), p.unit.c_str());
  }
  std::printf("\noutputs:\n");
  for (const auto& o : m->outputs()) std::printf("  %-12s %s\n", o.name.c_str(), o.unit.c_str());
  const char* const* props = kDoseProperties;
  bool any = false;
  for (std::size_t s = 0; s < m->state_count(); ++s)
    for (int k = 0; k < 4; ++k)
      if (m->dose_property_slot(static_cast<lang::DoseProperty>(k), static_cast<int>(s)) >= 0) {
        if (!any) std::printf("\ndosing properties:\n");
        any = true;
        std::printf("  %s(%s)\n", props[k], m->states()[s].name.c_str());
      }
  if (show_code) std::printf("\ngenerated C++ (hash %s):\n%s", m->hash().c_str(), m->generated_cpp().c_str());
  return 0;
}

std::string markdown_cell(std::string s) {
  for (char& c : s)
    if (c == '|') c = '/';
  return s;
}

// `ldnsim params MODEL --json` (docs/json.md).
void print_params_json(const std::string& path, const lang::Model& m) {
  auto j = json_output::envelope("params");
  j["inputs"] = {{"model", path}};
  auto& r = j["results"];
  r["model"] = m.name();
  r["parameters"] = nlohmann::ordered_json::array();
  std::vector<std::string> unsourced;
  std::size_t assumptions = 0;
  for (const auto& p : m.parameters()) {
    nlohmann::ordered_json range = nullptr;
    if (p.low && p.high)
      range = {{"low", *p.low}, {"high", *p.high}, {"distribution", p.distribution.empty() ? "uniform" : p.distribution}};
    r["parameters"].push_back({{"name", p.name},
                               {"value", optional_number(p.value)},
                               {"unit", p.unit},
                               {"covariate", !p.value.has_value()},
                               {"range", range},
                               {"bsv_cv", optional_number(p.cv)},
                               {"se", optional_number(p.se)},
                               {"roles", [&] {
                                  std::vector<std::string> r;
                                  for (std::size_t k = 0; k < std::size(lang::kRoleNames); ++k)
                                    if (p.roles & (1u << k)) r.push_back(lang::kRoleNames[k]);
                                  return r;
                                }()},
                               {"source", p.source},
                               {"assumption", p.assumption}});
    if (p.source.empty() && p.assumption.empty()) unsourced.push_back(p.name);
    if (!p.assumption.empty()) ++assumptions;
  }
  if (!unsourced.empty()) {
    std::string names;
    for (const auto& n : unsourced) names += (names.empty() ? "" : ", ") + n;
    j["warnings"].push_back(std::to_string(unsourced.size()) + " parameter" + (unsourced.size() == 1 ? "" : "s") +
                            " with neither a source nor an assumption: " + names);
  }
  j["evidence"].push_back(std::to_string(assumptions) + " of " + std::to_string(m.parameter_count()) +
                          " parameters are assumptions (their \"assumption\" says why)");
  std::fputs(json_output::dump(j).c_str(), stdout);
}

// `ldnsim params MODEL --unknowns`: the assumption-only parameters, what each drives and
// what would pin it down (science/unknowns.hpp; notes in MODEL.unknowns.toml).
void print_unknowns(const std::string& path, const lang::Model& m, bool markdown, bool json) {
  const std::string notes = science::unknowns_file(path);
  const auto list = science::unknowns(m, notes);
  if (json) {
    auto j = json_output::envelope("params");
    j["inputs"] = {{"model", path}, {"unknowns", notes}};
    auto& r = j["results"];
    r["model"] = m.name();
    r["unknowns"] = nlohmann::ordered_json::array();
    for (const auto& u : list)
      r["unknowns"].push_back({{"name", u.name}, {"value", u.value}, {"unit", u.unit}, {"low", optional_number(u.low)},
                               {"high", optional_number(u.high)}, {"effect", u.effect}, {"assumption", u.assumption},
                               {"drives", u.drives}, {"measure", u.measure}});
    std::fputs(json_output::dump(j).c_str(), stdout);
  } else if (markdown) {
    std::fputs(science::unknowns_markdown(list).c_str(), stdout);
  } else {
    for (const auto& u : list)
      std::printf("%s = %s%s%s\n  drives:  %s\n  measure: %s\n", u.name.c_str(), format_number(u.value, 6).c_str(),
                  u.low && u.high ? (" (range " + format_number(*u.low, 4) + "-" + format_number(*u.high, 4) + ")").c_str() : " (no range)",
                  u.effect ? ", LDN effect" : "", u.drives.c_str(), u.measure.c_str());
    std::printf("%zu assumption-only parameters (notes: %s)\n", list.size(), notes.c_str());
  }
}

int run_params(const std::string& path, bool markdown, bool json, bool unknowns) {
  if (markdown && json) throw UsageError("give --markdown or --json, not both");
  lang::LoadOptions opt;
  opt.engine = lang::Engine::Interpreter;
  lang::ModelPtr m = lang::load_model(path, opt);
  if (unknowns) {
    print_unknowns(path, *m, markdown, json);
    return 0;
  }
  if (json) {
    print_params_json(path, *m);
    return 0;
  }
  if (markdown)
    std::printf("| parameter | value | unit | range | SE | BSV (CV) | role | source or assumption |\n"
                "|---|---|---|---|---|---|---|---|\n");
  else
    std::printf("%-10s %12s %-12s %-16s %-6s %-6s %-18s %s\n", "parameter", "value", "unit", "range", "SE", "BSV CV",
                "role", "source or assumption");
  for (const auto& p : m->parameters()) {
    std::string value = p.value ? format_number(*p.value, 6) : "(data)";
    std::string range = p.low ? format_number(*p.low, 4) + "-" + format_number(*p.high, 4) +
                                    (p.distribution == "log-uniform" ? " (log)" : "")
                              : "";
    std::string cv = p.cv ? format_number(*p.cv * 100, 3) + "%" : "";
    std::string se = p.se ? format_number(*p.se, 3) : (p.has(lang::Role::Unidentified) ? "n.i." : "");
    const std::string role = lang::role_text(p.roles);
    std::string src = p.source;
    if (!p.assumption.empty()) src += (src.empty() ? "" : "; ") + std::string("assumption: ") + p.assumption;
    if (src.empty()) src = "(none given)";
    if (markdown)
      std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", p.name.c_str(), value.c_str(), p.unit.c_str(),
                  range.c_str(), se.c_str(), cv.c_str(), role.c_str(), markdown_cell(src).c_str());
    else
      std::printf("%-10s %12s %-12s %-16s %-6s %-6s %-18s %s\n", p.name.c_str(), value.c_str(), p.unit.c_str(),
                  range.c_str(), se.c_str(), cv.c_str(), role.c_str(), src.c_str());
  }
  return 0;
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto code = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("check", "Compile a model and list its states, parameters and outputs, or its errors");
  cmd->add_option("model", *path, "model file (.ldn)")->required();
  cmd->add_flag("--code", *code, "also print the generated C++");
  cmd->add_flag("--json", *json, "machine-readable output (docs/json.md); errors still go to stderr");
  cmd->callback([path, code, json] { run_check(*path, *code, *json); });
}

void add_params_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto md = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  auto unknowns = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("params", "Print a model's parameters with units, ranges and sources");
  cmd->add_option("model", *path, "model file (.ldn)")->required();
  cmd->add_flag("--markdown", *md, "as a Markdown table");
  cmd->add_flag("--json", *json, "machine-readable output (docs/json.md)");
  cmd->add_flag("--unknowns", *unknowns,
                "only the assumption-only parameters: what each drives and what measurement would pin it down (notes in MODEL.unknowns.toml)");
  cmd->callback([path, md, json, unknowns] { run_params(*path, *md, *json, *unknowns); });
}

}  // namespace ldnsim::cli
