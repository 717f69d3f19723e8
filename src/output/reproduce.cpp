// The rendering of `ldnsim reproduce` results (include/ldnsim/output/reproduce.hpp): the
// published-vs-simulated table, the --json document, the HTML report. docs/clinical.md.
#include "ldnsim/output/reproduce.hpp"

#include <map>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include "appendf.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/output/json_output.hpp"
#include "ldnsim/report/html.hpp"

namespace ldnsim::output {
namespace {

std::string num(double v, int digits = 3) {
  if (!std::isfinite(v)) return "NA";
  return format_number(v, digits);
}

std::string with_unit(double v, const std::string& unit, int digits = 3) {
  return num(v, digits) + (unit == "%" && std::isfinite(v) ? "%" : "");
}

std::string simulated_text(const science::RowResult& r) {
  const std::string& u = r.row.unit;
  return with_unit(r.median, u) + " [" + with_unit(r.p025, u) + ", " + with_unit(r.p975, u) + "]";
}

std::string psig_text(const science::RowResult& r) {
  if (!std::isfinite(r.p_significant) || r.row.statistic == science::Statistic::Withdrawn) return "-";
  return format_number(100 * r.p_significant, 3) + "%";
}

std::string inside_text(const science::RowResult& r) {
  if (!r.consistent) return "-";
  return *r.consistent ? "yes" : "NO";
}

std::string study_label(const science::ReproduceResult& res, const std::string& spec) {
  for (const auto& s : res.studies)
    if (s.study.spec == spec) return s.study.label;
  return spec;
}

std::string fit(std::string s, std::size_t width) {
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  return s;
}

void print_table(std::string& out, const science::ReproduceResult& res) {
  appendf(out, "%-21s %-46s %-22s %-30s %7s %6s %5s  %s\n", "study", "endpoint", "published", "simulated median [95%]",
              "P(sig)", "inside", "grade", "role");
  std::string last;
  for (const auto& r : res.rows) {
    std::string study = study_label(res, r.row.study);
    if (study != last && !last.empty()) appendf(out, "\n");
    appendf(out, "%-21s %-46s %-22s %-30s %7s %6s %5s  %s\n", fit(study == last ? "" : study, 21).c_str(),
                fit(r.row.label, 46).c_str(), fit(r.row.published_text, 22).c_str(), simulated_text(r).c_str(),
                psig_text(r).c_str(), inside_text(r).c_str(), r.row.grade.c_str(), r.row.role.c_str());
    last = study;
  }
}

std::vector<std::string> notes(const science::ReproduceResult& res) {
  std::vector<std::string> out;
  out.push_back("P(sig): share of simulated trials with p < 0.05 in the paper's analysis. inside: the published value lies "
                "in the central 95% of simulated trials (for a verdict alone: that verdict occurs in at least 2.5% of them).");
  out.push_back("fitted rows are calibration targets (agreement there is by construction; see `ldnsim calibrate "
                "trials/calibration/*.toml`); check rows were not fitted; prediction rows have no published value in the "
                "science notes.");
  std::set<std::string> weak;
  for (const auto& r : res.rows)
    if (r.row.grade == "S" || r.row.grade == "U") weak.insert(study_label(res, r.row.study));
  if (!weak.empty()) {
    std::string list;
    for (const auto& w : weak) list += (list.empty() ? "" : ", ") + w;
    out.push_back("weak evidence (grade S: secondary source only; U: unconfirmed): rows of " + list +
                  ". Turel 2015's rates come from summaries of a letter, not from its tables; Cree 2010's null results on "
                  "PCS and MFIS have no numbers; Sharafaddinzadeh 2010's dose and periods are assumed.");
  }
  for (const auto& r : res.rows)
    if (r.consistent && !*r.consistent)
      out.push_back("not reproduced: " + study_label(res, r.row.study) + ", " + r.row.label + ": published " +
                    r.row.published_text + ", simulated " + simulated_text(r) + (r.row.note.empty() ? "" : " (" + r.row.note + ")"));
  std::map<std::string, std::string> covers;  // what the intervals cover -> studies
  for (const auto& s : res.studies) covers[s.covers] += (covers[s.covers].empty() ? "" : ", ") + s.study.label;
  for (const auto& [what, studies] : covers)
    out.push_back("intervals cover " + what + ": " + studies);
  for (const auto& st : res.studies)
    if (std::isfinite(st.p_pattern))
      out.push_back("whole published pattern of " + st.study.label + " (" + st.pattern + ", in the same trial): " +
                    num(100 * st.p_pattern) + "% of simulated trials [" + num(100 * st.p_pattern_low) + ", " +
                    num(100 * st.p_pattern_high) + "], beside each endpoint's P(sig) above");
  out.push_back("Sharafaddinzadeh 2010 is a prediction: its results are deliberately absent from the science notes and no "
                "parameter was fitted to it.");
  return out;
}

}  // namespace

nlohmann::ordered_json reproduce_json(const science::ReproduceResult& res, const science::ReproduceSpec& spec,
                                      const ReproduceInputs& in) {
  auto j = json_output::envelope("reproduce");
  j["inputs"] = {{"spec", spec.file},
                 {"replicates", in.replicates > 0 ? nlohmann::ordered_json(in.replicates) : nlohmann::ordered_json(spec.replicates)},
                 {"seed", in.seed >= 0 ? nlohmann::ordered_json(in.seed) : nlohmann::ordered_json()},
                 {"threads", in.threads},
                 {"report", in.report.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(in.report)}};
  auto n = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); };
  nlohmann::ordered_json& results = j["results"];
  results["studies"] = nlohmann::ordered_json::array();
  results["rows"] = nlohmann::ordered_json::array();
  for (const auto& s : res.studies)
    results["studies"].push_back({{"label", s.study.label}, {"spec", s.study.spec}, {"role", s.study.role}, {"title", s.title},
                                  {"citation", s.citation}, {"replicates", s.replicates}, {"seed", s.seed},
                                  {"median_withdrawn", s.median_withdrawn}, {"median_lost", s.median_lost},
                                  {"parameter_worlds", s.study.uncertainty},
                                  {"pattern", s.pattern.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s.pattern)},
                                  {"p_pattern", n(s.p_pattern)}, {"p_pattern_low", n(s.p_pattern_low)},
                                  {"p_pattern_high", n(s.p_pattern_high)}, {"covers", s.covers}, {"parameter_sets", s.worlds}});
  for (const auto& r : res.rows) {
    nlohmann::ordered_json row = {{"study", study_label(res, r.row.study)}, {"endpoint", r.row.endpoint},
                                  {"statistic", science::to_string(r.row.statistic)}, {"label", r.row.label},
                                  {"published", r.row.published ? n(*r.row.published * r.row.scale) : nlohmann::ordered_json()},
                                  {"published_text", r.row.published_text}, {"unit", r.row.unit}, {"median", n(r.median)},
                                  {"p025", n(r.p025)}, {"p975", n(r.p975)}, {"p_significant", n(r.p_significant)},
                                  {"consistent", r.consistent ? nlohmann::ordered_json(*r.consistent) : nlohmann::ordered_json()},
                                  {"grade", r.row.grade}, {"role", r.row.role}, {"note", r.row.note},
                                  {"replicates", r.replicates}, {"failed", r.failed}};
    results["rows"].push_back(row);
    if (r.failed > 0)
      j["warnings"].push_back(study_label(res, r.row.study) + ", " + r.row.label + ": the analysis failed in " +
                              std::to_string(r.failed) + " of " + std::to_string(r.replicates) + " replicates");
  }
  for (const auto& note : notes(res)) {
    if (note.rfind("not reproduced", 0) == 0) j["warnings"].push_back(note);
    else j["evidence"].push_back(note);
  }
  return j;
}

std::string reproduce_when(const science::ReproduceResult& res, long long seed) {
  std::size_t reps = 0;
  for (const auto& s : res.studies) reps = std::max(reps, s.replicates);
  return std::to_string(res.studies.size()) + " studies, " + std::to_string(reps) + " replicates each, " +
         (seed >= 0 ? "seed " + std::to_string(seed) : std::string("each study's own seed"));
}

std::string reproduce_text(const science::ReproduceResult& res, const std::string& when) {
  std::string out;
  appendf(out, "ldnsim reproduce: the published LDN studies as in-silico trials (%s)\n\n", when.c_str());
  print_table(out, res);
  appendf(out, "\n");
  for (const auto& n : notes(res)) appendf(out, "- %s\n", n.c_str());
  return out;
}

std::string reproduce_report_html(const science::ReproduceResult& res, const science::ReproduceSpec& spec, const std::string& when) {
  report::Html page("ldnsim reproduce: the published LDN studies as in-silico trials",
                    "published vs simulated; " + when);
  page.heading("Summary");
  // The virtual patients: each study's own model (MS, fibromyalgia, Crohn's disease, ...).
  std::string models;
  for (const auto& run : res.studies) {
    const std::string m = std::filesystem::path(run.model).lexically_normal().string();
    const auto at = m.rfind("models/");
    const std::string shown = at == std::string::npos ? m : m.substr(at);
    if (!shown.empty() && models.find(shown) == std::string::npos) models += (models.empty() ? "" : ", ") + shown;
  }
  page.paragraph("Each study was simulated as a replicated trial with the virtual patients of its own model (" + models +
                 ") driven by the LDN pharmacology (models/ldn/human.ldn), and analysed as the paper did. The table "
                 "shows the published value, the median and central 95% of the simulated trials, the probability that "
                 "a simulated trial is significant, whether the published value lies inside the simulated interval, "
                 "and the evidence grade of the published number (studies.md).");
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : res.rows)
    rows.push_back({study_label(res, r.row.study), r.row.label, r.row.published_text, simulated_text(r), psig_text(r),
                    inside_text(r), r.row.grade, r.row.role});
  page.table({"study", "endpoint", "published", "simulated median [95%]", "P(sig)", "inside", "grade", "role"}, rows,
             "spec " + spec.file);
  for (const auto& n : notes(res)) page.callout(n, n.rfind("not reproduced", 0) == 0 ? report::Tone::Warning : report::Tone::Info);

  page.heading("Studies");
  for (const auto& s : res.studies) {
    page.heading(s.study.label + ": " + s.title, 3);
    page.paragraph(s.citation + ". " + std::to_string(s.replicates) + " simulated trials (seed " + std::to_string(s.seed) +
                   "); median withdrawn " + num(s.median_withdrawn) + ", lost " + num(s.median_lost) + ".");
    // forest plots: published vs simulated, one per unit (one axis each)
    std::vector<std::string> units;
    for (const auto& r : res.rows)
      if (r.row.study == s.study.spec && std::isfinite(r.median) && r.row.statistic == science::Statistic::Estimate &&
          std::find(units.begin(), units.end(), r.row.unit) == units.end())
        units.push_back(r.row.unit);
    for (const auto& unit : units) {
      nlohmann::json forest = nlohmann::json::array();
      for (const auto& r : res.rows) {
        if (r.row.study != s.study.spec || !std::isfinite(r.median) || r.row.unit != unit) continue;
        if (r.row.statistic != science::Statistic::Estimate) continue;
        forest.push_back({{"label", r.row.label}, {"estimate", r.median}, {"low", r.p025}, {"high", r.p975},
                          {"source", "Simulated"}, {"note", "median and 95% of simulated trials"}});
        if (r.row.published) {
          nlohmann::json pub = {{"label", r.row.label}, {"estimate", *r.row.published * r.row.scale}, {"source", "Published"},
                                {"note", r.row.published_text + " (grade " + r.row.grade + ")"}};
          if (r.row.low && r.row.high) {
            pub["low"] = *r.row.low * r.row.scale;
            pub["high"] = *r.row.high * r.row.scale;
          }
          forest.push_back(pub);
        }
      }
      std::optional<double> ref;
      if (s.study.role != "calibration" && unit == "points") ref = 0.0;
      page.chart(report::forest_plot(forest, unit.empty() ? "value" : unit, s.study.label + ": published vs simulated", ref),
                 "Published values (with their range where one was published) against the median and central 95% of the "
                 "simulated trials.");
    }
    // time courses
    std::set<std::string> outs;
    for (const auto& c : s.courses) outs.insert(c.output);
    for (const auto& o : outs) {
      nlohmann::json pts = nlohmann::json::array();
      for (const auto& c : s.courses) {
        if (c.output != o) continue;
        for (std::size_t i = 0; i < c.day.size(); ++i)
          pts.push_back({{"x", c.day[i] / 7.0}, {"y", c.median[i]}, {"series", c.group}, {"band_low", c.low[i]},
                         {"band_high", c.high[i]}});
      }
      page.chart(report::line_chart(pts, "week", o, s.study.label + ": " + o + " by group"),
                 "Mean " + o + " of the observed patients of each group at the visits: median over simulated trials, "
                 "with the central 95%.");
    }
  }
  return page.render();
}

}  // namespace ldnsim::output
