#include "ldnsim/core/files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim {

std::string read_text_file(const std::string& path, std::string_view what, std::size_t max_bytes) {
  namespace fs = std::filesystem;
  const std::string name = std::string(what) + " '" + printable(path) + "'";
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw InputError("cannot read " + name + ": no such file or not readable");
  if (fs::is_directory(status)) throw InputError("cannot read " + name + ": it is a directory (expected a file)");
  // The size is checked before anything is read, and the reading stops one chunk past the
  // limit (a device or a growing file is refused too).
  if (fs::is_regular_file(status)) {
    const auto size = fs::file_size(path, ec);
    if (!ec && size > max_bytes)
      throw InputError("cannot read " + name + ": it is " + std::to_string(size) + " bytes; the limit is " +
                       std::to_string(max_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + name + ": no such file or not readable");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw InputError("cannot read " + name + ": it is larger than " + std::to_string(max_bytes) + " bytes, the limit");
  }
  if (in.bad()) throw InputError("cannot read " + name + ": a read error");
  return text;
}

}  // namespace ldnsim
