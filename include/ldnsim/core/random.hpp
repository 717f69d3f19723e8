// Counter-based random streams (Random123 Philox 4x32-10): every draw is a pure function of
// (seed, replicate, subject, stream, counter), so results do not depend on thread count,
// scheduling or how many draws other subjects made.
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace ldnsim {

class RandomStream {
 public:
  // `purpose` separates independent uses for the same subject (parameters, events, ...).
  RandomStream(std::uint64_t seed, std::uint64_t replicate, std::uint64_t subject, std::uint32_t purpose = 0) {
    key_ = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    counter_ = {{0, purpose, static_cast<std::uint32_t>(subject), static_cast<std::uint32_t>(replicate)}};
    // subject and replicate above 2^32 fold into the key's high bits
    key_.v[1] ^= static_cast<std::uint32_t>(subject >> 32) * 0x9E3779B9u ^
                 static_cast<std::uint32_t>(replicate >> 32) * 0x85EBCA6Bu;
  }

  // Uniform on (0, 1), never exactly 0 or 1.
  double uniform() {
    if (used_ >= 4) refill();
    std::uint32_t x = block_.v[used_++];
    return (static_cast<double>(x) + 0.5) / 4294967296.0;
  }

  // Standard normal (Box-Muller on two uniforms; the second value is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform(), u2 = uniform();
    double r = std::sqrt(-2.0 * std::log(u1));
    double a = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

  double exponential() { return -std::log(uniform()); }

 private:
  using Philox = r123::Philox4x32;
  Philox::key_type key_;
  Philox::ctr_type counter_;
  Philox::ctr_type block_{};
  int used_ = 4;
  bool has_spare_ = false;
  double spare_ = 0;

  void refill() {
    block_ = Philox()(counter_, key_);
    ++counter_.v[0];
    used_ = 0;
  }
};

}  // namespace ldnsim
