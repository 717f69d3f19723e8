#include "ldnsim/core/toml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "ldnsim/core/files.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim::spec {

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

}  // namespace

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 3;
  const std::string w = lower(word);
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(w, lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string TomlReader::location(const toml::source_region& where) const {
  SourceLocation l{file_, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column)};
  return l.str();
}

void TomlReader::remember(const std::string& key, const toml::source_region& where) const {
  if (locations_) (*locations_)[key] = SourceLocation{file_, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column)};
}

void TomlReader::fail(const toml::source_region& where, const std::string& key, const std::string& message) const {
  throw InputError(location(where) + ": " + (key.empty() ? "" : key + ": ") + message);
}

toml::table TomlReader::parse_file() const { return parse(read_text_file(file_, "TOML file")); }

std::vector<const toml::table*> TomlReader::tables(const toml::table& t, const std::string& path, std::string_view key) const {
  std::vector<const toml::table*> out;
  const toml::array* a = array(t, path, key);
  if (!a) return out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::table* e = (*a)[i].as_table();
    if (!e) fail((*a)[i], index_key(join_key(path, key), i), "expected a table ([[" + std::string(key) + "]])");
    out.push_back(e);
  }
  return out;
}

toml::table TomlReader::parse(std::string_view text) const {
  try {
    return toml::parse(text, file_);
  } catch (const toml::parse_error& e) {
    SourceLocation l{file_, static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column)};
    throw InputError(l.str() + ": not valid TOML: " + std::string(e.description()));
  }
}

void TomlReader::check_keys(const toml::table& table, const std::string& path,
                            std::initializer_list<std::string_view> allowed) const {
  std::vector<std::string> a;
  for (auto k : allowed) a.emplace_back(k);
  check_keys(table, path, a);
}

void TomlReader::check_keys(const toml::table& table, const std::string& path,
                            const std::vector<std::string>& allowed) const {
  for (auto&& [k, v] : table) {
    const std::string key(k.str());
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string msg = "unknown key";
    std::string s = closest(key, allowed);
    if (!s.empty()) msg += " (did you mean '" + s + "'?)";
    std::string list;
    for (const auto& x : allowed) list += (list.empty() ? "" : ", ") + x;
    msg += "; expected one of: " + list;
    fail(k.source(), join_key(path, printable(key, 60)), msg);
  }
}

double TomlReader::as_number(const toml::node& n, const std::string& key) const {
  remember(key, n.source());
  if (auto i = n.as_integer()) return static_cast<double>(i->get());
  if (auto f = n.as_floating_point()) {
    double v = f->get();
    if (!std::isfinite(v)) fail(n, key, "expected a finite number");
    return v;
  }
  fail(n, key, "expected a number, found " + type_name(n));
}

std::string TomlReader::as_string(const toml::node& n, const std::string& key) const {
  remember(key, n.source());
  if (auto s = n.as_string()) return s->get();
  fail(n, key, "expected a string, found " + type_name(n));
}

double TomlReader::as_number_or_text(const toml::node& n, const std::string& key,
                                     const std::function<double(std::string_view)>& parse, const std::string& kind,
                                     const std::string& expected) const {
  remember(key, n.source());
  if (n.is_string()) {
    try {
      return parse(n.as_string()->get());
    } catch (const InputError& e) {
      fail(n, key, e.what());
    }
  }
  if (n.is_number()) {
    double v = as_number(n, key);
    if (v < 0) fail(n, key, "expected " + kind + " of 0 or more, found " + std::to_string(v));
    return v;
  }
  fail(n, key, "expected " + expected + ", found " + type_name(n));
}

std::optional<double> TomlReader::number(const toml::table& t, const std::string& path, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  return as_number(*n, join_key(path, key));
}

std::optional<long long> TomlReader::integer(const toml::table& t, const std::string& path, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  remember(join_key(path, key), n->source());
  if (auto i = n->as_integer()) return i->get();
  if (auto f = n->as_floating_point(); f && std::floor(f->get()) == f->get() && std::abs(f->get()) < 1e15)
    return static_cast<long long>(f->get());
  fail(*n, join_key(path, key), "expected a whole number, found " + type_name(*n));
}

std::optional<std::string> TomlReader::string(const toml::table& t, const std::string& path, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  return as_string(*n, join_key(path, key));
}

std::optional<bool> TomlReader::boolean(const toml::table& t, const std::string& path, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  remember(join_key(path, key), n->source());
  if (auto b = n->as_boolean()) return b->get();
  fail(*n, join_key(path, key), "expected true or false, found " + type_name(*n));
}

const toml::table* TomlReader::table(const toml::table& t, const std::string& path, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  remember(join_key(path, key), n->source());
  if (auto x = n->as_table()) return x;
  fail(*n, join_key(path, key), "expected a table, found " + type_name(*n));
}

const toml::array* TomlReader::array(const toml::table& t, const std::string& path, std::string_view key) const {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  remember(join_key(path, key), n->source());
  if (auto x = n->as_array()) return x;
  fail(*n, join_key(path, key), "expected an array, found " + type_name(*n));
}

double TomlReader::require_number(const toml::table& t, const std::string& path, std::string_view key) const {
  auto v = number(t, path, key);
  if (!v) fail(t.source(), join_key(path, key), "missing (expected a number)");
  return *v;
}

std::string TomlReader::require_string(const toml::table& t, const std::string& path, std::string_view key) const {
  auto v = string(t, path, key);
  if (!v) fail(t.source(), join_key(path, key), "missing (expected a string)");
  return *v;
}

}  // namespace ldnsim::spec
