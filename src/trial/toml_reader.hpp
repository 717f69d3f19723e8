// Strict reading of TOML specs: every key must be known, every value of the expected type,
// and every error names file:line:column, the TOML path of the key and what was expected.
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/core/error.hpp"

namespace ldnsim::trial::detail {

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
  // A duration: a string with a unit ("8w") or a number of days.
  std::optional<double> duration(const toml::table& t, const std::string& path, std::string_view key) const;

  // Required variants: a missing key is an error at the table's position.
  double require_number(const toml::table& t, const std::string& path, std::string_view key) const;
  std::string require_string(const toml::table& t, const std::string& path, std::string_view key) const;

  double as_number(const toml::node& node, const std::string& key) const;
  std::string as_string(const toml::node& node, const std::string& key) const;
  double as_duration(const toml::node& node, const std::string& key) const;

  void remember(const std::string& key, const toml::source_region& where) const;

 private:
  std::string file_;
  std::map<std::string, SourceLocation>* locations_;
};

// The closest of `candidates` to `word` (edit distance <= 2, case-insensitive), or "".
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ldnsim::trial::detail

namespace ldnsim::trial {
struct Marginal;
namespace detail {
// A marginal distribution table (population covariates, retrospective follow-up); `base`
// is the distribution a subtype override starts from.
Marginal read_marginal(const TomlReader& r, const toml::table& t, const std::string& path, const Marginal* base);
std::string read_file(const std::string& path);
}  // namespace detail
}  // namespace ldnsim::trial
