// Every output of every command is checked before any work (issue 12, item 2): never an
// input, never another output, never a folder, a FIFO or a device, never an empty name; a
// symbolic link is written through. SIGINT and SIGTERM leave no temporary file and the exit
// status says the signal; after SIGKILL the next run removes the stale temporary file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <thread>

#include "cli_support.hpp"

namespace ldnsim::test {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

constexpr const char* kData = "ID,TIME,EVID,AMT,V\n1,0,1,10,10\n1,2,0,0,10\n";

// A spec that would fail to load: if an output error comes first, the outputs were checked
// before anything was read or run.
constexpr const char* kBrokenSpec = "[trial]\nthis is not toml\n";

class CliFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    model = s.write("m.ldn", kOneCompartment);
    data = s.write("in.csv", kData);
  }
  RunResult simulate(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"simulate", model, "--data", data, "--engine", "interpreter", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    return s.run(args);
  }
  Scratch s;
  std::string model, data;
};

TEST_F(CliFiles, SimulateNeverWritesOverItsInputs) {
  RunResult r = simulate({"--out", data});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--out '" + data + "': that is the file read as --data")) << r.err;
  EXPECT_EQ(s.read("in.csv"), kData);
  r = simulate({"--out", model});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "read as the model")) << r.err;
  EXPECT_EQ(s.read("m.ldn"), kOneCompartment);
  r = simulate({"--out", s.path("o.csv"), "--events", data});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--events '" + data + "'")) << r.err;
  r = simulate({"--out", s.path("o.csv"), "--events", s.path("./o.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "the same file as --out")) << r.err;
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "in.csv"}));
}

TEST_F(CliFiles, BadOutputNamesFailBeforeAnyWork) {
  fs::create_directory(s.dir() / "adir");
  ASSERT_EQ(::mkfifo(s.path("fifo").c_str(), 0600), 0);
  const std::string bad_model = s.write("bad.ldn", "model broken ((((\n");
  for (const auto& [out, words] : std::vector<std::pair<std::string, std::string>>{
           {s.path("adir"), "it is a folder"},
           {"", "expected a file name, not an empty string"},
           {s.path("fifo"), "FIFO"},
           {"/dev/null", "device"},
           {s.path("nowhere/o.csv"), "does not exist"}}) {
    // the model is broken: an output error proves the output was checked first
    RunResult r = s.run({"simulate", bad_model, "--data", data, "--out", out});
    EXPECT_EQ(r.code, 2) << out;
    EXPECT_TRUE(contains(r.err, "--out")) << r.err;
    EXPECT_TRUE(contains(r.err, words)) << out << ": " << r.err;
  }
  EXPECT_EQ(s.files(), (std::set<std::string>{"m.ldn", "in.csv", "bad.ldn", "adir", "fifo"}));
}

TEST_F(CliFiles, ASymlinkOutputIsWrittenThrough) {
  s.write("real.csv", "old\n");
  fs::create_symlink("real.csv", s.dir() / "link.csv");
  RunResult r = simulate({"--out", s.path("link.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(s.dir() / "link.csv"));
  EXPECT_EQ(s.read("real.csv").rfind("ID,TIME,CP,CENT\n", 0), 0u) << s.read("real.csv");
  // a link to an input is that input
  fs::create_symlink("in.csv", s.dir() / "data-link.csv");
  r = simulate({"--out", s.path("data-link.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(s.read("in.csv"), kData);
}

TEST_F(CliFiles, TrialOutputsAreCheckedBeforeTheSpecIsRead) {
  const std::string spec = s.write("spec.toml", kBrokenSpec);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"trial", spec, "--out", spec},
           {"trial", spec, "--report", spec},
           {"trial", spec, "--out", s.path("r.csv"), "--report", s.path("r.csv")},
           {"trial", spec, "--out", s.path("adir")},
           {"trial", spec, "--report", ""}}) {
    if (args.back() == s.path("adir")) fs::create_directory(s.dir() / "adir");
    RunResult r = s.run(args);
    EXPECT_EQ(r.code, 2) << args[2];
    EXPECT_TRUE(contains(r.err, args[2])) << r.err;  // names the option
    EXPECT_FALSE(contains(r.err, "spec.toml:")) << "the spec was read first: " << r.err;
  }
  EXPECT_EQ(s.read("spec.toml"), kBrokenSpec);
  EXPECT_FALSE(s.exists("r.csv"));
}

TEST_F(CliFiles, TrialNeverWritesOverTheSpecsModel) {
  // The model a spec names is an input too (found once the spec is read, before the run).
  const fs::path data_dir = fs::path(LDNSIM_SOURCE_DIR) / "tests/trial/data";
  for (const auto& e : fs::directory_iterator(data_dir)) fs::copy(e.path(), s.dir() / e.path().filename());
  std::string spec_text = s.read("parallel.toml");
  const auto at = spec_text.find("model = \"");
  ASSERT_NE(at, std::string::npos) << spec_text;
  const auto end = spec_text.find('"', at + 9);
  const std::string model_file = spec_text.substr(at + 9, end - at - 9);
  ASSERT_TRUE(s.exists(model_file)) << model_file;
  const std::string before = s.read(model_file);
  RunResult r = s.run({"trial", s.path("parallel.toml"), "-n", "2", "--out", s.path(model_file)});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "that is the file read as the spec's model")) << r.err;
  EXPECT_EQ(s.read(model_file), before);
}

TEST_F(CliFiles, DoseOutputsMustDiffer) {
  const std::string x = s.path("x");
  RunResult r = s.run({"dose", "4.5mg", "--csv", x, "--json-out", x, "--plot", x, "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--json-out '" + x + "': the same file as --csv")) << r.err;
  EXPECT_FALSE(s.exists("x"));
  r = s.run({"dose", "4.5mg", "--json-out", "", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--json-out")) << r.err;
}

TEST_F(CliFiles, ReportsAndCalibrationWritesAreChecked) {
  const std::string spec = s.write("spec.toml", kBrokenSpec);
  struct Case {
    std::vector<std::string> args;
    std::string words;
  };
  fs::create_directory(s.dir() / "adir");
  for (const Case& c : std::vector<Case>{
           {{"power", spec, "--report", spec}, "that is the file read as the spec"},
           {{"reproduce", "--spec", spec, "--report", spec}, "that is the file read as --spec"},
           {{"claims", "--file", spec, "--report", spec}, "that is the file read as --file"},
           {{"reproduce", "--report", s.path("adir")}, "it is a folder"},
           {{"sensitivity", "--json-out", s.path("adir")}, "it is a folder"},
           {{"claims", "--report", ""}, "expected a file name"}}) {
    RunResult r = s.run(c.args);
    EXPECT_EQ(r.code, 2) << c.args[0] << " " << r.err;
    EXPECT_TRUE(contains(r.err, c.words)) << c.args[0] << ": " << r.err;
  }
  EXPECT_EQ(s.read("spec.toml"), kBrokenSpec);
}

TEST_F(CliFiles, ReportsNeverWriteOverTheStudiesTheyRun) {
  // reproduce, power and claims read trial specs named inside their own spec, and those
  // specs' models and populations: all inputs, found before the run. A copy of the shipped
  // files, so a failure cannot damage the source tree.
  for (const char* folder : {"trials", "models", "claims"})
    fs::copy(fs::path(LDNSIM_SOURCE_DIR) / folder, s.dir() / folder, fs::copy_options::recursive);
  struct Case {
    std::vector<std::string> args;
    std::string target, words;
  };
  for (const Case& c : std::vector<Case>{
           {{"reproduce", "--spec", s.path("trials/reproduce.toml"), "-n", "2"}, "trials/natural-history/rrms-placebo.toml",
            "that is the file read as a study's spec"},
           {{"reproduce", "--spec", s.path("trials/reproduce.toml"), "-n", "2"}, "models/ms/patient.ldn",
            "that is the file read as a study's model"},
           {{"power", s.path("trials/designs/fatigue-24w.toml"), "--n", "40", "--replicates", "10"},
            "models/ms/patient.ldn", "that is the file read as the spec's model"},
           {{"power", s.path("trials/designs/fatigue-24w.toml"), "--n", "40", "--replicates", "10"},
            "trials/populations/fatigue-trial.toml", "that is the file read as the spec's population"},
           {{"claims", "--file", s.path("claims/claims.toml"), "-n", "2"}, "models/ms/patient.ldn",
            "that is the file read as the claims' model"},
           {{"claims", "--file", s.path("claims/claims.toml"), "-n", "2"}, "trials/gironi2008.toml",
            "that is the file read as a claim's study"}}) {
    const std::string before = s.read(c.target);
    std::vector<std::string> args = c.args;
    for (const std::string& more : {std::string("--report"), s.path(c.target), std::string("-q")}) args.push_back(more);
    RunResult r = s.run(args);
    EXPECT_EQ(r.code, 2) << c.args[0] << " " << c.target << ": " << r.err;
    EXPECT_TRUE(contains(r.err, c.words)) << c.args[0] << " " << c.target << ": " << r.err;
    EXPECT_TRUE(s.read(c.target) == before) << c.args[0] << " wrote over " << c.target;
  }
}

// ---- signals -----------------------------------------------------------------------------

// ldnsim simulate writing a large table (many subjects, a fine grid) in the background.
class Background {
 public:
  Background(const Scratch& s, const std::vector<std::string>& args, bool ignore_hup = false) {
    Spawn how;
    how.err = (s.dir().parent_path() / "bg-stderr").string();
    how.cache = s.cache();
    how.ignore_hup = ignore_hup;
    pid_ = spawn_ldnsim(args, how);
  }
  ~Background() {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
  }
  pid_t pid() const { return pid_; }
  void signal(int sig) const { ::kill(pid_, sig); }
  std::optional<int> poll() {
    int st = 0;
    if (!status_ && ::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
    return status_;
  }
  int wait() {
    int st = 0;
    if (!status_ && ::waitpid(pid_, &st, 0) == pid_) status_ = st;
    return *status_;
  }

 private:
  pid_t pid_ = 0;
  std::optional<int> status_;
};

// Waits (at most 60 s) until `file` holds at least `bytes`; false if the process ended first.
bool wait_for_size(const fs::path& file, std::uintmax_t bytes, Background& p) {
  for (int i = 0; i < 6000; ++i) {
    std::error_code ec;
    if (fs::file_size(file, ec) >= bytes && !ec) return true;
    if (p.poll()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class CliSignals : public CliFiles {
 protected:
  void SetUp() override {
    CliFiles::SetUp();
    std::string big = "ID,TIME,EVID,AMT,V\n";
    for (int id = 1; id <= 400; ++id) big += std::to_string(id) + ",0,1,10,10\n";
    s.write("many.csv", big);
  }
  std::vector<std::string> big_run() const {
    return {"simulate", model, "--data", s.path("many.csv"), "--out", s.path("big.csv"), "--grid", "0:1000:0.001",
            "--engine", "interpreter", "--threads", "1", "-q"};
  }
  std::set<std::string> inputs() const { return {"m.ldn", "in.csv", "many.csv"}; }
};

TEST_F(CliSignals, SigintAndSigtermLeaveNoTemporaryFile) {
  for (int sig : {SIGINT, SIGTERM}) {
    Background p(s, big_run());
    const fs::path temp = s.dir() / (".big.csv.tmp." + std::to_string(p.pid()));
    ASSERT_TRUE(wait_for_size(temp, 2 << 20, p)) << "no temporary file of 2 MB appeared";
    p.signal(sig);
    const int status = p.wait();
    ASSERT_TRUE(WIFSIGNALED(status)) << "signal " << sig << ": exit status " << status;
    EXPECT_EQ(WTERMSIG(status), sig);
    EXPECT_EQ(s.files(), inputs()) << "signal " << sig;
  }
}

TEST_F(CliSignals, AnIgnoredSighupStaysIgnored) {
  Background p(s, big_run(), /*ignore_hup=*/true);
  const fs::path temp = s.dir() / (".big.csv.tmp." + std::to_string(p.pid()));
  ASSERT_TRUE(wait_for_size(temp, 1 << 20, p));
  p.signal(SIGHUP);
  const auto size = fs::file_size(temp);
  // still running and still writing after the SIGHUP
  ASSERT_TRUE(wait_for_size(temp, size + (1 << 20), p)) << "the run stopped on an ignored SIGHUP";
  p.signal(SIGTERM);
  const int status = p.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_EQ(s.files(), inputs());
}

TEST_F(CliSignals, AfterSigkillTheNextRunRemovesTheStaleTemporaryFile) {
  std::string stale;
  {
    Background p(s, big_run());
    stale = ".big.csv.tmp." + std::to_string(p.pid());
    ASSERT_TRUE(wait_for_size(s.dir() / stale, 1 << 20, p));
    p.signal(SIGKILL);
    p.wait();
  }
  ASSERT_TRUE(s.exists(stale)) << "SIGKILL cannot be caught: the temporary file stays";
  RunResult r = simulate({"--out", s.path("big.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  std::set<std::string> expected = inputs();
  expected.insert("big.csv");
  EXPECT_EQ(s.files(), expected);
}

}  // namespace
}  // namespace ldnsim::test
