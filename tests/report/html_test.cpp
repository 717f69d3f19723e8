#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/report/html.hpp"

using nlohmann::json;
namespace rp = ldnsim::report;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; pos += what.size()) ++n;
  return n;
}

json small_chart() {
  return {{"$schema", rp::kVegaLiteSchema},
          {"data", {{"values", json::array({{{"x", 1}, {"y", 2}}, {{"x", 2}, {"y", 3}}})}}},
          {"mark", "line"},
          {"encoding", {{"x", {{"field", "x"}, {"type", "quantitative"}}}, {"y", {{"field", "y"}, {"type", "quantitative"}}}}}};
}

// A page using every kind of content.
rp::Html sample_page() {
  rp::Html page("LDN & MS <report>", "Subtitle \"quoted\"");
  page.paragraph("Before any heading.");
  page.heading("Pharmacokinetics");
  page.paragraph("Naltrexone 4.5 mg at 22:00.");
  page.chart(small_chart(), "Concentration");
  page.callout("Evidence is weak.", rp::Tone::Caution);
  page.heading("Details", 3);
  page.table({"Dose", "Cmax"}, {{"1.5 mg", "1.2"}, {"4.5 mg", "3.6"}}, "Peaks");
  page.chart(rp::line_chart(json::array({{{"x", 0}, {"y", 1}}}), "t", "c"));
  page.heading("Power", 2);
  page.callout("Simulated, not observed.", rp::Tone::Info);
  page.callout("Do not use clinically.", rp::Tone::Warning);
  page.chart(small_chart());
  return page;
}

// The part of a page outside its <script> elements.
std::string without_scripts(const std::string& page) {
  std::string out;
  std::size_t pos = 0;
  for (std::size_t open; (open = page.find("<script", pos)) != std::string::npos;) {
    out.append(page, pos, open - pos);
    std::size_t close = page.find("</script>", open);
    if (close == std::string::npos) return out;
    pos = close + 9;
  }
  return out + page.substr(pos);
}

}  // namespace

TEST(EscapeHtml, EscapesMarkupCharacters) {
  EXPECT_EQ(rp::escape_html("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  EXPECT_EQ(rp::escape_html("plain text 4.5 mg"), "plain text 4.5 mg");
  EXPECT_EQ(rp::escape_html(""), "");
}

TEST(EscapeHtml, KeepsUtf8AndWhitespace) {
  EXPECT_EQ(rp::escape_html("4500 µg ≥ 2 — naïve 𝛼"), "4500 µg ≥ 2 — naïve 𝛼");
  EXPECT_EQ(rp::escape_html("a\tb\nc\r"), "a\tb\nc\r");
}

TEST(EscapeHtml, ReplacesInvalidUtf8AndDropsControls) {
  EXPECT_EQ(rp::escape_html(std::string("a\xff" "b")), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(rp::escape_html(std::string("\xC3")), "\xEF\xBF\xBD");              // truncated sequence
  EXPECT_EQ(rp::escape_html(std::string("\xC0\xAF")), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(rp::escape_html(std::string("\xED\xA0\x80")), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(rp::escape_html(std::string("a\x01\x1b[0m\x7f" "b", 8)), "a[0mb");
  EXPECT_EQ(rp::escape_html(std::string("a\0b", 3)), "ab");
}

TEST(JsonForScript, CannotCloseTheScriptElement) {
  json spec = {{"title", "</script><script>alert(1)</script>"}, {"note", "a & b > c <!-- d"}};
  std::string text = rp::json_for_script(spec);
  EXPECT_EQ(text.find('<'), std::string::npos);
  EXPECT_EQ(text.find('>'), std::string::npos);
  EXPECT_EQ(text.find('&'), std::string::npos);
  EXPECT_EQ(json::parse(text), spec);
}

TEST(JsonForScript, ReplacesInvalidUtf8) {
  json spec = {{"label", std::string("bad \xff byte")}};
  json back = json::parse(rp::json_for_script(spec));
  EXPECT_EQ(back["label"], "bad \xEF\xBF\xBD byte");
}

TEST(Html, EscapesAllText) {
  const std::string evil = "<img src=x onerror=alert(1)>";
  rp::Html page(evil, evil);
  page.heading(evil);
  page.heading(evil, 3);
  page.paragraph(evil);
  page.callout(evil, rp::Tone::Warning);
  page.table({evil}, {{evil}}, evil);
  json spec = small_chart();
  spec["title"] = evil;
  spec["data"]["values"][0]["x"] = "</script><script>alert(2)</script>";
  page.chart(spec, evil);
  page.chart(small_chart());
  std::string html = page.render();
  EXPECT_EQ(html.find(evil), std::string::npos);
  EXPECT_EQ(html.find("alert(2)</script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  // Every <script> the page opens is one it closes: the spec could not end one early.
  EXPECT_EQ(count(html, "<script"), count(html, "</script>"));
  EXPECT_EQ(count(html, "<script"), 2u + 3u + 1u);  // two specs, three libraries, the drawing code
}

// A command-line option in prose is one unbreakable unit: the power report's "give
// --effect-from zero" was broken into "-" and "-effect-from" at the end of a line.
TEST(Html, OptionsInProseStayOnOneLine) {
  rp::Html page("t");
  page.callout("give --effect-from zero; (--better lower|higher) or x--y and -- alone <--a>", rp::Tone::Caution);
  page.paragraph("--seed 7 then --<b>");
  std::string html = page.render();
  EXPECT_NE(html.find("give <span class=\"option\">--effect-from</span> zero; (<span class=\"option\">--better</span> "
                      "lower|higher) or x--y and -- alone &lt;--a&gt;</div>"),
            std::string::npos);
  EXPECT_NE(html.find("<p><span class=\"option\">--seed</span> 7 then --&lt;b&gt;</p>"), std::string::npos);
  EXPECT_NE(html.find(".option { white-space: nowrap; }"), std::string::npos);
}

TEST(Html, PageStructure) {
  std::string html = sample_page().render();
  ASSERT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<title>LDN &amp; MS &lt;report&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("<h1>LDN &amp; MS &lt;report&gt;</h1>"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"subtitle\">Subtitle &quot;quoted&quot;</p>"), std::string::npos);

  // Headings with stable ids, and a table of contents linking to them in order.
  EXPECT_NE(html.find("<h2 id=\"sec-1\">Pharmacokinetics</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h3 id=\"sec-2\">Details</h3>"), std::string::npos);
  EXPECT_NE(html.find("<h2 id=\"sec-3\">Power</h2>"), std::string::npos);
  std::size_t toc = html.find("<nav class=\"toc\"");
  ASSERT_NE(toc, std::string::npos);
  std::size_t a = html.find("<li class=\"toc-2\"><a href=\"#sec-1\">Pharmacokinetics</a></li>", toc);
  std::size_t b = html.find("<li class=\"toc-3\"><a href=\"#sec-2\">Details</a></li>", toc);
  std::size_t c = html.find("<li class=\"toc-2\"><a href=\"#sec-3\">Power</a></li>", toc);
  EXPECT_TRUE(a != std::string::npos && a < b && b < c && c < html.find("<h2 id=\"sec-1\">")) << html.substr(toc, 600);

  // Charts chart-1..3 in order, each with its specification and a numbered caption.
  std::size_t p1 = html.find("<div id=\"chart-1\" class=\"chart\"");
  std::size_t p2 = html.find("<div id=\"chart-2\" class=\"chart\"");
  std::size_t p3 = html.find("<div id=\"chart-3\" class=\"chart\"");
  EXPECT_TRUE(p1 != std::string::npos && p1 < p2 && p2 < p3 && p3 != std::string::npos);
  EXPECT_EQ(html.find("chart-4"), std::string::npos);
  EXPECT_EQ(count(html, "data-chart-spec=\"chart-"), 3u);
  EXPECT_NE(html.find("<span class=\"figure-number\">Figure 1.</span> Concentration</figcaption>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"figure-number\">Figure 3.</span></figcaption>"), std::string::npos);

  // Callouts of each tone, a table with a caption and right-aligned numbers.
  EXPECT_NE(html.find("<div class=\"callout callout-caution\" role=\"note\"><span class=\"callout-label\">Caution</span>Evidence is weak.</div>"),
            std::string::npos);
  EXPECT_NE(html.find("callout callout-info"), std::string::npos);
  EXPECT_NE(html.find("callout callout-warning"), std::string::npos);
  EXPECT_NE(html.find("<caption>Peaks</caption>"), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"col\">Dose</th><th scope=\"col\" class=\"num\">Cmax</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>1.5 mg</td><td class=\"num\">1.2</td>"), std::string::npos);

  // The libraries are inlined, in dependency order, after the content.
  std::size_t vega = html.find("t.version=\"");
  std::size_t lite = html.find("vegaLite");
  std::size_t embed = html.find("vegaEmbed");
  EXPECT_TRUE(html.find("</footer>") < vega && vega < lite && lite < embed);
  EXPECT_EQ(html.find("sourceMappingURL"), std::string::npos);
  EXPECT_TRUE(html.ends_with("</body>\n</html>\n"));
}

TEST(Html, LoadsNothingFromOutside) {
  std::string html = sample_page().render();
  EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"), std::string::npos);
  std::string markup = without_scripts(html);
  for (const char* outside : {"<link", " src=", "@import", "url(", "@font-face", "href=\"http", "href=\"//"})
    EXPECT_EQ(markup.find(outside), std::string::npos) << outside;
}

TEST(Html, HeadingLevelsAreClamped) {
  rp::Html page("t");
  page.heading("one", 1);
  page.heading("seven", 7);
  std::string html = page.render();
  EXPECT_NE(html.find("<h2 id=\"sec-1\">one</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h4 id=\"sec-2\">seven</h4>"), std::string::npos);
  EXPECT_EQ(count(html, "<h1>"), 1u);
}

TEST(Html, NoTableOfContentsForOneHeading) {
  rp::Html page("t");
  page.heading("only");
  EXPECT_EQ(page.render().find("<nav"), std::string::npos);
}

TEST(Html, TableRowsMustMatchTheHeader) {
  rp::Html page("t");
  EXPECT_THROW(page.table({"a", "b"}, {{"1", "2"}, {"3"}}), ldnsim::InputError);
  try {
    page.table({"a", "b"}, {{"1", "2", "3"}}, "Doses");
    FAIL();
  } catch (const ldnsim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'Doses': row 1 has 3 cells"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(page.document()["sections"].empty());
}

TEST(Html, NumericColumns) {
  rp::Html page("t");
  page.table({"n", "pct", "mixed", "empty"}, {{"12", "5%", "3", ""}, {"-1.5e-3", "", "n/a", ""}, {"+4", "80.5%", "1", ""}});
  std::string html = page.render();
  EXPECT_NE(html.find("<tr><td class=\"num\">12</td><td class=\"num\">5%</td><td>3</td><td></td></tr>"),
            std::string::npos)
      << html;
}

TEST(Html, ChartsMustBeObjectsWithInlineData) {
  rp::Html page("t");
  EXPECT_THROW(page.chart(json::array()), ldnsim::InputError);
  json spec = small_chart();
  spec["data"] = {{"url", "https://example.org/data.csv"}};
  EXPECT_THROW(page.chart(spec), ldnsim::InputError);
  json layered = {{"layer", json::array({{{"data", {{"url", "data.json"}}}, {"mark", "point"}}})}};
  EXPECT_THROW(page.chart(layered), ldnsim::InputError);
  // Rejected charts take no id.
  page.chart(small_chart());
  EXPECT_NE(page.render().find("id=\"chart-1\""), std::string::npos);
}

TEST(Html, DocumentTwin) {
  rp::Html page = sample_page();
  const json& doc = page.document();
  EXPECT_EQ(doc["title"], "LDN & MS <report>");
  EXPECT_EQ(doc["subtitle"], "Subtitle \"quoted\"");
  const json& sections = doc["sections"];
  ASSERT_EQ(sections.size(), 4u);

  EXPECT_TRUE(sections[0]["heading"].is_null());
  EXPECT_TRUE(sections[0]["id"].is_null());
  EXPECT_EQ(sections[0]["content"], json::array({{{"type", "paragraph"}, {"text", "Before any heading."}}}));

  EXPECT_EQ(sections[1]["heading"], "Pharmacokinetics");
  EXPECT_EQ(sections[1]["level"], 2);
  EXPECT_EQ(sections[1]["id"], "sec-1");
  const json& content = sections[1]["content"];
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0]["type"], "paragraph");
  const json& chart = content[1];
  EXPECT_EQ(chart["type"], "chart");
  EXPECT_EQ(chart["id"], "chart-1");
  EXPECT_EQ(chart["caption"], "Concentration");
  EXPECT_EQ(chart["data"], small_chart()["data"]["values"]);
  EXPECT_FALSE(chart["spec"].contains("data"));  // the rows are in "data", not repeated
  EXPECT_EQ(chart["spec"]["mark"], "line");
  EXPECT_EQ(content[2], json({{"type", "callout"}, {"tone", "caution"}, {"text", "Evidence is weak."}}));

  EXPECT_EQ(sections[2]["level"], 3);
  const json& table = sections[2]["content"][0];
  EXPECT_EQ(table["type"], "table");
  EXPECT_EQ(table["caption"], "Peaks");
  EXPECT_EQ(table["header"], json({"Dose", "Cmax"}));
  EXPECT_EQ(table["rows"], json::array({json::array({"1.5 mg", "1.2"}), json::array({"4.5 mg", "3.6"})}));
  EXPECT_EQ(sections[2]["content"][1]["id"], "chart-2");

  const json& last = sections[3]["content"];
  EXPECT_EQ(last[0]["tone"], "info");
  EXPECT_EQ(last[1]["tone"], "warning");
  EXPECT_EQ(last[2]["id"], "chart-3");
  EXPECT_EQ(last[2]["caption"], "");

  // The twin serialises (for --json) and a chart can be rebuilt from it.
  json back = json::parse(doc.dump());
  json rebuilt = back["sections"][1]["content"][1]["spec"];
  rebuilt["data"]["values"] = back["sections"][1]["content"][1]["data"];
  EXPECT_EQ(rebuilt, small_chart());
}

TEST(Html, DocumentKeepsOtherDataProperties) {
  rp::Html page("t");
  json spec = small_chart();
  spec["data"]["name"] = "table";
  page.chart(spec);
  const json& chart = page.document()["sections"][0]["content"][0];
  EXPECT_EQ(chart["spec"]["data"], json({{"name", "table"}}));
  rp::Html layered("t");
  layered.chart({{"layer", json::array({small_chart()})}});
  EXPECT_TRUE(layered.document()["sections"][0]["content"][0]["data"].is_null());
}

TEST(Html, MissingLibrariesSayHowToInstallThem) {
  rp::Html page = sample_page();
  page.set_library_dir("/nonexistent/node_modules");
  try {
    page.render();
    FAIL() << "render() succeeded without the libraries";
  } catch (const ldnsim::InputError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("npm ci --prefix report"), std::string::npos) << message;
    EXPECT_NE(message.find("vega"), std::string::npos) << message;
    EXPECT_NE(message.find("/nonexistent/node_modules/vega/build/vega.min.js"), std::string::npos) << message;
  }
  EXPECT_THROW(page.write(testing::TempDir() + "/never-written.html"), ldnsim::InputError);
  EXPECT_FALSE(std::filesystem::exists(testing::TempDir() + "/never-written.html"));

  // A page without charts needs no library.
  rp::Html text("t");
  text.paragraph("no charts");
  text.set_library_dir("/nonexistent/node_modules");
  std::string html = text.render();
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(Html, LibrariesFromAnotherDirectory) {
  // A node_modules directory holding stand-ins for the three libraries.
  namespace fs = std::filesystem;
  fs::path dir = fs::path(testing::TempDir()) / "ldnsim-report-libs";
  for (const char* lib : {"vega/build/vega.min.js", "vega-lite/build/vega-lite.min.js",
                          "vega-embed/build/vega-embed.min.js"}) {
    fs::create_directories((dir / lib).parent_path());
    std::ofstream((dir / lib).string()) << "var s = \"</SCRIPT>\"; // " << lib << "\n//# sourceMappingURL=x.map\n";
  }
  rp::Html page("t");
  page.chart(small_chart());
  page.set_library_dir(dir.string());
  std::string html = page.render();
  EXPECT_NE(html.find("var s = \"<\\/SCRIPT>\"; // vega/build/vega.min.js"), std::string::npos);
  EXPECT_NE(html.find("// vega-embed/build/vega-embed.min.js"), std::string::npos);
  EXPECT_EQ(html.find("sourceMappingURL"), std::string::npos);

  // Code that cannot be inlined safely is refused rather than breaking the page.
  std::ofstream((dir / "vega/build/vega.min.js").string()) << "var s = '<!--<script>';\n";
  EXPECT_THROW(page.render(), ldnsim::InputError);
  fs::remove_all(dir);
}

TEST(Html, RenderingIsDeterministic) {
  std::string first = sample_page().render();
  std::string second = sample_page().render();
  EXPECT_EQ(first, second);
  rp::Html page = sample_page();
  EXPECT_EQ(page.render(), page.render());
  EXPECT_EQ(page.document().dump(), sample_page().document().dump());
}

TEST(Html, WriteIsAtomicAndMatchesRender) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(testing::TempDir()) / "ldnsim-report-write";
  fs::remove_all(dir);
  fs::create_directories(dir);
  rp::Html page = sample_page();
  std::string path = (dir / "report.html").string();
  page.write(path);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  EXPECT_EQ(bytes.str(), page.render());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
  EXPECT_THROW(page.write((dir / "missing" / "report.html").string()), ldnsim::InputError);
  fs::remove_all(dir);
}
