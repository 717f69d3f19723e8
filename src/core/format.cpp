#include "ldnsim/core/format.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ldnsim {
namespace {

using u128 = unsigned __int128;

constexpr std::uint64_t kPow10[20] = {1ULL,
                                      10ULL,
                                      100ULL,
                                      1000ULL,
                                      10000ULL,
                                      100000ULL,
                                      1000000ULL,
                                      10000000ULL,
                                      100000000ULL,
                                      1000000000ULL,
                                      10000000000ULL,
                                      100000000000ULL,
                                      1000000000000ULL,
                                      10000000000000ULL,
                                      100000000000000ULL,
                                      1000000000000000ULL,
                                      10000000000000000ULL,
                                      100000000000000000ULL,
                                      1000000000000000000ULL,
                                      10000000000000000000ULL};

u128 pow10_128(int p) {  // p in [0, 38], exact in 128 bits
  u128 r = 1;
  for (int i = 0; i < p; ++i) r *= 10;
  return r;
}

const u128* pow10_table() {
  static const auto table = [] {
    static u128 t[39];
    for (int i = 0; i < 39; ++i) t[i] = pow10_128(i);
    return t;
  }();
  return table;
}

void fallback(std::string& out, double v, int digits) {
  char buf[64];
  auto r = digits > 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits)
                      : std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Writes the n-digit integer q as decimal digits into buf (most significant first), two
// digits at a time.
void digits_of(std::uint64_t q, int n, char* buf) {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  int i = n;
  while (i >= 2) {
    std::uint64_t r = q % 100;
    q /= 100;
    i -= 2;
    buf[i] = kPairs[2 * r];
    buf[i + 1] = kPairs[2 * r + 1];
  }
  if (i == 1) buf[0] = static_cast<char>('0' + q);
}

// round(m * 10^p / 2^shift), ties to even; p >= 0, m < 2^53, 10^p < 2^74, shift < 128.
std::uint64_t scaled(std::uint64_t m, int p, int shift, bool& ok) {
  u128 num = static_cast<u128>(m) * pow10_table()[p];
  if (shift <= 0) {
    ok = false;
    return 0;
  }
  u128 q = num >> shift;
  u128 rem = num - (q << shift);
  u128 half = static_cast<u128>(1) << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;
  ok = q <= static_cast<u128>(UINT64_MAX);
  return static_cast<std::uint64_t>(q);
}

}  // namespace

void append_number(std::string& out, double v, int digits) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "Inf" : "-Inf";
    return;
  }
  if (digits <= 0 || digits > 17) {
    fallback(out, v, digits > 17 ? 17 : 0);
    return;
  }
  const int N = digits;
  double x = std::fabs(v);
  if (x == 0) {
    out += std::signbit(v) ? "-0" : "0";
    return;
  }
  // Whole numbers that fit in N digits print as integers.
  if (x < 1e15 && x == std::floor(x)) {
    auto q = static_cast<std::uint64_t>(x);
    if (q < kPow10[N]) {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, q);
      if (v < 0) out += '-';
      out.append(buf, r.ptr);
      return;
    }
  }
  if (!(x >= 1e-13 && x < static_cast<double>(kPow10[N]))) {
    fallback(out, v, N);
    return;
  }
  // x = m * 2^(e2 - 53) exactly, with m a 53-bit integer (x is normal here).
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int e2 = static_cast<int>((bits >> 52) & 0x7FF) - 1022;
  const std::uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
  const int shift = 53 - e2;
  // Decimal exponent: floor(log10 x), estimated from e2 and corrected below.
  int e10 = ((e2 - 1) * 78913) >> 18;  // floor((e2-1) * log10(2)) for |e2| < 2^10
  std::uint64_t q = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    int p = N - 1 - e10;
    bool ok = p >= 0 && p <= 22;  // m * 10^p must fit in 128 bits
    if (ok) q = scaled(m, p, shift, ok);
    if (!ok) {
      fallback(out, v, N);
      return;
    }
    if (q >= kPow10[N]) {
      // Either the estimate was one too low, or rounding carried into a new digit
      // (9.99...95 -> 10.0); recompute exactly with the next exponent.
      ++e10;
      continue;
    }
    if (q < kPow10[N - 1]) {
      --e10;
      continue;
    }
    break;
  }
  if (q >= kPow10[N] || q < kPow10[N - 1]) {
    fallback(out, v, N);
    return;
  }
  char d[20];
  digits_of(q, N, d);
  int nd = N;
  while (nd > 1 && d[nd - 1] == '0') --nd;  // %g drops trailing zeros
  // Compose in a local buffer and append once.
  char buf[48];
  char* w = buf;
  if (v < 0) *w++ = '-';
  if (e10 < -4 || e10 >= N) {
    *w++ = d[0];
    if (nd > 1) {
      *w++ = '.';
      std::memcpy(w, d + 1, static_cast<std::size_t>(nd - 1));
      w += nd - 1;
    }
    int ae = e10 < 0 ? -e10 : e10;
    *w++ = 'e';
    *w++ = e10 < 0 ? '-' : '+';
    if (ae >= 100) *w++ = static_cast<char>('0' + ae / 100);
    *w++ = static_cast<char>('0' + (ae / 10) % 10);
    *w++ = static_cast<char>('0' + ae % 10);
  } else if (e10 >= 0) {
    int int_digits = e10 + 1;
    if (nd <= int_digits) {
      std::memcpy(w, d, static_cast<std::size_t>(nd));
      w += nd;
      for (int i = nd; i < int_digits; ++i) *w++ = '0';
    } else {
      std::memcpy(w, d, static_cast<std::size_t>(int_digits));
      w += int_digits;
      *w++ = '.';
      std::memcpy(w, d + int_digits, static_cast<std::size_t>(nd - int_digits));
      w += nd - int_digits;
    }
  } else {
    *w++ = '0';
    *w++ = '.';
    for (int i = 0; i < -e10 - 1; ++i) *w++ = '0';
    std::memcpy(w, d, static_cast<std::size_t>(nd));
    w += nd;
  }
  out.append(buf, static_cast<std::size_t>(w - buf));
}

}  // namespace ldnsim
