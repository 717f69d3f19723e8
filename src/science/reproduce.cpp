#include "ldnsim/science/reproduce.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/science/ldn_driver.hpp"
#include "ldnsim/science/predictive.hpp"
#include "ldnsim/trial/driver.hpp"
#include "ldnsim/core/toml_reader.hpp"
#include "ldnsim/stats/proportions.hpp"

namespace ldnsim::science {

namespace fs = std::filesystem;

// Replicates per study, as `ldnsim reproduce --replicates` allows (1e11 ran out of memory).
constexpr double kMaxReplicates = 1e6;

ReproduceSpec load_reproduce_spec(const std::string& path) {
  if (!fs::is_regular_file(path)) throw UsageError("reproduce spec '" + path + "': no such file");
  spec::TomlReader r(path);
  toml::table doc = r.parse_file();
  ReproduceSpec s;
  s.file = path;
  s.dir = fs::path(path).parent_path().string();
  auto rel = [&](const std::string& p) { return fs::path(p).is_absolute() ? p : (fs::path(s.dir) / p).lexically_normal().string(); };
  r.check_keys(doc, "", {"reproduce", "studies", "rows"});
  if (const toml::table* t = r.table(doc, "", "reproduce")) {
    r.check_keys(*t, "reproduce", {"replicates"});
    if (auto v = r.number(*t, "reproduce", "replicates")) {
      if (*v < 1 || *v > kMaxReplicates || std::floor(*v) != *v)
        r.fail(*t->get("replicates"), "reproduce.replicates", "expected a whole number, 1 to 1000000, found " + format_number(*v));
      s.replicates = static_cast<std::size_t>(*v);
    }
  }
  std::map<std::string, trial::TrialSpec> specs;
  const auto studies = r.tables(doc, "", "studies");
  if (studies.empty()) throw InputError(path + ":1:1: studies: missing (expected [[studies]] with spec, label, role)");
  for (std::size_t i = 0; i < studies.size(); ++i) {
    const toml::table& t = *studies[i];
    const std::string key = "studies[" + std::to_string(i) + "]";
    r.check_keys(t, key, {"spec", "label", "role", "replicates", "uncertainty"});
    ReproduceStudy st;
    st.spec = rel(r.require_string(t, key, "spec"));
    if (!fs::is_regular_file(st.spec))
      r.fail(*t.get("spec"), key + ".spec", "cannot open '" + st.spec + "' (expected a trial spec path relative to " + path + ")");
    st.label = r.require_string(t, key, "label");
    st.role = r.require_string(t, key, "role");
    if (st.role != "calibration" && st.role != "ldn" && st.role != "prediction")
      r.fail(*t.get("role"), key + ".role", "'" + st.role + "' (expected calibration, ldn or prediction)");
    if (auto v = r.number(t, key, "replicates")) {
      if (*v < 1 || *v > kMaxReplicates || std::floor(*v) != *v)
        r.fail(*t.get("replicates"), key + ".replicates", "expected a whole number, 1 to 1000000, found " + format_number(*v));
      st.replicates = static_cast<std::size_t>(*v);
    }
    if (auto v = r.number(t, key, "uncertainty")) {  // parameter worlds (predictive.hpp)
      if (*v < 1 || *v > 10000 || std::floor(*v) != *v)
        r.fail(*t.get("uncertainty"), key + ".uncertainty", "expected a whole number of parameter draws, 1 to 10000, found " + format_number(*v));
      st.uncertainty = static_cast<std::size_t>(*v);
    }
    for (const auto& o : s.studies)
      if (o.spec == st.spec) r.fail(*t.get("spec"), key + ".spec", "'" + st.spec + "' is listed twice");
    specs.emplace(st.spec, trial::load_trial_spec(st.spec));
    s.studies.push_back(st);
  }
  const auto rows = r.tables(doc, "", "rows");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const toml::table& t = *rows[i];
    const std::string key = "rows[" + std::to_string(i) + "]";
    r.check_keys(t, key, {"study", "endpoint", "statistic", "label", "published", "low", "high", "published_text", "verdict",
                          "grade", "role", "note", "scale", "unit"});
    ReproduceRow row;
    row.study = rel(r.require_string(t, key, "study"));
    auto sp = specs.find(row.study);
    if (sp == specs.end()) r.fail(*t.get("study"), key + ".study", "'" + row.study + "' is not one of the [[studies]]");
    std::string stat = r.string(t, key, "statistic").value_or("estimate");
    try {
      row.statistic = parse_statistic(stat);
    } catch (const InputError& e) {
      r.fail(*t.get("statistic"), key + ".statistic", e.what());
    }
    row.endpoint = r.string(t, key, "endpoint").value_or("");
    if (row.endpoint.empty() && row.statistic != Statistic::Withdrawn && row.statistic != Statistic::Lost)
      throw InputError(r.location(t.source()) + ": " + key + ".endpoint: missing (expected an endpoint of the study)");
    if (!row.endpoint.empty()) {
      bool found = false;
      std::string names;
      for (const auto& e : sp->second.endpoints) {
        found |= e.name == row.endpoint;
        names += (names.empty() ? "" : ", ") + e.name;
      }
      if (!found) r.fail(*t.get("endpoint"), key + ".endpoint", "the study has no endpoint '" + row.endpoint + "' (expected one of: " + names + ")");
    }
    row.label = r.require_string(t, key, "label");
    row.published = r.number(t, key, "published");
    row.low = r.number(t, key, "low");
    row.high = r.number(t, key, "high");
    row.published_text = r.string(t, key, "published_text").value_or("");
    std::string verdict = r.string(t, key, "verdict").value_or("");
    if (verdict == "significant") row.verdict = ReproduceRow::Verdict::Significant;
    else if (verdict == "not significant") row.verdict = ReproduceRow::Verdict::NotSignificant;
    else if (!verdict.empty()) r.fail(*t.get("verdict"), key + ".verdict", "'" + verdict + "' (expected \"significant\" or \"not significant\")");
    row.grade = r.require_string(t, key, "grade");
    row.role = r.require_string(t, key, "role");
    if (row.role != "fitted" && row.role != "check" && row.role != "prediction")
      r.fail(*t.get("role"), key + ".role", "'" + row.role + "' (expected fitted, check or prediction)");
    row.note = r.string(t, key, "note").value_or("");
    row.scale = r.number(t, key, "scale").value_or(1);
    row.unit = r.string(t, key, "unit").value_or("");
    if (row.published_text.empty() && row.published) row.published_text = std::to_string(*row.published * row.scale);
    s.rows.push_back(row);
  }
  return s;
}

namespace {

// R's default quantile (type 7) of sorted values.
double quantile(const std::vector<double>& v, double p) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = (static_cast<double>(v.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

ReproduceResult run_reproduce(const ReproduceSpec& spec, const ReproduceOptions& options) {
  ReproduceResult out;
  out.rows.resize(spec.rows.size());
  for (std::size_t si = 0; si < spec.studies.size(); ++si) {
    const ReproduceStudy& st = spec.studies[si];
    const auto start = std::chrono::steady_clock::now();
    trial::Trial t = trial::Trial::load(st.spec, ldn_drivers(), {}, clinical_simulation_options());
    StudyRun run;
    run.study = st;
    run.title = t.spec().title;
    run.citation = t.spec().citation;
    run.model = t.spec().model_path;
    run.replicates = options.replicates ? options.replicates : st.replicates ? st.replicates : spec.replicates;
    // --seed S gives study k the seed S * 1000003 + k (distinct streams per study).
    run.seed = options.seed ? *options.seed * 1000003ULL + si : t.spec().seed.value_or(1);
    if (options.note)
      options.note("study " + std::to_string(si + 1) + "/" + std::to_string(spec.studies.size()) + ": " + st.label + " (" +
                   std::to_string(run.replicates) + " replicates of " + std::to_string(t.spec().n) + " patients)");
    trial::RunOptions o;
    o.replicates = run.replicates;
    o.seed = run.seed;
    o.threads = options.threads;
    o.progress = options.progress;
    trial::TrialResults res;
    if (options.uncertainty) {
      // power's mechanism at the asked level (clinical_uncertainty.hpp)
      const DrawPlan plan = plan_draws(t.instance(), *options.uncertainty, {}, options.pharmacology_samples, run.seed, options.threads);
      run.worlds = plan.level == UncertaintyLevel::Sampling ? 0 : (st.uncertainty ? st.uncertainty : options.worlds);
      run.covers = plan.covers + (run.worlds ? " (" + std::to_string(run.worlds) + " parameter sets)" : "");
      res = run_planned(t, o, plan, run.worlds);
    } else {
      run.worlds = st.uncertainty;
      if (st.uncertainty)
        run.covers = "sampling + parameters + assumptions (every ranged parameter of the model file, " + std::to_string(st.uncertainty) +
                     " parameter sets)";
      res = run_predictive(t, o, st.uncertainty);
    }
    trial::TrialSummary sum = trial::summarise(t, res);
    run.median_withdrawn = sum.median_withdrawn;
    run.median_lost = sum.median_lost;
    for (const auto& es : sum.endpoints)
      if (std::isfinite(es.median_n)) run.median_analysed = std::max(run.median_analysed, es.median_n);

    std::set<std::string> outputs;
    for (std::size_t k = 0; k < spec.rows.size(); ++k) {
      const ReproduceRow& row = spec.rows[k];
      if (row.study != st.spec) continue;
      RowResult rr;
      rr.row = row;
      const int e = row.endpoint.empty() ? -1 : endpoint_index(t, row.endpoint);
      std::vector<double> v;
      long sig = 0, counted = 0, tested = 0;
      for (const auto& rep : res.replicates) {
        double x = statistic_value(t, rep, e, row.statistic);
        if (std::isfinite(x)) v.push_back(x * row.scale);
        else ++rr.failed;
        if (e >= 0) {
          const auto& er = rep.endpoints[static_cast<std::size_t>(e)];
          ++counted;
          if (er.error.empty() && er.significant) ++sig;
          if (er.error.empty() && std::isfinite(er.p_value)) ++tested;
        }
      }
      rr.replicates = res.replicates.size();
      std::sort(v.begin(), v.end());
      rr.median = quantile(v, 0.5);
      rr.p025 = quantile(v, 0.025);
      rr.p975 = quantile(v, 0.975);
      if (tested > 0) rr.p_significant = static_cast<double>(sig) / static_cast<double>(counted);
      if (row.published) {
        const double p = *row.published * row.scale;
        rr.consistent = p >= rr.p025 - 1e-12 && p <= rr.p975 + 1e-12;
      } else if (row.verdict != ReproduceRow::Verdict::None && std::isfinite(rr.p_significant)) {
        const double p_verdict = row.verdict == ReproduceRow::Verdict::Significant ? rr.p_significant : 1 - rr.p_significant;
        rr.consistent = p_verdict >= 0.025;
      }
      out.rows[k] = rr;
      if (e >= 0) outputs.insert(t.spec().endpoints[static_cast<std::size_t>(e)].output);
    }
    // The whole published pattern: every endpoint with a published verdict as published,
    // in the same simulated trial (the endpoints of one trial are correlated, so this is
    // not the product of the per-endpoint shares).
    {
      std::vector<std::pair<int, bool>> want;  // endpoint, significant?
      std::size_t nulls = 0;
      for (const auto& row : spec.rows) {
        if (row.study != st.spec || row.verdict == ReproduceRow::Verdict::None || row.endpoint.empty()) continue;
        const int e = endpoint_index(t, row.endpoint);
        if (e < 0) continue;
        bool seen = false;
        for (const auto& w : want) seen = seen || w.first == e;
        if (seen) continue;
        const bool sig = row.verdict == ReproduceRow::Verdict::Significant;
        want.emplace_back(e, sig);
        nulls += !sig;
        run.pattern += (run.pattern.empty() ? "" : ", ") + row.endpoint + (sig ? " significant" : " not significant");
      }
      // A prediction study (no published verdicts): the probability that none of its
      // predicted endpoints is significant (e.g. no MSQoL-54 composite in Sharafaddinzadeh
      // 2010), to be held against the paper later.
      if (want.empty()) {
        for (const auto& row : spec.rows) {
          if (row.study != st.spec || row.role != "prediction" || row.endpoint.empty()) continue;
          const int e = endpoint_index(t, row.endpoint);
          bool seen = e < 0;
          for (const auto& w : want) seen = seen || w.first == e;
          if (seen) continue;
          want.emplace_back(e, false);
          ++nulls;
          run.pattern += (run.pattern.empty() ? "" : ", ") + row.endpoint + " not significant";
        }
        if (nulls >= 2) run.pattern = "predicted: " + run.pattern;
      }
      if (nulls >= 2) {
        long hit = 0, n = 0;
        for (const auto& rep : res.replicates) {
          ++n;
          bool all = true;
          for (const auto& [e, sig] : want) {
            const auto& er = rep.endpoints[static_cast<std::size_t>(e)];
            const bool s = er.error.empty() && er.significant;
            all = all && s == sig;
          }
          hit += all;
        }
        run.pattern_rows = want.size();
        run.pattern_nulls = nulls;
        if (n > 0) {
          run.p_pattern = static_cast<double>(hit) / static_cast<double>(n);
          const auto ci = stats::clopper_pearson_ci(hit, n);
          run.p_pattern_low = ci.lower;
          run.p_pattern_high = ci.upper;
        }
      } else {
        run.pattern.clear();
      }
    }
    // Mean courses of the compared outputs by group.
    const auto& obs = t.observed_outputs();
    const auto& visits = t.visits();
    const auto& groups = t.groups();
    const std::size_t nv = visits.size(), no = obs.size();
    for (const auto& name : outputs) {
      std::size_t o = 0;
      while (o < no && obs[o] != name) ++o;
      if (o == no) continue;
      for (std::size_t g = 0; g < groups.size(); ++g) {
        Course c;
        c.study_label = st.label;
        c.output = name;
        c.group = groups[g];
        for (std::size_t vi = 0; vi < nv; ++vi) {
          std::vector<double> x;
          for (const auto& rep : res.replicates) {
            const std::size_t idx = (g * no + o) * nv + vi;
            if (idx < rep.course.size() && std::isfinite(rep.course[idx])) x.push_back(rep.course[idx]);
          }
          if (x.empty()) continue;
          std::sort(x.begin(), x.end());
          c.day.push_back(visits[vi]);
          c.median.push_back(quantile(x, 0.5));
          c.low.push_back(quantile(x, 0.025));
          c.high.push_back(quantile(x, 0.975));
        }
        if (!c.day.empty()) run.courses.push_back(std::move(c));
      }
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.note)
      options.note("study " + std::to_string(si + 1) + "/" + std::to_string(spec.studies.size()) + ": " + st.label + " done");
    out.studies.push_back(std::move(run));
  }
  return out;
}

}  // namespace ldnsim::science
