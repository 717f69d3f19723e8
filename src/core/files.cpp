#include "ldnsim/core/files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim {

std::string read_text_file(const std::string& path, std::string_view what) {
  namespace fs = std::filesystem;
  const std::string name = std::string(what) + " '" + printable(path) + "'";
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw InputError("cannot read " + name + ": no such file or not readable");
  if (fs::is_directory(status)) throw InputError("cannot read " + name + ": it is a directory (expected a file)");
  if (fs::is_regular_file(status)) {
    const auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxTextFileBytes)
      throw InputError("cannot read " + name + ": " + std::to_string(size) + " bytes, more than the " +
                       std::to_string(kMaxTextFileBytes) + " read whole");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + name + ": no such file or not readable");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > kMaxTextFileBytes)
    throw InputError("cannot read " + name + ": more than the " + std::to_string(kMaxTextFileBytes) + " bytes read whole");
  return text;
}

}  // namespace ldnsim
