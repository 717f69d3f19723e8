#include "ldnsim/server/explorer.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <httplib.h>
#include <thread>

#include "ldnsim/core/argument_error.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/server/json_output.hpp"

namespace ldnsim::server {

using nlohmann::ordered_json;

namespace {

constexpr const char* kJson = "application/json; charset=utf-8";

void send_json(httplib::Response& res, int status, const ordered_json& body) {
  res.status = status;
  res.set_content(json_output::dump(body), kJson);
}

ordered_json error_body(const std::string& message) {
  ordered_json j;
  j["command"] = "serve";
  j["ldnsim_version"] = std::string(json_output::version());
  j["error"] = message;
  return j;
}

// Why binding host:port fails, found by trying it ourselves (httplib only says that it did).
std::string bind_failure(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return "'" + host + "' is not an address of this computer (" + ::gai_strerror(rc) + ")";
  std::string reason = "the address could not be bound";
  for (addrinfo* a = found; a; a = a->ai_next) {
    int sock = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (sock < 0) continue;
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const int rc = ::bind(sock, a->ai_addr, a->ai_addrlen);
    const int err = errno;
    ::close(sock);
    if (rc == 0) continue;
    if (err == EADDRINUSE)
      reason = "port " + service + " is already in use (another program, perhaps another ldnsim serve, listens on it)";
    else if (err == EACCES)
      reason = "permission denied (ports below 1024 need administrator rights)";
    else if (err == EADDRNOTAVAIL)
      reason = "'" + host + "' is not an address of this computer";
    else
      reason = std::strerror(err);
    break;
  }
  ::freeaddrinfo(found);
  return reason;
}

// The host name of a Host header: "127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "::1".
std::string host_name(const std::string& header) {
  if (!header.empty() && header.front() == '[') {
    auto close = header.find(']');
    return close == std::string::npos ? header : header.substr(1, close - 1);
  }
  auto colon = header.rfind(':');
  return colon == std::string::npos ? header : header.substr(0, colon);
}

using Clock = std::chrono::steady_clock;

int millis_until(Clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 1 << 30));
}

// Waits until `sock` can be read (or written), at most until `until`, waking every 50 ms to
// see whether `stop` holds. Returns true when it can.
bool wait_socket(int sock, short events, Clock::time_point until, const std::function<bool()>& stop) {
  while (!stop()) {
    const int left = millis_until(until);
    pollfd p{sock, events, 0};
    const int rc = ::poll(&p, 1, std::min(left, 50));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
    if (left == 0) return false;
  }
  return false;
}

// The connection's stream for httplib's request parser, with a deadline: every read must
// end by the request's deadline (the request line and headers of a request must arrive in
// time, however slowly they trickle in), every write by the answer's. A request may also
// read at most kMaxRequestBytes: httplib limits each header line and the body, not the
// number of header lines, so a client sending headers for the whole deadline made the
// server hold tens of megabytes per connection.
constexpr std::size_t kMaxRequestBytes = 256 * 1024;

class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int sock, std::function<bool()> stop) : sock_(sock), stop_(std::move(stop)) {}
  // A new request: its deadline, and its byte budget starts again.
  void begin_request(Clock::time_point deadline) {
    deadline_ = deadline;
    given_ = 0;
  }

  bool is_readable() const override { return wait_socket(sock_, POLLIN, deadline_, stop_); }
  bool is_writable() const override { return wait_socket(sock_, POLLOUT, deadline_, stop_); }

  ssize_t read(char* ptr, size_t size) override {
    if (given_ >= kMaxRequestBytes) return -1;  // too large: the connection is closed
    const ssize_t n = read_some(ptr, std::min(size, kMaxRequestBytes - given_));
    if (n > 0) given_ += static_cast<std::size_t>(n);
    return n;
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(::getsockname, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t read_some(char* ptr, std::size_t size) {
    // Buffered like httplib's SocketStream: its line reader asks for one byte at a time.
    if (offset_ < filled_) {
      const std::size_t n = std::min(size, filled_ - offset_);
      std::memcpy(ptr, buffer_.data() + offset_, n);
      offset_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!is_readable()) return -1;
    if (size >= buffer_.size()) return recv_some(ptr, size);
    const ssize_t got = recv_some(buffer_.data(), buffer_.size());
    if (got <= 0) return got;
    filled_ = static_cast<std::size_t>(got);
    offset_ = std::min(size, filled_);
    std::memcpy(ptr, buffer_.data(), offset_);
    return static_cast<ssize_t>(offset_);
  }
  ssize_t recv_some(char* ptr, std::size_t size) {
    ssize_t n;
    do n = ::recv(sock_, ptr, size, 0);
    while (n < 0 && errno == EINTR);
    return n;
  }
  void address(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (get(sock_, reinterpret_cast<sockaddr*>(&a), &len) != 0) return;
    std::array<char, NI_MAXHOST> host{};
    std::array<char, NI_MAXSERV> serv{};
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&a), len, host.data(), host.size(), serv.data(), serv.size(),
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0)
      return;
    ip = host.data();
    port = std::atoi(serv.data());
  }

  int sock_;
  std::function<bool()> stop_;
  Clock::time_point deadline_ = Clock::now();
  std::array<char, 4096> buffer_{};
  std::size_t offset_ = 0, filled_ = 0;
  std::size_t given_ = 0;  // bytes of this request handed to the parser
};

// httplib's server with ldnsim's connection handling: httplib gives a connection to one
// pool thread until the client closes it, and waits up to its read timeout for *each* read,
// so a client that connects and says nothing, or sends its request a byte at a time, holds
// a thread indefinitely; a handful of them stalled every other client. Here a connection
// waits at most `idle` for a request to begin and `request` for its line and headers to
// arrive, and the answer must be written within `request` too.
class HttpServer final : public httplib::Server {
 public:
  HttpServer(double request_seconds, double idle_seconds)
      : request_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(request_seconds))),
        idle_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(idle_seconds))) {
    // httplib's default also sets SO_REUSEPORT, which let a second `ldnsim serve` bind the
    // same port beside a running one (and share its connections). SO_REUSEADDR only lets a
    // restarted server bind while old connections linger in TIME_WAIT.
    set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    const auto stopping = [this] { return svr_sock_ == INVALID_SOCKET; };
    DeadlineStream stream(sock, stopping);
    bool ok = false;
    for (std::size_t count = keep_alive_max_count_; count > 0 && !stopping(); --count) {
      if (!wait_socket(sock, POLLIN, Clock::now() + idle_, stopping)) break;  // idle: close
      stream.begin_request(Clock::now() + request_);
      bool closed = false;
      ok = process_request(stream, count == 1, closed, nullptr);
      if (!ok || closed) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  Clock::duration request_, idle_;
};

}  // namespace

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "ip6-localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

struct Explorer::Impl {
  ServeOptions options;
  DoseExplorer doses;
  std::string page;
  HttpServer server;
  int port = -1;
  std::atomic<bool> stopping{false}, entered{false}, returned{false};

  explicit Impl(ServeOptions o)
      : options(std::move(o)), doses(options.model), server(options.request_seconds, options.idle_seconds) {
    page = explorer_page(doses.model_name(), options.node_modules);
    doses.dose(DoseQuery{});  // the page's first request, and a check that the model runs
    routes();
  }

  // With a loopback address, requests must name it: a web page elsewhere cannot reach this
  // server through a DNS name that it points at 127.0.0.1 (DNS rebinding).
  bool host_allowed(const httplib::Request& req) const {
    if (!is_loopback(options.host)) return true;
    if (!req.has_header("Host")) return true;
    const std::string name = host_name(req.get_header_value("Host"));
    return is_loopback(name) || name == options.host;
  }

  void routes() {
    const int threads = std::max(1, options.connections);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
    server.set_payload_max_length(64 * 1024);
    server.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                                {"Referrer-Policy", "no-referrer"},
                                {"Cache-Control", "no-store"}});

    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      // Two Host headers: which one names the server is ambiguous (RFC 9112 3.2: 400), and
      // a proxy and this server could each read a different one.
      if (req.get_header_value_count("Host") > 1) {
        send_json(res, 400, error_body("the request has " + std::to_string(req.get_header_value_count("Host")) +
                                       " Host headers; expected one"));
        return httplib::Server::HandlerResponse::Handled;
      }
      if (host_allowed(req)) return httplib::Server::HandlerResponse::Unhandled;
      send_json(res, 403,
                error_body("this explorer answers only requests addressed to " + url() + " (Host '" +
                           printable(req.get_header_value("Host"), 80) + "' refused)"));
      return httplib::Server::HandlerResponse::Handled;
    });

    server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy", std::string(kExplorerContentSecurityPolicy) + "; frame-ancestors 'none'");
      res.set_content(page, "text/html; charset=utf-8");
    });
    server.Get("/api", [](const httplib::Request&, httplib::Response& res) { send_json(res, 200, api_index()); });
    server.Get("/api/dose", [this](const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      DoseQuery q;
      try {
        q = parse_dose_query(req.params);
      } catch (const BadRequest& e) {
        ordered_json body = error_body(e.what());
        body["parameter"] = e.parameter();
        body["value"] = e.value();
        body["expected"] = e.expected();
        send_json(res, 400, body);
        return;
      }
      bool cached = false;
      auto text = doses.dose(q, &cached);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      char timing[64];
      std::snprintf(timing, sizeof timing, "%s;dur=%.1f", cached ? "cache" : "compute", ms);
      res.set_header("Server-Timing", timing);
      res.set_content(*text, kJson);
    });
    auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", "GET, HEAD");
      send_json(res, 405, error_body(printable(req.method, 20) + " " + printable(req.path, 80) +
                                     ": the explorer only answers GET (and HEAD)"));
    };
    server.Post(".*", not_allowed);
    server.Put(".*", not_allowed);
    server.Patch(".*", not_allowed);
    server.Delete(".*", not_allowed);
    server.Options(".*", not_allowed);

    // 404 and other errors without a body of their own get a JSON one.
    server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const auto& m = req.method;
      if (m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE" || m == "OPTIONS") {
        // httplib refuses a POST, PUT or PATCH without a body (400) before routing it
        res.set_header("Allow", "GET, HEAD");
        send_json(res, 405, error_body(printable(req.method, 20) + " " + printable(req.path, 80) +
                                       ": the explorer only answers GET (and HEAD)"));
      } else if (res.status == 404)
        send_json(res, 404, error_body("no such page: " + printable(req.path, 80) +
                                       " (the explorer has /, /api and /api/dose)"));
      else
        send_json(res, res.status, error_body("the request could not be served (HTTP " + std::to_string(res.status) + ")"));
      return httplib::Server::HandlerResponse::Handled;
    }));
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string message = "internal error";
      int status = 500;
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const UsageError& e) {
        status = 400;
        message = e.what();
      } catch (const SolverError& e) {
        message = std::string("the simulation failed: ") + e.what();
      } catch (const std::exception& e) {
        message = std::string("internal error: ") + e.what();
      } catch (...) {
      }
      send_json(res, status, error_body(message));
    });
  }

  std::string url() const {
    const std::string& h = options.host;
    const bool v6 = h.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + h + "]" : h) + ":" + std::to_string(port) + "/";
  }
};

Explorer::Explorer(ServeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Explorer::~Explorer() { stop(); }

void Explorer::bind() {
  const auto& o = impl_->options;
  if (o.port < 0 || o.port > 65535)
    throw ArgumentError("port", " " + std::to_string(o.port) + ": expected a port number in 1-65535 (or 0 for any free port)");
  if (o.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(o.host);
    if (impl_->port < 0)
      throw InputError("cannot listen on " + o.host + ": " + bind_failure(o.host, 0));
  } else {
    if (!impl_->server.bind_to_port(o.host, o.port))
      throw InputError("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + bind_failure(o.host, o.port) +
                       "; choose another port (0: any free port)");
    impl_->port = o.port;
  }
}

bool Explorer::run() {
  if (impl_->port < 0) bind();
  impl_->entered = true;
  bool ok = true;
  if (!impl_->stopping) ok = impl_->server.listen_after_bind();
  impl_->returned = true;
  return ok || impl_->stopping;
}

void Explorer::stop() {
  impl_->stopping = true;
  if (!impl_->entered) return;  // run() has not started: it will see `stopping`
  // run() may be between its check of `stopping` and httplib's loop: wait for the loop.
  for (int i = 0; i < 2000 && !impl_->server.is_running() && !impl_->returned; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->server.stop();
}

int Explorer::port() const { return impl_->port; }
std::string Explorer::url() const { return impl_->url(); }
DoseExplorer& Explorer::doses() { return impl_->doses; }

}  // namespace ldnsim::server
