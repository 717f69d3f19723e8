// Helpers shared by the clinical tests.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <vector>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "ldnsim/models/builtin.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/trial/driver.hpp"

namespace ldnsim::test {

inline std::string src(const std::string& rel) { return std::string(LDNSIM_SOURCE_DIR) + "/" + rel; }
inline std::string shared(const std::string& rel) { return std::string(LDNSIM_SHARED_DIR) + "/" + rel; }

inline void register_all() {
  static bool done = [] {
    models::register_builtin_models();
    return true;
  }();
  (void)done;
}

// Mean over replicates of an endpoint's statistic (or withdrawals), keyed "NAME/STATISTIC"
// ("withdrawn/..." for withdrawals), with the spec's own seed replaced by `seed`.
inline std::map<std::string, double> study_means(const std::string& spec, std::size_t replicates, std::uint64_t seed,
                                  const std::vector<std::pair<std::string, science::Statistic>>& what) {
  register_all();
  trial::Trial t = trial::Trial::load(spec[0] == '/' ? spec : src(spec), science::ldn_drivers(), {}, science::clinical_simulation_options());
  trial::RunOptions o;
  o.replicates = replicates;
  o.seed = seed;
  o.threads = 2;
  trial::TrialResults r = t.run(o);
  std::map<std::string, double> out;
  for (const auto& [name, stat] : what) {
    const int e = name == "withdrawn" ? -1 : science::endpoint_index(t, name);
    if (name != "withdrawn") {
      EXPECT_GE(e, 0) << name;
    }
    double sum = 0;
    int n = 0;
    for (const auto& rep : r.replicates) {
      double v = science::statistic_value(t, rep, e, stat);
      if (std::isfinite(v)) {
        sum += v;
        ++n;
      }
    }
    out[name + "/" + science::to_string(stat)] = n ? sum / n : NAN;
  }
  return out;
}

inline std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Run {
  int status = -1;
  std::string out;  // stdout (and stderr when asked)
};

// Runs the ldnsim binary in `dir` (default: the source tree).
inline Run ldnsim(const std::string& args, bool with_stderr = true, const std::string& dir = LDNSIM_SOURCE_DIR) {
  std::string cmd = "cd '" + dir + "' && " + std::string(LDNSIM_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = ::popen(cmd.c_str(), "r");
  Run r;
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// A fresh temporary directory.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("ldnsim-clinical-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}


// The text of docs/DOC between "<!-- MARKER begin -->\n" and "<!-- MARKER end -->" must be
// the output of `ldnsim COMMAND` (a generated docs section).
inline void expect_doc_section(const std::string& doc_rel, const std::string& marker, const std::string& command) {
  test::Run r = test::ldnsim(command, false);
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream f(src(doc_rel));
  std::stringstream s;
  s << f.rdbuf();
  const std::string doc = s.str();
  const std::string begin = "<!-- " + marker + " begin -->\n", end = "<!-- " + marker + " end -->";
  const auto b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos) << doc_rel << ": " << begin;
  ASSERT_NE(e, std::string::npos) << doc_rel << ": " << end;
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), r.out)
      << doc_rel << " is out of date: put the output of `ldnsim " << command << "` between the " << marker << " markers";
}

}  // namespace ldnsim::test
