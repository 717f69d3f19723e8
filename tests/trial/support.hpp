// Shared helpers of the trial tests: fixture paths, specs written to scratch directories.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/lang/model.hpp"
#include "ldnsim/trial/engine.hpp"

namespace ldnsim::test {

inline std::string fixture(const std::string& name) { return std::string(LDNSIM_SOURCE_DIR) + "/tests/trial/data/" + name; }

inline std::string read_file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline lang::LoadOptions interpreted() {
  lang::LoadOptions o;
  o.engine = lang::Engine::Interpreter;
  return o;
}

inline trial::Trial load_fixture(const std::string& name) {
  return trial::Trial::load(fixture(name), trial::DriverRegistry::builtin(), interpreted());
}

// The message of the InputError `f` throws ("" if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// A scratch directory with the fixture model and population beside the specs written to it.
class SpecDir {
 public:
  SpecDir() {
    dir_ = std::filesystem::temp_directory_path() / ("ldnsim-trial-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
    std::filesystem::copy_file(fixture("linear.ldn"), dir_ / "linear.ldn");
    std::filesystem::copy_file(fixture("population.toml"), dir_ / "population.toml");
  }
  ~SpecDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path dir_;
};

}  // namespace ldnsim::test
