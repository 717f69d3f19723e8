// The one strict reader of ldnsim's TOML files (trial, population, calibration, reproduce,
// claims and target specs): every key must be known, every value of the expected type, and
// every error names file:line:column, the TOML path of the key and what was expected.
#pragma once

#include <toml++/toml.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/core/error.hpp"

namespace ldnsim::spec {

// "endpoints[2].analysis"
inline std::string join_key(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
inline std::string index_key(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

class TomlReader {
 public:
  TomlReader(std::string file, std::map<std::string, SourceLocation>* locations = nullptr)
      : file_(std::move(file)), locations_(locations) {}

  const std::string& file() const { return file_; }

  // Parses the document; a TOML syntax error names file:line:column.
  toml::table parse(std::string_view text) const;
  // Reads file() (core/files.hpp: bounded, with a clear error) and parses it.
  toml::table parse_file() const;

  [[noreturn]] void fail(const toml::source_region& where, const std::string& key, const std::string& message) const;
  [[noreturn]] void fail(const toml::node& node, const std::string& key, const std::string& message) const {
    fail(node.source(), key, message);
  }
  std::string location(const toml::source_region& where) const;

  // Every key of `table` must be in `allowed`; otherwise an error with a suggestion.
  void check_keys(const toml::table& table, const std::string& path, std::initializer_list<std::string_view> allowed) const;
  void check_keys(const toml::table& table, const std::string& path, const std::vector<std::string>& allowed) const;

  // Typed getters; absent keys give nullopt, wrong types an error. Each records the
  // key's position.
  std::optional<double> number(const toml::table& t, const std::string& path, std::string_view key) const;
  std::optional<long long> integer(const toml::table& t, const std::string& path, std::string_view key) const;
  std::optional<std::string> string(const toml::table& t, const std::string& path, std::string_view key) const;
  std::optional<bool> boolean(const toml::table& t, const std::string& path, std::string_view key) const;
  const toml::table* table(const toml::table& t, const std::string& path, std::string_view key) const;
  const toml::array* array(const toml::table& t, const std::string& path, std::string_view key) const;
  // An array of tables ([[key]]); absent gives an empty list.
  std::vector<const toml::table*> tables(const toml::table& t, const std::string& path, std::string_view key) const;

  // Required variants: a missing key is an error at the table's position.
  double require_number(const toml::table& t, const std::string& path, std::string_view key) const;
  std::string require_string(const toml::table& t, const std::string& path, std::string_view key) const;

  double as_number(const toml::node& node, const std::string& key) const;
  std::string as_string(const toml::node& node, const std::string& key) const;
  // A number (>= 0), or a string that `parse` turns into one (throwing InputError without
  // a location, which this adds). `kind` names the value ("a duration"), `expected` the
  // forms it takes ("a duration such as \"8w\" or a number of days").
  double as_number_or_text(const toml::node& node, const std::string& key,
                           const std::function<double(std::string_view)>& parse, const std::string& kind,
                           const std::string& expected) const;

  void remember(const std::string& key, const toml::source_region& where) const;

 private:
  std::string file_;
  std::map<std::string, SourceLocation>* locations_;
};

// The closest of `candidates` to `word` (edit distance <= 2, case-insensitive), or "".
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ldnsim::spec
