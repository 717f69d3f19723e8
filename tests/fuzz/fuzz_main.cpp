// libFuzzer entry of one fuzz target; LDNSIM_FUZZ_TARGET names its function in entries.hpp.
#include <cstddef>
#include <cstdint>

#include "entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return ldnsim::fuzz::LDNSIM_FUZZ_TARGET(data, size);
}
