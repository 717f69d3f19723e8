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

struct Pow10Table {
  u128 v[23];  // 10^0 .. 10^22, exact in 128 bits
  constexpr Pow10Table() : v() {
    u128 r = 1;
    for (int i = 0; i < 23; ++i, r *= 10) v[i] = r;
  }
};
constexpr Pow10Table kPow10Wide;

// 10^-14 .. 10^17 as doubles (the negative powers rounded).
constexpr double kTensDouble[] = {1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4,
                                  1e-3,  1e-2,  1e-1,  1e0,   1e1,   1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,   1e9,   1e10,  1e11,  1e12,  1e13, 1e14, 1e15, 1e16, 1e17};

constexpr char kPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char* fallback(char* out, double v, int digits) {
  auto r = digits > 0 ? std::to_chars(out, out + kMaxNumberChars, v, std::chars_format::general, digits)
                      : std::to_chars(out, out + kMaxNumberChars, v);
  return r.ptr;
}

// Writes the n-digit integer q as decimal digits into buf (most significant first), two
// digits at a time.
void digits_of(std::uint64_t q, int n, char* buf) {
  int i = n;
  while (i >= 2) {
    const std::uint64_t r = q % 100;
    q /= 100;
    i -= 2;
    std::memcpy(buf + i, kPairs + 2 * r, 2);
  }
  if (i == 1) buf[0] = static_cast<char>('0' + q);
}

// Writes q (< 10^19) in decimal; returns the end.
char* write_integer(char* out, std::uint64_t q) {
  int n = 1;
  while (n < 19 && q >= kPow10[n]) ++n;
  digits_of(q, n, out);
  return out + n;
}

// round(m * 10^p / 2^shift), ties to even; p in [0, 22], m < 2^53, shift < 128.
std::uint64_t scaled(std::uint64_t m, int p, int shift, bool& ok) {
  const u128 num = static_cast<u128>(m) * kPow10Wide.v[p];
  if (shift <= 0) {
    ok = false;
    return 0;
  }
  u128 q = num >> shift;
  const u128 rem = num - (q << shift);
  const u128 half = static_cast<u128>(1) << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;
  ok = q <= static_cast<u128>(UINT64_MAX);
  return static_cast<std::uint64_t>(q);
}

}  // namespace

char* write_number(char* w, double v, int digits) {
  if (std::isnan(v)) {
    std::memcpy(w, "NaN", 3);
    return w + 3;
  }
  if (std::isinf(v)) {
    if (v > 0) {
      std::memcpy(w, "Inf", 3);
      return w + 3;
    }
    std::memcpy(w, "-Inf", 4);
    return w + 4;
  }
  if (digits <= 0 || digits > 17) return fallback(w, v, digits > 17 ? 17 : 0);
  const int N = digits;
  const double x = std::fabs(v);
  if (x == 0) {
    if (std::signbit(v)) *w++ = '-';
    *w++ = '0';
    return w;
  }
  // Whole numbers that fit in N digits print as integers.
  if (x < 1e15 && x == std::floor(x)) {
    const auto q = static_cast<std::uint64_t>(x);
    if (q < kPow10[N]) {
      if (v < 0) *w++ = '-';
      return write_integer(w, q);
    }
  }
  if (!(x >= 1e-13 && x < static_cast<double>(kPow10[N]))) return fallback(w, v, N);
  // x = m * 2^(e2 - 53) exactly, with m a 53-bit integer (x is normal here).
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int e2 = static_cast<int>((bits >> 52) & 0x7FF) - 1022;
  const std::uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
  const int shift = 53 - e2;
  // Decimal exponent: floor(log10 x), estimated from e2 and a table of powers of ten
  // (the table's negative powers are rounded, so the estimate can still be one off; the
  // loop below corrects it exactly).
  int e10 = ((e2 - 1) * 78913) >> 18;  // floor((e2-1) * log10(2)) for |e2| < 2^10
  if (e10 + 1 <= 17 && x >= kTensDouble[e10 + 1 + 14]) ++e10;
  std::uint64_t q = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int p = N - 1 - e10;
    bool ok = p >= 0 && p <= 22;  // m * 10^p must fit in 128 bits
    if (ok) q = scaled(m, p, shift, ok);
    if (!ok) return fallback(w, v, N);
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
  if (q >= kPow10[N] || q < kPow10[N - 1]) return fallback(w, v, N);
  int nd = N;
  while (nd > 1 && q % 10 == 0) {  // %g drops trailing zeros
    q /= 10;
    --nd;
  }
  // The digits are written where they go (no intermediate copy).
  if (v < 0) *w++ = '-';
  if (e10 < -4 || e10 >= N) {
    const std::uint64_t rest = kPow10[nd - 1];
    *w++ = static_cast<char>('0' + q / rest);
    if (nd > 1) {
      *w++ = '.';
      digits_of(q % rest, nd - 1, w);
      w += nd - 1;
    }
    const int ae = e10 < 0 ? -e10 : e10;
    *w++ = 'e';
    *w++ = e10 < 0 ? '-' : '+';
    if (ae >= 100) *w++ = static_cast<char>('0' + ae / 100);
    std::memcpy(w, kPairs + 2 * (ae % 100), 2);
    return w + 2;
  }
  if (e10 >= 0) {
    const int int_digits = e10 + 1;
    if (nd <= int_digits) {
      digits_of(q, nd, w);
      for (int i = nd; i < int_digits; ++i) w[i] = '0';
      return w + int_digits;
    }
    const std::uint64_t scale = kPow10[nd - int_digits];
    digits_of(q / scale, int_digits, w);
    w[int_digits] = '.';
    digits_of(q % scale, nd - int_digits, w + int_digits + 1);
    return w + nd + 1;
  }
  // 1e-5 <= x < 1: "0.", -e10-1 zeros (at most 4), the digits.
  std::memcpy(w, "0.0000", 6);
  w += 1 - e10;
  digits_of(q, nd, w);
  return w + nd;
}

void append_number(std::string& out, double v, int digits) {
  char buf[kMaxNumberChars];
  out.append(buf, static_cast<std::size_t>(write_number(buf, v, digits) - buf));
}

}  // namespace ldnsim
