// Self-contained HTML reports: text, tables and Vega-Lite charts in one file that opens
// offline in any browser. The Vega, Vega-Lite and Vega-Embed libraries (installed from the
// npm registry by the set-up script, under report/node_modules) are inlined into the page.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ldnsim::report {

enum class Tone { Info, Caution, Warning };

class Html {
 public:
  explicit Html(std::string title, std::string subtitle = "");

  void heading(const std::string& text, int level = 2);
  void paragraph(const std::string& text);  // plain text; escaped
  // A highlighted box, e.g. "the evidence for this number is weak".
  void callout(const std::string& text, Tone tone = Tone::Caution);
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
             const std::string& caption = "");
  // A Vega-Lite specification with its data inlined (`data.values`). Each chart gets a
  // stable element id (chart-1, chart-2, ...) that browser tests look for.
  void chart(const nlohmann::json& vega_lite_spec, const std::string& caption = "");

  // The whole page. Throws InputError if the JavaScript libraries cannot be found (the
  // message says how to install them).
  std::string render() const;
  // Writes render() atomically.
  void write(const std::string& path) const;

  // Machine-readable twin of the page (title, sections, tables, chart data), for --json.
  const nlohmann::json& document() const { return doc_; }

 private:
  std::string title_, subtitle_;
  std::string body_;
  int charts_ = 0;
  nlohmann::json doc_;
};

// Builds a Vega-Lite layered line chart from long-format rows: each row is an object with
// fields x, y and (optionally) series and band_low/band_high for a shaded interval.
nlohmann::json line_chart(const nlohmann::json& rows, const std::string& x_title, const std::string& y_title,
                          const std::string& title = "");

}  // namespace ldnsim::report
