#include "ldnsim/core/paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "ldnsim/core/error.hpp"

#ifndef LDNSIM_SOURCE_DIR
#define LDNSIM_SOURCE_DIR ""
#endif

namespace ldnsim {

std::string find_resource(std::string_view relative) {
  namespace fs = std::filesystem;
  std::vector<fs::path> roots;
  if (const char* home = std::getenv("LDNSIM_HOME"); home && *home) roots.emplace_back(home);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    roots.push_back(exe.parent_path().parent_path());
    roots.push_back(exe.parent_path().parent_path().parent_path());
    roots.push_back(exe.parent_path().parent_path() / "share" / "ldnsim");
  }
  if (*LDNSIM_SOURCE_DIR) roots.emplace_back(LDNSIM_SOURCE_DIR);
  std::string searched;
  for (const auto& r : roots) {
    fs::path p = r / relative;
    if (fs::exists(p, ec)) return p.string();
    searched += (searched.empty() ? "" : ", ") + r.string();
  }
  throw InputError("cannot find ldnsim file '" + std::string(relative) + "' (searched " + searched +
                   "; set LDNSIM_HOME to the ldnsim directory)");
}

}  // namespace ldnsim
