// The files a command reads and writes, checked together before it does any work, so a
// run can neither write over one of its inputs or over another of its outputs, nor run to
// the end and then fail because an output cannot be written:
//
//   OutputPlan plan;
//   plan.input("model", f.model).input("--data", f.data);
//   plan.output("--out", f.out, OutputPlan::kStdoutAllowed).output("--events", f.events);
//   plan.check();   // throws UsageError naming the option, the path and the problem
//
// An output is refused when it is an input (the same file: same device and inode, or,
// for a file that does not exist yet, the same resolved path), when another output names
// the same file, when it is a folder, a FIFO, a device or a socket, and when its folder
// does not exist or is not writable. A symbolic link is fine: it is written through (see
// AtomicFile). Empty paths are skipped (an option not given); the command line refuses an
// empty value where one is given.
#pragma once

#include <string>
#include <vector>

namespace ldnsim {

class OutputPlan {
 public:
  enum Stdout { kStdoutRefused, kStdoutAllowed };

  // A file the command reads; `what` names it in messages (an option such as "--data",
  // or e.g. "the model").
  OutputPlan& input(std::string what, std::string path);
  // A file the command writes; with kStdoutAllowed, "-" is standard output.
  OutputPlan& output(std::string what, std::string path, Stdout stdout_mode = kStdoutRefused);
  // A file the command reads and then deliberately rewrites in place (calibrate --write):
  // checked like an output, but it may be an input.
  OutputPlan& rewrite(std::string what, std::string path);

  // Throws UsageError for the first problem found.
  void check() const;

 private:
  struct File {
    std::string what, path;
    Stdout stdout_mode = kStdoutRefused;
    bool rewrite = false;
  };
  std::vector<File> inputs_, outputs_;
};

}  // namespace ldnsim
