// ldnsim claims: evaluating each part of a claim (its figure, with and without LDN, and
// the provenance rules a-c) and each claim (the least favourable verdict of its parts).
#include <algorithm>
#include <cmath>
#include <set>

#include "claims_detail.hpp"
#include "ldnsim/core/argument_error.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "ldnsim/stats/proportions.hpp"

namespace ldnsim::science {

using namespace claims_detail;

namespace {

// Rule (a) and (c) for the parameters a part names: the parameter of a `parameter` part,
// the values a trial part sets, and the drug-effect parameters its "without" run turns off
// (the with-LDN figure rests on their model values).
void parameter_provenance(const ClaimPart& p, const std::string& model_path, const std::set<std::string>& claim_studies,
                          Evaluator& ev, Provenance& pv) {
  std::vector<std::string> names;
  if (p.method == "parameter") names.push_back(p.parameter);
  for (const auto& [k, v] : p.set) names.push_back(k);
  for (const auto& [k, v] : p.without_set)
    if (!p.set.count(k)) names.push_back(k);
  const lang::Model& model = *ev.model_of(model_path);
  for (const auto& name : names) {
    const int k = model.parameter_index(name);
    if (k < 0) continue;
    const lang::Parameter& q = model.parameters()[static_cast<std::size_t>(k)];
    if (assumption_only(q)) {
      pv.assumption = true;
      auto it = p.set.find(name);
      pv.assumption_text += (pv.assumption_text.empty() ? "" : ", ") + name +
                            (it != p.set.end() ? " = " + num(it->second, 4) : " = " + num(q.value.value_or(kNaN), 4)) +
                            (q.low && q.high ? " of its assumed range " + num(*q.low, 3) + "-" + num(*q.high, 3) : "");
    }
    if (!q.has(lang::Role::Fitted)) continue;
    const std::string rel = fitted_by(q);
    if (rel.empty()) continue;
    const CalibrationSpec* cs = ev.calibration(model_path, rel);
    if (!cs) continue;
    std::set<std::string> hit;
    for (const auto& st : cs->stages) {
      bool in = false;
      for (const auto& fp : st.parameters) in = in || fp.name == name;
      if (!in) continue;
      for (std::size_t t : st.targets) {
        const std::string study = canonical(cs->targets[t].study);
        if (claim_studies.count(study)) hit.insert(short_path(study));
      }
    }
    if (!hit.empty()) {
      pv.fitted_to_source = true;
      std::string list;
      for (const auto& h : hit) list += (list.empty() ? "" : ", ") + h;
      pv.fitted_text += (pv.fitted_text.empty() ? "" : "; ") + name + " was fitted to " + list + " by " + rel;
    }
  }
}

// Rules (a) and (b) for a trial part: the calibration targets (of the specs that fitted the
// study's model) that are the same statistic of the same study and endpoint. `raw` is the
// figure before scaling and binomial arithmetic.
void target_provenance(const ClaimPart& p, const std::string& model_path, const Figure& raw, Evaluator& ev,
                       Provenance& pv) {
  const std::string study = canonical(p.study);
  for (const CalibrationSpec* cs : ev.calibrations_of(model_path))
    for (const auto& t : cs->targets) {
      if (canonical(t.study) != study || t.endpoint != p.endpoint) continue;
      const bool same = (p.statistic == "estimate" && t.statistic == Statistic::Estimate) ||
                        (p.statistic == "withdrawn" && t.statistic == Statistic::Withdrawn) ||
                        (p.statistic == "significant" && t.statistic == Statistic::Significant);
      // "significant" is the same observation as a bound on t (a verdict without numbers)
      const bool related = same || (p.statistic == "significant" && t.statistic == Statistic::T);
      if (!related) continue;
      const std::string where = "target " + t.id + " of " + short_path(cs->file);
      pv.fitted_to_source = true;
      pv.fitted_text += (pv.fitted_text.empty() ? "" : "; ") + std::string("the figure is ") + where;
      if (!same || !raw.defined) continue;
      // The published value against the central 95% of the simulated studies (in the
      // part's terms: 1 - x for a complement, which turns an "at least" around).
      double v = t.value;
      auto kind = t.kind;
      if (p.complement) {
        v = 1 - v;
        if (kind == ClinicalTarget::Kind::AtLeast) kind = ClinicalTarget::Kind::AtMost;
        else if (kind == ClinicalTarget::Kind::AtMost) kind = ClinicalTarget::Kind::AtLeast;
      }
      bool miss = false;
      if (kind == ClinicalTarget::Kind::Equal) miss = v < raw.low || v > raw.high;
      else if (kind == ClinicalTarget::Kind::AtLeast) miss = raw.high < v;
      else miss = raw.low > v;
      if (miss) {
        pv.misfit = true;
        const std::string u = p.unit == "%" ? "%" : (p.unit.empty() ? "" : " " + p.unit);
        pv.misfit_text += (pv.misfit_text.empty() ? "" : "; ") + std::string("simulated ") +
                          figure_text(scaled(raw, p.scale), p.unit) + " against the published " + num(v * p.scale, 3) + u +
                          " it was fitted to (" + where + ")";
      }
    }
}

PartResult evaluate_part(const ClaimPart& p, Evaluator& ev, const ClaimsSpec& spec, const ClaimsOptions& o,
                         const std::set<std::string>& claim_studies) {
  PartResult r;
  r.part = p;
  r.strong = strong_basis(p.rests_on);
  if (p.method == "untestable") {
    r.verdict = Verdict::Untestable;
    r.why = "step 1: " + p.reason;
    r.simulated = "nothing: " + p.reason;
    return r;
  }
  Figure& f = r.with_ldn;
  Figure& f0 = r.without_ldn;
  if (p.method == "arithmetic") {
    f.defined = true;
    f.value = p.numerator / p.central;
    f.low = p.numerator / *std::max_element(p.values.begin(), p.values.end());
    f.high = p.numerator / *std::min_element(p.values.begin(), p.values.end());
    std::string list;
    for (double d : p.values) list += (list.empty() ? "" : ", ") + num(p.numerator) + "/" + num(d) + " = " + num(p.numerator / d);
    r.simulated = "arithmetic: " + list;
  } else if (p.method == "documented") {
    f.defined = true;
    f.value = p.central;
    f.low = *std::min_element(p.values.begin(), p.values.end());
    f.high = *std::max_element(p.values.begin(), p.values.end());
    std::string list;
    for (double d : p.values) list += (list.empty() ? "" : ", ") + num(d);
    r.simulated = "no simulation: documented values " + list + " (central " + num(p.central) + ")";
  } else if (p.method == "pharmacology") {
    PharmRun& run = ev.pharm_run(p);
    const std::size_t m = static_cast<std::size_t>(std::find(kMetrics.begin(), kMetrics.end(), p.metric) - kMetrics.begin());
    std::vector<double> v;
    for (const auto& s : run.samples) v.push_back(s[m]);
    f = p.band == "calibrated" ? weighted95(v, run.weights) : weighted95(v, std::vector<double>(v.size(), 1.0));
    if (f.defined) f.value = run.typical[m];  // the typical (calibrated) value is the best estimate
    // The interval always contains the best estimate.
    if (f.defined) {
      f.low = std::min(f.low, f.value);
      f.high = std::max(f.high, f.value);
    }
    f = scaled(f, p.scale);
    r.simulated = run.description;
    // Rule (c): the assumption-only parameters that move this metric within their range by
    // more than a twentieth of its 95% interval (less does not carry the figure).
    for (const auto& sp : run.assumptions) {
      const double typ = run.typical[m];
      const double tol = std::max(0.01, 0.05 * (f.high - f.low) / std::max(1e-300, std::abs(p.scale)));
      const double lo = sp.low[m], hi = sp.high[m];
      if (!std::isfinite(lo) || !std::isfinite(hi) || std::abs(lo - typ) > tol || std::abs(hi - typ) > tol) {
        r.provenance.assumption = true;
        r.provenance.assumption_text += (r.provenance.assumption_text.empty() ? "" : ", ") + sp.name + " (" + sp.range +
                                        ": " + num(lo * p.scale, 3) + " to " + num(hi * p.scale, 3) + ")";
      }
    }
    if (std::isfinite(p.hours_above))
      r.notes.push_back("hours per day with T-cell proliferation at least +" + num(p.hours_above) + "% (typical values): " + num(run.hours_above, 3) +
                        "; mean change over the day " + num(run.typical[1], 3) + "%");
    if (p.band == "calibrated" && run.ess < 0.1 * static_cast<double>(o.samples))
      r.notes.push_back("few samples carry the weight (effective sample size " + num(run.ess, 3) + " of " +
                        std::to_string(o.samples) + "): the interval is rough; raise --samples");
  } else if (p.method == "parameter") {
    const lang::Model& model = ev.patient();
    auto get = [&](const std::string& name) -> const lang::Parameter& {
      int k = model.parameter_index(name);
      if (k < 0 || model.parameters()[static_cast<std::size_t>(k)].name != name || !model.parameters()[static_cast<std::size_t>(k)].value)
        throw InputError(spec.file + ": " + p.key + ".parameter: the model " + spec.model_path + " has no param " + name);
      return model.parameters()[static_cast<std::size_t>(k)];
    };
    const lang::Parameter& q = get(p.parameter);
    const double se = q.se.value_or(kNaN);
    const double mult = p.multiply_by.empty() ? 1.0 : *get(p.multiply_by).value;
    const std::string where =
        fs::path(spec.model_path).lexically_relative(fs::path(spec.dir).parent_path()).string() +
        (p.multiply_by.empty() ? "" : ", times " + p.multiply_by + " = " + num(mult, 4));
    if (q.has(lang::Role::Unidentified)) {
      // Not identified by its targets (a null without numbers bounds it): no estimate, and
      // the interval is the prior range; never read as a measured zero.
      if (q.low && q.high) {
        f.defined = true;
        f.measured = false;
        f.low = *q.low;
        f.high = *q.high;
        f = scaled(f, p.sign * mult * p.scale);
      }
      r.simulated = "no new simulation: " + p.parameter + " is not identified by its calibration targets in " + where +
                    " (the evidence bounds it, it does not measure it): not measured, interval = its prior range";
    } else if (std::isfinite(se)) {
      f.defined = true;
      f.value = *q.value;
      f.low = *q.value - 1.959963984540054 * se;
      f.high = *q.value + 1.959963984540054 * se;
      f = scaled(f, p.sign * mult * p.scale);
    }
    if (!q.has(lang::Role::Unidentified))
      r.simulated = "no new simulation: " + p.parameter + " = " + num(*q.value, 4) + " (SE " + num(se, 3) + ") as calibrated in " +
                    where + "; 95% interval: estimate +- 1.96 SE";
    parameter_provenance(p, spec.model_path, claim_studies, ev, r.provenance);
  } else if (p.method == "trial") {
    TrialRun& run = ev.trial_run(p.study, p.set, p.curve, p.endpoint);
    Figure raw = trial_figure(p, run, spec.file + ": " + p.key);
    parameter_provenance(p, run.trial->spec().model_path, claim_studies, ev, r.provenance);
    target_provenance(p, run.trial->spec().model_path, raw, ev, r.provenance);
    r.simulated = run.description;
    if (!run.curve.empty()) r.curves.push_back({run.trial->spec().title, run.curve});
    Figure raw0;
    if (p.has_without) {
      const std::string study0 = p.without_study.empty() ? p.study : p.without_study;
      TrialRun& run0 = ev.trial_run(study0, p.without_set, p.curve, p.endpoint);
      raw0 = trial_figure(p, run0, spec.file + ": " + p.key);
      r.without_text = p.without_study.empty() ? "the same study with " + set_text(p.without_set) + " (no drug effect)"
                                               : run0.description;
      if (!run0.curve.empty()) r.curves.push_back({run0.trial->spec().title, run0.curve});
    }
    if (p.binomial_n > 0) {
      r.notes.push_back("the 3-year stable share used: " + figure_text(scaled(raw, 100), "%") +
                        (raw0.defined ? "; without LDN " + figure_text(scaled(raw0, 100), "%") : ""));
      const double need = p_needed(p.binomial_k, p.binomial_n, 0.025);
      r.notes.push_back(">= " + std::to_string(p.binomial_k) + " of " + std::to_string(p.binomial_n) +
                        " becomes plausible (P >= 2.5%) only if each patient's chance is at least " + num(100 * need, 3) +
                        "%, i.e. a risk of progressing " + num((1 - need) / std::max(1e-12, 1 - raw.value), 2) +
                        " times that of the simulated patients");
      raw = binomial_figure(raw, p.binomial_k, p.binomial_n);
      raw0 = binomial_figure(raw0, p.binomial_k, p.binomial_n);
    }
    f = scaled(raw, p.scale);
    f0 = scaled(raw0, p.scale);
  } else if (p.method == "exact") {
    auto ci = stats::clopper_pearson_ci(p.k, p.n);
    f.defined = true;
    f.value = static_cast<double>(p.k) / static_cast<double>(p.n);
    f.low = ci.lower;
    f.high = ci.upper;
    f = scaled(f, p.scale);
    r.simulated = "exact binomial (Clopper-Pearson) interval for " + std::to_string(p.k) + " of " + std::to_string(p.n);
    if (p.null_p >= 0) {
      // central 95% of Bin(n, null_p) / n
      long lo = 0, hi = p.n;
      while (lo < p.n && stats::binom_cdf(lo, p.n, p.null_p) < 0.025) ++lo;
      while (hi > 0 && stats::binom_cdf(hi - 1, p.n, p.null_p) >= 0.975) --hi;
      f0.defined = true;
      f0.value = p.null_p * p.scale;
      f0.low = static_cast<double>(lo) / static_cast<double>(p.n) * p.scale;
      f0.high = static_cast<double>(hi) / static_cast<double>(p.n) * p.scale;
      r.without_text = "Bin(" + std::to_string(p.n) + ", " + num(p.null_p) + "): the placebo responder rate";
      r.notes.push_back("P(>= " + std::to_string(p.k) + " of " + std::to_string(p.n) + " | " + num(p.null_p) + ") = " +
                        num(tail(p.k, p.n, p.null_p), 3));
    }
  }
  if (p.has_null && !f0.defined) {
    f0.defined = true;
    f0.value = f0.low = f0.high = p.null_value;
    r.without_text = "no drug: " + num(p.null_value) + (p.unit == "%" ? "%" : " " + p.unit);
  }
  // Rule (c) also for what the claims file grades as assumption.
  if (std::find(p.rests_on.begin(), p.rests_on.end(), "assumption") != p.rests_on.end()) {
    r.provenance.assumption = true;
    if (r.provenance.assumption_text.empty()) r.provenance.assumption_text = "graded assumption: " + p.basis;
  }
  r.base = decide(f, f0, p.claimed_low, p.claimed_high, r.strong, p.kind, &r.why);
  r.verdict = apply_provenance(r.base, r.provenance, &r.why);
  return r;
}

}  // namespace

ClaimsRun evaluate_claims(const ClaimsSpec& spec, const std::vector<std::string>& ids, const ClaimsOptions& options) {
  if (options.replicates < 2) throw ArgumentError("replicates", " " + std::to_string(options.replicates) + ": expected at least 2");
  if (options.samples < 10) throw ArgumentError("samples", " " + std::to_string(options.samples) + ": expected at least 10");
  std::vector<const Claim*> chosen;
  if (ids.empty()) {
    for (const auto& c : spec.claims) chosen.push_back(&c);
  } else {
    for (const auto& id : ids) {
      const Claim* found = nullptr;
      for (const auto& c : spec.claims)
        if (c.id == id) found = &c;
      if (!found) {
        std::string list;
        for (const auto& c : spec.claims) list += (list.empty() ? "" : ", ") + c.id;
        throw UsageError("unknown claim id '" + id + "' (" + spec.file + " has: " + list + ")");
      }
      if (std::find(chosen.begin(), chosen.end(), found) == chosen.end()) chosen.push_back(found);
    }
  }
  Evaluator ev(spec, options);
  ClaimsRun out;
  for (const Claim* c : chosen) {
    ClaimResult cr;
    cr.claim = *c;
    std::vector<Verdict> vs;
    // The studies the claim itself reports: those its parts simulate (rule a).
    std::set<std::string> studies;
    for (const auto& p : c->parts)
      if (p.method == "trial") {
        studies.insert(canonical(p.study));
        if (!p.without_study.empty()) studies.insert(canonical(p.without_study));
      }
    for (const auto& p : c->parts) {
      cr.parts.push_back(evaluate_part(p, ev, spec, options, studies));
      if (p.decides) vs.push_back(cr.parts.back().verdict);
    }
    cr.verdict = combine(vs);
    for (std::size_t i = 0; i < cr.parts.size(); ++i)
      if (cr.parts[i].part.decides && cr.parts[i].verdict == cr.verdict) {
        cr.deciding = static_cast<int>(i);
        break;
      }
    out.claims.push_back(std::move(cr));
  }
  out.trials_run = ev.trials_run;
  out.pharmacology_runs = ev.pharmacology_runs;
  return out;
}

}  // namespace ldnsim::science
