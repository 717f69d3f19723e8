#include "ldnsim/core/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ldnsim/core/error.hpp"

namespace ldnsim {

namespace {
bool g_discard = false;
}

void discard_outputs() { g_discard = true; }

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  if (g_discard) return;
  namespace fs = std::filesystem;
  fs::path target(path_);
  fs::path dir = target.parent_path();
  if (!dir.empty() && !fs::is_directory(dir))
    throw InputError("cannot write '" + path_ + "': directory '" + dir.string() +
                     "' does not exist");
  temp_path_ = (dir / ("." + target.filename().string() + ".tmp." +
                       std::to_string(static_cast<long>(::getpid()))))
                   .string();
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (!file_)
    throw InputError("cannot write '" + path_ + "': " + std::strerror(errno));
  constexpr std::size_t kBufferSize = 1 << 16;
  buffer_ = std::make_unique<char[]>(kBufferSize);
  std::setvbuf(file_, buffer_.get(), _IOFBF, kBufferSize);
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_ && !temp_path_.empty()) std::remove(temp_path_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
  if (bytes.empty() || g_discard) return;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    throw InputError("cannot write '" + path_ + "': " + std::strerror(errno));
}

void AtomicFile::commit() {
  if (g_discard) {
    committed_ = true;
    return;
  }
  bool ok = std::fflush(file_) == 0;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok) throw InputError("cannot write '" + path_ + "': " + std::strerror(errno));
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw InputError("cannot rename output into '" + path_ + "': " + std::strerror(errno));
  committed_ = true;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

}  // namespace ldnsim
