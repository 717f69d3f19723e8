// Writes the page the headless-browser test opens: a report with every kind of chart the
// report layer draws, on synthetic data, plus expect.json listing for each chart the rows
// it holds and the marks (lines, areas, points, rules, rectangles) it must show.
//
//   report_browser_page OUTPUT_DIR   ->  OUTPUT_DIR/report.html, OUTPUT_DIR/expect.json

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/report/html.hpp"

using nlohmann::json;
namespace rp = ldnsim::report;

namespace {

// Oral one-compartment concentration (ng/mL) after a dose in mg.
double concentration(double dose_mg, double t_h) {
  const double ka = 1.1, k = 0.17, v_l = 120.0;
  return dose_mg * 1000.0 * ka / (v_l * (ka - k)) * (std::exp(-k * t_h) - std::exp(-ka * t_h));
}

json expectation(const std::string& id, std::size_t rows, json marks) {
  return {{"id", id}, {"rows", rows}, {"marks", std::move(marks)}};
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::path dir(argv[1]);
  std::filesystem::create_directories(dir);

  rp::Html page("ldnsim report rendering test", "Synthetic data for the headless-browser test <not results>");
  json expected = json::array();

  page.heading("About this page");
  page.paragraph("Every number on this page is made up to exercise the report layer; none is a result. "
                 "Text such as <script>alert('x')</script> & \"quotes\" must appear as written.");
  page.callout("Informational note: the charts below are drawn offline from data inlined in this file.", rp::Tone::Info);
  page.callout("Caution: a callout like this one tells readers that the evidence for a number is weak.",
               rp::Tone::Caution);
  page.callout("Warning: a callout like this one flags a result that must not be used clinically.",
               rp::Tone::Warning);

  page.heading("Concentrations");
  json rows = json::array();
  for (double dose : {1.5, 3.0, 4.5})
    for (int t = 0; t <= 24; ++t) {
      double c = concentration(dose, t);
      rows.push_back({{"x", t}, {"y", c}, {"series", std::to_string(dose).substr(0, 3) + " mg"},
                      {"band_low", 0.7 * c}, {"band_high", 1.35 * c}});
    }
  page.chart(rp::line_chart(rows, "Time after dose (h)", "Naltrexone (ng/mL)", "Plasma naltrexone by dose"),
             "Median and 90% interval of simulated plasma naltrexone after one evening dose.");
  expected.push_back(expectation("chart-1", rows.size(), {{"area", 3}, {"line", 3}, {"symbol", rows.size()}}));

  page.heading("Single series on an ordinal axis", 3);
  json visits = json::array();
  const char* weeks[] = {"Week 0", "Week 4", "Week 8", "Week 12", "Week 16", "Week 24"};
  for (int i = 0; i < 6; ++i) visits.push_back({{"x", weeks[i]}, {"y", 3.5 - 0.05 * i + 0.02 * (i % 2)}});
  page.chart(rp::line_chart(visits, "Visit", "EDSS"), "A caption with <markup> & \"quotes\" stays text.");
  expected.push_back(expectation("chart-2", visits.size(), {{"line", 1}, {"symbol", visits.size()}}));

  page.heading("Published and simulated estimates");
  json forest = json::array();
  const char* labels[] = {"Study A: fatigue", "Study B: mental quality of life", "Study C: relapse rate",
                          "Study D: pain"};
  const double published[][3] = {{0.82, 0.61, 1.10}, {1.18, 0.95, 1.47}, {0.91, 0.55, 1.50}, {0.75, 0.0, 0.0}};
  std::size_t intervals = 0;
  for (int i = 0; i < 4; ++i) {
    json p = {{"label", labels[i]}, {"source", "Published"}, {"estimate", published[i][0]}, {"note", "synthetic"}};
    if (published[i][1] > 0) {
      p["low"] = published[i][1];
      p["high"] = published[i][2];
      ++intervals;
    }
    forest.push_back(p);
    forest.push_back({{"label", labels[i]}, {"source", "Simulated"}, {"estimate", published[i][0] * 1.04},
                      {"low", published[i][0] * 0.85}, {"high", published[i][0] * 1.25}});
    ++intervals;
  }
  page.chart(rp::forest_plot(forest, "Ratio (log scale)", "Published vs simulated", 1.0, true),
             "Synthetic ratios with 95% intervals; one published estimate has no interval.");
  expected.push_back(
      expectation("chart-3", forest.size(), {{"rule", intervals + 1}, {"symbol", forest.size()}}));
  page.callout("The published estimates for studies C and D rest on small samples.", rp::Tone::Caution);

  page.heading("Responder rates");
  json bars = json::array();
  for (const char* arm : {"Placebo", "LDN 4.5 mg"})
    for (int i = 0; i < 3; ++i) {
      double v = (arm[0] == 'P' ? 0.2 : 0.3) + 0.05 * i;
      bars.push_back({{"category", std::string("Month ") + std::to_string(3 * (i + 1))}, {"series", arm}, {"value", v},
                      {"low", v - 0.08}, {"high", v + 0.08}});
    }
  page.chart(rp::interval_chart(bars, "Time on treatment", "Responders (fraction)", "Responders by arm",
                                rp::IntervalMark::Bar));
  expected.push_back(expectation("chart-4", bars.size(), {{"rect", 3 * bars.size()}, {"rule", bars.size()}}));

  json points = json::array();
  for (int i = 0; i < 4; ++i) {
    json r = {{"category", std::string("Group ") + static_cast<char>('A' + i)}, {"value", 10.0 + 2.5 * i}};
    if (i != 2) r["low"] = 8.0 + 2.5 * i, r["high"] = 12.5 + 2.5 * i;
    points.push_back(r);
  }
  page.chart(rp::interval_chart(points, "Group", "Change in score", "Points with error bars"));
  expected.push_back(expectation("chart-5", points.size(), {{"symbol", 4}, {"rule", 3}, {"rect", 6}}));

  page.heading("Power", 2);
  json power = json::array();
  for (double effect : {0.3, 0.5})
    for (int n = 20; n <= 200; n += 20) {
      double p = 1.0 / (1.0 + std::exp(-(effect * std::sqrt(n / 2.0) - 1.96) * 1.7));
      power.push_back({{"x", n}, {"y", p}, {"series", "effect size " + std::to_string(effect).substr(0, 3)},
                       {"band_low", std::max(0.0, p - 0.03)}, {"band_high", std::min(1.0, p + 0.03)}});
    }
  page.chart(rp::power_curve(power, "Subjects per arm", "Power of a two-arm trial"),
             "Monte-Carlo power with 95% intervals; dashed line: 80% target.");
  expected.push_back(expectation("chart-6", power.size(),
                                 {{"rule", 1}, {"area", 2}, {"line", 2}, {"symbol", power.size()}}));

  page.heading("A table", 3);
  page.table({"Dose", "Cmax (ng/mL)", "Note"},
             {{"1.5 mg", "1.2", "<b>not bold</b>"}, {"3 mg", "2.4", ""}, {"4.5 mg", "3.6", "usual dose"}},
             "Synthetic peak concentrations");

  page.write((dir / "report.html").string());
  ldnsim::write_file_atomically((dir / "expect.json").string(), json{{"charts", expected}}.dump(2) + "\n");
  std::printf("wrote %s with %zu charts\n", (dir / "report.html").c_str(), expected.size());
  return 0;
} catch (const ldnsim::Error& e) {
  std::fprintf(stderr, "report_browser_page: %s\n", e.what());
  return 1;
}
