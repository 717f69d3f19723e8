// Output files are written to a temporary file beside the target and renamed into place
// only when complete, so a failed or interrupted run never leaves a half-written file:
//
// - A target that is a symbolic link is written through: the link stays and the file it
//   points at is replaced (atomically, from a temporary file beside that file).
// - A target that exists and is not a regular file (a folder, a FIFO, a device, a socket)
//   is refused.
// - The temporary file is `.NAME.tmp.PID` (PID: this process). While it exists it is
//   registered, and SIGINT, SIGTERM and SIGHUP remove every registered temporary file before
//   the process ends by that same signal (its exit status says so); only SIGKILL can leave
//   one behind. Opening a target first removes stale `.NAME.tmp.PID` files of that target
//   whose process no longer exists.
//
// Commands check all their outputs together before any work with OutputPlan
// (ldnsim/core/output_plan.hpp); AtomicFile repeats the per-file checks when it opens.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace ldnsim {

class AtomicFile {
 public:
  // Opens a temporary file beside the file `path` names (after symbolic links); throws
  // InputError if it cannot (no such folder, not writable, not a regular file).
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);
  // Flushes, closes and renames the temporary file onto the target.
  void commit();
  const std::string& path() const { return path_; }          // as given
  const std::string& target() const { return target_; }      // the file replaced (a link's target)
  const std::string& temp_path() const { return temp_path_; }

 private:
  std::string path_;
  std::string target_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  int registration_ = -1;  // slot in the registry of live temporary files
  bool committed_ = false;
};

// From now on every AtomicFile of this process writes nothing and creates nothing (the
// ranks other than 0 of an MPI job, which compute but do not write).
void discard_outputs();

// Writes a whole file atomically.
void write_file_atomically(const std::string& path, std::string_view bytes);

// The file that writing `path` replaces: `path` itself, or, when it is a symbolic link,
// the end of its chain of links (relative links resolved against their folder); the end
// need not exist. Throws InputError for a loop of links.
std::string write_target(const std::string& path);

// What `mode` (of stat) is when it is not a regular file, for messages: "a folder", "a FIFO
// (named pipe)", "a device", "a socket".
const char* file_kind(unsigned mode);

// The name of the temporary file used for `target`, by this process.
std::string temp_file_name(const std::string& target);

// Removes the stale temporary files of `target` (`.NAME.tmp.PID` beside it, PID a process
// that no longer exists, owned by this user, regular files); returns how many. AtomicFile
// calls it; exposed for tests.
int remove_stale_temp_files(const std::string& target);

// Temporary files currently registered for removal on SIGINT/SIGTERM/SIGHUP (for tests).
int live_temp_files();

}  // namespace ldnsim
