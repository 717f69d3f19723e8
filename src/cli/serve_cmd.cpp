// ldnsim serve: the local explorer. A page on this computer where dose, time of the dose,
// salt/base and missed doses are moved and the 24-h cycle at steady state is redrawn,
// with the JSON API behind it (src/server, docs/explorer.md).
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

#include "common.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/server/explorer.hpp"
#include "ldnsim/server/json_output.hpp"

namespace ldnsim::cli {
namespace {

struct ServeFlags {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string model = "human";
  bool json = false;
  bool quiet = false;
  bool exit_with_parent = false;
};

const char* signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal"; }

int run_serve(const ServeFlags& f) {
  if (f.port < 0 || f.port > 65535)
    throw UsageError("--port " + std::to_string(f.port) + ": expected a port number in 1-65535 (or 0 for any free port)");
  if (f.host.empty()) throw UsageError("--host: expected an address, e.g. 127.0.0.1");

  // SIGINT and SIGTERM are blocked in every thread (the server's threads inherit the mask)
  // and taken by one thread with sigwait, which stops the server: a clean stop, with the
  // requests in progress answered, and no work inside a signal handler.
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  struct RestoreMask {
    sigset_t mask;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};

  // A browser that closes a connection in the middle of an answer must not end the server.
  std::signal(SIGPIPE, SIG_IGN);

  if (f.exit_with_parent) {
    // For scripts and tests: stop when the process that started us dies, however it dies.
    const pid_t parent = getppid();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent || parent == 1) return 0;
  }

  server::ServeOptions options;
  options.host = f.host;
  options.port = f.port;
  options.model = f.model;
  server::Explorer explorer(options);
  try {
    explorer.bind();
  } catch (const InputError& e) {  // the server names no option: say which one chooses the port
    throw InputError(std::string(e.what()) + " with --port");
  }

  std::atomic<int> received{0};
  std::thread waiter([&] {
    int sig = 0;
    if (sigwait(&stop_signals, &sig) == 0) received = sig;
    explorer.stop();
  });

  const std::string url = explorer.url();
  if (!f.quiet) {
    if (server::is_loopback(f.host))
      std::fprintf(stderr, "ldnsim serve: the LDN explorer is at %s (bound to %s: only this computer can reach it); "
                           "Ctrl-C stops it\n", url.c_str(), f.host.c_str());
    else
      std::fprintf(stderr, "ldnsim serve: the LDN explorer is at %s\nldnsim serve: warning: bound to %s, so other "
                           "computers that can reach this one can use it too (it has no password); Ctrl-C stops it\n",
                   url.c_str(), f.host.c_str());
  }
  if (f.json) {
    auto j = json_output::envelope("serve");
    j["inputs"] = {{"host", f.host}, {"port", f.port}, {"model", f.model}};
    j["results"] = {{"url", url},
                    {"host", f.host},
                    {"port", explorer.port()},
                    {"model", explorer.doses().model_name()},
                    {"loopback_only", server::is_loopback(f.host)},
                    {"endpoints", {"/", "/api", "/api/dose"}}};
    if (!server::is_loopback(f.host))
      j["warnings"].push_back("bound to " + f.host + ": other computers can reach the explorer; it has no password");
    // One line, flushed: a script reads it to learn the port (with --port 0).
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  }
  std::fflush(stdout);
  std::fflush(stderr);

  const bool ok = explorer.run();
  if (received == 0) pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter
  waiter.join();
  if (!f.quiet) {
    if (received != 0) std::fprintf(stderr, "ldnsim serve: stopped (%s)\n", signal_name(received));
    else std::fprintf(stderr, "ldnsim serve: stopped\n");
  }
  if (!ok) throw std::runtime_error("the explorer stopped because of an error while listening on " + url);
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "The local explorer: a page where dose, bedtime, salt/base and missed doses are moved and the 24-h "
               "cycle and its figures are redrawn, with its JSON API (docs/explorer.md)");
  cmd->add_option("--port", f->port, "TCP port (0: any free port; the URL is printed on stderr)")
      ->capture_default_str()
      ->check(count_in(0, 65535, "a port number, 1 to 65535, or 0 for any free port"));
  cmd->add_option("--host", f->host,
                  "address to listen on; the default is reachable from this computer only")->capture_default_str();
  cmd->add_option("--model", f->model, "human, mouse or a .ldn file with the same names")->capture_default_str();
  cmd->add_flag("--json", f->json,
                "print one line of JSON on stdout once listening (the URL and port), for scripts");
  cmd->add_flag("--quiet,-q", f->quiet, "no messages on stderr");
  cmd->add_flag("--exit-with-parent", f->exit_with_parent,
                "stop when the process that started ldnsim serve ends (for scripts and tests)");
  cmd->footer("Stops cleanly on Ctrl-C (SIGINT) or SIGTERM, exit status 0. A port already in use is an error "
              "(exit status 2).");
  cmd->callback([f] { run_serve(*f); });
}

}  // namespace ldnsim::cli
