// Pages the generic browser checker (report/check-html.mjs) must reject, so that its
// passing on real reports means something:
//   empty.html   a chart whose data is empty: an SVG with axes but no data marks
//   broken.html  a chart vega-embed cannot draw (an unknown mark type): an error
//
//   server_broken_pages OUTPUT_DIR
#include <cstdio>
#include <filesystem>

#include "ldnsim/core/error.hpp"
#include "ldnsim/report/html.hpp"

namespace rp = ldnsim::report;

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir(argv[1]);
  std::filesystem::create_directories(dir);

  rp::Html empty("a report with an empty chart");
  empty.chart(rp::line_chart(nlohmann::json::array(), "x", "y", "no data"));
  empty.write((dir / "empty.html").string());

  rp::Html broken("a report with a chart that cannot be drawn");
  nlohmann::json spec = rp::line_chart({{{"x", 1}, {"y", 2}}, {{"x", 2}, {"y", 3}}}, "x", "y", "broken");
  spec["layer"][0]["mark"] = "no-such-mark";
  broken.chart(spec);
  broken.write((dir / "broken.html").string());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "server_broken_pages: %s\n", e.what());
  return 1;
}
