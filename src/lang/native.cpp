// Native code for models: compiled into the executable at build time (shipped models), or
// compiled on first use with the system C++ compiler and kept in a private cache.
//
// Trust model of the cache (docs/security.md): a library is loaded only if this user made
// it from exactly this source with exactly this compiler. The cache directory must be a
// real directory owned by the user and closed to everyone else (0700); every entry is one
// file holding the library with a header naming its key (SHA-256 of the full generated
// source and the compiler's identity) and an HMAC-SHA-256 over key and library made with
// a random per-user secret kept in the cache (0600). An entry is read, checked and only
// then loaded, from the very bytes that were checked (a memory file), so nothing planted
// or swapped in the cache runs. Without a cache directory ($LDNSIM_CACHE, $XDG_CACHE_HOME,
// $HOME all unset) models are compiled in a private temporary directory for this process
// only; nothing is ever compiled or cached in a shared place.
#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "ldnsim/core/text.hpp"
#include "model_impl.hpp"

extern char** environ;

namespace ldnsim::lang {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEntryMagic = "ldnsim-native-entry-1";
constexpr std::size_t kMaxEntryBytes = 256u << 20;  // a model library is a few hundred kB
const std::vector<std::string> kCompileFlags = {"-std=c++17", "-O2", "-fPIC", "-shared", "-ffp-contract=off",
                                                "-fno-builtin"};

std::mutex& native_mutex() {
  static std::mutex m;
  return m;
}

std::unordered_map<std::string, NativeModelEntry>& registry() {
  static std::unordered_map<std::string, NativeModelEntry> r;
  return r;
}

// Libraries loaded by this process, by model hash: loaded once, kept for the process.
struct LoadedLibrary {
  std::shared_ptr<const void> handle;
  NativeModelEntry functions{};
};
std::unordered_map<std::string, LoadedLibrary>& loaded() {
  static std::unordered_map<std::string, LoadedLibrary> l;
  return l;
}

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return hex(md, sizeof md);
}

std::string hmac_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return hex(md, len);
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_;
};

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads a whole file of at most `limit` bytes; nullopt if it is larger or unreadable.
std::optional<std::string> read_all(int fd, std::size_t limit) {
  std::string s;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) return s;
    if (s.size() + static_cast<std::size_t>(n) > limit) return std::nullopt;
    s.append(buf, static_cast<std::size_t>(n));
  }
}

std::string errno_text() { return std::strerror(errno); }

// ---- the compiler --------------------------------------------------------------------

std::string find_compiler() {
  if (const char* c = std::getenv("LDNSIM_CXX"); c && *c) return c;
  const char* path = std::getenv("PATH");
  if (!path) return {};
  for (const char* name : {"c++", "g++", "clang++"}) {
    std::stringstream ss(path);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
      if (dir.empty()) continue;
      fs::path candidate = fs::path(dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return {};
}

// Runs argv (no shell) with stdout and stderr sent to `log`; returns the exit status (-1 if
// it could not start or was killed).
int run(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A private scratch directory (mkdtemp: a fresh random name, mode 0700), removed with its
// contents when it goes out of scope.
class ScratchDir {
 public:
  ScratchDir() {
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string tmpl = (base / "ldnsim-build-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string first_line_of(const fs::path& p) {
  Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return {};
  std::string s = read_all(fd.get(), 1 << 20).value_or("");
  return s.substr(0, s.find('\n'));
}

// What identifies the compiler a library was built with: its resolved path, size and time
// stamp, its --version text and the flags. Computed once per process.
const std::string& compiler_identity(const std::string& cxx) {
  static std::mutex m;
  static std::unordered_map<std::string, std::string> cache;
  std::lock_guard lock(m);
  auto it = cache.find(cxx);
  if (it != cache.end()) return it->second;
  std::string id = "compiler " + cxx + "\n";
  std::error_code ec;
  fs::path real = fs::canonical(cxx, ec);
  struct stat st {};
  if (!ec && ::stat(real.c_str(), &st) == 0)
    id += "resolved " + real.string() + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) +
          "." + std::to_string(st.st_mtim.tv_nsec) + "\n";
  ScratchDir scratch;
  if (!scratch.path().empty()) {
    fs::path out = scratch.path() / "version";
    run({cxx, "--version"}, out);
    Fd fd(::open(out.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd) id += "version " + read_all(fd.get(), 1 << 16).value_or("") + "\n";
  }
  id += "flags";
  for (const auto& f : kCompileFlags) id += " " + f;
  id += "\n";
  return cache.emplace(cxx, std::move(id)).first->second;
}

// ---- the cache -------------------------------------------------------------------------

// The cache directory asked for, or empty when none is configured.
fs::path configured_cache_directory(const LoadOptions& options) {
  if (!options.cache_dir.empty()) return options.cache_dir;
  if (const char* c = std::getenv("LDNSIM_CACHE"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "ldnsim";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "ldnsim";
  return {};
}

// An open, checked cache directory: everything below goes through its descriptor, so the
// directory used is the directory checked.
class Cache {
 public:
  // Opens (creating with mode 0700) and checks the directory; on failure, `why` says why
  // and the cache is not used.
  Cache(const fs::path& dir, std::string& why) : dir_(dir) {
    std::error_code ec;
    if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      why = "cannot create cache directory " + printable(dir.string()) + ": " + errno_text();
      return;
    }
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      why = "cannot open cache directory " + printable(dir.string()) + " (" + errno_text() +
            "; it must be a directory, not a symbolic link)";
      return;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      why = "cache " + printable(dir.string()) + " is not a directory";
      return;
    }
    if (st.st_uid != ::geteuid()) {
      why = "cache directory " + printable(dir.string()) + " belongs to another user (uid " +
            std::to_string(st.st_uid) + "); it must be yours";
      return;
    }
    if (st.st_mode & 022) {
      why = "cache directory " + printable(dir.string()) +
            " is writable by others; make it private (chmod 700) or choose another with LDNSIM_CACHE";
      return;
    }
    // Readable by others (an older ldnsim made it 0755): close it; nobody else could write.
    if ((st.st_mode & 077) != 0 && ::fchmod(fd.get(), 0700) != 0) {
      why = "cannot make cache directory " + printable(dir.string()) + " private: " + errno_text();
      return;
    }
    fd_ = std::move(fd);
    if (!load_key(why)) fd_ = Fd();
  }

  bool usable() const { return static_cast<bool>(fd_); }
  const fs::path& path() const { return dir_; }

  // The library stored under `key`, if it is there and verifies.
  std::optional<std::string> get(const std::string& key) const {
    Fd fd(::openat(fd_.get(), entry_name(key).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return std::nullopt;
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) ||
        static_cast<std::size_t>(st.st_size) > kMaxEntryBytes)
      return std::nullopt;
    auto bytes = read_all(fd.get(), kMaxEntryBytes);
    if (!bytes) return std::nullopt;
    // Header: magic, key, MAC, one line each; the library follows.
    std::string_view s = *bytes;
    std::string_view lines[3];
    for (auto& line : lines) {
      auto nl = s.find('\n');
      if (nl == std::string_view::npos || nl > 200) return std::nullopt;
      line = s.substr(0, nl);
      s.remove_prefix(nl + 1);
    }
    if (lines[0] != kEntryMagic || lines[1] != key) return std::nullopt;
    const std::string expected = mac(key, s);
    if (lines[2].size() != expected.size() || CRYPTO_memcmp(lines[2].data(), expected.data(), expected.size()) != 0)
      return std::nullopt;
    return std::string(s);
  }

  // Stores a library atomically (temporary file, then rename); failures are not errors
  // (the next run compiles again).
  void put(const std::string& key, std::string_view library) const {
    std::string header = std::string(kEntryMagic) + "\n" + key + "\n" + mac(key, library) + "\n";
    std::string tmp = ".tmp." + key + "." + std::to_string(::getpid()) + "." + random_hex(8);
    Fd fd(::openat(fd_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return;
    bool ok = write_all(fd.get(), header) && write_all(fd.get(), library) && ::fsync(fd.get()) == 0;
    fd = Fd();
    if (!ok || ::renameat(fd_.get(), tmp.c_str(), fd_.get(), entry_name(key).c_str()) != 0)
      ::unlinkat(fd_.get(), tmp.c_str(), 0);
  }

  static std::string random_hex(std::size_t bytes) {
    std::string r(bytes, '\0');
    std::size_t got = 0;
    while (got < bytes) {
      ssize_t n = ::getrandom(r.data() + got, bytes - got, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error("cannot get random bytes: " + errno_text());
      }
      got += static_cast<std::size_t>(n);
    }
    return hex(reinterpret_cast<const unsigned char*>(r.data()), r.size());
  }

 private:
  fs::path dir_;
  Fd fd_;
  std::string key_;  // the per-user secret of the MACs

  static std::string entry_name(const std::string& key) { return key + ".lib"; }

  std::string mac(const std::string& key, std::string_view library) const {
    return hmac_hex(key_, std::string(kEntryMagic) + "\n" + key + "\n" + sha256_hex(library));
  }

  // Reads the secret, creating it first if there is none (created whole under a temporary
  // name and linked into place, so a concurrent reader never sees half of it).
  bool load_key(std::string& why) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      Fd fd(::openat(fd_.get(), "key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (fd) {
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
            (st.st_mode & 077) != 0) {
          why = "the cache's key file " + printable((dir_ / "key").string()) +
                " is not a private file of yours (mode 600); remove it";
          return false;
        }
        auto k = read_all(fd.get(), 4096);
        if (!k || k->size() != 64) {
          why = "the cache's key file " + printable((dir_ / "key").string()) + " is damaged; remove it";
          return false;
        }
        key_ = *k;
        return true;
      }
      if (errno != ENOENT) {
        why = "cannot read the cache's key file: " + errno_text();
        return false;
      }
      std::string tmp = ".key." + std::to_string(::getpid()) + "." + random_hex(8);
      Fd out(::openat(fd_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out) {
        why = "cannot create the cache's key file: " + errno_text();
        return false;
      }
      bool ok = write_all(out.get(), random_hex(32)) && ::fsync(out.get()) == 0;
      out = Fd();
      if (ok) ::linkat(fd_.get(), tmp.c_str(), fd_.get(), "key", 0);  // fails harmlessly if another won
      ::unlinkat(fd_.get(), tmp.c_str(), 0);
    }
    why = "cannot create the cache's key file";
    return false;
  }
};

// ---- loading -----------------------------------------------------------------------------

// Loads a library from a file this process made or checked; fills the functions or says
// why not. The library must report the model's hash (a check against mix-ups; trust comes
// from where the file came from, checked before this).
// `keep_fd` (a memory file) stays open as long as the library: the dynamic loader knows
// libraries by path, and "/proc/self/fd/N" must never name two of them.
bool open_library(const std::string& path, const std::string& model_hash, LoadedLibrary& lib, std::string& why,
                  Fd keep_fd = Fd()) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* e = ::dlerror();
    why = e ? e : "dlopen failed";
    return false;
  }
  auto hash_fn = reinterpret_cast<const char* (*)()>(::dlsym(handle, "ldnsim_model_hash"));
  NativeModelEntry f{};
  f.pre = reinterpret_cast<Kernel::PreFn>(::dlsym(handle, "ldnsim_model_pre"));
  f.rhs = reinterpret_cast<Kernel::RhsFn>(::dlsym(handle, "ldnsim_model_rhs"));
  f.outputs = reinterpret_cast<Kernel::OutputFn>(::dlsym(handle, "ldnsim_model_outputs"));
  f.roots = reinterpret_cast<Kernel::RootFn>(::dlsym(handle, "ldnsim_model_roots"));
  f.action = reinterpret_cast<Kernel::ActionFn>(::dlsym(handle, "ldnsim_model_action"));
  if (!hash_fn || !f.pre || !f.rhs || !f.outputs || !f.roots || !f.action || model_hash != hash_fn()) {
    ::dlclose(handle);
    why = "the library does not match the model";
    return false;
  }
  const int fd = keep_fd.release();
  lib.handle = std::shared_ptr<const void>(handle, [fd](const void* h) {
    ::dlclose(const_cast<void*>(h));
    if (fd >= 0) ::close(fd);
  });
  lib.functions = f;
  return true;
}

// Loads verified library bytes from an anonymous memory file, so what runs is exactly
// what was checked; where memory files are unavailable, from a private scratch directory.
bool load_bytes(std::string_view bytes, const std::string& model_hash, LoadedLibrary& lib, std::string& why) {
  Fd mem(::memfd_create("ldnsim-model", MFD_CLOEXEC));
  if (mem && write_all(mem.get(), bytes)) {
    const std::string path = "/proc/self/fd/" + std::to_string(mem.get());
    if (open_library(path, model_hash, lib, why, std::move(mem))) return true;
  }
  ScratchDir scratch;
  if (scratch.path().empty()) {
    why = "cannot create a private scratch directory";
    return false;
  }
  fs::path p = scratch.path() / "model.so";
  Fd out(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700));
  if (!out || !write_all(out.get(), bytes)) {
    why = "cannot write " + printable(p.string());
    return false;
  }
  out = Fd();
  return open_library(p.string(), model_hash, lib, why);
}

void attach(Model::Impl& impl, const NativeModelEntry& f, std::shared_ptr<const void> keep_alive) {
  impl.kernel = Kernel{};
  impl.kernel.pre = f.pre;
  impl.kernel.rhs = f.rhs;
  impl.kernel.outputs = f.outputs;
  impl.kernel.roots = f.roots;
  impl.kernel.action = f.action;
  impl.native = true;
  impl.keep_alive = std::move(keep_alive);
}

}  // namespace

void register_native_models(std::span<const NativeModelEntry> entries) {
  std::lock_guard lock(native_mutex());
  for (const auto& e : entries) registry()[e.hash] = e;
}

std::string content_hash(std::string_view text) { return sha256_hex(text); }

bool attach_native(Model::Impl& impl, const LoadOptions& options, bool required) {
  std::lock_guard lock(native_mutex());
  if (auto it = registry().find(impl.hash); it != registry().end()) {
    attach(impl, it->second, nullptr);
    return true;
  }
  if (auto it = loaded().find(impl.hash); it != loaded().end()) {
    attach(impl, it->second.functions, it->second.handle);
    return true;
  }
  const std::string file = printable(impl.file);
  auto give_up = [&](const std::string& why) {
    if (required) throw Error("cannot build native code for model " + file + ": " + why);
    if (options.verbose) std::cerr << "ldnsim: using the interpreter for " << file << " (" << why << ")\n";
    return false;
  };
  std::string cxx = find_compiler();
  if (cxx.empty()) return give_up("no C++ compiler found (set LDNSIM_CXX)");
  // Nothing from the model file's name or text is in the source: it is generated from the
  // model's intermediate form alone (see codegen.cpp).
  const std::string source = shared_library_source(impl);
  const std::string key = sha256_hex(source + '\0' + compiler_identity(cxx));

  std::optional<Cache> cache;
  if (fs::path dir = configured_cache_directory(options); !dir.empty()) {
    std::string why;
    cache.emplace(dir, why);
    if (!cache->usable()) {
      if (options.verbose) std::cerr << "ldnsim: not using the model cache: " << why << "\n";
      cache.reset();
    }
  }
  LoadedLibrary lib;
  std::string why;
  if (cache) {
    if (auto bytes = cache->get(key); bytes && load_bytes(*bytes, impl.hash, lib, why)) {
      attach(impl, lib.functions, lib.handle);
      loaded().emplace(impl.hash, lib);
      return true;
    }
  }

  ScratchDir scratch;
  if (scratch.path().empty()) return give_up("cannot create a private scratch directory: " + errno_text());
  const fs::path src = scratch.path() / "model.cpp", so = scratch.path() / "model.so", log = scratch.path() / "log";
  {
    Fd out(::open(src.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out || !write_all(out.get(), source)) return give_up("cannot write " + printable(src.string()));
  }
  if (options.verbose) std::cerr << "ldnsim: compiling " << file << " to native code\n";
  std::vector<std::string> argv = {cxx};
  argv.insert(argv.end(), kCompileFlags.begin(), kCompileFlags.end());
  argv.insert(argv.end(), {"-o", so.string(), src.string()});
  if (int status = run(argv, log); status != 0)
    return give_up("compiler " + printable(cxx) + " failed (" + printable(first_line_of(log)) + ")");
  std::optional<std::string> bytes;
  {
    Fd in(::open(so.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in) bytes = read_all(in.get(), kMaxEntryBytes);
  }
  if (!bytes) return give_up("cannot read the compiled library");
  if (!open_library(so.string(), impl.hash, lib, why)) return give_up("cannot load the compiled library: " + why);
  if (cache) cache->put(key, *bytes);
  attach(impl, lib.functions, lib.handle);
  loaded().emplace(impl.hash, lib);
  return true;
}

}  // namespace ldnsim::lang
