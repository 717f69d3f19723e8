// Self-contained HTML reports: text, tables and Vega-Lite charts in one file that opens
// offline in any browser. The Vega, Vega-Lite and Vega-Embed libraries (installed from the
// npm registry by the set-up script, under report/node_modules) are inlined into the page.
//
// The page makes no network request of any kind: styles and scripts are inline, there are
// no web fonts, chart data must be inline (`data.values`), and a Content-Security-Policy
// forbids everything else. Rendering is deterministic: the same calls give the same bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ldnsim::report {

enum class Tone { Info, Caution, Warning };

// The command, run in the ldnsim source directory, that installs the chart libraries.
inline constexpr const char* kInstallCommand = "npm ci --prefix report";
// The Vega-Lite schema the chart helpers write (the major version of the pinned library;
// the helpers use only features that Vega-Lite 5 has as well).
inline constexpr const char* kVegaLiteSchema = "https://vega.github.io/schema/vega-lite/v6.json";

class Html {
 public:
  explicit Html(std::string title, std::string subtitle = "");

  // Starts a section. Levels 2 (section), 3 and 4 (subsections) appear in the table of
  // contents; other levels are clamped into 2..4 (the page title is the only level 1).
  // Each heading gets the element id sec-1, sec-2, ...
  void heading(const std::string& text, int level = 2);
  void paragraph(const std::string& text);  // plain text; escaped
  // A highlighted box, e.g. "the evidence for this number is weak".
  void callout(const std::string& text, Tone tone = Tone::Caution);
  // Throws InputError if a row has a different number of cells than the header. Columns
  // whose cells are all numbers (or empty) are right-aligned.
  // Cells of `badge_columns` are drawn as badges: <span class="badge badge-SLUG">, SLUG the
  // cell text in lower case with runs of other characters as '-' (e.g. verdicts:
  // "supported", "consistent but unproven", "not supported", "contradicted", "untestable"
  // have their own colours).
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
             const std::string& caption = "", const std::vector<std::size_t>& badge_columns = {});
  // A Vega-Lite specification with its data inlined (`data.values`). Each chart gets a
  // stable element id (chart-1, chart-2, ...) that browser tests look for. Throws
  // InputError if the spec is not an object or refers to data by URL.
  void chart(const nlohmann::json& vega_lite_spec, const std::string& caption = "");

  // The whole page, with a table of contents when there are two headings or more. When
  // the page has charts the JavaScript libraries are inlined into it; throws InputError
  // if they cannot be found (the message says how to install them).
  std::string render() const;
  // Writes render() atomically.
  void write(const std::string& path) const;

  // Machine-readable twin of the page (title, sections, tables, chart data), for --json:
  //   {"title", "subtitle", "sections": [{"heading", "level", "id", "content": [...]}]}
  // where content items are {"type": "paragraph"|"callout"|"table"|"chart", ...}:
  // paragraph {text}, callout {tone: "info"|"caution"|"warning", text}, table {caption,
  // header, rows}, chart {id, caption, spec, data}. A chart's `data` holds the rows of
  // its top-level `data.values` (null if it has none), which are left out of `spec`.
  // Content before the first heading goes in a section whose heading and id are null.
  const nlohmann::json& document() const { return doc_; }

  // Reads the libraries from this node_modules directory instead of locating
  // report/node_modules with ldnsim::find_resource.
  void set_library_dir(std::string node_modules_dir) { library_dir_ = std::move(node_modules_dir); }

 private:
  std::string title_, subtitle_;
  std::string body_;
  int charts_ = 0;
  nlohmann::json doc_;
  int headings_ = 0;
  std::string library_dir_;

  nlohmann::json& current_section();
};

// Escapes text for element content and attribute values (& < > " '). Invalid UTF-8 bytes
// become U+FFFD and control characters other than tab, newline and carriage return are
// dropped, so any input yields well-formed HTML.
std::string escape_html(std::string_view text);

// Serialises JSON for a <script type="application/json"> element: `<`, `>` and `&` are
// written as \u003c, \u003e and \u0026, so no string in it can close the element.
// Invalid UTF-8 in strings becomes U+FFFD.
std::string json_for_script(const nlohmann::json& value);

// ---- Chart helpers ---------------------------------------------------------------------
// Each returns a Vega-Lite specification with its rows inlined, ready for Html::chart().
// Rows are long-format JSON objects; a missing or null optional field means "none". Each
// throws InputError if `rows` is not an array of objects with the required fields.

// Builds a Vega-Lite layered line chart from long-format rows: each row is an object with
// fields x, y and (optionally) series and band_low/band_high for a shaded interval.
// One line (and colour) per series, a translucent band where band_low and band_high are
// both given, and a tooltip per point. x is quantitative when every x is a number, else
// ordinal. `log_y` draws y on a log axis (every y and band value must be above 0), e.g. for
// concentrations of doses that differ tenfold or more, which a linear axis flattens.
// Charts fill the width of their column ("width": "container").
nlohmann::json line_chart(const nlohmann::json& rows, const std::string& x_title, const std::string& y_title,
                          const std::string& title = "", bool log_y = false);

// A forest plot comparing estimates with their intervals, e.g. published trial results
// against the simulation's. Rows: label (the row of the plot, in the given order),
// estimate, and optionally low/high (the interval), source (e.g. "Published" /
// "Simulated": rows of one label are drawn side by side, coloured and shaped by source)
// and note (shown in the tooltip, e.g. the citation). `reference` draws a dashed line at
// the value of no effect (1 for ratios, 0 for differences); `log_scale` is for ratios and
// needs every value (and the reference) above 0.
nlohmann::json forest_plot(const nlohmann::json& rows, const std::string& estimate_title,
                           const std::string& title = "", std::optional<double> reference = std::nullopt,
                           bool log_scale = false);

enum class IntervalMark { Point, Bar };

// Values per category with error bars. Rows: category (in the given order), value, and
// optionally low/high (the error bar) and series (grouped side by side within a category,
// coloured). Bars start at zero; points do not.
nlohmann::json interval_chart(const nlohmann::json& rows, const std::string& category_title,
                              const std::string& value_title, const std::string& title = "",
                              IntervalMark mark = IntervalMark::Point);

// Power against a design quantity (sample size, effect size, ...): the rows of
// line_chart, with y the power in [0, 1] and band_low/band_high its Monte-Carlo interval.
// The y axis runs from 0% to 100% and a dashed line marks `target` power.
nlohmann::json power_curve(const nlohmann::json& rows, const std::string& x_title, const std::string& title = "",
                           double target = 0.8);

// The chart libraries (Vega, Vega-Lite, Vega-Embed), each as JavaScript safe to inline in
// a <script> element (source-map comments dropped; nothing that could end the element),
// read from `node_modules` (empty: report/node_modules found with find_resource). Throws
// InputError naming the install command when one is missing.
std::vector<std::string> chart_library_code(const std::string& node_modules = "");

}  // namespace ldnsim::report
