#include "ldnsim/core/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim {

namespace fs = std::filesystem;

// ---- the registry of live temporary files --------------------------------------------------
//
// Fixed storage, so the signal handler reads it without allocating or locking: a slot is
// claimed by compare-and-swap (free -> filling), its path copied in, then published (live).
// The handler unlinks the live slots' paths (unlink is async-signal-safe) and re-raises the
// signal with its default action, so the process ends by that signal.
namespace {

constexpr int kSlots = 64;
enum : int { kFree = 0, kFilling = 1, kLive = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX];
};

Slot g_slots[kSlots];
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

const int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_temp_files_and_reraise(int sig) {
  const int saved_errno = errno;
  for (Slot& s : g_slots)
    if (s.state.load(std::memory_order_acquire) == kLive) ::unlink(s.path);
  // The default action, re-raised: it is delivered when this handler returns (the signal is
  // blocked while it runs), so the process ends by `sig` and its exit status says so.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
  errno = saved_errno;
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : kCleanupSignals) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0) continue;
      // Leave a signal alone that is ignored (nohup) or already handled by someone else.
      if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = remove_temp_files_and_reraise;
      sigemptyset(&sa.sa_mask);
      for (int other : kCleanupSignals) sigaddset(&sa.sa_mask, other);  // one cleanup at a time
      sa.sa_flags = 0;
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

// Returns the slot, or -1 when the path does not fit or every slot is taken (the file is
// then still removed on every exit but SIGINT/SIGTERM/SIGHUP and SIGKILL).
int register_temp(const std::string& path) {
  if (path.size() + 1 > sizeof(Slot::path)) return -1;
  install_handlers();
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling, std::memory_order_acq_rel)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].state.store(kLive, std::memory_order_release);
    return i;
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot < 0) return;
  g_slots[slot].state.store(kFilling, std::memory_order_release);
  g_slots[slot].path[0] = '\0';
  g_slots[slot].state.store(kFree, std::memory_order_release);
}

std::string shown(const std::string& path) { return "'" + printable(path) + "'"; }

}  // namespace

const char* file_kind(unsigned mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

int live_temp_files() {
  int n = 0;
  for (const Slot& s : g_slots) n += s.state.load(std::memory_order_acquire) == kLive;
  return n;
}

std::string write_target(const std::string& path) {
  fs::path p(path);
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p.string();
    std::error_code ec;
    fs::path link = fs::read_symlink(p, ec);
    if (ec) throw InputError("cannot write " + shown(path) + ": cannot read the link " + shown(p.string()) + ": " + ec.message());
    p = link.is_absolute() ? link : p.parent_path() / link;
  }
  throw InputError("cannot write " + shown(path) + ": too many levels of symbolic links (a loop?)");
}

std::string temp_file_name(const std::string& target) {
  fs::path t(target);
  return (t.parent_path() / ("." + t.filename().string() + ".tmp." + std::to_string(static_cast<long>(::getpid()))))
      .string();
}

int remove_stale_temp_files(const std::string& target) {
  fs::path t(target);
  const std::string prefix = "." + t.filename().string() + ".tmp.";
  const fs::path dir = t.parent_path().empty() ? fs::path(".") : t.parent_path();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  int removed = 0;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(digits);
    const fs::path file = dir / name;
    if (pid == static_cast<long>(::getpid())) {
      // Ours by name: live (registered by this process) or left by an earlier process that
      // had the same PID.
      bool live = false;
      for (const Slot& s : g_slots)
        live = live || (s.state.load(std::memory_order_acquire) == kLive && file.string() == s.path);
      if (live) continue;
    } else if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) {
      continue;  // its process still exists (or may: not ours to judge)
    }
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if (::unlink(file.c_str()) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

namespace {
bool g_discard = false;  // this process writes no files (discard_outputs)
}

void discard_outputs() { g_discard = true; }

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  if (g_discard) return;
  if (path_.empty()) throw InputError("cannot write a file with an empty name");
  target_ = write_target(path_);
  fs::path target(target_);
  fs::path dir = target.parent_path();
  const std::string via = target_ == path_ ? "" : " (the file its link points at)";
  if (!dir.empty() && !fs::is_directory(dir))
    throw InputError("cannot write " + shown(path_) + via + ": folder " + shown(dir.string()) + " does not exist");
  struct stat st {};
  const bool exists = ::stat(target_.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode))
    throw InputError("cannot write " + shown(path_) + via + ": it is " + file_kind(st.st_mode) +
                     "; ldnsim writes only regular files");
  remove_stale_temp_files(target_);
  temp_path_ = temp_file_name(target_);
  int fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0)
    throw InputError("cannot write " + shown(path_) + via + ": cannot create " + shown(temp_path_) + ": " +
                     std::strerror(errno));
  registration_ = register_temp(temp_path_);
  // A replaced file keeps its permissions.
  if (exists) (void)::fchmod(fd, st.st_mode & 07777);
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp_path_.c_str());
    unregister_temp(registration_);
    throw InputError("cannot write " + shown(path_) + ": " + std::strerror(err));
  }
  constexpr std::size_t kBufferSize = 1 << 16;
  buffer_ = std::make_unique<char[]>(kBufferSize);
  std::setvbuf(file_, buffer_.get(), _IOFBF, kBufferSize);
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
  unregister_temp(registration_);
}

void AtomicFile::write(std::string_view bytes) {
  if (bytes.empty() || g_discard) return;
  if (!file_) throw InputError("cannot write " + shown(path_) + ": already closed");
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    throw InputError("cannot write " + shown(path_) + ": " + std::strerror(errno));
}

void AtomicFile::commit() {
  if (g_discard) {
    committed_ = true;
    return;
  }
  if (!file_) throw InputError("cannot write " + shown(path_) + ": already closed");
  bool ok = std::fflush(file_) == 0;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok) throw InputError("cannot write " + shown(path_) + ": " + std::strerror(errno));
  if (std::rename(temp_path_.c_str(), target_.c_str()) != 0)
    throw InputError("cannot rename the output into " + shown(path_) + ": " + std::strerror(errno));
  committed_ = true;
  unregister_temp(registration_);
  registration_ = -1;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

}  // namespace ldnsim
