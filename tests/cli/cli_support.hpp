// Running the real ldnsim executable in a scratch directory and capturing what it does.
#pragma once

#include <fcntl.h>
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
    std::vector<std::string> argv_s{LDNSIM_BINARY};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    // The environment, with a private model cache (nothing compiled lands in $HOME).
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("LDNSIM_CACHE=", 0) != 0) env_s.emplace_back(*e);
    env_s.push_back("LDNSIM_CACHE=" + (root_ / "cache").string());
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    const std::string out_path = (root_ / "stdout").string(), err_path = (root_ / "stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error(std::string("cannot start ") + LDNSIM_BINARY);
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
