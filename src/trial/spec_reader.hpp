// The trial layer's reading of its TOML specs: the one strict reader (core/toml_reader.hpp)
// with durations ("8w", "6mo" or days), and the marginal distributions that population and
// trial specs share. Private to src/trial.
#pragma once

#include <string>
#include <string_view>

#include "ldnsim/core/toml_reader.hpp"

namespace ldnsim::trial {
struct Marginal;
namespace detail {

using spec::closest;
using spec::index_key;
using spec::join_key;

class TomlReader : public spec::TomlReader {
 public:
  using spec::TomlReader::TomlReader;
  // A duration: a string with a unit ("8w") or a number of days.
  std::optional<double> duration(const toml::table& t, const std::string& path, std::string_view key) const;
  double as_duration(const toml::node& node, const std::string& key) const;
};

// A marginal distribution table (population covariates, retrospective follow-up); `base`
// is the distribution a subtype override starts from.
Marginal read_marginal(const TomlReader& r, const toml::table& t, const std::string& path, const Marginal* base);

}  // namespace detail
}  // namespace ldnsim::trial
