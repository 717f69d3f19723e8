#include <gtest/gtest.h>

#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/report/html.hpp"

using nlohmann::json;
namespace rp = ldnsim::report;

namespace {

json line_rows(bool series, bool band) {
  json rows = json::array();
  for (const char* s : {"1.5 mg", "4.5 mg"})
    for (int t = 0; t < 3; ++t) {
      json r = {{"x", t}, {"y", 1.0 + t}};
      if (series) r["series"] = s;
      if (band) r["band_low"] = 0.5 + t, r["band_high"] = 1.5 + t;
      rows.push_back(r);
    }
  return rows;
}

// The layer drawing `mark` (its first one), or null.
json layer_of(const json& spec, const std::string& mark) {
  for (const auto& layer : spec["layer"]) {
    const json& m = layer["mark"];
    if ((m.is_string() && m == mark) || (m.is_object() && m["type"] == mark)) return layer;
  }
  return nullptr;
}

}  // namespace

TEST(LineChart, LinesBandAndTooltips) {
  json rows = line_rows(true, true);
  json spec = rp::line_chart(rows, "Time (h)", "Naltrexone (ng/mL)", "Plasma naltrexone");
  EXPECT_EQ(spec["$schema"], rp::kVegaLiteSchema);
  EXPECT_EQ(spec["title"]["text"], "Plasma naltrexone");
  EXPECT_EQ(spec["data"]["values"], rows);
  ASSERT_EQ(spec["layer"].size(), 3u);

  json band = layer_of(spec, "area");
  ASSERT_FALSE(band.is_null());
  EXPECT_EQ(band["encoding"]["y"]["field"], "band_low");
  EXPECT_EQ(band["encoding"]["y2"]["field"], "band_high");
  EXPECT_EQ(band["encoding"]["color"]["field"], "series");
  EXPECT_LT(band["mark"]["opacity"].get<double>(), 0.5);

  json line = layer_of(spec, "line");
  ASSERT_FALSE(line.is_null());
  EXPECT_EQ(line["encoding"]["x"]["field"], "x");
  EXPECT_EQ(line["encoding"]["x"]["type"], "quantitative");
  EXPECT_EQ(line["encoding"]["x"]["title"], "Time (h)");
  EXPECT_EQ(line["encoding"]["y"]["title"], "Naltrexone (ng/mL)");
  EXPECT_EQ(line["encoding"]["color"]["field"], "series");

  json points = layer_of(spec, "point");
  ASSERT_FALSE(points.is_null());
  const json& tips = points["encoding"]["tooltip"];
  ASSERT_EQ(tips.size(), 5u);  // series, x, y, band low and high
  EXPECT_EQ(tips[1]["title"], "Time (h)");
  EXPECT_EQ(tips[2]["title"], "Naltrexone (ng/mL)");
  // Every y axis of the shared scale carries the same title, so none is merged in.
  for (const auto& layer : spec["layer"]) EXPECT_EQ(layer["encoding"]["y"]["title"], "Naltrexone (ng/mL)");
}

TEST(LineChart, WithoutSeriesOrBand) {
  json spec = rp::line_chart(line_rows(false, false), "x", "y");
  EXPECT_FALSE(spec.contains("title"));
  ASSERT_EQ(spec["layer"].size(), 2u);
  EXPECT_TRUE(layer_of(spec, "area").is_null());
  for (const auto& layer : spec["layer"]) EXPECT_FALSE(layer["encoding"].contains("color"));
  EXPECT_EQ(layer_of(spec, "point")["encoding"]["tooltip"].size(), 2u);
}

TEST(LineChart, OrdinalXKeepsTheRowOrder) {
  json rows = json::array({{{"x", "Week 0"}, {"y", 3.5}}, {{"x", "Week 12"}, {"y", 3.4}}, {{"x", "Week 4"}, {"y", 3.6}}});
  json x = layer_of(rp::line_chart(rows, "Visit", "EDSS"), "line")["encoding"]["x"];
  EXPECT_EQ(x["type"], "ordinal");
  EXPECT_EQ(x["sort"], json({"Week 0", "Week 12", "Week 4"}));
}

TEST(LineChart, ManyPointsBecomeInvisibleHoverTargets) {
  json rows = json::array();
  for (int i = 0; i < 500; ++i) rows.push_back({{"x", i}, {"y", i * 0.5}});
  EXPECT_EQ(layer_of(rp::line_chart(rows, "x", "y"), "point")["mark"]["opacity"], 0);
  EXPECT_EQ(layer_of(rp::line_chart(line_rows(false, false), "x", "y"), "point")["mark"]["opacity"], 1);
}

// Doses that differ tenfold or more (LDN against 50 mg) on a log axis: ticks at 1-2-5 steps
// inside the data's range, every layer on the log scale, and values of 0 or below refused.
TEST(LineChart, LogAxis) {
  json rows = json::array();
  for (double y : {0.004, 0.0124, 1.36, 15.1}) rows.push_back({{"x", y}, {"y", y}, {"series", "a"}});
  json spec = rp::line_chart(rows, "h", "ng/mL", "", true);
  for (const auto& layer : spec["layer"]) {
    EXPECT_EQ(layer["encoding"]["y"]["scale"]["type"], "log");
    EXPECT_EQ(layer["encoding"]["y"]["scale"]["nice"], false);  // the data's range, not whole powers of ten
    EXPECT_EQ(layer["encoding"]["y"]["axis"]["values"], json({0.01, 0.1, 1, 10})) << layer.dump();
  }
  EXPECT_EQ(layer_of(rp::line_chart(rows, "h", "ng/mL"), "line")["encoding"]["y"]["scale"], json({{"zero", false}}));
  rows.push_back({{"x", 5}, {"y", 0}});
  EXPECT_THROW(rp::line_chart(rows, "h", "ng/mL", "", true), ldnsim::InputError);
}

// Every chart takes the width of its column (the page bounds it), not a fixed 520-600 px.
TEST(ChartHelpers, FillTheColumnWidth) {
  json forest = json::array({{{"label", "a"}, {"estimate", 1.0}, {"low", 0.5}, {"high", 2.0}}});
  json interval = json::array({{{"category", "a"}, {"value", 1.0}}});
  for (const json& spec : {rp::line_chart(line_rows(true, true), "x", "y"), rp::forest_plot(forest, "estimate"),
                           rp::interval_chart(interval, "c", "v"),
                           rp::power_curve(json::array({{{"x", 1}, {"y", 0.5}}}), "n")}) {
    EXPECT_EQ(spec["width"], "container");
    EXPECT_EQ(spec["autosize"]["type"], "fit-x");
  }
}

TEST(LineChart, RejectsMalformedRows) {
  EXPECT_THROW(rp::line_chart(json::object(), "x", "y"), ldnsim::InputError);
  EXPECT_THROW(rp::line_chart(json::array({1, 2}), "x", "y"), ldnsim::InputError);
  EXPECT_THROW(rp::line_chart(json::array({{{"x", 1}}}), "x", "y"), ldnsim::InputError);
  try {
    rp::line_chart(json::array({{{"x", 1}, {"y", 1}}, {{"x", 2}, {"y", "high"}}}), "x", "y");
    FAIL();
  } catch (const ldnsim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line_chart: row 2: field 'y' must be a number"), std::string::npos)
        << e.what();
  }
  // null is a missing value, not an error
  EXPECT_NO_THROW(rp::line_chart(json::array({{{"x", 1}, {"y", nullptr}}}), "x", "y"));
  EXPECT_NO_THROW(rp::line_chart(json::array(), "x", "y"));
}

TEST(ForestPlot, EstimatesIntervalsAndReference) {
  json rows = json::array({
      {{"label", "Fatigue"}, {"source", "Published"}, {"estimate", 0.8}, {"low", 0.6}, {"high", 1.1}, {"note", "Smith 2010"}},
      {{"label", "Fatigue"}, {"source", "Simulated"}, {"estimate", 0.85}, {"low", 0.7}, {"high", 1.0}},
      {{"label", "Pain"}, {"source", "Published"}, {"estimate", 0.75}},
  });
  json spec = rp::forest_plot(rows, "Hazard ratio", "Published vs simulated", 1.0, true);
  EXPECT_EQ(spec["data"]["values"], rows);
  ASSERT_EQ(spec["layer"].size(), 3u);

  const json& reference = spec["layer"][0];
  EXPECT_EQ(reference["mark"]["type"], "rule");
  EXPECT_EQ(reference["data"]["values"], json::array({{{"reference", 1.0}}}));
  EXPECT_EQ(reference["encoding"]["x"]["scale"]["type"], "log");

  const json& interval = spec["layer"][1];
  EXPECT_EQ(interval["encoding"]["x"]["field"], "low");
  EXPECT_EQ(interval["encoding"]["x2"]["field"], "high");
  EXPECT_EQ(interval["encoding"]["yOffset"]["field"], "source");

  json point = layer_of(spec, "point");
  EXPECT_EQ(point["encoding"]["x"]["field"], "estimate");
  EXPECT_EQ(point["encoding"]["y"]["field"], "label");
  EXPECT_EQ(point["encoding"]["y"]["sort"], json({"Fatigue", "Pain"}));
  EXPECT_EQ(point["encoding"]["color"]["sort"], json({"Published", "Simulated"}));
  EXPECT_EQ(point["encoding"]["color"]["field"], "source");
  EXPECT_EQ(point["encoding"]["shape"]["field"], "source");
  EXPECT_EQ(point["encoding"]["tooltip"].back()["field"], "note");
  // Log-axis ticks lie within the data and the reference.
  const json& ticks = point["encoding"]["x"]["axis"]["values"];
  ASSERT_GE(ticks.size(), 4u);
  for (const auto& t : ticks) {
    EXPECT_GE(t.get<double>(), 0.6);
    EXPECT_LE(t.get<double>(), 1.1);
  }
}

TEST(ForestPlot, LinearWithoutSourceOrReference) {
  json rows = json::array({{{"label", "A"}, {"estimate", -1.2}, {"low", -2.0}, {"high", -0.4}},
                           {{"label", "B"}, {"estimate", 0.3}, {"low", -0.5}, {"high", 1.1}}});
  json spec = rp::forest_plot(rows, "Difference");
  ASSERT_EQ(spec["layer"].size(), 2u);
  json point = layer_of(spec, "point");
  EXPECT_FALSE(point["encoding"].contains("yOffset"));
  EXPECT_FALSE(point["encoding"].contains("color"));
  EXPECT_EQ(point["encoding"]["x"]["scale"]["zero"], false);
  EXPECT_EQ(spec["height"], 2 * 26);  // 26 px a label
}

TEST(ForestPlot, RejectsBadInput) {
  json rows = json::array({{{"label", "A"}, {"estimate", 0.0}, {"low", -0.5}, {"high", 0.5}}});
  EXPECT_THROW(rp::forest_plot(rows, "Ratio", "", 1.0, true), ldnsim::InputError);  // 0 on a log scale
  EXPECT_NO_THROW(rp::forest_plot(rows, "Difference", "", 0.0));
  json positive = json::array({{{"label", "A"}, {"estimate", 1.0}}});
  EXPECT_THROW(rp::forest_plot(positive, "Ratio", "", 0.0, true), ldnsim::InputError);
  EXPECT_THROW(rp::forest_plot(json::array({{{"estimate", 1.0}}}), "Ratio"), ldnsim::InputError);
  EXPECT_THROW(rp::forest_plot(json::array({{{"label", "A"}, {"estimate", "1"}}}), "Ratio"), ldnsim::InputError);
}

TEST(IntervalChart, BarsWithErrorBars) {
  json rows = json::array({{{"category", "Month 3"}, {"series", "Placebo"}, {"value", 0.2}, {"low", 0.1}, {"high", 0.3}},
                           {{"category", "Month 3"}, {"series", "LDN"}, {"value", 0.3}, {"low", 0.2}, {"high", 0.4}}});
  json spec = rp::interval_chart(rows, "Time", "Responders", "Responders", rp::IntervalMark::Bar);
  ASSERT_EQ(spec["layer"].size(), 4u);  // bars, rule, two ticks
  json bar = layer_of(spec, "bar");
  EXPECT_EQ(bar["encoding"]["y"]["scale"]["zero"], true);
  EXPECT_EQ(bar["encoding"]["xOffset"]["field"], "series");
  EXPECT_EQ(bar["encoding"]["color"]["field"], "series");
  json rule = layer_of(spec, "rule");
  EXPECT_EQ(rule["encoding"]["y"]["field"], "low");
  EXPECT_EQ(rule["encoding"]["y2"]["field"], "high");
  EXPECT_EQ(rule["encoding"]["xOffset"]["field"], "series");
}

TEST(IntervalChart, PointsWithoutIntervals) {
  json rows = json::array({{{"category", "A"}, {"value", 1.0}}, {{"category", "B"}, {"value", 2.0}}});
  json spec = rp::interval_chart(rows, "Group", "Score");
  ASSERT_EQ(spec["layer"].size(), 1u);
  json point = layer_of(spec, "point");
  EXPECT_EQ(point["encoding"]["y"]["scale"]["zero"], false);
  EXPECT_FALSE(point["encoding"].contains("color"));
  EXPECT_THROW(rp::interval_chart(json::array({{{"category", "A"}}}), "Group", "Score"), ldnsim::InputError);
}

TEST(IntervalChart, CategoriesKeepTheRowOrderInEveryLayer) {
  // The error-bar layers drop row B (no interval); the axis must still read A, B, C.
  json rows = json::array({{{"category", "A"}, {"value", 1.0}, {"low", 0.5}, {"high", 1.5}},
                           {{"category", "B"}, {"value", 2.0}},
                           {{"category", "C"}, {"value", 3.0}, {"low", 2.5}, {"high", 3.5}}});
  for (auto mark : {rp::IntervalMark::Point, rp::IntervalMark::Bar}) {
    // The spec is kept: a range-for over a temporary's ["layer"] reads freed memory (ASan).
    const json spec = rp::interval_chart(rows, "Group", "Score", "", mark);
    for (const auto& layer : spec["layer"]) EXPECT_EQ(layer["encoding"]["x"]["sort"], json({"A", "B", "C"}));
  }
}

TEST(PowerCurve, PercentAxisAndTarget) {
  json rows = json::array({{{"x", 20}, {"y", 0.3}, {"band_low", 0.27}, {"band_high", 0.33}},
                           {{"x", 40}, {"y", 0.6}, {"band_low", 0.57}, {"band_high", 0.63}}});
  json spec = rp::power_curve(rows, "Subjects per arm", "Power", 0.9);
  const json& target = spec["layer"][0];
  EXPECT_EQ(target["mark"]["type"], "rule");
  EXPECT_EQ(target["data"]["values"], json::array({{{"target", 0.9}}}));
  for (const auto& layer : spec["layer"]) {
    EXPECT_EQ(layer["encoding"]["y"]["scale"]["domain"], json({0, 1}));
    EXPECT_EQ(layer["encoding"]["y"]["axis"]["format"], "%");
    EXPECT_EQ(layer["encoding"]["y"]["title"], "Power");
  }
  EXPECT_FALSE(layer_of(spec, "area").is_null());
}

TEST(PowerCurve, RejectsPercentagesAndBadTargets) {
  json percent = json::array({{{"x", 20}, {"y", 80}}});
  EXPECT_THROW(rp::power_curve(percent, "n"), ldnsim::InputError);
  json rows = json::array({{{"x", 20}, {"y", 0.8}}});
  EXPECT_THROW(rp::power_curve(rows, "n", "", 80), ldnsim::InputError);
  EXPECT_THROW(rp::power_curve(rows, "n", "", 0), ldnsim::InputError);
}

TEST(ChartHelpers, AreDeterministicAndEmbeddable) {
  json rows = line_rows(true, true);
  EXPECT_EQ(rp::line_chart(rows, "x", "y").dump(), rp::line_chart(rows, "x", "y").dump());
  rp::Html page("t");
  page.chart(rp::line_chart(rows, "x", "y"));
  page.chart(rp::power_curve(json::array({{{"x", 1}, {"y", 0.5}}}), "n"));
  const json& content = page.document()["sections"][0]["content"];
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0]["data"], rows);
}
