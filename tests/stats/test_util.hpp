// Helpers for comparing with reference values computed in R. Tolerances are relative to
// the reference (absolute when the reference is 0): 1e-8 for closed-form results and
// 1e-6 for iterative fits, per the layer's contract.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace ldnsim::stats::testing {

inline constexpr double kClosed = 1e-8;
inline constexpr double kIterative = 1e-6;

inline ::testing::AssertionResult rel_near(const char* actual_expr, const char* expected_expr, const char*,
                                           double actual, double expected, double tol) {
  if (std::isinf(expected) && actual == expected) return ::testing::AssertionSuccess();
  const double scale = expected == 0.0 ? 1.0 : std::fabs(expected);
  const double err = std::fabs(actual - expected) / scale;
  if (err <= tol) return ::testing::AssertionSuccess();
  char buf[400];
  std::snprintf(buf, sizeof buf, "%s = %.17g\n%s = %.17g\nrelative error %.3g exceeds %.3g", actual_expr, actual,
                expected_expr, expected, err, tol);
  return ::testing::AssertionFailure() << buf;
}

}  // namespace ldnsim::stats::testing

// EXPECT_REL(actual, expected, tol): |actual - expected| <= tol * |expected|.
#define EXPECT_REL(actual, expected, tol) \
  EXPECT_PRED_FORMAT3(::ldnsim::stats::testing::rel_near, actual, expected, tol)
