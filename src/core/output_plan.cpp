#include "ldnsim/core/output_plan.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"

namespace ldnsim {

namespace fs = std::filesystem;

namespace {

// What makes two names the same file: device and inode when both exist, else the path
// with every link and "." / ".." resolved.
struct Identity {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string resolved;
};

Identity identify(const std::string& path) {
  Identity id;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    id.exists = true;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
  }
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) abs = fs::path(path);
  fs::path canon = fs::weakly_canonical(abs, ec);
  id.resolved = (ec ? abs.lexically_normal() : canon).string();
  return id;
}

bool same_file(const Identity& a, const Identity& b) {
  if (a.exists && b.exists) return a.dev == b.dev && a.ino == b.ino;
  return a.resolved == b.resolved;
}

std::string shown(const std::string& path) { return "'" + printable(path) + "'"; }

}  // namespace

OutputPlan& OutputPlan::input(std::string what, std::string path) {
  if (!path.empty()) inputs_.push_back({std::move(what), std::move(path), kStdoutRefused, false});
  return *this;
}

OutputPlan& OutputPlan::output(std::string what, std::string path, Stdout stdout_mode) {
  if (!path.empty()) outputs_.push_back({std::move(what), std::move(path), stdout_mode, false});
  return *this;
}

OutputPlan& OutputPlan::rewrite(std::string what, std::string path) {
  if (!path.empty()) outputs_.push_back({std::move(what), std::move(path), kStdoutRefused, true});
  return *this;
}

void OutputPlan::check() const {
  // Inputs that do not exist cannot be overwritten (and fail where they are read).
  std::vector<std::pair<const File*, Identity>> inputs;
  for (const File& in : inputs_) {
    Identity id = identify(in.path);
    if (id.exists) inputs.emplace_back(&in, id);
  }
  std::vector<std::pair<const File*, Identity>> seen;
  const File* to_stdout = nullptr;
  for (const File& out : outputs_) {
    const std::string head = out.what + " " + shown(out.path) + ": ";
    if (out.path == "-") {
      if (out.stdout_mode != kStdoutAllowed)
        throw UsageError(head + "expected a file name ('-', standard output, is not offered for " + out.what + ")");
      if (to_stdout)
        throw UsageError(head + "standard output is already taken by " + to_stdout->what + "; give one of them a file");
      to_stdout = &out;
      continue;
    }
    std::string target;
    try {
      target = write_target(out.path);
    } catch (const InputError& e) {
      throw UsageError(out.what + ": " + e.what());
    }
    const std::string via = target == out.path ? "" : " (a link to " + shown(target) + ")";
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw UsageError(head + "it is " + file_kind(st.st_mode) + via + "; expected the name of a file to write" +
                       (S_ISDIR(st.st_mode) ? ", e.g. " + shown((fs::path(out.path) / "out.csv").string()) : "") +
                       (out.stdout_mode == kStdoutAllowed && !S_ISDIR(st.st_mode) ? " ('-' for standard output)" : ""));
    const fs::path parent = fs::path(target).parent_path();
    const std::string dir = parent.empty() ? "." : parent.string();
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) != 0)
      throw UsageError(head + "folder " + shown(dir) + " does not exist" + via);
    if (!S_ISDIR(ds.st_mode)) throw UsageError(head + shown(dir) + " is not a folder" + via);
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      throw UsageError(head + "folder " + shown(dir) + " is not writable (" + std::strerror(errno) + ")" + via);
    const Identity id = identify(target);
    if (!out.rewrite)
      for (const auto& [in, in_id] : inputs)
        if (same_file(id, in_id))
          throw UsageError(head + "that is the file read as " + in->what +
                           (in->path == out.path ? "" : " (" + shown(in->path) + ")") +
                           "; ldnsim never writes over its input, choose another name");
    for (const auto& [other, other_id] : seen)
      if (same_file(id, other_id))
        throw UsageError(head + "the same file as " + other->what + " " + shown(other->path) +
                         "; give each output its own name");
    seen.emplace_back(&out, id);
  }
}

}  // namespace ldnsim
