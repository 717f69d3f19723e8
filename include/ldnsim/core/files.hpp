// Reading input files: the one reader every layer uses for text inputs (models, specs,
// data sets read whole, report assets), so that every such read is bounded and fails with
// the same clear message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ldnsim {

// Largest input file read whole (larger data sets are streamed: data/dataset_reader.hpp).
inline constexpr std::size_t kMaxTextFileBytes = std::size_t{1} << 30;

// The whole file. Throws InputError naming `what` ("trial spec", "model", ...) and the path
// when it cannot be read, is a directory or is larger than `max_bytes` (checked before
// reading where the size is known, and while reading otherwise: never more than one chunk
// past the limit is held).
std::string read_text_file(const std::string& path, std::string_view what, std::size_t max_bytes = kMaxTextFileBytes);

}  // namespace ldnsim
