// What a new user meets first (issue 12, item 8): unique CSV column names, --version, a
// bare `ldnsim` that says what it is about to do, progress and notes on stderr only on a
// terminal and never with --quiet, a header row in `params`, occupancy figures labelled
// steady state or single dose.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <set>

#include "cli_support.hpp"

namespace ldnsim::test {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string kHuman = std::string(LDNSIM_SOURCE_DIR) + "/models/ldn/human.ldn";

// ldnsim with its stderr on a pseudo-terminal (as in an interactive shell), stdout to
// /dev/null, run in the scratch folder. What it writes on the terminal is collected.
class OnTerminal {
 public:
  OnTerminal(const Scratch& s, const std::vector<std::string>& args) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) throw std::runtime_error("no pty");
    ::fcntl(master_, F_SETFD, FD_CLOEXEC);
    Spawn how;
    how.err = ::ptsname(master_);
    how.cwd = s.dir().string();
    how.cache = s.cache();
    pid_ = spawn_ldnsim(args, how);
  }
  ~OnTerminal() {
    if (!done_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    ::close(master_);
  }
  // Reads the terminal until `text` appears or `seconds` pass; true if it appeared.
  bool wait_for(const std::string& text, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!contains(seen_, text) && std::chrono::steady_clock::now() < until) pump(50);
    return contains(seen_, text);
  }
  // Waits for the end (at most `seconds`), reading the terminal; the wait status.
  int finish(double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    int st = 0;
    while (std::chrono::steady_clock::now() < until) {
      pump(20);
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        done_ = true;
        while (pump(20)) {
        }
        return st;
      }
    }
    return -1;
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  const std::string& seen() const { return seen_; }

 private:
  bool pump(int ms) {
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(master_, buf, sizeof buf);
    if (n <= 0) return false;
    seen_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  int master_ = -1;
  pid_t pid_ = 0;
  bool done_ = false;
  std::string seen_;
};

TEST(FirstUse, SimulateWritesEachColumnNameOnce) {
  Scratch s;
  RunResult r = s.run({"simulate", kHuman, "--dose", "4.5mg", "--days", "1", "--out", "-", "--engine", "interpreter"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = csv_rows(r.out);
  ASSERT_GT(rows.size(), 2u);
  const auto& header = rows[0];
  std::set<std::string> unique(header.begin(), header.end());
  EXPECT_EQ(unique.size(), header.size()) << r.out.substr(0, r.out.find('\n'));
  // the states also declared as outputs are there once; the others all appear
  for (const char* name : {"ENK", "BEND", "RCP", "PT", "PB", "CP", "OCC", "GUT", "CEN", "CB"})
    EXPECT_EQ(std::count(header.begin(), header.end(), name), 1) << name;
}

TEST(FirstUse, Version) {
  Scratch s;
  RunResult r = s.run({"--version"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("ldnsim ") + LDNSIM_VERSION + "\n");
}

TEST(FirstUse, ParamsTextHasAHeaderRow) {
  Scratch s;
  RunResult r = s.run({"params", s.write("m.ldn", kOneCompartment)});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto first = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(first.rfind("parameter", 0), 0u) << r.out;
  for (const char* col : {"value", "unit", "range", "source or assumption"}) EXPECT_TRUE(contains(first, col)) << first;
  EXPECT_EQ(r.out.find("\nCL "), first.size()) << r.out;  // then the parameters
}

// Redirected, stderr holds no progress or notes: `dose` printed its timing, a first
// `simulate` its "compiling ... to native code".
TEST(FirstUse, NoNotesOnARedirectedStderr) {
  Scratch s;
  RunResult r = s.run({"dose", "4.5mg"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string m = s.write("m.ldn", kOneCompartment);
  const std::string d = s.write("d.csv", "ID,TIME,EVID,AMT,V\n1,0,1,10,10\n");
  r = s.run({"simulate", m, "--data", d, "--out", s.path("o.csv"), "--engine", "auto"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(FirstUse, NotesOnATerminalUnlessQuiet) {
  Scratch s;
  {
    OnTerminal t(s, {"dose", "4.5mg"});
    const int st = t.finish(60);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
    EXPECT_TRUE(contains(t.seen(), "ldnsim dose: ")) << t.seen();
  }
  {
    OnTerminal t(s, {"dose", "4.5mg", "--quiet"});
    const int st = t.finish(60);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
    EXPECT_EQ(t.seen(), "");
  }
}

// A bare `ldnsim` says, before it starts, that it runs the main job and where the report
// goes; Ctrl-C then leaves nothing behind (the report's temporary file included).
TEST(FirstUse, BareLdnsimSaysWhatItIsAboutToDo) {
  Scratch s;
  OnTerminal t(s, {});
  ASSERT_TRUE(t.wait_for("--help` lists the commands", 30)) << t.seen();
  EXPECT_TRUE(contains(t.seen(), "no command given, so the main job runs: `ldnsim reproduce`")) << t.seen();
  EXPECT_TRUE(contains(t.seen(), "reproduce.html")) << t.seen();
  t.signal(SIGINT);
  const int st = t.finish(30);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT) << st;
  EXPECT_TRUE(s.files().empty()) << *s.files().begin();
}

// `dose` labels its figures as the steady-state cycle; `claims` labels the PET figure as a
// single dose and its simulated occupancy as steady state.
TEST(FirstUse, OccupancyFiguresSayWhichKind) {
  Scratch s;
  RunResult d = s.run({"dose", "4.5mg"});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_TRUE(contains(d.out, "at steady state (not 1 dose)")) << d.out;
  RunResult day = s.run({"dose", "4.5mg", "--days", "3"});
  ASSERT_EQ(day.code, 0) << day.err;
  EXPECT_TRUE(contains(day.out, "on day 3")) << day.out;
  RunResult c = s.run({"claims", "dose-ratio", "transient-blockade", "-q"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_TRUE(contains(c.out, "peak MOR blockade after a single dose (PET, within 8 h)")) << c.out;
  EXPECT_TRUE(contains(c.out, "trough MOR occupancy at 4.5 mg nightly (steady state): ")) << c.out;
}

}  // namespace
}  // namespace ldnsim::test
