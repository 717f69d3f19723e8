// Vega-Lite specifications for the plots ldnsim's reports draw. Every helper inlines its
// rows (`data.values`) and writes the same JSON for the same rows.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/report/html.hpp"

namespace ldnsim::report {

using nlohmann::json;

namespace {

constexpr const char* kReferenceColor = "#80868f";
constexpr const char* kDefaultColor = "#4c78a8";  // Vega-Lite's colour for marks without a colour field
constexpr int kHeight = 300;
// Above this many rows the points of a line chart are invisible hover targets (for the
// tooltips) instead of markers that would crowd the lines.
constexpr std::size_t kMaxVisiblePoints = 120;

bool present(const json& row, const char* field) { return row.contains(field) && !row[field].is_null(); }

// Throws unless `rows` is an array of objects that have every `required` field, and whose
// `numeric` fields, where given, are numbers.
void check_rows(const json& rows, const char* helper, std::initializer_list<const char*> required,
                std::initializer_list<const char*> numeric) {
  if (!rows.is_array()) throw InputError(std::string(helper) + ": rows must be a JSON array of objects");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    std::string where = std::string(helper) + ": row " + std::to_string(i + 1);
    if (!row.is_object()) throw InputError(where + " is not a JSON object");
    for (const char* field : required)
      if (!row.contains(field)) throw InputError(where + " has no field '" + field + "'");
    for (const char* field : numeric)
      if (present(row, field) && !row[field].is_number())
        throw InputError(where + ": field '" + field + "' must be a number, not " + row[field].dump());
  }
}

bool any_present(const json& rows, const char* field) {
  return std::any_of(rows.begin(), rows.end(), [&](const json& r) { return present(r, field); });
}

json base_spec(const json& rows, const std::string& title) {
  json spec = {{"$schema", kVegaLiteSchema}, {"data", {{"values", rows}}}};
  if (!title.empty()) spec["title"] = {{"text", title}, {"anchor", "start"}, {"fontSize", 14}};
  return spec;
}

// Charts take the width of their column (the page's CSS bounds it) and keep their height.
void fill_width(json& spec) {
  spec["width"] = "container";
  spec["autosize"] = {{"type", "fit-x"}, {"contains", "padding"}};
}

json quantitative(const char* field, const std::string& title, const json& scale = json::object()) {
  json e = {{"field", field}, {"type", "quantitative"}, {"title", title}};
  if (!scale.empty()) e["scale"] = scale;
  return e;
}

// The distinct values of `field` in the order the rows first give them: the explicit sort
// order of a discrete channel. ("sort": null would follow the order of the values in the
// first layer, which may have filtered some rows out.)
json order_of(const json& rows, const char* field) {
  json order = json::array();
  for (const auto& r : rows)
    if (present(r, field) && std::find(order.begin(), order.end(), r[field]) == order.end()) order.push_back(r[field]);
  return order;
}

// A nominal grouping channel (colour, shape, offset) keeping the rows' order.
json grouping(const json& rows, const char* field, bool legend) {
  json e = {{"field", field}, {"type", "nominal"}, {"sort", order_of(rows, field)}};
  if (legend) {
    e["title"] = nullptr;
    e["legend"] = {{"orient", "bottom"}};
  }
  return e;
}

// A legend of short solid lines, whatever the layers (bands, points) sharing the scale.
json line_legend(json channel) {
  channel["legend"]["symbolType"] = "stroke";
  channel["legend"]["symbolStrokeWidth"] = 2.5;
  channel["legend"]["symbolOpacity"] = 1;
  return channel;
}

json tooltip(const char* field, const std::string& title, const char* format = nullptr, bool number = true) {
  json t = {{"field", field}, {"title", title}, {"type", number ? "quantitative" : "nominal"}};
  if (format) t["format"] = format;
  return t;
}

json valid_filter(const char* a, const char* b) {
  return json::array({{{"filter", std::string("isValid(datum.") + a + ") && isValid(datum." + b + ")"}}});
}

json reference_rule(const char* channel, const char* field, double value, json encoding_of_value) {
  json layer = {{"data", {{"values", json::array({{{field, value}}})}}},
                {"mark", {{"type", "rule"}, {"strokeDash", {5, 4}}, {"color", kReferenceColor}}}};
  layer["encoding"][channel] = std::move(encoding_of_value);
  return layer;
}

json log_ticks_between(double lo, double hi);

struct LineStyle {
  json y_scale = {{"zero", false}};
  bool log_y = false;
  json y_axis;                     // null: default
  const char* y_format = ".4~g";  // tooltips
};

json line_spec(const json& rows, const std::string& x_title, const std::string& y_title, const std::string& title,
               const LineStyle& style, const char* helper) {
  check_rows(rows, helper, {"x", "y"}, {"y", "band_low", "band_high"});
  json y_axis = style.y_axis;
  if (style.log_y) {
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (const char* field : {"y", "band_low", "band_high"})
        if (present(rows[i], field)) {
          const double v = rows[i][field].get<double>();
          if (!(v > 0))
            throw InputError(std::string(helper) + ": row " + std::to_string(i + 1) + ": " + field +
                             " must be above 0 on a log axis");
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
    // Labelled ticks (and grid lines) at 1-2-5 steps, not at every 1..9 of each decade.
    if (lo <= hi) y_axis["values"] = log_ticks_between(lo, hi);
  }
  bool series = any_present(rows, "series");
  bool band = std::any_of(rows.begin(), rows.end(),
                          [](const json& r) { return present(r, "band_low") && present(r, "band_high"); });
  bool x_numeric = std::all_of(rows.begin(), rows.end(), [](const json& r) { return r["x"].is_number(); });
  bool dense = rows.size() > kMaxVisiblePoints;

  json x = {{"field", "x"}, {"title", x_title}};
  if (x_numeric) {
    x["type"] = "quantitative";
    x["scale"] = {{"zero", false}};
  } else {
    x["type"] = "ordinal";
    x["sort"] = order_of(rows, "x");
    x["axis"] = {{"labelAngle", 0}};
  }
  auto y_of = [&](const char* field) {
    json y = quantitative(field, y_title, style.y_scale);
    if (!y_axis.is_null()) y["axis"] = y_axis;
    return y;
  };

  json layers = json::array();
  if (band) {
    json layer = {{"transform", valid_filter("band_low", "band_high")},
                  {"mark", {{"type", "area"}, {"opacity", 0.2}}},
                  {"encoding", {{"x", x}, {"y", y_of("band_low")}, {"y2", {{"field", "band_high"}}}}}};
    if (series) layer["encoding"]["color"] = line_legend(grouping(rows, "series", true));
    layers.push_back(std::move(layer));
  }
  json line = {{"mark", {{"type", "line"}, {"strokeWidth", 2}}}, {"encoding", {{"x", x}, {"y", y_of("y")}}}};
  if (series) line["encoding"]["color"] = line_legend(grouping(rows, "series", true));
  layers.push_back(std::move(line));

  json tips = json::array();
  if (series) tips.push_back(tooltip("series", "Series", nullptr, false));
  tips.push_back(x_numeric ? tooltip("x", x_title.empty() ? "x" : x_title, ".4~g")
                           : tooltip("x", x_title.empty() ? "x" : x_title, nullptr, false));
  tips.push_back(tooltip("y", y_title.empty() ? "y" : y_title, style.y_format));
  if (band) {
    tips.push_back(tooltip("band_low", "Interval, lower", style.y_format));
    tips.push_back(tooltip("band_high", "Interval, upper", style.y_format));
  }
  json points = {{"mark", {{"type", "point"}, {"filled", true}, {"size", dense ? 40 : 30}, {"opacity", dense ? 0 : 1}}},
                 {"encoding", {{"x", x}, {"y", y_of("y")}, {"tooltip", std::move(tips)}}}};
  if (series) points["encoding"]["color"] = line_legend(grouping(rows, "series", true));
  layers.push_back(std::move(points));

  json spec = base_spec(rows, title);
  fill_width(spec);
  spec["height"] = kHeight;
  spec["layer"] = std::move(layers);
  return spec;
}

// Tick values for a log axis over the rows' estimates and intervals (and the reference).
json log_ticks(const json& rows, std::optional<double> reference) {
  double lo = reference ? *reference : HUGE_VAL, hi = reference ? *reference : -HUGE_VAL;
  for (const auto& r : rows)
    for (const char* field : {"estimate", "low", "high"})
      if (present(r, field)) {
        lo = std::min(lo, r[field].get<double>());
        hi = std::max(hi, r[field].get<double>());
      }
  return log_ticks_between(lo, hi);
}

// The coarsest of the 1-2-5 style sequences that puts at least four ticks in [lo, hi].
json log_ticks_between(double lo, double hi) {
  json ticks = json::array();
  if (!(lo > 0) || !(hi >= lo)) return ticks;
  static const std::vector<std::vector<double>> kMantissas = {
      {1},
      {1, 3},
      {1, 2, 5},
      {1, 1.5, 2, 3, 5, 7},
      {1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8},
      {1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9}};
  for (const auto& mantissas : kMantissas) {
    ticks = json::array();
    for (int e = static_cast<int>(std::floor(std::log10(lo))); e <= static_cast<int>(std::ceil(std::log10(hi))); ++e)
      for (double m : mantissas) {
        // Round to 12 significant digits so 0.1 * 3 prints as 0.3.
        std::string text = format_number(m * std::pow(10.0, e), 12);
        double v = 0;
        std::from_chars(text.data(), text.data() + text.size(), v);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back(v);
      }
    if (ticks.size() >= 4) break;
  }
  return ticks;
}

}  // namespace

json line_chart(const json& rows, const std::string& x_title, const std::string& y_title, const std::string& title,
                bool log_y) {
  LineStyle style;
  if (log_y) {
    style.log_y = true;
    // Not "nice": that stretches the domain to whole powers of ten (6-beta-naltrexol's
    // 1-140 ng/mL drawn from 0.1 to 1000, a third of the plot empty).
    style.y_scale = {{"type", "log"}, {"nice", false}, {"padding", 8}};
    style.y_axis = {{"format", "~g"}};
  }
  return line_spec(rows, x_title, y_title, title, style, "line_chart");
}

json power_curve(const json& rows, const std::string& x_title, const std::string& title, double target) {
  if (!(target > 0 && target < 1)) throw InputError("power_curve: the target power must lie between 0 and 1");
  check_rows(rows, "power_curve", {"x", "y"}, {"y", "band_low", "band_high"});
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (const char* field : {"y", "band_low", "band_high"})
      if (present(rows[i], field) && !(rows[i][field].get<double>() >= 0 && rows[i][field].get<double>() <= 1))
        throw InputError("power_curve: row " + std::to_string(i + 1) + ": " + field +
                         " must be a probability between 0 and 1 (not a percentage)");
  LineStyle style;
  style.y_scale = {{"domain", {0, 1}}};
  style.y_axis = {{"format", "%"}};
  style.y_format = ".1%";
  json spec = line_spec(rows, x_title, "Power", title, style, "power_curve");
  json y = quantitative("target", "Power", style.y_scale);
  y["axis"] = style.y_axis;
  json rule = reference_rule("y", "target", target, std::move(y));
  rule["encoding"]["tooltip"] = json::array({tooltip("target", "Target power", ".0%")});
  spec["layer"].insert(spec["layer"].begin(), std::move(rule));
  return spec;
}

json forest_plot(const json& rows, const std::string& estimate_title, const std::string& title,
                 std::optional<double> reference, bool log_scale) {
  check_rows(rows, "forest_plot", {"label", "estimate"}, {"estimate", "low", "high"});
  if (reference && !std::isfinite(*reference)) throw InputError("forest_plot: the reference value must be finite");
  if (log_scale) {
    if (reference && !(*reference > 0))
      throw InputError("forest_plot: a log scale needs a reference value above 0");
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (const char* field : {"estimate", "low", "high"})
        if (present(rows[i], field) && !(rows[i][field].get<double>() > 0))
          throw InputError("forest_plot: row " + std::to_string(i + 1) + ": " + field +
                           " must be above 0 on a log scale");
  }
  bool source = any_present(rows, "source");
  bool interval = std::any_of(rows.begin(), rows.end(),
                              [](const json& r) { return present(r, "low") && present(r, "high"); });
  bool note = any_present(rows, "note");

  // No "nice" domain on a log scale: it would stretch to whole powers of ten.
  json scale = log_scale ? json{{"type", "log"}, {"nice", false}, {"padding", 16}} : json{{"zero", false}};
  json axis = log_scale ? json{{"values", log_ticks(rows, reference)}, {"format", "~g"}} : json(nullptr);
  json y = {{"field", "label"}, {"type", "nominal"}, {"sort", order_of(rows, "label")}, {"title", nullptr},
            {"axis", {{"labelLimit", 240}, {"domain", false}, {"ticks", false}}}};
  auto grouped = [&](json encoding) {
    encoding["y"] = y;
    if (source) {
      encoding["yOffset"] = grouping(rows, "source", false);
      encoding["color"] = grouping(rows, "source", true);
    }
    return encoding;
  };

  auto x_of = [&](const char* field) {
    json x = quantitative(field, estimate_title, scale);
    if (!axis.is_null()) x["axis"] = axis;
    return x;
  };

  json layers = json::array();
  if (reference) layers.push_back(reference_rule("x", "reference", *reference, x_of("reference")));
  if (interval)
    layers.push_back({{"transform", valid_filter("low", "high")},
                      {"mark", {{"type", "rule"}, {"strokeWidth", 2}}},
                      {"encoding", grouped({{"x", x_of("low")}, {"x2", {{"field", "high"}}}})}});
  json tips = json::array({tooltip("label", "Estimate", nullptr, false)});
  if (source) tips.push_back(tooltip("source", "Source", nullptr, false));
  tips.push_back(tooltip("estimate", estimate_title.empty() ? "Value" : estimate_title, ".3~g"));
  if (interval) {
    tips.push_back(tooltip("low", "Interval, lower", ".3~g"));
    tips.push_back(tooltip("high", "Interval, upper", ".3~g"));
  }
  if (note) tips.push_back(tooltip("note", "Note", nullptr, false));
  json point_encoding = grouped({{"x", x_of("estimate")}, {"tooltip", std::move(tips)}});
  if (source) point_encoding["shape"] = grouping(rows, "source", true);
  layers.push_back({{"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"opacity", 1}}},
                    {"encoding", std::move(point_encoding)}});

  json spec = base_spec(rows, title);
  fill_width(spec);
  // A height in pixels from the number of rows (26 px a label, or 16 px a source within
  // one): Vega-Lite refuses a step height beside a width that fits the container.
  const std::size_t labels = order_of(rows, "label").size();
  const std::size_t sources = source ? order_of(rows, "source").size() : 1;
  spec["height"] = static_cast<double>(labels) * (source ? 16.0 * static_cast<double>(sources) + 8 : 26.0);
  spec["layer"] = std::move(layers);
  return spec;
}

json interval_chart(const json& rows, const std::string& category_title, const std::string& value_title,
                    const std::string& title, IntervalMark mark) {
  check_rows(rows, "interval_chart", {"category", "value"}, {"value", "low", "high"});
  bool series = any_present(rows, "series");
  bool interval = std::any_of(rows.begin(), rows.end(),
                              [](const json& r) { return present(r, "low") && present(r, "high"); });
  bool bar = mark == IntervalMark::Bar;

  json scale = bar ? json{{"zero", true}} : json{{"zero", false}, {"padding", 8}};
  auto grouped = [&](json encoding, bool color) {
    encoding["x"] = {{"field", "category"}, {"type", "nominal"}, {"sort", order_of(rows, "category")}, {"title", category_title},
                     {"axis", {{"labelAngle", 0}, {"labelLimit", 140}}}};
    if (series) {
      encoding["xOffset"] = grouping(rows, "series", false);
      if (color) encoding["color"] = grouping(rows, "series", true);
    }
    return encoding;
  };

  json tips = json::array();
  tips.push_back(tooltip("category", category_title.empty() ? "Category" : category_title, nullptr, false));
  if (series) tips.push_back(tooltip("series", "Series", nullptr, false));
  tips.push_back(tooltip("value", value_title.empty() ? "Value" : value_title, ".4~g"));
  if (interval) {
    tips.push_back(tooltip("low", "Interval, lower", ".4~g"));
    tips.push_back(tooltip("high", "Interval, upper", ".4~g"));
  }

  json main = bar ? json{{"type", "bar"}, {"opacity", 0.85}}
                  : json{{"type", "point"}, {"filled", true}, {"size", 70}, {"opacity", 1}};
  json main_layer = {{"mark", std::move(main)},
                     {"encoding", grouped({{"y", quantitative("value", value_title, scale)}, {"tooltip", tips}}, true)}};
  // Error bars are drawn over bars but under points (which keep their tooltips reachable).
  json layers = json::array();
  if (bar) layers.push_back(std::move(main_layer));
  if (interval) {
    // Error bars: a rule from low to high with a tick at each end; black on bars, in the
    // series colour on points.
    bool color = !bar;
    auto error_mark = [&](json m) {
      if (bar) m["color"] = "#2b2f36";
      else if (!series) m["color"] = kDefaultColor;
      return m;
    };
    layers.push_back({{"transform", valid_filter("low", "high")},
                      {"mark", error_mark({{"type", "rule"}, {"strokeWidth", 1.5}})},
                      {"encoding", grouped({{"y", quantitative("low", value_title, scale)},
                                            {"y2", {{"field", "high"}}},
                                            {"tooltip", tips}},
                                           color)}});
    for (const char* end : {"low", "high"})
      layers.push_back({{"transform", valid_filter("low", "high")},
                        {"mark", error_mark({{"type", "tick"}, {"thickness", 1.5}, {"size", 10}})},
                        {"encoding", grouped({{"y", quantitative(end, value_title, scale)}}, color)}});
  }
  if (!bar) layers.push_back(std::move(main_layer));

  json spec = base_spec(rows, title);
  fill_width(spec);
  spec["height"] = kHeight;
  spec["layer"] = std::move(layers);
  return spec;
}

}  // namespace ldnsim::report
