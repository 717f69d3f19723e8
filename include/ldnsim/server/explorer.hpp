// The local explorer behind `ldnsim serve`: an HTTP server on this computer (127.0.0.1 by
// default) with one self-contained page, where dose, time, salt/base and missed doses are
// moved and the 24-h steady-state cycle and its figures are redrawn, and the JSON API the
// page calls. See docs/explorer.md.
//
//   GET /                       the page (HTML; the Vega libraries inlined)
//   GET /api                    the endpoints and their parameters (JSON)
//   GET /api/dose?mg=4.5&at=22:00&form=hcl&missed=0
//                               the cycle and its figures (JSON; 400 with a message
//                               naming the parameter for a bad value)
//   anything else               404 (JSON); methods other than GET/HEAD: 405
#pragma once

#include <memory>
#include <string>

#include "ldnsim/server/dose_api.hpp"

namespace ldnsim::server {

// What the page may load and where it may connect: nothing but itself. In the page's
// <meta> element; the HTTP header adds "frame-ancestors 'none'" (ignored in a <meta>).
inline constexpr const char* kExplorerContentSecurityPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'";

// The page, with the Vega libraries read from `node_modules_dir` (default: report/node_modules
// found with ldnsim::find_resource). Throws InputError saying how to install them.
std::string explorer_page(const std::string& model_name, const std::string& node_modules_dir = "");

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;            // 0: any free port (see Explorer::port())
  std::string model = "human";
  std::string node_modules;   // where the chart libraries are (default: found)
  // Connections are served by a pool of `connections` threads. A slow or silent client
  // holds one for at most `request_seconds` per request (the request line and headers must
  // have arrived by then) or `idle_seconds` between requests, so a few of them cannot starve
  // the others.
  int connections = 32;
  double request_seconds = 5;
  double idle_seconds = 2;
};

// True for addresses only this computer can reach: 127.0.0.0/8, ::1, "localhost".
bool is_loopback(const std::string& host);

class Explorer {
 public:
  // Loads the model, builds the page and computes the default regimen (so the first
  // request is answered at once and a broken installation fails before listening).
  explicit Explorer(ServeOptions options);
  ~Explorer();
  Explorer(const Explorer&) = delete;
  Explorer& operator=(const Explorer&) = delete;

  // Binds the listening socket. Throws InputError naming the address and the reason (the
  // port is in use, the address is not on this computer, permission denied).
  void bind();
  // Serves until stop(); returns false if the server stopped because of an error.
  bool run();
  // Stops run() (from any thread; not from a signal handler). Safe to call more than once.
  void stop();

  int port() const;        // the bound port (after bind())
  std::string url() const; // http://HOST:PORT/
  DoseExplorer& doses();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ldnsim::server
