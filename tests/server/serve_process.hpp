// `ldnsim serve` as a child process for tests: started with pipes on stdout and stderr, its
// first stdout line read (the --json announcement), signalled, waited for with a time
// limit, and always killed when the test ends.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace ldnsim::test {

class ServeProcess {
 public:
  // Runs ldnsim with `args` (or another `program`).
  explicit ServeProcess(const std::vector<std::string>& args, const std::string& program = LDNSIM_BINARY) {
    int out[2], err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> argv_s{program};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, err[0]);
    int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
    if (rc != 0) throw std::runtime_error("cannot start " + program);
  }
  ~ServeProcess() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    ::close(out_);
    ::close(err_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // The first line on stdout, or nullopt if none came within `seconds` (or the process ended).
  std::optional<std::string> first_line(double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      if (auto nl = out_text_.find('\n'); nl != std::string::npos) return out_text_.substr(0, nl);
      if (pump(out_, out_text_, 50) < 0) break;
    }
    if (auto nl = out_text_.find('\n'); nl != std::string::npos) return out_text_.substr(0, nl);
    return std::nullopt;
  }

  void signal(int sig) { ::kill(pid_, sig); }

  // Exit status (-1: killed by a signal), or nullopt if still running after `seconds`.
  std::optional<int> wait(double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!status_) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        break;
      }
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      pump(err_, err_text_, 20);
    }
    while (pump(err_, err_text_, 0) > 0) {
    }
    while (pump(out_, out_text_, 0) > 0) {
    }
    return status_;
  }

  // What the process wrote on stderr so far.
  const std::string& err() {
    while (pump(err_, err_text_, 0) > 0) {
    }
    return err_text_;
  }
  pid_t pid() const { return pid_; }

 private:
  // Reads what is available within `ms`: 1 read something, 0 nothing yet, -1 end of file.
  static int pump(int fd, std::string& into, int ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return 0;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return -1;
    into.append(buf, static_cast<std::size_t>(n));
    return 1;
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  std::string out_text_, err_text_;
  std::optional<int> status_;
};

}  // namespace ldnsim::test
