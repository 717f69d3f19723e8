#include "ldnsim/science/unknowns.hpp"

#include <filesystem>
#include <map>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/toml_reader.hpp"

namespace ldnsim::science {

namespace fs = std::filesystem;

bool assumption_only(const lang::Parameter& p) {
  return p.has(lang::Role::Assumption) && !p.has(lang::Role::Fitted) && !p.has(lang::Role::Data) && !p.has(lang::Role::Input);
}

std::string unknowns_file(const std::string& model_path) {
  fs::path p(model_path);
  return (p.parent_path() / (p.stem().string() + ".unknowns.toml")).string();
}

std::vector<Unknown> unknowns(const lang::Model& model, const std::string& notes_path) {
  if (!fs::is_regular_file(notes_path))
    throw InputError(notes_path + ": no such file (the notes of " + model.file() +
                     "'s assumption-only parameters: one table per parameter with drives and measure)");
  spec::TomlReader r(notes_path);
  const toml::table doc = r.parse_file();
  struct Note {
    std::string drives, measure;
  };
  std::map<std::string, Note> notes;
  for (const auto& [key, node] : doc) {
    const std::string name(key.str());
    const int i = model.parameter_index(name);
    if (i < 0) r.fail(node, name, "the model " + model.file() + " has no parameter '" + name + "'");
    if (!assumption_only(model.parameters()[static_cast<std::size_t>(i)]))
      r.fail(node, name, name + " is not assumption-only in " + model.file() + " (fitted, data or an input): it needs no note");
    const toml::table* t = node.as_table();
    if (!t) r.fail(node, name, "expected a table with drives and measure");
    r.check_keys(*t, name, {"drives", "measure"});
    notes[name] = {r.require_string(*t, name, "drives"), r.require_string(*t, name, "measure")};
  }
  std::vector<Unknown> out;
  std::string missing;
  for (const auto& p : model.parameters()) {
    if (!assumption_only(p)) continue;
    auto n = notes.find(p.name);
    if (n == notes.end()) {
      missing += (missing.empty() ? "" : ", ") + p.name;
      continue;
    }
    out.push_back(Unknown{p.name, p.unit, p.assumption, n->second.drives, n->second.measure, p.value.value_or(0), p.low, p.high,
                          p.has(lang::Role::Effect)});
  }
  if (!missing.empty())
    throw InputError(notes_path + ": no note for the assumption-only parameter(s) " + missing + " of " + model.file() +
                     " (add [NAME] with drives and measure)");
  return out;
}

namespace {
std::string cell(std::string s) {
  for (char& c : s)
    if (c == '|') c = '/';
  return s;
}
}  // namespace

std::string unknowns_markdown(const std::vector<Unknown>& list) {
  std::string out = "| parameter | value | range | what it drives | what would pin it down |\n|---|---|---|---|---|\n";
  for (const auto& u : list) {
    const std::string range = u.low && u.high ? format_number(*u.low, 4) + "-" + format_number(*u.high, 4) : "none (convention)";
    out += "| `" + u.name + "`" + (u.effect ? " (LDN effect)" : "") + " | " + format_number(u.value, 6) + (u.unit == "1" || u.unit.empty() ? "" : " " + u.unit) +
           " | " + range + " | " + cell(u.drives) + " | " + cell(u.measure) + " |\n";
  }
  return out;
}

}  // namespace ldnsim::science
