// ldnsim claims: the verdict rule (decide, provenance, combine). The claims file is read in
// claims_file.cpp, the figures are computed in claims_figures.cpp and claims_runs.cpp, and
// each claim is evaluated in claims_evaluate.cpp. See include/ldnsim/science/claims.hpp and
// docs/claims.md.
#include "ldnsim/science/claims.hpp"

#include <algorithm>
#include <cmath>

namespace ldnsim::science {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::Supported: return "supported";
    case Verdict::ConsistentUnproven: return "consistent but unproven";
    case Verdict::NotSupported: return "not supported";
    case Verdict::Contradicted: return "contradicted";
    case Verdict::Untestable: return "untestable";
    case Verdict::NotSupportedAssumption: return "not supported under the stated assumption";
    case Verdict::UntestableMisfit: return "untestable: model misfit";
    case Verdict::ConsistentFitted: return "consistent (fitted to this source)";
  }
  return "?";
}

const std::vector<Verdict>& all_verdicts() {
  static const std::vector<Verdict> v = {Verdict::Supported,          Verdict::ConsistentUnproven,
                                         Verdict::ConsistentFitted,   Verdict::UntestableMisfit,
                                         Verdict::NotSupportedAssumption, Verdict::NotSupported,
                                         Verdict::Contradicted,       Verdict::Untestable};
  return v;
}

const std::vector<std::string>& verdict_rule() {
  static const std::vector<std::string> rule = {
      "Each part of a claim is a figure ldnsim computes: a best estimate with a 95% interval I, the claimed region C, "
      "and where it matters the same figure without LDN's drug effect, I0 (natural history, placebo response, "
      "regression to the mean, or no effect).",
      "A figure is strong when everything it rests on is graded A, B or C or is exact arithmetic; otherwise (S, U, D, "
      "E, assumptions) it is weak.",
      "1. untestable: no figure can be computed (no denominator, no definition, no data, no model).",
      "2. I does not reach C: contradicted when the figure is strong and I0 (if any) does not reach C either; "
      "otherwise not supported.",
      "3. I reaches C, but for a claim about what LDN does (an effect) the best estimate lies outside C: not "
      "supported (only the edge of the uncertainty allows the claim).",
      "4. Otherwise the claim is compatible: supported when the figure is strong and, if there is an I0, I0 neither "
      "reaches C nor overlaps I (without LDN the claim would not hold, and LDN makes a difference); otherwise "
      "consistent but unproven.",
      "Provenance, read from the model files and the calibration specs (never from a claim's id), then limits the "
      "verdict: (a) a figure that is, or rests on a parameter fitted to, a study the claim itself reports can at best be "
      "'consistent (fitted to this source)': it returns its own input; (b) a figure that is the statistic of a "
      "calibration target which the model misses (the published value outside the central 95% of the simulated "
      "studies) is 'untestable: model misfit', with the misfit shown, never a verdict against the claim; (c) a figure "
      "resting on an assumption-only parameter (role assumption, neither fitted nor data; for the pharmacology, one "
      "that moves the figure within its stated range) is graded as assumption: at best 'consistent but unproven', at "
      "worst 'not supported under the stated assumption'.",
      "A figure the evidence only bounds (a parameter its targets do not identify, such as an effect whose trial reported "
      "'not significant' without numbers) has no best estimate, and its interval is the prior range: it can rule a claim "
      "out (step 2), but otherwise leaves it consistent but unproven, never supported.",
      "A claim with several parts takes the least favourable verdict of its testable parts (contradicted, not "
      "supported, not supported under the stated assumption, untestable: model misfit, consistent (fitted to this "
      "source), consistent but unproven, supported); it is untestable only when every part is.",
      "For an observation (something a study saw), the figure is how often ldnsim's simulated studies produce it, and "
      "C is 'at least 2.5% of them' or the published number itself.",
  };
  return rule;
}

bool strong_basis(const std::vector<std::string>& grades) {
  if (grades.empty()) return false;
  for (const auto& g : grades)
    if (g != "A" && g != "B" && g != "C" && g != "exact") return false;
  return true;
}

namespace {

bool overlaps(double a_lo, double a_hi, double b_lo, double b_hi) { return a_lo <= b_hi && b_lo <= a_hi; }

int rank(Verdict v) {
  switch (v) {
    case Verdict::Contradicted: return 0;
    case Verdict::NotSupported: return 1;
    case Verdict::NotSupportedAssumption: return 2;
    case Verdict::UntestableMisfit: return 3;
    case Verdict::ConsistentFitted: return 4;
    case Verdict::ConsistentUnproven: return 5;
    case Verdict::Supported: return 6;
    case Verdict::Untestable: return 7;
  }
  return 7;
}

}  // namespace

Verdict decide(const Figure& f, const Figure& f0, double c_lo, double c_hi, bool strong, PartKind kind, std::string* why) {
  auto say = [&](const std::string& s) {
    if (why) *why = s;
  };
  if (!f.defined || (f.measured && !std::isfinite(f.value)) || std::isnan(f.low) || std::isnan(f.high)) {
    say("step 1: no figure can be computed");
    return Verdict::Untestable;
  }
  const bool reaches = overlaps(f.low, f.high, c_lo, c_hi);
  const bool without_reaches = f0.defined && overlaps(f0.low, f0.high, c_lo, c_hi);
  if (!reaches) {
    if (strong && !without_reaches) {
      say(std::string("step 2: the 95% interval does not reach the claim") +
          (f0.defined ? ", nor does the figure without LDN" : "") + ", and the figure is strong");
      return Verdict::Contradicted;
    }
    say(std::string("step 2: the 95% interval does not reach the claim") +
        (strong ? ", but the figure without LDN does (the claim is explained without the drug)"
                : ", but the figure is weak (it rests on S/U/D/E evidence or assumptions)"));
    return Verdict::NotSupported;
  }
  if (!f.measured) {
    say("step 4: compatible, but the evidence only bounds the figure (not measured: no best estimate), so it cannot "
        "support the claim");
    return Verdict::ConsistentUnproven;
  }
  if (kind == PartKind::Effect && !(c_lo <= f.value && f.value <= c_hi)) {
    say("step 3: the best estimate lies outside the claim; only the edge of the 95% interval reaches it");
    return Verdict::NotSupported;
  }
  const bool distinct = !f0.defined || (!without_reaches && !overlaps(f.low, f.high, f0.low, f0.high));
  if (strong && distinct) {
    say(std::string("step 4: compatible, strong") + (f0.defined ? ", and the claim would not hold without LDN" : ""));
    return Verdict::Supported;
  }
  std::string reason = "step 4: compatible, but ";
  if (!strong) reason += "the figure is weak (it rests on S/U/D/E evidence or assumptions)";
  if (!distinct) {
    if (!strong) reason += "; and ";
    reason += without_reaches ? "the same would be seen without LDN" : "the interval includes the figure without LDN";
  }
  say(reason);
  return Verdict::ConsistentUnproven;
}

Verdict apply_provenance(Verdict v, const Provenance& p, std::string* why) {
  auto add = [&](const std::string& s) {
    if (why) *why += (why->empty() ? "" : "; then ") + s;
  };
  if (v == Verdict::Untestable) return v;
  if (p.misfit) {
    add("rule (b): untestable, the model misses the calibration target this figure is about (" + p.misfit_text + ")");
    return Verdict::UntestableMisfit;
  }
  if (p.fitted_to_source && (v == Verdict::Supported || v == Verdict::ConsistentUnproven)) {
    add("rule (a): the figure was fitted to the claim's own source (" + p.fitted_text +
        "), so it can only be consistent with it");
    return Verdict::ConsistentFitted;
  }
  if (p.assumption) {
    if (v == Verdict::Supported) {
      add("rule (c): the figure rests on an assumption (" + p.assumption_text + "): at best consistent but unproven");
      return Verdict::ConsistentUnproven;
    }
    if (v == Verdict::Contradicted || v == Verdict::NotSupported) {
      add("rule (c): the figure rests on an assumption (" + p.assumption_text +
          "): not supported under the stated assumption");
      return Verdict::NotSupportedAssumption;
    }
  }
  return v;
}

Verdict combine(const std::vector<Verdict>& parts) {
  Verdict out = Verdict::Untestable;
  for (Verdict v : parts)
    if (v != Verdict::Untestable && (out == Verdict::Untestable || rank(v) < rank(out))) out = v;
  return out;
}

}  // namespace ldnsim::science
