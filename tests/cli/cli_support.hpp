// Running the real ldnsim executable in a scratch directory and capturing what it does.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace ldnsim::test {

namespace fs = std::filesystem;

struct RunResult {
  int code = -1;  // exit status; -1 if killed by a signal
  std::string out, err;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// How spawn_ldnsim starts ldnsim: standard input empty; stdout and stderr opened for
// writing at these paths (a file, /dev/null, a terminal); in folder `cwd` (empty: this
// one); with the model cache LDNSIM_CACHE=`cache` (empty: as inherited), so nothing
// compiled lands in $HOME; SIGHUP ignored if asked, as under nohup.
struct Spawn {
  std::string out = "/dev/null", err = "/dev/null", cwd, cache;
  bool ignore_hup = false;
};

// Starts ldnsim with `args` as `how` says; returns its pid (the caller waits for it).
inline pid_t spawn_ldnsim(const std::vector<std::string>& args, const Spawn& how) {
  std::vector<std::string> argv_s{LDNSIM_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e)
    if (how.cache.empty() || std::string(*e).rfind("LDNSIM_CACHE=", 0) != 0) env_s.emplace_back(*e);
  if (!how.cache.empty()) env_s.push_back("LDNSIM_CACHE=" + how.cache);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!how.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, how.cwd.c_str());
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, how.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, how.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY, 0644);
  // An ignored signal stays ignored through exec: ignore SIGHUP around the spawn.
  struct sigaction old {}, ignore {};
  ignore.sa_handler = SIG_IGN;
  if (how.ignore_hup) ::sigaction(SIGHUP, &ignore, &old);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  if (how.ignore_hup) ::sigaction(SIGHUP, &old, nullptr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(std::string("cannot start ") + LDNSIM_BINARY);
  return pid;
}

// A scratch directory: `dir()` holds the inputs and outputs of a run (and nothing else, so
// a test can list it), captured streams and the model cache live beside it.
class Scratch {
 public:
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "ldnsim-cli-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
    fs::create_directory(dir());
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  fs::path dir() const { return root_ / "work"; }
  std::string path(const std::string& name) const { return (dir() / name).string(); }
  std::string cache() const { return (root_ / "cache").string(); }  // the model cache of its runs

  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir() / name, std::ios::binary) << text;
    return path(name);
  }
  std::string read(const std::string& name) const { return read_file(dir() / name); }
  bool exists(const std::string& name) const { return fs::exists(dir() / name); }

  // Names of the files in dir(), hidden ones (temporary files) included.
  std::set<std::string> files() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir())) names.insert(e.path().filename().string());
    return names;
  }

  // Runs ldnsim with `args`, standard input empty, and waits for it.
  RunResult run(const std::vector<std::string>& args) const {
    const std::string out_path = (root_ / "stdout").string(), err_path = (root_ / "stderr").string();
    Spawn how;
    how.out = out_path;
    how.err = err_path;
    how.cache = cache();
    const pid_t pid = spawn_ldnsim(args, how);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) throw std::runtime_error("waitpid failed");
    RunResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
  }

 private:
  fs::path root_;
};

// One compartment, IV bolus into CENT, volume V from the data: after a dose D at time td,
// CP(t) = D/V * exp(-CL/V * (t - td)). No R or D(CENT): RATE -1 and -2 are errors.
constexpr const char* kOneCompartment = R"(model onecpt "one compartment, IV bolus"
param CL = 2 unit "L/h"
covariate V unit "L"
state CENT = 0 unit "mg" depot
d/dt(CENT) = -CL/V*CENT
output CP = CENT / V unit "mg/L"
)";

// Splits CSV text without quoting (ldnsim's output has none) into rows of fields.
inline std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::stringstream ls(line);
    std::string f;
    while (std::getline(ls, f, ',')) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace ldnsim::test
