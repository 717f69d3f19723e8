// The fast number formatter against glibc's printf("%.*g") as the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "ldnsim/core/format.hpp"

namespace ldnsim {
namespace {

std::string printf_g(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

TEST(Format, MatchesPrintfOnRandomDoublesOfEveryMagnitude) {
  std::mt19937_64 rng(20261121);
  std::uniform_real_distribution<double> exponent(-20, 20);
  std::uniform_int_distribution<int> digits(1, 17);
  std::string out;
  for (int i = 0; i < 2000000; ++i) {
    double v = std::pow(10.0, exponent(rng)) * (rng() % 2 ? 1 : -1);
    int d = digits(rng);
    out.clear();
    append_number(out, v, d);
    ASSERT_EQ(out, printf_g(v, d)) << "value " << std::hexfloat << v << " digits " << d;
  }
}

TEST(Format, MatchesPrintfOnArbitraryBitPatterns) {
  std::mt19937_64 rng(7);
  std::string out;
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    for (int d : {1, 6, 10, 15, 17}) {
      out.clear();
      append_number(out, v, d);
      ASSERT_EQ(out, printf_g(v, d)) << std::hexfloat << v << " digits " << d;
    }
  }
}

TEST(Format, TiesRoundToEvenAndCarriesAddADigit) {
  // Exactly representable ties: printf rounds half to even on the exact binary value.
  for (double v : {0.5, 1.5, 2.5, 0.125, 0.375, 1.25, 2.675, 9.5, 99.5, 999.5, 0.9999999999, 9.999999999,
                   9.9999999995, 99999.5, 1e-5, 9.99999e-5, 1e-4, 123456789.0, 1234567890.0, 12345678901.0,
                   1e15, 1e16, 4503599627370496.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 22.0, 8760.0, -0.0}) {
    for (int d = 1; d <= 17; ++d) {
      std::string out;
      append_number(out, v, d);
      EXPECT_EQ(out, printf_g(v, d)) << v << " digits " << d;
    }
  }
}

TEST(Format, ValuesNearARoundingTieMatchPrintf) {
  // The 10-digit path rounds in double arithmetic only when that is provably exact; these
  // values sit at or within a few ulps of the midpoint between two 10-digit decimals.
  std::mt19937_64 rng(11);
  std::string out;
  for (int i = 0; i < 150000; ++i) {
    const double q = static_cast<double>(1000000000 + rng() % 9000000000ULL) + 0.5;
    const int p = static_cast<int>(rng() % 23);
    double v = q / std::pow(10.0, p);
    for (int ulps = static_cast<int>(rng() % 5); ulps > 0; --ulps) v = std::nextafter(v, rng() % 2 ? 0.0 : 1e300);
    for (int d : {9, 10, 11, 12}) {
      out.clear();
      append_number(out, v, d);
      ASSERT_EQ(out, printf_g(v, d)) << std::hexfloat << v << " digits " << d;
    }
  }
}

TEST(Format, SpecialValuesAndShortest) {
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "Inf");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_number(0.1, 0), "0.1");  // shortest round-trip
  EXPECT_EQ(format_number(0.1 + 0.2, 0), "0.30000000000000004");
  EXPECT_EQ(format_number(5.0), "5");
}

}  // namespace
}  // namespace ldnsim
