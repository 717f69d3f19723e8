// The only code that rewrites model files: `ldnsim calibrate --write` records fitted values
// (and their ranges, standard errors and roles) in the `param` statements of a .ldn file,
// leaving everything else as the author wrote it. Nothing else edits model text: the
// commands that vary parameters do so in lang::ModelInstance.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/science/calibration.hpp"
#include "ldnsim/science/clinical.hpp"

namespace ldnsim::science {

namespace {

constexpr std::size_t npos = std::string::npos;

// [begin, end) of the value after the first '=' of the line.
std::pair<std::size_t, std::size_t> value_span(const std::string& line) {
  std::size_t eq = line.find('=');
  std::size_t vs = line.find_first_not_of(" \t", eq + 1);
  std::size_t ve = line.find_first_of(" \t#", vs);
  return {vs, ve == npos ? line.size() : ve};
}

bool inside_string(const std::string& line, std::size_t at) {
  return std::count(line.begin(), line.begin() + static_cast<long>(at), '"') % 2 != 0;
}

// [begin, end) of the first " KEYWORD ARG..." attribute outside a quoted string with
// `fields` arguments, for the keywords given in order of preference (begin is the leading
// space); {npos, npos} if none.
std::pair<std::size_t, std::size_t> attribute_span(const std::string& line, std::initializer_list<const char*> keywords,
                                                   int fields) {
  for (const char* kw : keywords) {
    std::string key(kw);
    for (std::size_t r = line.find(key); r != npos; r = line.find(key, r + 1)) {
      if (inside_string(line, r)) continue;
      std::size_t e = r + key.size();
      for (int field = 0; field < fields; ++field) {
        e = line.find_first_not_of(" \t", e);
        e = line.find_first_of(" \t#", e);
        if (e == npos) e = line.size();
      }
      return {r, e};
    }
  }
  return {npos, npos};
}

bool is_role_word(const std::string& w) {
  return std::find(std::begin(lang::kRoleNames), std::end(lang::kRoleNames), w) != std::end(lang::kRoleNames);
}

// [begin, end) of " role WORD..." outside a quoted string, and its words.
std::pair<std::size_t, std::size_t> role_span(const std::string& line, std::vector<std::string>& words) {
  for (std::size_t r = line.find(" role "); r != npos; r = line.find(" role ", r + 1)) {
    if (inside_string(line, r)) continue;
    std::size_t e = r + 5;
    words.clear();
    while (true) {
      const std::size_t a = line.find_first_not_of(" \t", e);
      if (a == npos) break;
      std::size_t b = line.find_first_of(" \t#", a);
      if (b == npos) b = line.size();
      const std::string w = line.substr(a, b - a);
      if (!is_role_word(w)) break;
      words.push_back(w);
      e = b;
    }
    return {r, e};
  }
  return {npos, npos};
}

// Position of the '#' that starts the line's comment (not one inside a quoted string), or npos.
std::size_t comment_start(const std::string& line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    else if (line[i] == '#' && !quoted) return i;
  }
  return npos;
}

// Appends " ATTRIBUTE" to the line, before a trailing `# comment` if there is one.
void append_attribute(std::string& line, const std::string& attribute) {
  std::size_t c = comment_start(line);
  std::size_t at = c == npos ? line.size() : c;
  while (at > 0 && (line[at - 1] == ' ' || line[at - 1] == '\t')) --at;
  line = line.substr(0, at) + " " + attribute + (c == npos ? "" : "  " + line.substr(c));
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// The lines of one `param NAME` statement (with its indented continuation lines).
struct Statement {
  std::size_t first = 0, last = 0;  // line indices, inclusive
};

bool find_param(const std::vector<std::string>& lines, const std::string& name, Statement& st) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.rfind("param ", 0) != 0) continue;
    std::size_t a = l.find_first_not_of(" \t", 6);
    std::size_t b = l.find_first_of(" \t=", a);
    if (a == npos || l.substr(a, b - a) != name) continue;
    st.first = i;
    st.last = i;
    while (st.last + 1 < lines.size() && !lines[st.last + 1].empty() &&
           (lines[st.last + 1][0] == ' ' || lines[st.last + 1][0] == '\t'))
      ++st.last;
    return true;
  }
  return false;
}

void set_value(std::string& line, double v) {
  auto [vs, ve] = value_span(line);
  line = line.substr(0, vs) + model_number(v) + line.substr(ve);
}

// Replaces the attribute found by `span` in the statement with `attr` (nothing: removes
// it), or, when the statement has none, adds `attr` after `after` on the first line (or
// after the value).
template <typename Span>
void set_attribute(std::vector<std::string>& lines, const Statement& st, Span span, const std::string& attr) {
  for (std::size_t i = st.first; i <= st.last; ++i) {
    std::string& l = lines[i];
    auto [r, e] = span(l);
    if (r == npos) continue;
    l = attr.empty() ? l.substr(0, r) + l.substr(e) : l.substr(0, r + 1) + attr + l.substr(e);
    return;
  }
  if (attr.empty()) return;
  std::string& l = lines[st.first];
  // after the range, else after the value
  auto [r, e] = attribute_span(l, {" logrange ", " range "}, 2);
  const std::size_t at = r != npos ? e : value_span(l).second;
  l = l.substr(0, at) + " " + attr + l.substr(at);
}

// Rewrites the source clause: drops "; to be fitted ..." / "; fitted by `ldnsim calibrate ..."
// (or the same at the start) and appends the new clause.
void set_source(std::vector<std::string>& lines, const Statement& st, const std::string& clause) {
  for (std::size_t i = st.first; i <= st.last; ++i) {
    std::string& l = lines[i];
    std::size_t s = l.find("source \"");
    if (s == npos) continue;
    std::size_t a = s + 8, b = l.find('"', a);
    if (b == npos) continue;
    std::string text = l.substr(a, b - a);
    for (const char* marker : {"; to be fitted", "; fitted by `ldnsim calibrate ", "to be fitted", "fitted by `ldnsim calibrate "}) {
      std::size_t m = text.find(marker);
      if (m != npos) {
        text = text.substr(0, m);
        break;
      }
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == ';' || text.back() == ',')) text.pop_back();
    text += (text.empty() ? "" : "; ") + clause;
    l = l.substr(0, a) + text + l.substr(b);
    return;
  }
  // no source attribute: add one on the first line
  append_attribute(lines[st.first], "source \"" + clause + "\"");
}

// The statement's role words with `fitted` added and `unidentified` set as given, in the
// order of lang::kRoleNames.
std::string fitted_roles(const std::vector<std::string>& lines, const Statement& st, bool unidentified) {
  std::vector<std::string> words;
  for (std::size_t i = st.first; i <= st.last; ++i)
    if (role_span(lines[i], words).first != npos) break;
  std::string out = "role";
  for (const char* w : lang::kRoleNames) {
    const std::string word(w);
    bool on = std::find(words.begin(), words.end(), word) != words.end();
    if (word == "fitted") on = true;
    if (word == "unidentified") on = unidentified;
    if (on) out += " " + word;
  }
  return out;
}

}  // namespace

std::string model_number(double v) { return format_number(v, 6); }

std::string write_fit(const std::string& model_text, const CalibrationResult& fit, const std::string& spec_name) {
  std::vector<std::string> lines = split_lines(model_text);
  std::vector<std::string> words;
  for (const auto& p : fit.parameters) {
    Statement st;
    if (!find_param(lines, p.name, st)) throw InputError("no line 'param " + p.name + " = ...' in the model file to rewrite");
    const bool identified = std::isfinite(p.se);
    set_value(lines[st.first], p.estimate);
    set_attribute(lines, st, [](const std::string& l) { return attribute_span(l, {" logrange ", " range "}, 2); },
                  "range " + model_number(p.low95) + " " + model_number(p.high95));
    // role first, so that a new `se` lands between the range and the roles
    set_attribute(lines, st, [&words](const std::string& l) { return role_span(l, words); },
                  fitted_roles(lines, st, !identified));
    set_attribute(lines, st, [](const std::string& l) { return attribute_span(l, {" se "}, 1); },
                  identified ? "se " + format_number(p.se, 2) : std::string());
    std::string clause = "fitted by `ldnsim calibrate " + spec_name + "`";
    if (!identified) clause += ": not identified by its targets (prior range kept)";
    if (p.at_bound) clause += ", at a bound of the fit";
    set_source(lines, st, clause);
  }
  return join_lines(lines);
}

std::string rewrite_parameters(const std::string& text, const std::vector<std::pair<std::string, double>>& values,
                               const std::vector<std::pair<double, double>>& ranges) {
  std::vector<bool> done(values.size(), false);
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t i = line.find_first_not_of(" \t");
    if (i != npos && line.compare(i, 6, "param ") == 0) {
      std::size_t a = line.find_first_not_of(" \t", i + 6);
      std::size_t b = line.find_first_of(" \t=", a);
      std::string name = line.substr(a, b - a);
      for (std::size_t k = 0; k < values.size(); ++k) {
        if (values[k].first != name) continue;
        auto [vs, ve] = value_span(line);
        std::string number = model_number(values[k].second);
        // keep the columns of the attributes that follow
        std::string old = line.substr(vs, ve - vs);
        std::string pad = number.size() < old.size() ? std::string(old.size() - number.size(), ' ') : "";
        line = line.substr(0, vs) + number + (ve < line.size() ? pad : "") + line.substr(ve);
        if (k < ranges.size()) {
          std::string attr = "logrange " + model_number(ranges[k].first) + " " + model_number(ranges[k].second);
          auto [r, e] = attribute_span(line, {" logrange "}, 2);
          if (r == npos)
            append_attribute(line, attr);
          else
            line = line.substr(0, r + 1) + attr + line.substr(e);
        }
        done[k] = true;
      }
    }
    out += line;
    out += '\n';
  }
  for (std::size_t k = 0; k < values.size(); ++k)
    if (!done[k]) throw InputError("no line 'param " + values[k].first + " = ...' in the model file to rewrite");
  return out;
}

}  // namespace ldnsim::science
