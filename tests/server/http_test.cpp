// The explorer over HTTP: in-process (routes, status codes, headers, the page), and the
// real `ldnsim serve` (announcement, port in use, clean stop on SIGINT and SIGTERM).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "../cli/cli_support.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/models/builtin.hpp"
#include "ldnsim/server/explorer.hpp"
#include "serve_process.hpp"

namespace ldnsim::test {
namespace {

using nlohmann::json;

// An explorer on a free port of 127.0.0.1, served by a thread for the whole test program.
class Running {
 public:
  Running() {
    models::register_builtin_models();
    server::ServeOptions o;
    o.port = 0;
    explorer_ = std::make_unique<server::Explorer>(o);
    explorer_->bind();
    thread_ = std::thread([this] { ok_ = explorer_->run(); });
  }
  ~Running() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    explorer_->stop();
    thread_.join();
  }
  int port() const { return explorer_->port(); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    return c;
  }
  bool ok() const { return ok_; }

 private:
  std::unique_ptr<server::Explorer> explorer_;
  std::thread thread_;
  bool ok_ = false;
};

Running& running() {
  static Running r;
  return r;
}

TEST(ExplorerHttp, ServesThePageSelfContained) {
  auto c = running().client();
  auto res = c.Get("/");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string csp = res->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
  const std::string& page = res->body;
  for (const char* s : {"chart-1", "chart-4", "dose-slider", "time-slider", "vegaEmbed", "/api/dose?"})
    EXPECT_NE(page.find(s), std::string::npos) << s;
  // Nothing loaded from elsewhere: no src or href pointing at another site.
  EXPECT_FALSE(std::regex_search(page, std::regex(R"((src|href)\s*=\s*["']?(https?:)?//)"))) << "external reference";
  EXPECT_EQ(page.find("sourceMappingURL"), std::string::npos);
  auto head = c.Head("/");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST(ExplorerHttp, DoseAnswersJsonDeterministically) {
  auto c = running().client();
  auto a = c.Get("/api/dose?mg=4.5&at=22:00&form=hcl&missed=0");
  auto b = c.Get("/api/dose?missed=0&form=hcl&at=22:00&mg=4.5");  // same regimen, other order
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(a->body, b->body);
  EXPECT_NE(a->get_header_value("Server-Timing"), "");
  auto j = json::parse(a->body);
  EXPECT_EQ(j["command"], "serve");
  EXPECT_EQ(j["inputs"]["mg"], 4.5);
  EXPECT_GT(j["results"]["metrics"]["cmax_ntx"]["value"].get<double>(), 0);
  // percent-encoded values are decoded: 08%3A30 is 08:30
  auto enc = c.Get("/api/dose?mg=4.5&at=08%3A30");
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->status, 200);
  EXPECT_EQ(json::parse(enc->body)["inputs"]["at"], "08:30");
}

TEST(ExplorerHttp, BadQueriesGet400NamingTheParameter) {
  auto c = running().client();
  struct Case {
    std::string query, parameter, words;
  };
  for (const Case& k : std::vector<Case>{{"mg=-2", "mg", "above 0"},
                                         {"mg=501", "mg", "500"},
                                         {"mg=1e-320", "mg", "below 0.001 mg"},
                                         {"mg=lots", "mg", "not a number"},
                                         {"at=9pm", "at", "HH:MM"},
                                         {"form=liquid", "form", "base"},
                                         {"missed=12", "missed", "0 to 3"},
                                         {"mg=4.5&foo=1", "foo", "unknown parameter"}}) {
    auto res = c.Get("/api/dose?" + k.query);
    ASSERT_TRUE(res) << k.query;
    EXPECT_EQ(res->status, 400) << k.query;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
    auto j = json::parse(res->body);
    EXPECT_EQ(j["parameter"], k.parameter) << k.query;
    EXPECT_NE(j["error"].get<std::string>().find(k.words), std::string::npos) << j["error"];
    EXPECT_FALSE(j["expected"].get<std::string>().empty());
  }
}

TEST(ExplorerHttp, UnknownPathsMethodsAndHosts) {
  auto c = running().client();
  auto missing = c.Get("/api/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(json::parse(missing->body)["error"].get<std::string>().find("/api/nothing"), std::string::npos);
  auto post = c.Post("/api/dose", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    httplib::Request req;
    req.method = method;
    req.path = "/api/dose";  // no body: httplib itself refuses POST, PUT and PATCH so (400) before routing
    auto res = c.send(req);
    ASSERT_TRUE(res) << method;
    EXPECT_EQ(res->status, 405) << method;
    EXPECT_NE(json::parse(res->body)["error"].get<std::string>().find(std::string(method) + " /api/dose"),
              std::string::npos);
  }
  auto index = c.Get("/api");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->body.find("/api/dose"), std::string::npos);
  // DNS rebinding: a page elsewhere naming this server by another host name is refused.
  auto rebound = c.Get("/api/dose", {{"Host", "attacker.example:80"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  auto local = c.Get("/api", {{"Host", "localhost:" + std::to_string(running().port())}});
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200);
}

TEST(ExplorerHttp, ConcurrentRequestsAgree) {
  std::vector<std::thread> threads;
  std::vector<std::string> bodies(8);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([i, &bodies] {
      auto c = running().client();
      auto res = c.Get("/api/dose?mg=" + std::to_string(1 + i % 2) + "&missed=1");
      if (res && res->status == 200) bodies[static_cast<std::size_t>(i)] = res->body;
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    ASSERT_FALSE(bodies[static_cast<std::size_t>(i)].empty()) << i;
    EXPECT_EQ(bodies[static_cast<std::size_t>(i)], bodies[static_cast<std::size_t>(i % 2)]) << i;
  }
}

TEST(ExplorerHttp, StopsPromptly) {
  // A fresh server (not the shared one), stopped with a keep-alive connection open.
  server::ServeOptions o;
  o.port = 0;
  server::Explorer e(o);
  e.bind();
  bool ok = false;
  std::thread t([&] { ok = e.run(); });
  httplib::Client c("127.0.0.1", e.port());
  c.set_keep_alive(true);
  auto res = c.Get("/api");
  ASSERT_TRUE(res);
  const auto start = std::chrono::steady_clock::now();
  e.stop();
  t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(ok);
  EXPECT_LT(seconds, 4.0);
  e.stop();  // again: harmless
}

TEST(ExplorerHttp, StopBeforeRunReturnsAtOnce) {
  server::ServeOptions o;
  o.port = 0;
  server::Explorer e(o);
  e.bind();
  e.stop();
  EXPECT_TRUE(e.run());
}

TEST(ExplorerHttp, Loopback) {
  EXPECT_TRUE(server::is_loopback("127.0.0.1"));
  EXPECT_TRUE(server::is_loopback("127.1.2.3"));
  EXPECT_TRUE(server::is_loopback("localhost"));
  EXPECT_TRUE(server::is_loopback("::1"));
  EXPECT_FALSE(server::is_loopback("0.0.0.0"));
  EXPECT_FALSE(server::is_loopback("192.168.1.10"));
  EXPECT_FALSE(server::is_loopback("example.org"));
}

// ---- hostile and slow clients (issue 12, item 6) -----------------------------------------

// A TCP connection to 127.0.0.1:port, or -1.
int connect_loopback(int port) {
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(sock);
    return -1;
  }
  return sock;
}

// Everything the server sends until it closes the connection (at most `seconds`); `closed`
// says whether it did.
std::string read_until_closed(int sock, double seconds, bool* closed = nullptr) {
  std::string got;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  if (closed) *closed = false;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{sock, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(sock, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

void send_text(int sock, const std::string& text) { (void)::send(sock, text.data(), text.size(), MSG_NOSIGNAL); }

// An explorer of its own on a free port, served by a thread, stopped at the end.
class OwnServer {
 public:
  static server::ServeOptions any_port(server::ServeOptions o) {
    o.port = 0;
    return o;
  }
  explicit OwnServer(server::ServeOptions o) : e_(any_port(std::move(o))) {
    e_.bind();
    t_ = std::thread([this] { e_.run(); });
  }
  ~OwnServer() {
    e_.stop();
    t_.join();
  }
  int port() const { return e_.port(); }

 private:
  server::Explorer e_;
  std::thread t_;
};

// Slow clients hold at most a few of the pool's threads: 16 connections that say nothing or
// send half a request (more than the 4 request threads of before, which then stalled every
// other client) do not keep a client with a 3 s timeout from its answer.
TEST(ExplorerHttp, SlowClientsDoNotStarveOthers) {
  OwnServer srv(server::ServeOptions{});
  std::vector<int> slow;
  for (int i = 0; i < 16; ++i) {
    const int sock = connect_loopback(srv.port());
    ASSERT_GE(sock, 0);
    if (i % 2) send_text(sock, "GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // never finished
    slow.push_back(sock);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the slow ones are in first
  httplib::Client c("127.0.0.1", srv.port());
  c.set_connection_timeout(3);
  c.set_read_timeout(3);
  auto res = c.Get("/api/dose?mg=2");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  for (int sock : slow) ::close(sock);
}

// A request whose headers trickle in is cut off at the request deadline (here 1 s), however
// steadily bytes keep coming; a connection that stays silent is closed after the idle time.
TEST(ExplorerHttp, TricklingAndIdleClientsAreCutOff) {
  server::ServeOptions o;
  o.request_seconds = 1;
  o.idle_seconds = 0.5;
  o.connections = 2;
  OwnServer srv(o);
  const int idle = connect_loopback(srv.port());
  const int trickle = connect_loopback(srv.port());
  ASSERT_GE(idle, 0);
  ASSERT_GE(trickle, 0);
  send_text(trickle, "GET /api HTTP/1.1\r\n");
  bool closed = false;
  std::string got;
  for (int i = 0; i < 40 && !closed; ++i) {  // one header byte every 100 ms, for up to 4 s
    send_text(trickle, "X");
    got += read_until_closed(trickle, 0.1, &closed);
  }
  EXPECT_TRUE(closed) << "a request trickling in for 4 s was not cut off at its 1 s deadline";
  EXPECT_EQ(got.find("200 OK"), std::string::npos) << got;
  read_until_closed(idle, 3, &closed);
  EXPECT_TRUE(closed) << "a silent connection was kept open";
  ::close(idle);
  ::close(trickle);
  // with both pool threads free again, a client is served
  httplib::Client c("127.0.0.1", srv.port());
  c.set_read_timeout(5);
  auto res = c.Get("/api");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

// A request is bounded in bytes, not only in time: httplib limits each header line (8 KB)
// and the body (64 KB) but not the number of header lines, so a client sending headers for
// the whole deadline made the server hold tens of megabytes. Past 256 KB the connection is
// closed, long before the (here 30 s) deadline.
TEST(ExplorerHttp, AnEndlessHeaderIsCutOffBySize) {
  server::ServeOptions o;
  o.request_seconds = 30;
  OwnServer srv(o);
  const int sock = connect_loopback(srv.port());
  ASSERT_GE(sock, 0);
  send_text(sock, "GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  const std::string line = "X-Filler: " + std::string(4000, 'a') + "\r\n";
  std::size_t sent = 0;
  while (sent < 4 * 1024 * 1024) {  // 4 MB of headers, or until the server shuts the door
    pollfd p{sock, POLLOUT, 0};
    if (::poll(&p, 1, 2000) <= 0 || (p.revents & (POLLERR | POLLHUP))) break;
    const ssize_t n = ::send(sock, line.data(), line.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  bool closed = false;
  const std::string answer = read_until_closed(sock, 3, &closed);
  ::close(sock);
  EXPECT_TRUE(closed) << "the server still reads a request after " << sent << " bytes of headers";
  EXPECT_LT(sent, 4u * 1024 * 1024) << "4 MB of headers were read";
  EXPECT_EQ(answer.find("200 OK"), std::string::npos) << answer.substr(0, 200);
  // and the server goes on serving
  httplib::Client c("127.0.0.1", srv.port());
  c.set_read_timeout(5);
  auto res = c.Get("/api");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(ExplorerHttp, TwoHostHeadersAreRefused) {
  const int sock = connect_loopback(running().port());
  ASSERT_GE(sock, 0);
  send_text(sock, "GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n");
  const std::string answer = read_until_closed(sock, 10);
  ::close(sock);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("2 Host headers"), std::string::npos) << answer;
}

// A second explorer cannot bind the port of a running one (httplib's SO_REUSEPORT let it,
// and the two then shared the connections).
TEST(ExplorerHttp, ASecondServerCannotShareThePort) {
  server::ServeOptions o;
  o.port = running().port();
  server::Explorer second(o);
  try {
    second.bind();
    ADD_FAILURE() << "a second explorer bound port " << o.port;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("already in use"), std::string::npos) << e.what();
  }
}

// ---- the ldnsim serve command -------------------------------------------------------------

TEST(ServeCommand, AnnouncesStopsOnSignalsAndExitsZero) {
  for (int sig : {SIGTERM, SIGINT}) {
    ServeProcess p({"serve", "--port", "0", "--json"});
    auto line = p.first_line(30);
    ASSERT_TRUE(line) << p.err();
    auto j = json::parse(*line);
    EXPECT_EQ(j["command"], "serve");
    EXPECT_EQ(j["ldnsim_version"], LDNSIM_VERSION);
    const int port = j["results"]["port"].get<int>();
    EXPECT_GT(port, 0);
    EXPECT_EQ(j["results"]["url"], "http://127.0.0.1:" + std::to_string(port) + "/");
    EXPECT_EQ(j["results"]["loopback_only"], true);
    EXPECT_NE(p.err().find("http://127.0.0.1:" + std::to_string(port) + "/"), std::string::npos) << p.err();
    EXPECT_NE(p.err().find("only this computer"), std::string::npos) << p.err();

    httplib::Client c("127.0.0.1", port);
    auto res = c.Get("/api/dose?mg=3");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);

    p.signal(sig);
    auto status = p.wait(10);
    ASSERT_TRUE(status) << "ldnsim serve did not stop within 10 s of signal " << sig;
    EXPECT_EQ(*status, 0) << p.err();
    EXPECT_NE(p.err().find(sig == SIGTERM ? "stopped (SIGTERM)" : "stopped (SIGINT)"), std::string::npos) << p.err();
  }
}

TEST(ServeCommand, PortInUseIsAClearError) {
  // Hold a listening socket on a free port of 127.0.0.1.
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(sock, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));

  Scratch s;
  RunResult r = s.run({"serve", "--port", port});
  ::close(sock);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("already in use"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--port"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ServeCommand, ASecondServeOnTheSamePortExitsWith2) {
  ServeProcess first({"serve", "--port", "0", "--json", "-q"});
  auto line = first.first_line(30);
  ASSERT_TRUE(line) << first.err();
  const std::string port = std::to_string(json::parse(*line)["results"]["port"].get<int>());
  ServeProcess second({"serve", "--port", port});
  auto status = second.wait(30);
  ASSERT_TRUE(status) << "a second ldnsim serve is listening on port " << port << " beside the first";
  EXPECT_EQ(*status, 2) << second.err();
  EXPECT_NE(second.err().find("cannot listen on 127.0.0.1:" + port), std::string::npos) << second.err();
  EXPECT_NE(second.err().find("already in use"), std::string::npos) << second.err();
  first.signal(SIGTERM);
  EXPECT_TRUE(first.wait(10));
}

TEST(ServeCommand, BadOptionsAreUsageErrors) {
  Scratch s;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"serve", "--port", "70000"}, {"serve", "--port", "-5"}, {"serve", "--port", "http"}}) {
    RunResult r = s.run(args);
    EXPECT_EQ(r.code, 2) << args[2];
    EXPECT_NE(r.err.find("--port"), std::string::npos) << r.err;
  }
  // An address that is not this computer's (TEST-NET-3: binding fails, nothing is sent).
  RunResult r = s.run({"serve", "--host", "203.0.113.7", "--port", "0"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("not an address of this computer"), std::string::npos) << r.err;
  RunResult m = s.run({"serve", "--model", "/nowhere.ldn", "--port", "0"});
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("/nowhere.ldn"), std::string::npos) << m.err;
}

// Whether a process is gone (or a zombie nobody reaps, as under a container's init).
bool gone(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

// --exit-with-parent: the server ends when the process that started it is killed.
TEST(ServeCommand, ExitsWithItsParent) {
  Scratch s;
  const std::string announce = s.path("serve.json");
  // sh starts the server in the background, prints its pid and waits for it
  ServeProcess sh({"-c", "\"$0\" serve --port 0 --exit-with-parent --json -q > \"$1\" & echo $!; wait", LDNSIM_BINARY,
                   announce},
                  "/bin/sh");
  auto line = sh.first_line(10);
  ASSERT_TRUE(line) << sh.err();
  const pid_t server = static_cast<pid_t>(std::stol(*line));
  // listening (it announced its port), so past the start-up checks
  for (int i = 0; i < 300 && s.read("serve.json").find('\n') == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_NE(s.read("serve.json").find("\"port\""), std::string::npos) << sh.err();
  ASSERT_FALSE(gone(server));
  sh.signal(SIGKILL);
  ASSERT_TRUE(sh.wait(5));
  bool ended = false;
  for (int i = 0; i < 100 && !(ended = gone(server)); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!ended) ::kill(server, SIGKILL);  // never leave it behind
  EXPECT_TRUE(ended) << "ldnsim serve " << server << " outlived the process that started it";
}

TEST(ServeCommand, Help) {
  Scratch s;
  RunResult r = s.run({"serve", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* o : {"--port", "--host", "--model", "--json", "--exit-with-parent", "SIGTERM"})
    EXPECT_NE(r.out.find(o), std::string::npos) << o;
}

}  // namespace
}  // namespace ldnsim::test
