// ldnsim claims: every popular claim about LDN in MS (claims/claims.toml) held against the
// evidence and ldnsim's simulations, with a computed verdict, the deciding figure and its
// uncertainty; text, --json and an HTML report. docs/claims.md.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/science/claims.hpp"
#include "ldnsim/trial/spec.hpp"
#include "ldnsim/output/json_output.hpp"
#ifdef LDNSIM_HAVE_REPORT
#include "ldnsim/report/html.hpp"
#endif

namespace ldnsim::cli {
namespace {

struct ClaimsFlags {
  std::vector<std::string> ids;
  std::string file;
  long long replicates = 100;
  long long samples = 200;
  long long seed = 2024;
  bool json = false;
  std::string report;
  std::string uncertainty = "assumptions";
  long long worlds = 100;
  RunFlags run;
};

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

nlohmann::ordered_json to_json(const science::ClaimsRun& run, const science::ClaimsSpec& spec, const ClaimsFlags& f,
                               const science::ClaimsOptions& o) {
  auto j = json_output::envelope("claims");
  j["inputs"] = {{"file", spec.file},
                 {"ids", f.ids},
                 {"replicates", o.replicates},
                 {"samples", o.samples},
                 {"uncertainty", o.uncertainty ? science::to_string(*o.uncertainty) : "sampling"},
                 {"parameter_sets", o.worlds},
                 {"seed", o.seed},
                 {"threads", o.threads},
                 {"report", f.report.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(f.report)}};
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
      pj["covers"] = p.covers;
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

void print_text(const science::ClaimsRun& run, const science::ClaimsOptions& o) {
  std::printf("ldnsim claims: %zu claim%s about LDN in MS held against the evidence and the simulations\n", run.claims.size(),
              run.claims.size() == 1 ? "" : "s");
  std::printf("(%zu simulated trials per study, %zu pharmacology samples, seed %llu)\n\n", o.replicates, o.samples,
              static_cast<unsigned long long>(o.seed));
  std::printf("%-20s %-42s %s\n", "claim", "verdict", "deciding figure [95% interval]");
  for (const auto& c : run.claims)
    std::printf("%-20s %-42s %s\n", c.claim.id.c_str(), science::to_string(c.verdict), deciding_text(c).c_str());
  for (const auto& c : run.claims) {
    std::printf("\n== %s: %s\n", c.claim.id.c_str(), science::to_string(c.verdict));
    std::printf("claim: %s (sources: %s)\n", c.claim.claim.c_str(), sources_text(c.claim).c_str());
    std::printf("evidence:\n");
    for (const auto& e : c.claim.evidence) std::printf("  [%s] %s (%s)\n", e.grade.c_str(), e.text.c_str(), e.ref.c_str());
    std::printf("test: %s\n", c.claim.test.c_str());
    for (std::size_t i = 0; i < c.parts.size(); ++i) {
      const auto& p = c.parts[i];
      std::printf("%s %s -> %s%s\n", static_cast<int>(i) == c.deciding ? "*" : "-", p.part.name.c_str(), science::to_string(p.verdict),
                  p.part.decides ? "" : " (context: not part of the verdict)");
      if (p.verdict == science::Verdict::Untestable && p.part.method == "untestable") {
        std::printf("    why: %s\n", p.part.reason.c_str());
        continue;
      }
      std::printf("    ldnsim: %s; claimed: %s\n", figure_text(p.with_ldn, p.part.unit, p.part.method).c_str(), p.part.claimed_text.c_str());
      if (p.without_ldn.defined)
        std::printf("    without LDN: %s (%s)\n", figure_text(p.without_ldn, p.part.unit).c_str(), p.without_text.c_str());
      std::printf("    simulated: %s\n", p.simulated.c_str());
      if (!p.covers.empty()) std::printf("    interval covers: %s\n", p.covers.c_str());
      std::printf("    basis: %s (%s; %s)\n", p.strong ? "strong" : "weak", [&] {
        std::string g;
        for (const auto& x : p.part.rests_on) g += (g.empty() ? "" : ", ") + x;
        return g;
      }().c_str(), p.part.basis.c_str());
      std::printf("    rule: %s\n", p.why.c_str());
      if (p.provenance.misfit) std::printf("    misfit: %s\n", p.provenance.misfit_text.c_str());
      if (p.provenance.fitted_to_source) std::printf("    fitted to this source: %s\n", p.provenance.fitted_text.c_str());
      if (p.provenance.assumption) std::printf("    rests on assumptions: %s\n", p.provenance.assumption_text.c_str());
      for (const auto& n : p.notes) std::printf("    note: %s\n", n.c_str());
      if (!p.part.note.empty()) std::printf("    note: %s\n", p.part.note.c_str());
    }
  }
  std::printf("\nThe verdict rule (docs/claims.md):\n");
  for (const auto& line : science::verdict_rule()) std::printf("  %s\n", line.c_str());
  std::printf("%s.\n", kSourceNames);
}

#ifdef LDNSIM_HAVE_REPORT
std::string report_html(const science::ClaimsRun& run, const science::ClaimsOptions& o) {
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
#endif

int run_claims(const ClaimsFlags& f) {
  if (f.replicates < 2 || f.replicates > 100000)
    throw UsageError("--replicates " + std::to_string(f.replicates) + ": expected a number of simulated trials in 2-100000");
  if (f.samples < 10 || f.samples > 1000000)
    throw UsageError("--samples " + std::to_string(f.samples) + ": expected a number of pharmacology samples in 10-1000000");
  if (f.seed < 0) throw UsageError("--seed " + std::to_string(f.seed) + ": expected 0 or more");
  const std::string file = f.file.empty() ? science::default_claims_path() : f.file;
  OutputPlan plan;
  plan.input("--file", file).output("--report", f.report).check();
  science::ClaimsSpec spec = science::load_claims(file);
  // The trial specs the claims run, their models and populations: the report may be none of them.
  plan.input("the claims' model", spec.model_path);
  std::set<std::string> studies;
  for (const auto& c : spec.claims)
    for (const auto& p : c.parts)
      for (const std::string& s : {p.study, p.without_study})
        if (!s.empty() && studies.insert(s).second) {
          const trial::TrialSpec ts = trial::load_trial_spec(s);
          plan.input("a claim's study", s).input("a study's model", ts.model_path).input("a study's population", ts.population_path);
        }
  plan.check();
  // Check the ids before anything runs.
  for (const auto& id : f.ids) {
    bool ok = false;
    for (const auto& c : spec.claims) ok = ok || c.id == id;
    if (!ok) {
      std::string list;
      for (const auto& c : spec.claims) list += (list.empty() ? "" : ", ") + c.id;
      throw UsageError("unknown claim id '" + printable(id, 60) + "' (expected one of: " + list + ")");
    }
  }
  std::unique_ptr<AtomicFile> html;
#ifdef LDNSIM_HAVE_REPORT
  if (!f.report.empty()) {
    report::Html probe("probe");  // the chart libraries must be installed before the run
    probe.chart(report::line_chart(nlohmann::json::array({{{"x", 0}, {"y", 0}}}), "x", "y"));
    (void)probe.render();
    html = std::make_unique<AtomicFile>(f.report);
  }
#else
  if (!f.report.empty()) throw UsageError("--report: this ldnsim was built without the report library");
#endif
  science::ClaimsOptions o;
  o.replicates = static_cast<std::size_t>(f.replicates);
  o.samples = static_cast<std::size_t>(f.samples);
  o.uncertainty = science::parse_uncertainty_level(f.uncertainty);
  o.worlds = static_cast<std::size_t>(f.worlds);
  o.seed = static_cast<std::uint64_t>(f.seed);
  o.threads = f.run.thread_count();
  o.progress = !f.run.quiet && isatty(2);
  if (!f.run.quiet && isatty(2)) o.note = [](const std::string& s) { std::fprintf(stderr, "ldnsim claims: %s\n", s.c_str()); };
  const auto start = std::chrono::steady_clock::now();
  science::ClaimsRun run = science::evaluate_claims(spec, f.ids, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#ifdef LDNSIM_HAVE_REPORT
  if (html) {
    html->write(report_html(run, o));
    html->commit();
  }
#endif
  if (f.json) {
    auto j = to_json(run, spec, f, o);
    j["seconds"] = secs;
    print_json(j);
  } else {
    print_text(run, o);
  }
  if (notes_on_stderr(f.run.quiet)) {
    std::fprintf(stderr, "ldnsim claims: %.1f s on %d thread%s (%zu simulated studies, %zu pharmacology bands)", secs, o.threads,
                 o.threads == 1 ? "" : "s", run.trials_run, run.pharmacology_runs);
    if (html) std::fprintf(stderr, "; report written to %s", f.report.c_str());
    std::fprintf(stderr, "\n");
  }
  return 0;
}

}  // namespace

void add_claims_command(CLI::App& app) {
  auto f = std::make_shared<ClaimsFlags>();
  CLI::App* cmd = app.add_subcommand(
      "claims", "Hold popular claims about LDN in MS against the evidence and the simulations: a computed verdict for each");
  cmd->add_option("ids", f->ids, "claim ids to evaluate (default: all), e.g. tcell-300 no-progression-98");
  cmd->add_option("--file", f->file, "claims file (default: claims/claims.toml)");
  cmd->add_option("--replicates,-n", f->replicates, "simulated trials per study")
      ->capture_default_str()
      ->check(count_in(2, 100000, "a number of simulated trials, 2 to 100000"));
  cmd->add_option("--samples", f->samples, "Latin-hypercube samples per pharmacology band")
      ->capture_default_str()
      ->check(count_in(10, 1000000, "a number of pharmacology samples, 10 to 1000000"));
  cmd->add_option("--seed", f->seed, "seed of every simulation")->capture_default_str()->check(seed_number());
  cmd->add_option("--uncertainty", f->uncertainty,
                  "what a simulated study's intervals cover besides sampling, drawn as power draws them: sampling (nothing), "
                  "parameters (+ fitted estimates with their correlations), assumptions (+ assumption ranges, the lymphocyte "
                  "band, between-trial variation)")
      ->capture_default_str()
      ->check(CLI::IsMember({"sampling", "parameters", "assumptions"}));
  cmd->add_option("--parameter-sets", f->worlds, "parameter sets drawn per simulated study (--uncertainty parameters or assumptions)")
      ->capture_default_str()
      ->check(count_in(1, 10000, "a number of parameter sets, 1 to 10000"));
  cmd->add_flag("--json", f->json, "the verdicts as JSON on stdout (docs/json.md)");
  cmd->add_option("--report", f->report, "write an HTML report (claims table with verdict badges, charts)")->check(file_name());
  f->run.add_to(*cmd);
  cmd->callback([f] { run_claims(*f); });
}

}  // namespace ldnsim::cli
