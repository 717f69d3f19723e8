// Strict reading of the science layer's TOML specs (calibration and reproduce specs):
// unknown keys, missing keys and wrong types are errors naming FILE:LINE:COLUMN, the TOML
// path of the key and what was expected. Private to src/science.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim::science::detail {

inline std::string key_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

class SpecReader {
 public:
  explicit SpecReader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  toml::table parse_file() const {
    std::ifstream in(file_);
    if (!in) throw InputError(file_ + ": cannot read the file");
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      return toml::parse(ss.str(), file_);
    } catch (const toml::parse_error& e) {
      throw InputError(where(e.source()) + ": " + std::string(e.description()));
    }
  }

  std::string where(const toml::source_region& r) const {
    return file_ + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
  }
  [[noreturn]] void fail(const toml::node& n, const std::string& key, const std::string& msg) const {
    throw InputError(where(n.source()) + ": " + key + ": " + msg);
  }

  void check_keys(const toml::table& t, const std::string& path, const std::vector<std::string>& allowed) const {
    for (const auto& [k, v] : t) {
      (void)v;
      const std::string key(k.str());
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      std::string hint = closest(key, allowed);
      throw InputError(where(k.source()) + ": " + key_path(path, printable(key, 60)) + ": unknown key" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; expected one of: " + list);
    }
  }

  std::optional<double> number(const toml::table& t, const std::string& path, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (auto v = n->value<double>()) return *v;
    fail(*n, key_path(path, key), "expected a number");
  }
  double require_number(const toml::table& t, const std::string& path, std::string_view key) const {
    auto v = number(t, path, key);
    if (!v) throw InputError(where(t.source()) + ": " + key_path(path, key) + ": missing (expected a number)");
    return *v;
  }
  std::optional<std::string> string(const toml::table& t, const std::string& path, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (auto v = n->value<std::string>()) return *v;
    fail(*n, key_path(path, key), "expected a string");
  }
  std::string require_string(const toml::table& t, const std::string& path, std::string_view key) const {
    auto v = string(t, path, key);
    if (!v) throw InputError(where(t.source()) + ": " + key_path(path, key) + ": missing (expected a string)");
    return *v;
  }
  std::optional<bool> boolean(const toml::table& t, const std::string& path, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (auto v = n->value<bool>()) return *v;
    fail(*n, key_path(path, key), "expected true or false");
  }
  const toml::array* array(const toml::table& t, const std::string& path, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (auto a = n->as_array()) return a;
    fail(*n, key_path(path, key), "expected an array");
  }
  const toml::table* table(const toml::table& t, const std::string& path, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (auto a = n->as_table()) return a;
    fail(*n, key_path(path, key), "expected a table");
  }
  // An array of tables ([[name]]); absent gives an empty list.
  std::vector<const toml::table*> tables(const toml::table& t, const std::string& path, std::string_view key) const {
    std::vector<const toml::table*> out;
    const toml::array* a = array(t, path, key);
    if (!a) return out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::table* e = (*a)[i].as_table();
      if (!e) fail((*a)[i], key_path(path, key) + "[" + std::to_string(i) + "]", "expected a table ([[" + std::string(key) + "]])");
      out.push_back(e);
    }
    return out;
  }

  static std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
    auto lower = [](std::string_view s) {
      std::string r(s);
      for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return r;
    };
    const std::string w = lower(word);
    std::string best;
    std::size_t best_d = 3;
    for (const auto& c : candidates) {
      const std::string x = lower(c);
      std::vector<std::size_t> prev(x.size() + 1), cur(x.size() + 1);
      for (std::size_t j = 0; j <= x.size(); ++j) prev[j] = j;
      for (std::size_t i = 1; i <= w.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= x.size(); ++j)
          cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (w[i - 1] == x[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
      }
      if (prev[x.size()] < best_d) {
        best_d = prev[x.size()];
        best = c;
      }
    }
    return best;
  }

 private:
  std::string file_;
};

}  // namespace ldnsim::science::detail
