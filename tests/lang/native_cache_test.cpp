// Native code and its cache under attack: a model file name that is C++, a library planted
// in the cache, a cache directory others can reach, no cache directory at all. Each case
// runs in a child process, so that nothing loaded by one case is reused by the next.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::lang {
namespace {

namespace fs = std::filesystem;

const char* kModel = "param K = 0.5\nstate X = 2\nd/dt(X) = -K * X\noutput Y = 3 * X\n";

// A fresh private directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ldnsim-native-test-XXXXXX").string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
    path_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& s) const { return path_ / s; }

 private:
  fs::path path_;
};

// Runs `body` in a child process; its result is the child's exit status (0: passed), and a
// C++ exception in the child is a failure with its message on stderr.
int in_child(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 99;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      rc = 98;
    }
    std::fflush(nullptr);
    ::_exit(rc);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

LoadOptions native_in(const fs::path& cache) {
  LoadOptions o;
  o.engine = Engine::Native;
  o.cache_dir = cache.string();
  return o;
}

// d/dt(X) at X = 2 with K = 0.5 is -1: 0 when the model computes that natively.
int computes_correctly(const ModelPtr& m) {
  if (!m->is_native()) return 10;
  std::vector<double> p = m->default_parameter_block();
  std::vector<double> work(m->kernel().work_size + 1);
  double y = 2, dy = 0;
  m->kernel().rhs(m->kernel().ctx, 0, &y, p.data(), &dy, work.data());
  return dy == -1.0 ? 0 : 11;
}

std::string model_hash() {
  LoadOptions o;
  o.engine = Engine::Interpreter;
  return parse_model(kModel, "m.ldn", o)->hash();
}

// A shared library that passes for the model's (right hash, right functions) but touches
// `marker` when loaded and computes nonsense.
std::string planted_library(const TempDir& dir, const fs::path& marker) {
  std::string src = R"(#include <cstdio>
__attribute__((constructor)) static void planted() { std::FILE* f = std::fopen(")" + marker.string() + R"(", "w"); if (f) std::fclose(f); }
extern "C" {
const char* ldnsim_model_hash() { return ")" + model_hash() + R"("; }
int ldnsim_model_pre(const void*, double*, double*) { return 0; }
void ldnsim_model_rhs(const void*, double, const double*, const double*, double* d, double*) { d[0] = 42; }
int ldnsim_model_outputs(const void*, double, const double*, const double*, double* o, const double*, double*) { o[0] = 42; return 0; }
void ldnsim_model_roots(const void*, double, const double*, const double*, double*, double*) {}
int ldnsim_model_action(const void*, int, double, double*, const double*, const double*, double*) { return 0; }
}
)";
  std::ofstream(dir / "planted.cpp") << src;
  std::string cmd = "c++ -shared -fPIC -o " + (dir / "planted.so").string() + " " + (dir / "planted.cpp").string();
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot build the planted library");
  std::ifstream in(dir / "planted.so", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool have_compiler() { return std::system("c++ --version > /dev/null 2>&1") == 0; }

TEST(NativeCode, AModelFileNamedLikeCodeRunsNothing) {
  if (!have_compiler()) GTEST_SKIP() << "no C++ compiler";
  TempDir dir;
  const fs::path marker = dir / "PWNED";
  // The exploit of issue 12: a newline in the file name, then a declaration of system()
  // and a static initialiser calling it.
  const std::string name = "b\nextern \"C\" int system(const char*);\nstatic int pwn = system(\"touch " +
                           marker.string() + "\");\n#define ZZ .ldn";
  const std::string cache = (dir / "cache").string();
  int rc = in_child([&] {
    LoadOptions o = native_in(cache);
    return computes_correctly(parse_model(kModel, name, o));
  });
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(fs::exists(marker)) << "the file name ran as code";
  // The same equations under a clean name: correct, and still nothing ran.
  rc = in_child([&] { return computes_correctly(parse_model(kModel, "clean.ldn", native_in(cache))); });
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(fs::exists(marker));
}

TEST(NativeCode, ALibraryPlantedInTheCacheIsNeverLoaded) {
  if (!have_compiler()) GTEST_SKIP() << "no C++ compiler";
  TempDir dir;
  const fs::path marker = dir / "PLANTED_RAN", cache = dir / "cache";
  const std::string planted = planted_library(dir, marker);
  fs::create_directories(cache);
  fs::permissions(cache, fs::perms::owner_all, fs::perm_options::replace);
  // Where the cache used to look: <hash>.so, a library that reports the right hash.
  std::ofstream(cache / (model_hash() + ".so"), std::ios::binary) << planted;
  EXPECT_EQ(in_child([&] { return computes_correctly(parse_model(kModel, "m.ldn", native_in(cache))); }), 0);
  EXPECT_FALSE(fs::exists(marker)) << "a planted library was loaded";

  // Now a genuine entry exists; replace every entry with the planted library, bare or with
  // the header of a genuine entry (its key and MAC lines) in front.
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(cache))
    if (e.path().filename() != "key") entries.push_back(e.path());
  ASSERT_FALSE(entries.empty());
  for (int variant = 0; variant < 2; ++variant) {
    for (const auto& p : entries) {
      std::ifstream in(p, std::ios::binary);
      std::string header, line;
      for (int i = 0; i < 3 && std::getline(in, line); ++i) header += line + "\n";
      in.close();
      std::ofstream(p, std::ios::binary | std::ios::trunc) << (variant == 0 ? planted : header + planted);
      fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    }
    EXPECT_EQ(in_child([&] { return computes_correctly(parse_model(kModel, "m.ldn", native_in(cache))); }), 0)
        << "variant " << variant;
    EXPECT_FALSE(fs::exists(marker)) << "variant " << variant << ": a planted library was loaded";
  }
}

// A compiler wrapper: the system compiler, except that with LDNSIM_TEST_NO_COMPILE set it
// refuses to compile (so a run that succeeds then did not compile). Its identity (path,
// --version) stays the same either way, and so do the cache keys.
fs::path compiler_wrapper(const TempDir& dir) {
  const fs::path w = dir / "cxx";
  std::ofstream(w) << "#!/bin/sh\nif [ \"$1\" = --version ]; then exec c++ --version; fi\n"
                      "if [ -n \"$LDNSIM_TEST_NO_COMPILE\" ]; then exit 1; fi\nexec c++ \"$@\"\n";
  fs::permissions(w, fs::perms::owner_all);
  return w;
}

ModelPtr load_native(const fs::path& cache) { return parse_model(kModel, "m.ldn", native_in(cache)); }

TEST(NativeCode, TheCacheIsPrivateAndItsEntriesVerified) {
  if (!have_compiler()) GTEST_SKIP() << "no C++ compiler";
  TempDir dir;
  ::setenv("LDNSIM_CXX", compiler_wrapper(dir).c_str(), 1);
  const fs::path cache = dir / "a" / "cache";
  ASSERT_EQ(in_child([&] { return computes_correctly(load_native(cache)); }), 0);
  struct stat st {};
  ASSERT_EQ(::lstat(cache.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  // One entry (key: 64 hex digits) and the secret, both private; no temporary files.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(cache)) {
    names.push_back(e.path().filename().string());
    ASSERT_EQ(::lstat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << e.path();
  }
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].size(), 64u + 4u);
  EXPECT_EQ(names[0].substr(64), ".lib");
  EXPECT_EQ(names[1], "key");
  // A second process loads the entry without compiling.
  ::setenv("LDNSIM_TEST_NO_COMPILE", "1", 1);
  EXPECT_EQ(in_child([&] { return computes_correctly(load_native(cache)); }), 0);
  // An older cache readable by others is closed (0700) and used.
  fs::permissions(cache, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec,
                  fs::perm_options::replace);
  EXPECT_EQ(in_child([&] { return computes_correctly(load_native(cache)); }), 0);
  ASSERT_EQ(::lstat(cache.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // A symbolic link as the cache directory is not followed (so, not compiling, it fails).
  const fs::path link = dir / "link";
  fs::create_directory_symlink(cache, link);
  EXPECT_NE(in_child([&] { return computes_correctly(load_native(link)); }), 0)
      << "the cache was reached through a symbolic link";
  // A damaged entry is not loaded.
  {
    std::fstream f(cache / names[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-100, std::ios::end);
    f.put('\x7f');
  }
  EXPECT_NE(in_child([&] { return computes_correctly(load_native(cache)); }), 0) << "a damaged entry was loaded";
  ::unsetenv("LDNSIM_TEST_NO_COMPILE");

  // A cache others can write to is not used, nor one of another user (only root can make
  // one to test with): the model is compiled privately, and nothing lands there.
  const fs::path open_cache = dir / "open";
  fs::create_directories(open_cache);
  fs::permissions(open_cache, fs::perms::all, fs::perm_options::replace);
  EXPECT_EQ(in_child([&] { return computes_correctly(load_native(open_cache)); }), 0);
  EXPECT_TRUE(fs::is_empty(open_cache)) << "a world-writable cache was used";
  if (::geteuid() == 0) {
    const fs::path theirs = dir / "theirs";
    fs::create_directories(theirs);
    fs::permissions(theirs, fs::perms::owner_all, fs::perm_options::replace);
    ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
    EXPECT_EQ(in_child([&] { return computes_correctly(load_native(theirs)); }), 0);
    EXPECT_TRUE(fs::is_empty(theirs)) << "another user's cache was used";
  }
  ::unsetenv("LDNSIM_CXX");
}

TEST(NativeCode, WithoutACacheDirectoryNothingIsLeftInSharedTemp) {
  if (!have_compiler()) GTEST_SKIP() << "no C++ compiler";
  TempDir tmp;
  int rc = in_child([&] {
    ::unsetenv("LDNSIM_CACHE");
    ::unsetenv("XDG_CACHE_HOME");
    ::unsetenv("HOME");
    ::setenv("TMPDIR", tmp.path().c_str(), 1);
    LoadOptions o;
    o.engine = Engine::Native;
    return computes_correctly(parse_model(kModel, "m.ldn", o));
  });
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(fs::exists(tmp / "ldnsim-cache")) << "a shared cache in the temporary directory";
  EXPECT_TRUE(fs::is_empty(tmp.path())) << "files left in the temporary directory";
}

}  // namespace
}  // namespace ldnsim::lang
