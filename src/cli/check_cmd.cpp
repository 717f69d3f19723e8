// ldnsim check: compile a model and show what it declares, or its errors.
// ldnsim params: the table of parameters with units, values and sources.
#include <cstdio>
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ldnsim/core/format.hpp"

namespace ldnsim::cli {
namespace {

int run_check(const std::string& path, bool show_code) {
  lang::LoadOptions opt;
  opt.engine = lang::Engine::Interpreter;
  lang::ModelPtr m = lang::load_model(path, opt);
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
  static const char* props[] = {"F", "ALAG", "R", "D"};
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

int run_params(const std::string& path, bool markdown) {
  lang::LoadOptions opt;
  opt.engine = lang::Engine::Interpreter;
  lang::ModelPtr m = lang::load_model(path, opt);
  if (markdown) {
    std::printf("| parameter | value | unit | range | BSV (CV) | source or assumption |\n|---|---|---|---|---|---|\n");
  }
  for (const auto& p : m->parameters()) {
    std::string value = p.value ? format_number(*p.value, 6) : "(data)";
    std::string range = p.low ? format_number(*p.low, 4) + "-" + format_number(*p.high, 4) +
                                    (p.distribution == "log-uniform" ? " (log)" : "")
                              : "";
    std::string cv = p.cv ? format_number(*p.cv * 100, 3) + "%" : "";
    std::string src = p.source;
    if (!p.assumption.empty()) src += (src.empty() ? "" : "; ") + std::string("assumption: ") + p.assumption;
    if (src.empty()) src = "(none given)";
    if (markdown)
      std::printf("| %s | %s | %s | %s | %s | %s |\n", p.name.c_str(), value.c_str(), p.unit.c_str(),
                  range.c_str(), cv.c_str(), markdown_cell(src).c_str());
    else
      std::printf("%-10s %12s %-12s %-16s %-6s %s\n", p.name.c_str(), value.c_str(), p.unit.c_str(),
                  range.c_str(), cv.c_str(), src.c_str());
  }
  return 0;
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto code = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("check", "Compile a model and list its states, parameters and outputs, or its errors");
  cmd->add_option("model", *path, "model file (.ldn)")->required();
  cmd->add_flag("--code", *code, "also print the generated C++");
  cmd->callback([path, code] { run_check(*path, *code); });
}

void add_params_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto md = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("params", "Print a model's parameters with units, ranges and sources");
  cmd->add_option("model", *path, "model file (.ldn)")->required();
  cmd->add_flag("--markdown", *md, "as a Markdown table");
  cmd->callback([path, md] { run_params(*path, *md); });
}

}  // namespace ldnsim::cli
