// Native code for models: compiled into the executable at build time (shipped models), or
// compiled on first use with the system C++ compiler and cached by content hash.
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "model_impl.hpp"

extern char** environ;

namespace ldnsim::lang {
namespace {

namespace fs = std::filesystem;

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::unordered_map<std::string, NativeModelEntry>& registry() {
  static std::unordered_map<std::string, NativeModelEntry> r;
  return r;
}

fs::path cache_directory(const LoadOptions& options) {
  if (!options.cache_dir.empty()) return options.cache_dir;
  if (const char* c = std::getenv("LDNSIM_CACHE"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "ldnsim";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "ldnsim";
  return fs::temp_directory_path() / "ldnsim-cache";
}

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

// Runs argv with stderr sent to `log`; returns the exit status (-1 if it could not start).
int run(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool load_shared_object(Model::Impl& impl, const fs::path& so, std::string& why) {
  void* handle = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    why = ::dlerror();
    return false;
  }
  auto hash_fn = reinterpret_cast<const char* (*)()>(::dlsym(handle, "ldnsim_model_hash"));
  auto pre = reinterpret_cast<Kernel::PreFn>(::dlsym(handle, "ldnsim_model_pre"));
  auto rhs = reinterpret_cast<Kernel::RhsFn>(::dlsym(handle, "ldnsim_model_rhs"));
  auto outputs = reinterpret_cast<Kernel::OutputFn>(::dlsym(handle, "ldnsim_model_outputs"));
  auto roots = reinterpret_cast<Kernel::RootFn>(::dlsym(handle, "ldnsim_model_roots"));
  auto action = reinterpret_cast<Kernel::ActionFn>(::dlsym(handle, "ldnsim_model_action"));
  if (!hash_fn || !pre || !rhs || !outputs || !roots || !action || impl.hash != hash_fn()) {
    ::dlclose(handle);
    why = "stale or foreign library";
    return false;
  }
  impl.kernel = Kernel{};
  impl.kernel.pre = pre;
  impl.kernel.rhs = rhs;
  impl.kernel.outputs = outputs;
  impl.kernel.roots = roots;
  impl.kernel.action = action;
  impl.native = true;
  impl.keep_alive = std::shared_ptr<const void>(handle, [](const void* h) {
    ::dlclose(const_cast<void*>(h));
  });
  return true;
}

}  // namespace

void register_native_models(std::span<const NativeModelEntry> entries) {
  std::lock_guard lock(registry_mutex());
  for (const auto& e : entries) registry()[e.hash] = e;
}

bool attach_native(Model::Impl& impl, const LoadOptions& options, bool required) {
  {
    std::lock_guard lock(registry_mutex());
    auto it = registry().find(impl.hash);
    if (it != registry().end()) {
      impl.kernel = Kernel{};
      impl.kernel.pre = it->second.pre;
      impl.kernel.rhs = it->second.rhs;
      impl.kernel.outputs = it->second.outputs;
      impl.kernel.roots = it->second.roots;
      impl.kernel.action = it->second.action;
      impl.native = true;
      impl.keep_alive.reset();
      return true;
    }
  }
  auto give_up = [&](const std::string& why) {
    if (required) throw Error("cannot build native code for model " + impl.file + ": " + why);
    if (options.verbose)
      std::cerr << "ldnsim: using the interpreter for " << impl.file << " (" << why << ")\n";
    return false;
  };
  fs::path dir = cache_directory(options);
  fs::path so = dir / (impl.hash + ".so");
  std::string why;
  if (fs::exists(so) && load_shared_object(impl, so, why)) return true;

  std::string cxx = find_compiler();
  if (cxx.empty()) return give_up("no C++ compiler found (set LDNSIM_CXX)");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return give_up("cannot create cache directory " + dir.string() + ": " + ec.message());
  std::string tag = impl.hash + "." + std::to_string(::getpid());
  fs::path src = dir / (tag + ".cpp");
  fs::path tmp = dir / (tag + ".so");
  fs::path log = dir / (tag + ".log");
  {
    std::ofstream out(src);
    out << shared_library_source(impl);
    if (!out) return give_up("cannot write " + src.string());
  }
  if (options.verbose) std::cerr << "ldnsim: compiling " << impl.file << " to native code\n";
  int status = run({cxx, "-std=c++17", "-O2", "-fPIC", "-shared", "-ffp-contract=off",
                    "-fno-builtin", "-o", tmp.string(), src.string()},
                   log);
  fs::remove(src, ec);
  if (status != 0) {
    std::ifstream l(log);
    std::string first_line;
    std::getline(l, first_line);
    fs::remove(tmp, ec);
    return give_up("compiler " + cxx + " failed (" + first_line + ")");
  }
  fs::remove(log, ec);
  fs::rename(tmp, so, ec);  // atomic: concurrent runs race harmlessly to the same content
  if (ec) return give_up("cannot move library into cache: " + ec.message());
  if (!load_shared_object(impl, so, why)) return give_up("cannot load " + so.string() + ": " + why);
  return true;
}

}  // namespace ldnsim::lang
