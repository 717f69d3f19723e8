#include "ldnsim/core/format.hpp"

#include <bit>
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

// 10^-14 .. 10^22 as doubles (the negative powers rounded, the others exact).
constexpr double kTensDouble[] = {1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5,
                                  1e-4,  1e-3,  1e-2,  1e-1,  1e0,   1e1,  1e2,  1e3,  1e4,  1e5,
                                  1e6,   1e7,   1e8,   1e9,   1e10,  1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16,  1e17,  1e18,  1e19,  1e20,  1e21, 1e22};

constexpr char kPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char* fallback(char* out, double v, int digits) {
  auto r = digits > 0 ? std::to_chars(out, out + kMaxNumberChars, v, std::chars_format::general, digits)
                      : std::to_chars(out, out + kMaxNumberChars, v);
  return r.ptr;
}

static_assert(std::endian::native == std::endian::little, "the digit words assume little-endian bytes");

// The eight decimal digits of r < 10^8 (with leading zeros) as the ASCII bytes of a
// 64-bit word in memory order, the first digit in the lowest byte, computed in parallel
// lanes: 2 x 4 digits, 4 x 2, 8 x 1 (each lane's quotient by a multiply and shift).
std::uint64_t eight_digits(std::uint32_t r) {
  std::uint64_t x = (r / 10000) | (static_cast<std::uint64_t>(r % 10000) << 32);
  const std::uint64_t hundreds = ((x * 10486) >> 20) & 0x0000007F0000007FULL;  // v / 100, v < 10^4
  x = hundreds | ((x - hundreds * 100) << 16);
  const std::uint64_t tens = ((x * 103) >> 10) & 0x000F000F000F000FULL;  // v / 10, v < 100
  x = tens | ((x - tens * 10) << 8);
  return x + 0x3030303030303030ULL;
}

void store8(char* out, std::uint64_t word) { std::memcpy(out, &word, 8); }

// Digits among the 8 of `word` that are trailing zeros (8 if all are).
int trailing_zeros(std::uint64_t word) {
  const std::uint64_t values = word - 0x3030303030303030ULL;
  return values == 0 ? 8 : std::countl_zero(values) / 8;
}

// Writes the n digits (1 <= n <= 17) of q < 10^n at out, a word at a time (bytes up to
// out + 17 may be written). Returns n less the trailing zeros (at least 1).
int write_digits(std::uint64_t q, int n, char* out) {
  if (n <= 8) {
    const std::uint64_t w = eight_digits(static_cast<std::uint32_t>(q));
    store8(out, w >> (8 * (8 - n)));
    return n - trailing_zeros(w);
  }
  if (n <= 16) {
    const std::uint64_t hi = eight_digits(static_cast<std::uint32_t>(q / 100000000));
    const std::uint64_t lo = eight_digits(static_cast<std::uint32_t>(q % 100000000));
    store8(out, hi >> (8 * (16 - n)));
    store8(out + n - 8, lo);
    const int z = trailing_zeros(lo);
    return n - (z < 8 ? z : 8 + trailing_zeros(hi));
  }
  const std::uint64_t rest = q % 10000000000000000ULL;
  out[0] = static_cast<char>('0' + q / 10000000000000000ULL);
  const std::uint64_t hi = eight_digits(static_cast<std::uint32_t>(rest / 100000000));
  const std::uint64_t lo = eight_digits(static_cast<std::uint32_t>(rest % 100000000));
  store8(out + 1, hi);
  store8(out + 9, lo);
  int z = trailing_zeros(lo);
  if (z == 8) z += trailing_zeros(hi);
  return z == 16 ? 1 : 17 - z;
}

// With digits written at w + 1: moves the first k of them one place left and puts a
// point after them (the digits after the point are already where they belong). In one
// word for k <= 8, so that the byte loop does not become a library call.
void insert_point(char* w, int k) {
  if (k > 8) {
    std::memmove(w, w + 1, static_cast<std::size_t>(k));
    w[k] = '.';
    return;
  }
  std::uint64_t a;
  std::memcpy(&a, w + 1, 8);
  if (k == 8) {
    store8(w, a);
    w[8] = '.';
    return;
  }
  const std::uint64_t low = (1ULL << (8 * k)) - 1;                           // bytes 0 .. k-1
  const std::uint64_t high = k == 7 ? 0 : ~((1ULL << (8 * (k + 1))) - 1);    // bytes k+1 .. 7
  store8(w, (a & low) | (static_cast<std::uint64_t>('.') << (8 * k)) | ((a << 8) & high));
}

// Writes q (< 10^19) in decimal; returns the end.
char* write_integer(char* out, std::uint64_t q) {
  int n = 1;
  while (n < 17 && q >= kPow10[n]) ++n;
  if (q >= kPow10[17]) return std::to_chars(out, out + kMaxNumberChars, q).ptr;
  write_digits(q, n, out);
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

// round(x * 10^p), ties to even, in double arithmetic when that is certainly right: 10^p
// (p <= 22) is exact, the product is within half an ulp of the exact one (below 2^40 for
// the at most 12 digits this is used for, half an ulp is under 1e-4), so unless the
// fraction is within 1e-4 of one half, rounding the product rounds the exact value.
// Returns false for the exact path to decide.
bool rounded_in_double(double x, int p, std::uint64_t& q) {
  const double y = x * kTensDouble[p + 14];
  if (!(y < 1e13)) return false;
  const auto whole = static_cast<std::uint64_t>(y);
  const double fraction = y - static_cast<double>(whole);  // exact
  if (std::fabs(fraction - 0.5) < 1e-4) return false;
  q = whole + (fraction > 0.5 ? 1 : 0);
  return true;
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
  if (x < 1e15 && static_cast<double>(static_cast<std::uint64_t>(x)) == x) {
    const auto q = static_cast<std::uint64_t>(x);
    if (q < kPow10[N]) {
      if (v < 0) *w++ = '-';
      return write_integer(w, q);
    }
  }
  if (!(x >= 1e-13 && x < kTensDouble[N + 14])) return fallback(w, v, N);
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
    if (ok && !(N <= 12 && rounded_in_double(x, p, q))) q = scaled(m, p, shift, ok);
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
  // The digits are written where they go, those that a point follows one place to the
  // right and moved back; nd counts them without %g's trailing zeros.
  if (v < 0) *w++ = '-';
  if (e10 < -4 || e10 >= N) {
    const int nd = write_digits(q, N, w + 1);
    insert_point(w, 1);
    w += nd > 1 ? nd + 1 : 1;
    const int ae = e10 < 0 ? -e10 : e10;
    *w++ = 'e';
    *w++ = e10 < 0 ? '-' : '+';
    if (ae >= 100) *w++ = static_cast<char>('0' + ae / 100);
    std::memcpy(w, kPairs + 2 * (ae % 100), 2);
    return w + 2;
  }
  if (e10 >= 0) {
    const int int_digits = e10 + 1;
    const int nd = write_digits(q, N, w + 1);
    insert_point(w, int_digits);
    return nd <= int_digits ? w + int_digits : w + nd + 1;  // all zeros after the point: none
  }
  // 1e-5 <= x < 1: "0.", -e10-1 zeros (at most 4), the digits.
  w[0] = '0';
  w[1] = '.';
  w[2] = w[3] = w[4] = w[5] = '0';
  w += 1 - e10;
  return w + write_digits(q, N, w);
}

void append_number(std::string& out, double v, int digits) {
  char buf[kMaxNumberChars];
  out.append(buf, static_cast<std::size_t>(write_number(buf, v, digits) - buf));
}

}  // namespace ldnsim
