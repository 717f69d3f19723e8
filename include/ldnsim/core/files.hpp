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
// when it cannot be read, is not a regular file or is larger than kMaxTextFileBytes.
std::string read_text_file(const std::string& path, std::string_view what);

}  // namespace ldnsim
