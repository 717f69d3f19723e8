// The entry points of the fuzz targets (docs/security.md, "Fuzzing"): each takes arbitrary
// bytes and feeds them to one reader of untrusted input the way ldnsim does. Rejections
// (ldnsim::Error: a clear message) are the expected outcome for most inputs; anything else
// escaping, a crash, a hang or a sanitizer report is a bug. The same functions run under
// libFuzzer (fuzz_*.cpp, clang) and in the replay test of the normal build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ldnsim::fuzz {

// A model file: parser, analyzer, IR, bytecode and C++ generation, and the interpreted
// programs run once on the typical subject.
int model(const std::uint8_t* data, std::size_t size);
// A NONMEM-style data set read against a small fixed model, its subjects simulated.
int dataset(const std::uint8_t* data, std::size_t size);
// A TOML spec: the first byte chooses the reader (trial spec, population spec,
// calibration spec, claims file, or a trial loaded whole and its plan printed).
int spec(const std::uint8_t* data, std::size_t size);
// The explorer's query string (name=value&...) through parse_dose_query.
int query(const std::uint8_t* data, std::size_t size);

struct Target {
  const char* name;
  int (*run)(const std::uint8_t*, std::size_t);
};
const std::vector<Target>& targets();

}  // namespace ldnsim::fuzz
