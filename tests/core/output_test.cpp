// Output files (core/atomic_file, core/output_plan): written through symbolic links,
// non-regular targets refused, temporary files removed on SIGINT/SIGTERM/SIGHUP and stale
// ones cleaned, and a command's outputs checked against its inputs and each other before
// any work.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/output_plan.hpp"

namespace ldnsim {
namespace {

namespace fs = std::filesystem;

class OutputFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ldnsim-out-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return path(name);
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::set<std::string> files() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
    return names;
  }
  // The message of the UsageError `plan.check()` throws ("" if none).
  static std::string refusal(const OutputPlan& plan) {
    try {
      plan.check();
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A pid that no process has: a child that has exited and been reaped.
pid_t dead_pid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST_F(OutputFiles, ASymlinkIsWrittenThroughAndStays) {
  write("target.csv", "old\n");
  fs::create_symlink("target.csv", dir_ / "link.csv");
  write_file_atomically(path("link.csv"), "new\n");
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.csv"));
  EXPECT_EQ(fs::read_symlink(dir_ / "link.csv"), "target.csv");
  EXPECT_EQ(read("target.csv"), "new\n");
  // a chain of links, and a link to a file that does not exist yet (in another folder)
  fs::create_directory(dir_ / "sub");
  fs::create_symlink(dir_ / "sub" / "fresh.csv", dir_ / "to-fresh.csv");
  fs::create_symlink("to-fresh.csv", dir_ / "chain.csv");
  write_file_atomically(path("chain.csv"), "fresh\n");
  EXPECT_TRUE(fs::is_symlink(dir_ / "chain.csv"));
  EXPECT_TRUE(fs::is_symlink(dir_ / "to-fresh.csv"));
  EXPECT_EQ(read("sub/fresh.csv"), "fresh\n");
  EXPECT_EQ(write_target(path("chain.csv")), (dir_ / "sub" / "fresh.csv").string());
  // a loop of links is an error, not a hang
  fs::create_symlink("loop-b", dir_ / "loop-a");
  fs::create_symlink("loop-a", dir_ / "loop-b");
  EXPECT_THROW(AtomicFile(path("loop-a")), InputError);
}

TEST_F(OutputFiles, NonRegularTargetsAreRefused) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  fs::create_directory(dir_ / "folder");
  for (const auto& [target, kind] : std::vector<std::pair<std::string, std::string>>{
           {path("fifo"), "FIFO"}, {path("folder"), "folder"}, {"/dev/null", "device"}}) {
    try {
      AtomicFile f(target);
      ADD_FAILURE() << target << " accepted";
    } catch (const InputError& e) {
      EXPECT_TRUE(contains(e.what(), kind)) << e.what();
    }
    std::string msg = refusal(OutputPlan().output("--out", target));
    EXPECT_TRUE(contains(msg, "--out '" + target + "'")) << msg;
    EXPECT_TRUE(contains(msg, kind)) << msg;
  }
  // a link to a FIFO: the same
  fs::create_symlink("fifo", dir_ / "to-fifo");
  EXPECT_TRUE(contains(refusal(OutputPlan().output("--out", path("to-fifo"))), "FIFO"));
  EXPECT_EQ(files(), (std::set<std::string>{"fifo", "folder", "to-fifo"}));  // no temporary file left
}

TEST_F(OutputFiles, TemporaryFileIsRegisteredUntilCommittedOrDropped) {
  const int before = live_temp_files();
  {
    AtomicFile f(path("a.csv"));
    f.write("x");
    EXPECT_EQ(live_temp_files(), before + 1);
    EXPECT_TRUE(fs::exists(f.temp_path()));
    EXPECT_EQ(fs::path(f.temp_path()).filename().string(), ".a.csv.tmp." + std::to_string(::getpid()));
    f.commit();
    EXPECT_EQ(live_temp_files(), before);
  }
  {
    AtomicFile f(path("b.csv"));
    EXPECT_EQ(live_temp_files(), before + 1);
  }
  EXPECT_EQ(live_temp_files(), before);
  EXPECT_EQ(files(), std::set<std::string>{"a.csv"});
}

TEST_F(OutputFiles, AReplacedFileKeepsItsPermissions) {
  write("p.csv", "old");
  fs::permissions(dir_ / "p.csv", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  write_file_atomically(path("p.csv"), "new");
  EXPECT_EQ(fs::status(dir_ / "p.csv").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

// SIGINT, SIGTERM and SIGHUP remove the temporary files and the process still ends by that
// signal. Each case in a child process, which opens two outputs, writes, and signals itself.
TEST_F(OutputFiles, SignalsRemoveTemporaryFilesAndStillKill) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    const std::string a = path("big-" + std::to_string(sig) + ".csv"), b = path("other-" + std::to_string(sig) + ".html");
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        AtomicFile fa(a), fb(b);
        fa.write(std::string(1 << 20, 'x'));
        fb.write("<html>");
        ::raise(sig);
      } catch (...) {
      }
      ::_exit(0);  // not reached when the signal kills
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status)) << "signal " << sig << ": status " << status;
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), sig);
    }
  }
  EXPECT_TRUE(files().empty()) << *files().begin();
}

TEST_F(OutputFiles, StaleTemporaryFilesOfDeadProcessesAreCleaned) {
  const std::string dead = std::to_string(dead_pid());
  write(".r.csv.tmp." + dead, "left by SIGKILL");
  write(".r.csv.tmp." + std::to_string(::getpid()), "ours by name, not open: left by an earlier process");
  write(".r.csv.tmp.1", "pid 1 exists: not ours to judge");
  write(".other.csv.tmp." + dead, "another target: not touched");
  write(".r.csv.tmp.x" + dead, "not a temporary file name");
  fs::create_directory(dir_ / (".r.csv.tmp.9" + dead));  // not a regular file
  write_file_atomically(path("r.csv"), "fresh");
  EXPECT_EQ(read("r.csv"), "fresh");
  EXPECT_EQ(files(), (std::set<std::string>{"r.csv", ".r.csv.tmp.1", ".other.csv.tmp." + dead, ".r.csv.tmp.x" + dead,
                                            ".r.csv.tmp.9" + dead}));
  EXPECT_EQ(remove_stale_temp_files(path("r.csv")), 0);
}

TEST_F(OutputFiles, PlanRefusesAnOutputThatIsAnInput) {
  const std::string data = write("in.csv", "ID,TIME\n1,0\n");
  const std::string model = write("m.ldn", "model m\n");
  // the same name
  std::string msg = refusal(OutputPlan().input("--data", data).input("the model", model).output("--out", data));
  EXPECT_TRUE(contains(msg, "--out '" + data + "': that is the file read as --data")) << msg;
  EXPECT_TRUE(contains(msg, "never writes over its input")) << msg;
  // another spelling, a symbolic link, a hard link
  fs::create_directory(dir_ / "sub");
  EXPECT_TRUE(contains(refusal(OutputPlan().input("the model", model).output("--out", path("sub/../m.ldn"))),
                       "read as the model"));
  fs::create_symlink("m.ldn", dir_ / "alias.ldn");
  EXPECT_TRUE(contains(refusal(OutputPlan().input("the model", model).output("--out", path("alias.ldn"))),
                       "read as the model ('" + model + "')"));
  fs::create_hard_link(dir_ / "in.csv", dir_ / "hard.csv");
  EXPECT_TRUE(contains(refusal(OutputPlan().input("--data", data).output("--out", path("hard.csv"))), "read as --data"));
  // a rewrite (calibrate --write) may be its input
  EXPECT_EQ(refusal(OutputPlan().input("the model", model).rewrite("--write", model)), "");
  // inputs that do not exist are not protected (nothing to lose) and not confused with outputs
  EXPECT_EQ(refusal(OutputPlan().input("--model", "human").output("--csv", path("human"))), "");
}

TEST_F(OutputFiles, PlanRefusesTwoOutputsForOneFile) {
  const std::string x = path("x");
  std::string msg = refusal(OutputPlan().output("--csv", x).output("--json-out", x).output("--plot", x));
  EXPECT_TRUE(contains(msg, "--json-out '" + x + "': the same file as --csv '" + x + "'")) << msg;
  // not yet existing, spelled differently
  msg = refusal(OutputPlan().output("--out", path("r.csv")).output("--report", (dir_ / "." / "r.csv").string()));
  EXPECT_TRUE(contains(msg, "the same file as --out")) << msg;
  // a link to another output
  write("t.csv", "");
  fs::create_symlink("t.csv", dir_ / "l.csv");
  EXPECT_TRUE(contains(refusal(OutputPlan().output("--out", path("t.csv")).output("--events", path("l.csv"))),
                       "the same file as --out"));
  // standard output: where offered, once
  EXPECT_EQ(refusal(OutputPlan().output("--out", "-", OutputPlan::kStdoutAllowed)), "");
  EXPECT_TRUE(contains(refusal(OutputPlan().output("--events", "-")), "expected a file name"));
  EXPECT_TRUE(contains(refusal(OutputPlan()
                                   .output("--out", "-", OutputPlan::kStdoutAllowed)
                                   .output("--json-out", "-", OutputPlan::kStdoutAllowed)),
                       "already taken by --out"));
  EXPECT_TRUE(files().count("x") == 0);
}

TEST_F(OutputFiles, PlanRefusesMissingOrUnwritableFolders) {
  std::string msg = refusal(OutputPlan().output("--out", path("nowhere/out.csv")));
  EXPECT_TRUE(contains(msg, "folder '" + path("nowhere") + "' does not exist")) << msg;
  write("file", "");
  msg = refusal(OutputPlan().output("--out", path("file/out.csv")));
  EXPECT_TRUE(contains(msg, "is not a folder")) << msg;
  // a dangling link into a missing folder: named with the link
  fs::create_symlink("gone/t.csv", dir_ / "dangling.csv");
  msg = refusal(OutputPlan().output("--out", path("dangling.csv")));
  EXPECT_TRUE(contains(msg, "does not exist (a link to")) << msg;
  fs::create_directory(dir_ / "ro");
  fs::permissions(dir_ / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only folders: the not-writable case cannot be seen";
  msg = refusal(OutputPlan().output("--report", path("ro/r.html")));
  EXPECT_TRUE(contains(msg, "is not writable")) << msg;
}

}  // namespace
}  // namespace ldnsim
