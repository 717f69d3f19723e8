// Input checks shared by the statistics layer (private to src/stats). Messages name the
// argument so that a user can find which arm or column of a simulated trial was bad.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/common.hpp"

namespace ldnsim::stats::detail {

[[noreturn]] inline void input_error(const std::string& where, const std::string& what) {
  throw InputError(where + ": " + what);
}

inline void require_finite(double v, const std::string& where, const std::string& name) {
  if (!std::isfinite(v)) input_error(where, name + " must be a finite number (got " + std::to_string(v) + ")");
}

inline void require_finite(const std::vector<double>& x, const std::string& where, const std::string& name) {
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]))
      input_error(where, name + "[" + std::to_string(i) + "] is not a finite number (NaN or infinite)");
}

inline void require_size(const std::vector<double>& x, std::size_t min_n, const std::string& where,
                         const std::string& name) {
  if (x.size() < min_n)
    input_error(where, name + " needs at least " + std::to_string(min_n) + " observations (got " +
                           std::to_string(x.size()) + ")");
}

inline void require_sample(const std::vector<double>& x, std::size_t min_n, const std::string& where,
                           const std::string& name) {
  require_size(x, min_n, where, name);
  require_finite(x, where, name);
}

template <class A, class B>
void require_same_length(const A& a, const B& b, const std::string& where, const std::string& na,
                         const std::string& nb) {
  if (a.size() != b.size())
    input_error(where, na + " and " + nb + " must have the same length (" + std::to_string(a.size()) +
                           " vs " + std::to_string(b.size()) + ")");
}

inline void require_conf_level(double level, const std::string& where) {
  if (!(level > 0.0 && level < 1.0))
    throw UsageError(where + ": confidence level must be strictly between 0 and 1 (got " +
                     std::to_string(level) + ")");
}

inline void require_probability(double p, const std::string& where, const std::string& name) {
  if (!(p >= 0.0 && p <= 1.0))
    input_error(where, name + " must be a probability in [0, 1] (got " + std::to_string(p) + ")");
}

// Two-sided or one-sided p-value from the lower and upper tail probabilities of a statistic
// whose large values favour Alternative::Greater.
double p_value(Alternative alt, double lower_tail_p, double upper_tail_p);

}  // namespace ldnsim::stats::detail
