// Output files are written to a temporary file beside the target and renamed into place
// only when complete, so a failed or interrupted run never leaves a half-written file.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace ldnsim {

class AtomicFile {
 public:
  // Opens a temporary file in the directory of `path`; throws InputError if it cannot.
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);
  // Flushes, closes and renames the temporary file onto the target path.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  bool committed_ = false;
};

// From now on every AtomicFile of this process writes nothing and creates nothing (the
// ranks other than 0 of an MPI job, which compute but do not write).
void discard_outputs();

// Writes a whole file atomically.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace ldnsim
