// Helpers shared by the science tests.
#pragma once

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "ldnsim/models/builtin.hpp"
#include "ldnsim/science/ldn.hpp"

namespace ldnsim::test {

inline std::string model_path(const std::string& name) {
  return std::string(LDNSIM_SOURCE_DIR) + "/models/ldn/" + name + ".ldn";
}

inline const science::LdnModel& model(const std::string& name) {
  static bool registered = (models::register_builtin_models(), true);
  (void)registered;
  static science::LdnModel human = science::LdnModel::load(model_path("human"));
  static science::LdnModel mouse = science::LdnModel::load(model_path("mouse"));
  return name == "mouse" ? mouse : human;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int status;
  std::string out;
};

// Runs the ldnsim binary with arguments (stderr folded into the output).
inline CommandResult run_ldnsim(const std::string& args) {
  std::string cmd = std::string(LDNSIM_BINARY) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  CommandResult r{-1, ""};
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace ldnsim::test
