// The rendering of `ldnsim claims` results (include/ldnsim/output/claims.hpp): the text
// table and each claim's parts, the --json document, the HTML report. docs/claims.md.
#include "ldnsim/output/claims.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "appendf.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/output/json_output.hpp"
#include "ldnsim/report/html.hpp"

namespace ldnsim::output {
namespace {

std::string num(double v, int digits = 3) {
  if (std::isnan(v)) return "NA";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return format_number(v, digits);
}

std::string unit_suffix(const std::string& unit) { return unit == "%" ? "%" : (unit.empty() ? "" : " " + unit); }

std::string figure_text(const science::Figure& f, const std::string& unit, const std::string& method = "") {
  if (!f.defined) return "none";
  if (!f.measured) return "not measured (bounded: prior range [" + num(f.low) + ", " + num(f.high) + "]" + unit_suffix(unit) + ")";
  if (f.low == f.high && f.value == f.low) return num(f.value) + unit_suffix(unit);
  const bool range = method == "arithmetic" || method == "documented";
  return num(f.value) + unit_suffix(unit) + (range ? " [range: " : " [95%: ") + num(f.low) + ", " + num(f.high) + "]";
}

std::string deciding_text(const science::ClaimResult& c) {
  if (c.deciding < 0) return "-";
  const auto& p = c.parts[static_cast<std::size_t>(c.deciding)];
  if (p.verdict == science::Verdict::Untestable) return p.part.reason;
  std::string s = p.part.name + ": " + figure_text(p.with_ldn, p.part.unit, p.part.method);
  if (p.without_ldn.defined) s += "; without LDN " + figure_text(p.without_ldn, p.part.unit);
  s += "; claimed " + p.part.claimed_text;
  if (p.verdict == science::Verdict::UntestableMisfit) s += "; misfit: " + p.provenance.misfit_text;
  if (p.verdict == science::Verdict::ConsistentFitted) s += "; fitted to this source: " + p.provenance.fitted_text;
  if (p.verdict == science::Verdict::NotSupportedAssumption) s += "; under the assumptions " + p.provenance.assumption_text;
  return s;
}

std::string sources_text(const science::Claim& c) {
  std::string s;
  for (const auto& x : c.sources) s += (s.empty() ? "" : ", ") + x;
  return s;
}

const char* kSourceNames = "sources: B = a clinic's health blog, A = an LDN advocacy article, O = a treatment overview page, "
                           "P = a compounding pharmacy's article";

nlohmann::ordered_json figure_json(const science::Figure& f) {
  if (!f.defined) return nullptr;
  auto n = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(v > 0 ? "inf" : "-inf"); };
  // Not measured (a bound): no value; low and high are the prior range.
  if (!f.measured) return {{"value", nullptr}, {"measured", false}, {"low", n(f.low)}, {"high", n(f.high)}};
  return {{"value", n(f.value)}, {"low", n(f.low)}, {"high", n(f.high)}};
}

nlohmann::ordered_json bound_json(double v) {
  if (std::isfinite(v)) return v;
  return v > 0 ? "inf" : "-inf";
}

}  // namespace

nlohmann::ordered_json claims_json(const science::ClaimsRun& run, const science::ClaimsOptions& o, const ClaimsInputs& in) {
  auto j = json_output::envelope("claims");
  j["inputs"] = {{"file", in.file},
                 {"ids", in.ids},
                 {"replicates", o.replicates},
                 {"samples", o.samples},
                 {"seed", o.seed},
                 {"threads", o.threads},
                 {"report", in.report.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(in.report)}};
  auto& res = j["results"];
  res["rule"] = science::verdict_rule();
  res["counts"] = nlohmann::ordered_json::object();
  for (auto v : science::all_verdicts()) {
    long n = 0;
    for (const auto& c : run.claims) n += c.verdict == v;
    res["counts"][science::to_string(v)] = n;
  }
  res["claims"] = nlohmann::ordered_json::array();
  for (const auto& c : run.claims) {
    nlohmann::ordered_json cj;
    cj["id"] = c.claim.id;
    cj["claim"] = c.claim.claim;
    cj["sources"] = c.claim.sources;
    cj["verdict"] = science::to_string(c.verdict);
    cj["deciding_part"] = c.deciding >= 0 ? nlohmann::ordered_json(c.parts[static_cast<std::size_t>(c.deciding)].part.name)
                                          : nlohmann::ordered_json();
    cj["deciding"] = deciding_text(c);
    cj["test"] = c.claim.test;
    cj["evidence"] = nlohmann::ordered_json::array();
    for (const auto& e : c.claim.evidence) cj["evidence"].push_back({{"text", e.text}, {"grade", e.grade}, {"ref", e.ref}});
    cj["parts"] = nlohmann::ordered_json::array();
    for (const auto& p : c.parts) {
      nlohmann::ordered_json pj;
      pj["name"] = p.part.name;
      pj["kind"] = p.part.kind == science::PartKind::Effect ? "effect" : "observation";
      pj["method"] = p.part.method;
      pj["verdict"] = science::to_string(p.verdict);
      pj["decides"] = p.part.decides;
      pj["why"] = p.why;
      pj["base_verdict"] = science::to_string(p.base);
      pj["provenance"] = {{"fitted_to_source", p.provenance.fitted_to_source ? nlohmann::ordered_json(p.provenance.fitted_text) : nlohmann::ordered_json()},
                          {"misfit", p.provenance.misfit ? nlohmann::ordered_json(p.provenance.misfit_text) : nlohmann::ordered_json()},
                          {"assumption", p.provenance.assumption ? nlohmann::ordered_json(p.provenance.assumption_text) : nlohmann::ordered_json()}};
      pj["unit"] = p.part.unit;
      pj["claimed"] = p.part.method == "untestable"
                          ? nlohmann::ordered_json()
                          : nlohmann::ordered_json({{"low", bound_json(p.part.claimed_low)},
                                                    {"high", bound_json(p.part.claimed_high)},
                                                    {"text", p.part.claimed_text}});
      pj["with_ldn"] = figure_json(p.with_ldn);
      pj["without_ldn"] = figure_json(p.without_ldn);
      pj["without_means"] = p.without_text;
      pj["strong"] = p.strong;
      pj["rests_on"] = p.part.rests_on;
      pj["basis"] = p.part.basis;
      pj["simulated"] = p.simulated;
      pj["notes"] = p.notes;
      if (!p.part.note.empty()) pj["notes"].push_back(p.part.note);
      pj["curves"] = nlohmann::ordered_json::array();
      for (const auto& cv : p.curves) {
        nlohmann::ordered_json pts = nlohmann::ordered_json::array();
        for (const auto& q : cv.points) pts.push_back({{"day", q.day}, {"median", q.median}, {"low", q.low}, {"high", q.high}});
        pj["curves"].push_back({{"label", cv.label}, {"progression_free_percent", pts}});
      }
      cj["parts"].push_back(pj);
    }
    res["claims"].push_back(cj);
    for (const auto& p : c.parts)
      for (const auto& n : p.notes)
        if (n.find("few samples carry the weight") != std::string::npos) j["warnings"].push_back(c.claim.id + ": " + n);
  }
  j["evidence"].push_back("grades: A-E as in pharmacology.md (A label or primary human study ... E derived); C/S/U/D as in "
                          "studies.md (C confirmed, S secondary source only, U unconfirmed, D derived)");
  j["evidence"].push_back(kSourceNames);
  j["evidence"].push_back("the LDN effects on relapses and progression (BIMM, BPROG) are assumptions; the claims about "
                          "progression use the most favourable end of their range");
  return j;
}

std::string claims_text(const science::ClaimsRun& run, const science::ClaimsOptions& o) {
  std::string out;
  appendf(out, "ldnsim claims: %zu claim%s about LDN in MS held against the evidence and the simulations\n", run.claims.size(),
              run.claims.size() == 1 ? "" : "s");
  appendf(out, "(%zu simulated trials per study, %zu pharmacology samples, seed %llu)\n\n", o.replicates, o.samples,
              static_cast<unsigned long long>(o.seed));
  appendf(out, "%-20s %-42s %s\n", "claim", "verdict", "deciding figure [95% interval]");
  for (const auto& c : run.claims)
    appendf(out, "%-20s %-42s %s\n", c.claim.id.c_str(), science::to_string(c.verdict), deciding_text(c).c_str());
  for (const auto& c : run.claims) {
    appendf(out, "\n== %s: %s\n", c.claim.id.c_str(), science::to_string(c.verdict));
    appendf(out, "claim: %s (sources: %s)\n", c.claim.claim.c_str(), sources_text(c.claim).c_str());
    appendf(out, "evidence:\n");
    for (const auto& e : c.claim.evidence) appendf(out, "  [%s] %s (%s)\n", e.grade.c_str(), e.text.c_str(), e.ref.c_str());
    appendf(out, "test: %s\n", c.claim.test.c_str());
    for (std::size_t i = 0; i < c.parts.size(); ++i) {
      const auto& p = c.parts[i];
      appendf(out, "%s %s -> %s%s\n", static_cast<int>(i) == c.deciding ? "*" : "-", p.part.name.c_str(), science::to_string(p.verdict),
                  p.part.decides ? "" : " (context: not part of the verdict)");
      if (p.verdict == science::Verdict::Untestable && p.part.method == "untestable") {
        appendf(out, "    why: %s\n", p.part.reason.c_str());
        continue;
      }
      appendf(out, "    ldnsim: %s; claimed: %s\n", figure_text(p.with_ldn, p.part.unit, p.part.method).c_str(), p.part.claimed_text.c_str());
      if (p.without_ldn.defined)
        appendf(out, "    without LDN: %s (%s)\n", figure_text(p.without_ldn, p.part.unit).c_str(), p.without_text.c_str());
      appendf(out, "    simulated: %s\n", p.simulated.c_str());
      appendf(out, "    basis: %s (%s; %s)\n", p.strong ? "strong" : "weak", [&] {
        std::string g;
        for (const auto& x : p.part.rests_on) g += (g.empty() ? "" : ", ") + x;
        return g;
      }().c_str(), p.part.basis.c_str());
      appendf(out, "    rule: %s\n", p.why.c_str());
      if (p.provenance.misfit) appendf(out, "    misfit: %s\n", p.provenance.misfit_text.c_str());
      if (p.provenance.fitted_to_source) appendf(out, "    fitted to this source: %s\n", p.provenance.fitted_text.c_str());
      if (p.provenance.assumption) appendf(out, "    rests on assumptions: %s\n", p.provenance.assumption_text.c_str());
      for (const auto& n : p.notes) appendf(out, "    note: %s\n", n.c_str());
      if (!p.part.note.empty()) appendf(out, "    note: %s\n", p.part.note.c_str());
    }
  }
  appendf(out, "\nThe verdict rule (docs/claims.md):\n");
  for (const auto& line : science::verdict_rule()) appendf(out, "  %s\n", line.c_str());
  appendf(out, "%s.\n", kSourceNames);
  return out;
}

std::string claims_report_html(const science::ClaimsRun& run, const science::ClaimsOptions& o) {
  report::Html page("ldnsim claims: popular claims about LDN in MS, tested",
                    std::to_string(run.claims.size()) + " claims; " + std::to_string(o.replicates) +
                        " simulated trials per study, " + std::to_string(o.samples) + " pharmacology samples, seed " +
                        std::to_string(o.seed));
  page.heading("Summary");
  page.paragraph("Each claim made about low-dose naltrexone in popular texts on multiple sclerosis was turned into one or "
                 "more figures that ldnsim computes, with a 95% interval and, where it matters, the same figure without "
                 "LDN's drug effect. The verdict follows from a fixed rule on those figures (below); nothing in the claims "
                 "file states a verdict.");
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : run.claims)
    rows.push_back({c.claim.id, c.claim.claim, sources_text(c.claim), science::to_string(c.verdict), deciding_text(c)});
  page.table({"claim", "what is claimed", "sources", "verdict", "deciding figure [95% interval]"}, rows, kSourceNames, {3});

  // verdict counts
  nlohmann::json counts = nlohmann::json::array();
  for (auto v : science::all_verdicts()) {
    long n = 0;
    for (const auto& c : run.claims) n += c.verdict == v;
    counts.push_back({{"category", science::to_string(v)}, {"value", n}});
  }
  page.chart(report::interval_chart(counts, "verdict", "claims", "Verdicts", report::IntervalMark::Bar),
             "How many claims received each verdict.");

  // percent figures: ldnsim vs claimed
  nlohmann::json forest = nlohmann::json::array();
  for (const auto& c : run.claims)
    for (const auto& p : c.parts) {
      if (p.part.unit != "%" || !p.with_ldn.defined || !p.with_ldn.measured) continue;
      const std::string label = c.claim.id + ": " + p.part.name;
      forest.push_back({{"label", label}, {"estimate", p.with_ldn.value}, {"low", p.with_ldn.low}, {"high", p.with_ldn.high},
                        {"source", "ldnsim"}, {"note", p.simulated}});
      if (p.without_ldn.defined && p.without_ldn.low != p.without_ldn.high)
        forest.push_back({{"label", label}, {"estimate", p.without_ldn.value}, {"low", p.without_ldn.low},
                          {"high", p.without_ldn.high}, {"source", "ldnsim without LDN"}, {"note", p.without_text}});
      const double lo = std::isfinite(p.part.claimed_low) ? p.part.claimed_low : std::min(p.with_ldn.low, 0.0);
      const double hi = std::isfinite(p.part.claimed_high) ? p.part.claimed_high : std::max(p.with_ldn.high, lo) + 10;
      nlohmann::json cl = {{"label", label}, {"estimate", std::isfinite(p.part.claimed_low) && std::isfinite(p.part.claimed_high)
                                                               ? (lo + hi) / 2 : (std::isfinite(p.part.claimed_low) ? lo : hi)},
                           {"low", lo}, {"high", hi}, {"source", "claimed"}, {"note", p.part.claimed_text}};
      forest.push_back(cl);
    }
  if (!forest.empty())
    page.chart(report::forest_plot(forest, "%", "Claimed against computed (figures in %)", 0.0),
               "For each figure in percent: ldnsim's best estimate with its 95% interval, the same without LDN's drug "
               "effect where it matters, and the region the claim asserts (an open-ended claim is drawn to the edge of "
               "the plot).");

  // progression-free curves
  nlohmann::json pts = nlohmann::json::array();
  std::map<std::string, bool> seen;
  double last_day = 0, claimed = 0;
  for (const auto& c : run.claims)
    for (const auto& p : c.parts)
      for (const auto& cv : p.curves) {
        if (seen.empty()) claimed = p.part.claimed_low;  // the claimed share, from the claims file
        if (seen[cv.label]) continue;
        seen[cv.label] = true;
        for (const auto& q : cv.points) {
          pts.push_back({{"x", q.day / 365.25}, {"y", q.median}, {"series", cv.label}, {"band_low", q.low}, {"band_high", q.high}});
          last_day = std::max(last_day, q.day);
        }
      }
  if (!pts.empty()) {
    const std::string level = num(claimed), years = num(last_day / 365.25, 2);
    pts.push_back({{"x", 0.0}, {"y", claimed}, {"series", "claimed: " + level + "% without progression"}});
    pts.push_back({{"x", last_day / 365.25}, {"y", claimed}, {"series", "claimed: " + level + "% without progression"}});
    page.chart(report::line_chart(pts, "years", "% free of confirmed progression",
                                  "Progression-free share over " + years + " years against the claimed " + level + "%"),
               "Virtual RRMS patients followed " + years + " years: untreated, and on LDN with the most favourable assumed effect on "
               "disease; median and central 95% of simulated cohorts. The dashed-level line is the claim.");
  }

  page.heading("The verdict rule");
  for (const auto& line : science::verdict_rule()) page.paragraph(line);

  page.heading("Claims");
  for (const auto& c : run.claims) {
    page.heading(c.claim.id + ": " + science::to_string(c.verdict), 3);
    page.paragraph("Claim: " + c.claim.claim + " (sources: " + sources_text(c.claim) + ")");
    std::vector<std::vector<std::string>> ev;
    for (const auto& e : c.claim.evidence) ev.push_back({e.grade, e.text, e.ref});
    page.table({"grade", "evidence found", "where"}, ev);
    page.paragraph("Test: " + c.claim.test);
    std::vector<std::vector<std::string>> parts;
    for (const auto& p : c.parts) {
      const bool untestable = p.part.method == "untestable";
      parts.push_back({p.part.name, science::to_string(p.verdict), untestable ? "-" : figure_text(p.with_ldn, p.part.unit, p.part.method),
                       p.without_ldn.defined ? figure_text(p.without_ldn, p.part.unit) : "-",
                       untestable ? "-" : p.part.claimed_text, untestable ? "-" : (p.strong ? "strong" : "weak"),
                       untestable ? p.part.reason : p.why});
    }
    page.table({"figure", "verdict", "ldnsim [95%]", "without LDN", "claimed", "basis", "rule"}, parts, "", {1});
    for (const auto& p : c.parts) {
      if (p.part.method == "untestable") continue;
      page.paragraph(p.part.name + " - simulated: " + p.simulated + (p.without_text.empty() ? "" : "; without LDN: " + p.without_text) +
                     ". Basis: " + p.part.basis + ".");
      for (const auto& n : p.notes) page.paragraph(n);
      if (!p.part.note.empty()) page.paragraph(p.part.note);
      if (!p.strong) page.callout("The evidence behind " + p.part.name + " is weak: " + p.part.basis + ".", report::Tone::Caution);
    }
  }
  return page.render();
}

}  // namespace ldnsim::output
