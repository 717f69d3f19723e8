// Replays every fuzz input kept in the repository through the fuzz targets' entry points,
// in the normal build (no clang needed): the seed corpus (tests/fuzz/corpus/TARGET) and the
// inputs that once crashed a target (tests/fuzz/regressions/TARGET), each named after what
// it found. Each must be rejected cleanly or accepted: no crash, no sanitizer report in the
// sanitizer build, no exception other than ldnsim::Error.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "entries.hpp"

namespace ldnsim::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs(const std::string& kind, const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(LDNSIM_SOURCE_DIR) / "tests" / "fuzz" / kind / target;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Replay : public ::testing::TestWithParam<std::string> {};

TEST_P(Replay, SeedCorpusAndRegressionsRunCleanly) {
  const auto& all = targets();
  auto it = std::find_if(all.begin(), all.end(), [&](const Target& t) { return t.name == GetParam(); });
  ASSERT_NE(it, all.end());
  std::size_t n = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const fs::path& f : inputs(kind, GetParam())) {
      SCOPED_TRACE(f.string());
      const std::string bytes = read(f);
      EXPECT_NO_THROW(it->run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
      ++n;
    }
  }
  EXPECT_GT(n, 0u) << "no inputs for target " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Targets, Replay, ::testing::Values("model", "dataset", "spec", "query"));

}  // namespace
}  // namespace ldnsim::fuzz
