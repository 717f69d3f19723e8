#include "ldnsim/report/html.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iterator>
#include <sstream>

#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/files.hpp"
#include "ldnsim/core/paths.hpp"

#ifndef LDNSIM_VERSION
#define LDNSIM_VERSION "unknown"
#endif

namespace ldnsim::report {

using nlohmann::json;

namespace {

// Fonts the reader already has: a report must not fetch web fonts.
constexpr const char* kFontStack =
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', "
    "'Liberation Sans', sans-serif";

// Everything inline; nothing may be fetched, not even by a chart.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; base-uri 'none'; form-action 'none'";

constexpr const char* kStyle = R"css(
:root {
  --fg: #1c2230; --muted: #586174; --rule: #d8dce4; --accent: #1f5fa8; --zebra: #f6f7f9;
  --info: #1f5fa8; --info-bg: #edf3fb; --caution: #8a5a00; --caution-line: #d99a00;
  --caution-bg: #fff6df; --warning: #b42318; --warning-bg: #fdeceb;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--fg); font-size: 16px; line-height: 1.55; }
body, .chart { font-family: FONTS; }
main { max-width: 96rem; margin: 0 auto; padding: 2.5rem clamp(1rem, 3vw, 2.5rem) 3rem; }
/* Text keeps a readable measure; tables and charts use the page's width. */
p, .subtitle, .callout, nav.toc, figcaption { max-width: 52rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .3rem; }
.subtitle { color: var(--muted); font-size: 1.1rem; margin: 0 0 1.5rem; }
h2 { font-size: 1.38rem; line-height: 1.3; margin: 2.4rem 0 .8rem; padding-bottom: .3rem;
     border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.14rem; line-height: 1.3; margin: 1.8rem 0 .6rem; }
h4 { font-size: 1rem; line-height: 1.3; margin: 1.5rem 0 .5rem; }
p { margin: .75rem 0; }
a { color: var(--accent); }
nav.toc { border: 1px solid var(--rule); border-radius: 6px; background: #fafbfc;
          padding: .8rem 1.25rem .9rem; margin: 1.5rem 0 2rem; }
.toc-title { font-size: .8rem; font-weight: 600; letter-spacing: .07em; text-transform: uppercase;
             color: var(--muted); margin: 0 0 .35rem; }
nav.toc ul { list-style: none; margin: 0; padding: 0; }
nav.toc li { margin: .15rem 0; }
nav.toc li.toc-3 { padding-left: 1.2rem; font-size: .95rem; }
nav.toc li.toc-4 { padding-left: 2.4rem; font-size: .92rem; }
nav.toc a { text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
.table-wrap { overflow-x: auto; margin: 1.2rem 0; }
/* As wide as the content needs, at most the page: long cells wrap instead of clipping. */
table { border-collapse: collapse; width: auto; min-width: min(100%, 40rem); max-width: 100%;
        font-size: .92rem; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: .45rem; }
th, td { padding: .42rem .65rem; text-align: left; vertical-align: top; border-bottom: 1px solid var(--rule);
         overflow-wrap: break-word; }
thead th { border-bottom: 2px solid #a9b0bc; font-weight: 600; }
th.num, td.num { text-align: right; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600;
         white-space: nowrap; background: #eef0f3; color: var(--fg); border: 1px solid var(--rule); }
.badge-supported { background: #e3f4e8; color: #17663a; border-color: #8ccca3; }
.badge-consistent-but-unproven { background: #fff6df; color: #7a5200; border-color: #e2b84d; }
.badge-not-supported { background: #fdeee2; color: #9a3d00; border-color: #eda66f; }
.badge-contradicted { background: #fdeceb; color: #b42318; border-color: #ef9a93; }
.badge-untestable { background: #eef0f3; color: #4a5262; border-color: #c4c9d2; }
.badge-consistent-fitted-to-this-source { background: #f4f1e6; color: #5f5524; border-color: #cbbf86; }
.badge-not-supported-under-the-stated-assumption { background: #fdf3ea; color: #8a4a12; border-color: #e8b78c; }
.badge-untestable-model-misfit { background: #f0ecf7; color: #4b3a75; border-color: #b7a8d8; }
tbody tr:nth-child(even) { background: var(--zebra); }
.option { white-space: nowrap; }
.callout { border: 1px solid; border-left-width: 5px; border-radius: 4px; padding: .7rem 1rem; margin: 1.2rem 0; }
.callout-label { display: block; font-size: .78rem; font-weight: 700; letter-spacing: .07em;
                 text-transform: uppercase; margin-bottom: .15rem; }
.callout-info { border-color: var(--info); background: var(--info-bg); }
.callout-info .callout-label { color: var(--info); }
.callout-caution { border-color: var(--caution-line); background: var(--caution-bg); }
.callout-caution .callout-label { color: var(--caution); }
.callout-warning { border-color: var(--warning); background: var(--warning-bg); }
.callout-warning .callout-label { color: var(--warning); }
figure { margin: 1.6rem 0; }
/* Charts fill their column (Vega-Lite "container" width), up to a size that stays legible. */
.chart { width: 100%; max-width: 72rem; overflow-x: auto; }
.chart .vega-embed { width: 100%; display: block; }
.chart svg { max-width: 100%; height: auto; }
.chart-fallback, .chart-error { color: var(--muted); font-style: italic; border: 1px dashed var(--rule);
                                padding: 1rem; margin: 0; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .45rem; }
.figure-number { font-weight: 600; color: var(--fg); }
footer { margin-top: 3rem; padding-top: .8rem; border-top: 1px solid var(--rule); color: var(--muted);
         font-size: .82rem; }
/* Narrow windows (a laptop's half screen, 800 px): wide result tables (11 columns in a trial's
   endpoint table) fit by a smaller type and tighter cells instead of scrolling sideways. */
@media (max-width: 62rem) {
  table { font-size: .72rem; }
  th, td { padding: .28rem .28rem; }
  .badge { white-space: normal; border-radius: .6rem; }
}
@media print {
  @page { margin: 16mm 14mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  figure, .callout, nav.toc, tr { break-inside: avoid; page-break-inside: avoid; }
  .vega-embed details, .vega-actions { display: none !important; }
  .table-wrap, .chart { overflow: visible; }
}
)css";

// Draws every chart whose spec is embedded in a <script data-chart-spec> element, and
// exposes the Vega views (window.ldnsimReport.views) and a promise that settles when all
// charts are drawn (window.ldnsimReport.ready) for tests.
constexpr const char* kDrawCharts = R"js(
(function () {
  "use strict";
  var views = {};
  var options = {
    mode: "vega-lite",
    renderer: "svg",
    ast: true,
    actions: { export: true, source: false, compiled: false, editor: false },
    config: { font: FONTS }
  };
  var nodes = Array.prototype.slice.call(document.querySelectorAll("script[data-chart-spec]"));
  var ready = Promise.all(nodes.map(function (node) {
    var id = node.getAttribute("data-chart-spec");
    var element = document.getElementById(id);
    return Promise.resolve().then(function () {
      if (typeof vegaEmbed !== "function") throw new Error("the chart library did not load");
      return vegaEmbed(element, JSON.parse(node.textContent), options);
    }).then(function (result) {
      views[id] = result.view;
      element.setAttribute("data-rendered", "true");
      return id;
    }, function (error) {
      var message = String((error && error.message) || error);
      element.setAttribute("data-error", message);
      element.textContent = "";
      var p = document.createElement("p");
      p.className = "chart-error";
      p.textContent = "This chart could not be drawn: " + message;
      element.appendChild(p);
      console.error("ldnsim report: " + id + ": " + message);
      return null;
    });
  }));
  window.ldnsimReport = { views: views, ready: ready };
})();
)js";

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

std::string with_fonts(const char* text, bool quoted) {
  std::string fonts = kFontStack;
  if (quoted) fonts = "\"" + fonts + "\"";
  return replace_all(text, "FONTS", fonts);
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t n;
  char32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Prepares library code for an inline <script>: drops source-map comments (a browser's
// developer tools would otherwise try to fetch the map) and makes sure nothing in it can
// end the element early.
std::string script_safe(std::string code, const std::string& path) {
  std::string out;
  out.reserve(code.size());
  std::istringstream lines(code);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("//# sourceMappingURL=", 0) == 0 || line.rfind("//@ sourceMappingURL=", 0) == 0) continue;
    out += line;
    out += '\n';
  }
  std::string lower = lower_ascii(out);
  if (lower.find("<!--") != std::string::npos || lower.find("<script") != std::string::npos)
    throw InputError("cannot inline '" + path + "' into a report: it contains '<!--' or '<script'");
  // "</script" can only occur inside a string, template or regular-expression literal,
  // where "<\/script" means the same.
  std::string fixed;
  fixed.reserve(out.size() + 16);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '<' && lower.compare(i, 8, "</script") == 0) {
      fixed += "<\\/";
      ++i;  // the '/'
      continue;
    }
    fixed += out[i];
  }
  return fixed;
}

struct Library {
  const char* name;
  const char* file;  // under node_modules
};
constexpr std::array<Library, 3> kLibraries = {{
    {"vega", "vega/build/vega.min.js"},
    {"vega-lite", "vega-lite/build/vega-lite.min.js"},
    {"vega-embed", "vega-embed/build/vega-embed.min.js"},
}};

[[noreturn]] void missing_library(const Library& lib, const std::string& detail) {
  throw InputError(std::string("cannot draw report charts: the JavaScript library ") + lib.name +
                   " is not installed (" + detail + "); install the report libraries by running '" +
                   kInstallCommand + "' in the ldnsim source directory");
}

std::string read_library(const std::string& node_modules, const Library& lib) {
  std::string path;
  if (node_modules.empty()) {
    try {
      path = find_resource(std::string("report/node_modules/") + lib.file);
    } catch (const InputError& e) {
      missing_library(lib, e.what());
    }
  } else {
    path = node_modules + "/" + lib.file;
  }
  std::string code;
  try {
    code = read_text_file(path, "JavaScript library");
  } catch (const InputError& e) {
    missing_library(lib, e.what());
  }
  if (code.empty()) missing_library(lib, "'" + path + "' is empty");
  return script_safe(std::move(code), path);
}

std::string trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool is_number(std::string_view cell) {
  std::string t = trim(cell);
  if (!t.empty() && t.back() == '%') t.pop_back();
  if (!t.empty() && t.front() == '+') t.erase(0, 1);
  if (t.empty()) return false;
  double v;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  return ec == std::errc() && ptr == t.data() + t.size();
}

const char* tone_name(Tone tone) {
  switch (tone) {
    case Tone::Info: return "info";
    case Tone::Caution: return "caution";
    case Tone::Warning: return "warning";
  }
  return "caution";
}

const char* tone_label(Tone tone) {
  switch (tone) {
    case Tone::Info: return "Note";
    case Tone::Caution: return "Caution";
    case Tone::Warning: return "Warning";
  }
  return "Caution";
}

// Throws if any data source in the spec (at any depth) is fetched by URL.
void check_inline_data(const json& node, const std::string& where) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "data" && value.is_object() && value.contains("url"))
        throw InputError("chart " + where + ": data must be inline (data.values), not fetched from a URL");
      check_inline_data(value, where);
    }
  } else if (node.is_array()) {
    for (const auto& value : node) check_inline_data(value, where);
  }
}

std::string chart_label(const json& spec, const std::string& caption, int number) {
  if (!caption.empty()) return caption;
  if (spec.contains("title")) {
    const json& t = spec["title"];
    if (t.is_string() && !t.get<std::string>().empty()) return t.get<std::string>();
    if (t.is_object() && t.contains("text") && t["text"].is_string()) return t["text"].get<std::string>();
  }
  return "Figure " + std::to_string(number);
}

// Prose (paragraphs, callouts): escaped, and each command-line option ("--effect-from",
// "--better lower|higher" keeps only the option) kept on one line, so a line break never
// splits it into "-" and "-effect-from".
std::string prose_html(std::string_view text) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    bool starts = text[i] == '-' && text[i + 1] == '-' && std::islower(static_cast<unsigned char>(text[i + 2])) &&
                  (i == 0 || text[i - 1] == ' ' || text[i - 1] == '(' || text[i - 1] == '\'');
    if (!starts) continue;
    std::size_t end = i + 2;
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-')) ++end;
    out += escape_html(text.substr(done, i - done));
    out += "<span class=\"option\">" + escape_html(text.substr(i, end - i)) + "</span>";
    done = i = end;
  }
  out += escape_html(text.substr(done));
  return out;
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(text, i, n);
      i += n;
      continue;
    }
    char c = text[i++];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\t':
      case '\n':
      case '\r': out += c; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) out += c;
    }
  }
  return out;
}

std::string json_for_script(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    // Outside strings JSON never contains these characters, so escaping them is safe.
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

Html::Html(std::string title, std::string subtitle)
    : title_(std::move(title)), subtitle_(std::move(subtitle)) {
  doc_ = {{"title", title_}, {"subtitle", subtitle_}, {"sections", json::array()}};
}

json& Html::current_section() {
  json& sections = doc_["sections"];
  if (sections.empty())
    sections.push_back({{"heading", nullptr}, {"level", nullptr}, {"id", nullptr}, {"content", json::array()}});
  return sections.back();
}

void Html::heading(const std::string& text, int level) {
  level = std::clamp(level, 2, 4);
  std::string id = "sec-" + std::to_string(++headings_);
  std::string tag = "h" + std::to_string(level);
  body_ += "<" + tag + " id=\"" + id + "\">" + escape_html(text) + "</" + tag + ">\n";
  doc_["sections"].push_back({{"heading", text}, {"level", level}, {"id", id}, {"content", json::array()}});
}

void Html::paragraph(const std::string& text) {
  body_ += "<p>" + prose_html(text) + "</p>\n";
  current_section()["content"].push_back({{"type", "paragraph"}, {"text", text}});
}

void Html::callout(const std::string& text, Tone tone) {
  body_ += std::string("<div class=\"callout callout-") + tone_name(tone) + "\" role=\"note\">" +
           "<span class=\"callout-label\">" + tone_label(tone) + "</span>" + prose_html(text) + "</div>\n";
  current_section()["content"].push_back({{"type", "callout"}, {"tone", tone_name(tone)}, {"text", text}});
}

void Html::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                 const std::string& caption, const std::vector<std::size_t>& badge_columns) {
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (!header.empty() && rows[r].size() != header.size())
      throw InputError("table" + (caption.empty() ? std::string() : " '" + caption + "'") + ": row " +
                       std::to_string(r + 1) + " has " + std::to_string(rows[r].size()) + " cells, the header " +
                       std::to_string(header.size()));
  std::size_t columns = header.size();
  for (const auto& row : rows) columns = std::max(columns, row.size());
  std::vector<bool> numeric(columns, !rows.empty());
  for (std::size_t c = 0; c < columns; ++c) {
    bool any = false;
    for (const auto& row : rows) {
      if (c >= row.size() || trim(row[c]).empty()) continue;
      any = true;
      if (!is_number(row[c])) numeric[c] = false;
    }
    if (!any) numeric[c] = false;
  }
  auto cell_class = [&](std::size_t c) { return numeric[c] ? std::string(" class=\"num\"") : std::string(); };

  std::string html = "<div class=\"table-wrap\"><table>\n";
  if (!caption.empty()) html += "<caption>" + escape_html(caption) + "</caption>\n";
  if (!header.empty()) {
    html += "<thead><tr>";
    for (std::size_t c = 0; c < header.size(); ++c)
      html += "<th scope=\"col\"" + cell_class(c) + ">" + escape_html(header[c]) + "</th>";
    html += "</tr></thead>\n";
  }
  html += "<tbody>\n";
  for (const auto& row : rows) {
    html += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool badge = std::find(badge_columns.begin(), badge_columns.end(), c) != badge_columns.end();
      if (!badge || trim(row[c]).empty()) {
        html += "<td" + cell_class(c) + ">" + escape_html(row[c]) + "</td>";
        continue;
      }
      std::string slug;
      for (char ch : row[c]) {
        const auto u = static_cast<unsigned char>(ch);
        if (std::isalnum(u)) slug += static_cast<char>(std::tolower(u));
        else if (!slug.empty() && slug.back() != '-') slug += '-';
      }
      while (!slug.empty() && slug.back() == '-') slug.pop_back();
      html += "<td><span class=\"badge badge-" + slug + "\">" + escape_html(row[c]) + "</span></td>";
    }
    html += "</tr>\n";
  }
  html += "</tbody>\n</table></div>\n";
  body_ += html;
  current_section()["content"].push_back({{"type", "table"}, {"caption", caption}, {"header", header}, {"rows", rows}});
}

void Html::chart(const json& spec, const std::string& caption) {
  int number = charts_ + 1;
  std::string id = "chart-" + std::to_string(number);
  if (!spec.is_object()) throw InputError("chart " + id + ": the Vega-Lite specification must be a JSON object");
  check_inline_data(spec, id);
  charts_ = number;

  std::string label = chart_label(spec, caption, number);
  body_ += "<figure class=\"chart-figure\">\n<div id=\"" + id + "\" class=\"chart\" aria-label=\"" +
           escape_html(label) + "\"><p class=\"chart-fallback\">Chart: " + escape_html(label) +
           " (JavaScript is needed to draw it).</p></div>\n";
  body_ += "<script type=\"application/json\" data-chart-spec=\"" + id + "\">" + json_for_script(spec) + "</script>\n";
  body_ += "<figcaption><span class=\"figure-number\">Figure " + std::to_string(number) + ".</span>";
  if (!caption.empty()) body_ += " " + escape_html(caption);
  body_ += "</figcaption>\n</figure>\n";

  json twin_spec = spec;
  json data = nullptr;
  if (twin_spec.contains("data") && twin_spec["data"].is_object() && twin_spec["data"].contains("values")) {
    data = twin_spec["data"]["values"];
    twin_spec["data"].erase("values");
    if (twin_spec["data"].empty()) twin_spec.erase("data");
  }
  current_section()["content"].push_back(
      {{"type", "chart"}, {"id", id}, {"caption", caption}, {"spec", std::move(twin_spec)}, {"data", std::move(data)}});
}

std::vector<std::string> chart_library_code(const std::string& node_modules) {
  std::vector<std::string> code;
  for (const auto& lib : kLibraries) code.push_back(read_library(node_modules, lib));
  return code;
}

std::string Html::render() const {
  std::vector<std::string> libraries;
  if (charts_ > 0) libraries = chart_library_code(library_dir_);

  std::string page;
  std::size_t size = body_.size() + 16384;
  for (const auto& code : libraries) size += code.size() + 32;
  page.reserve(size);

  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += std::string("<meta http-equiv=\"Content-Security-Policy\" content=\"") + kContentSecurityPolicy + "\">\n";
  page += "<meta name=\"color-scheme\" content=\"light\">\n";
  page += "<meta name=\"generator\" content=\"ldnsim " LDNSIM_VERSION "\">\n";
  page += "<title>" + escape_html(title_) + "</title>\n";
  page += "<style>" + with_fonts(kStyle, false) + "</style>\n</head>\n<body>\n<main>\n";
  page += "<header>\n<h1>" + escape_html(title_) + "</h1>\n";
  if (!subtitle_.empty()) page += "<p class=\"subtitle\">" + escape_html(subtitle_) + "</p>\n";
  page += "</header>\n";

  if (headings_ >= 2) {
    page += "<nav class=\"toc\" aria-label=\"Contents\">\n<p class=\"toc-title\">Contents</p>\n<ul>\n";
    for (const auto& section : doc_["sections"]) {
      if (section["id"].is_null()) continue;
      page += "<li class=\"toc-" + std::to_string(section["level"].get<int>()) + "\"><a href=\"#" +
              section["id"].get<std::string>() + "\">" + escape_html(section["heading"].get<std::string>()) +
              "</a></li>\n";
    }
    page += "</ul>\n</nav>\n";
  }

  page += body_;
  page += "<footer>Generated by ldnsim " LDNSIM_VERSION ".";
  if (charts_ > 0) page += " Charts are drawn with Vega-Lite, included in this file: it needs no network connection.";
  page += "</footer>\n</main>\n";
  for (const auto& code : libraries) page += "<script>\n" + code + "</script>\n";
  if (charts_ > 0) page += "<script>" + with_fonts(kDrawCharts, true) + "</script>\n";
  page += "</body>\n</html>\n";
  return page;
}

void Html::write(const std::string& path) const { write_file_atomically(path, render()); }

}  // namespace ldnsim::report
