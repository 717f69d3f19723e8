// ldnsim calibrate: fits the calibrated parameters of an LDN model to the published
// targets and shows model vs data; --write records the fitted values in the model file.
// With a calibration spec (.toml) it estimates the clinical model's parameters from the
// simulated studies the spec names (science/clinical.hpp) and writes the estimates, their
// 95% ranges and standard errors into the model file.
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "ldnsim/population/parallel.hpp"

#include "common.hpp"
#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/core/files.hpp"
#include "ldnsim/core/output_plan.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/science/acceptance.hpp"
#include "ldnsim/science/calibration.hpp"
#include "ldnsim/science/clinical.hpp"
#include "ldnsim/science/natural_history.hpp"
#include "ldnsim/output/json_output.hpp"

namespace ldnsim::cli {
namespace {

struct CalibrateFlags {
  std::string model = "human";
  bool write = false;
  bool check = false;
  bool no_write = false;
  bool json = false;
  bool quiet = false;
  int threads = 0;
};

bool is_spec(const std::string& arg) {
  return arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".toml") == 0;
}

// `ldnsim calibrate SPEC.toml`: the clinical calibration.
int run_clinical_calibrate(const CalibrateFlags& f) {
  if (f.write) throw UsageError("--write is for the LDN models (human, mouse); a calibration spec writes its model file unless --no-write or --check");
  science::CalibrationSpec spec = science::load_calibration_spec(f.model);
  science::CalibrationOptions o;
  o.threads = f.threads > 0 ? f.threads : population::hardware_threads();
  o.evaluate_only = f.check;
  if (notes_on_stderr(f.quiet)) o.progress = [&](const std::string& line) { std::fprintf(stderr, "calibrate %s: %s\n", spec.name.c_str(), line.c_str()); };
  // The model file must be writable before minutes of fitting are spent.
  if (!f.check && !f.no_write) OutputPlan().input("the spec", spec.file).rewrite("the spec's model", spec.model_path).check();
  science::CalibrationResult fit = science::calibrate_clinical(spec, o);

  auto j = json_output::envelope("calibrate");
  j["inputs"] = {{"spec", spec.file}, {"model_file", spec.model_path}, {"check", f.check}, {"no_write", f.no_write},
                 {"threads", o.threads}};
  nlohmann::ordered_json& results = j["results"];
  results["calibration"] = spec.name;
  results["title"] = spec.title;
  results["replicates"] = spec.replicates;
  results["seed"] = spec.seed;
  results["evaluations"] = fit.evaluations;
  results["objective"] = fit.objective;
  results["parameters"] = nlohmann::ordered_json::array();
  results["targets"] = nlohmann::ordered_json::array();
  if (!f.json) {
    std::printf("calibration %s: %s\n(%s; model %s; %zu replicates per study and evaluation, seed %llu, %d evaluations)\n\n",
                spec.name.c_str(), spec.title.c_str(), spec.file.c_str(), spec.model_path.c_str(), spec.replicates,
                static_cast<unsigned long long>(spec.seed), fit.evaluations);
    if (!f.check)
      std::printf("%-10s %-8s %10s %10s %10s   %-22s %s\n", "parameter", "unit", "in file", "estimate", "SE", "95% range", "stage");
  }
  for (const auto& p : fit.parameters) {
    if (!f.json && !f.check)
      std::printf("%-10s %-8s %10s %10s %10s   %-22s %s%s\n", p.name.c_str(), p.unit.c_str(), format_number(p.start, 4).c_str(),
                  format_number(p.estimate, 4).c_str(), std::isfinite(p.se) ? format_number(p.se, 2).c_str() : "n.i.",
                  (format_number(p.low95, 3) + " - " + format_number(p.high95, 3)).c_str(), p.stage.c_str(),
                  p.at_bound ? " (at a bound)" : "");
    results["parameters"].push_back({{"name", p.name}, {"unit", p.unit}, {"stage", p.stage}, {"in_file", p.start},
                                     {"estimate", p.estimate},
                                     {"se", std::isfinite(p.se) ? nlohmann::ordered_json(p.se) : nlohmann::ordered_json()},
                                     {"range95", {p.low95, p.high95}}, {"at_bound", p.at_bound}});
    if (!f.check && !std::isfinite(p.se)) j["warnings"].push_back(p.name + " is not identified by its targets");
    if (p.at_bound) j["warnings"].push_back(p.name + " is at a bound of the fit");
  }
  if (!f.json) {
    std::printf("\n%-28s %-5s %12s %12s %8s %7s  %-6s %s\n", "target", "grade", "published", "model", "MC SE", "z", "use",
                "spread used (sigma)");
  }
  const science::FitAcceptance acceptance = science::accept_fit(fit);
  for (std::size_t i : acceptance.far)
    j["warnings"].push_back(fit.targets[i].target.id + ": the model is " + format_number(fit.targets[i].z, 3) +
                            " sigma from the published value");
  for (const auto& t : fit.targets) {
    const auto& g = t.target;
    std::string published = (g.kind == science::ClinicalTarget::Kind::AtMost ? "<= " : g.kind == science::ClinicalTarget::Kind::AtLeast ? ">= " : "") +
                            format_number(g.value * g.scale, 4) + (g.unit == "%" ? "%" : "");
    if (!f.json)
      std::printf("%-28s %-5s %12s %12s %8s %+7.2f  %-6s %s: %s\n", g.id.c_str(), g.grade.c_str(), published.c_str(),
                  (format_number(t.model * g.scale, 4) + (g.unit == "%" ? "%" : "")).c_str(),
                  format_number(t.mc_se * g.scale, 2).c_str(), t.z, t.fitted ? "fit" : "check",
                  format_number(g.sigma * g.scale, 3).c_str(), g.sigma_why.c_str());
    results["targets"].push_back({{"id", g.id}, {"study", g.study}, {"endpoint", g.endpoint},
                                  {"statistic", science::to_string(g.statistic)}, {"grade", g.grade},
                                  {"kind", g.kind == science::ClinicalTarget::Kind::AtMost ? "at_most"
                                           : g.kind == science::ClinicalTarget::Kind::AtLeast ? "at_least" : "equal"},
                                  {"published", g.value}, {"model", t.model}, {"mc_se", t.mc_se}, {"sigma", g.sigma},
                                  {"sigma_why", g.sigma_why}, {"z", t.z}, {"fitted", t.fitted}, {"scale", g.scale},
                                  {"unit", g.unit}});
  }
  bool weak = false;
  for (const auto& t : fit.targets) weak |= t.target.grade == "S" || t.target.grade == "U";
  if (!f.json && weak)
    std::printf("\nweak evidence: targets of grade S (secondary sources) or U (unconfirmed) are weighed with twice their\n"
                "sampling SE; the estimates resting on them are as uncertain as those sources.\n");
  results["file_written"] = !f.check && !f.no_write;
  j["evidence"].push_back("minimum distance on published summary statistics: each target's simulated mean over replicates "
                          "(common random numbers) against the published value, weighed by sigma (sigma_why says why); "
                          "SEs from the Gauss-Newton covariance of the weighted residuals");
  if (weak)
    j["evidence"].push_back("targets of grade S (secondary sources) or U (unconfirmed) are weighed with twice their sampling "
                            "SE; the estimates resting on them are as uncertain as those sources");
  if (f.json) std::fputs(json_output::dump(j).c_str(), stdout);
  if (!f.check && !f.no_write) {
    write_file_atomically(spec.model_path, science::write_fit(read_text_file(spec.model_path, "model"), fit, spec.file));
    const std::string corr = science::fit_correlations_file(spec.model_path);
    write_file_atomically(corr, science::write_fit_correlations(
                                    std::filesystem::is_regular_file(corr) ? read_text_file(corr, "fit correlations") : "", fit, spec.file));
    if (notes_on_stderr(f.quiet)) std::fprintf(stderr, "calibrate: estimates, 95%% ranges and SEs written to %s\n", spec.model_path.c_str());
  }
  if (f.check && !acceptance.accepted) {
    if (!f.json)
      std::printf("\na fitted target is more than %s sigma from the data: rerun the calibration\n",
                  format_number(science::kAcceptZ).c_str());
    return 1;
  }
  return 0;
}

std::string range_text(const science::Target& t) {
  if (std::isnan(t.low) && std::isnan(t.high)) return "";
  if (std::isnan(t.low)) return "<= " + format_number(t.high, 4);
  if (std::isnan(t.high)) return ">= " + format_number(t.low, 4);
  return format_number(t.low, 4) + "-" + format_number(t.high, 4);
}

// `ldnsim calibrate placebo-arms.toml`: the between-trial variation of placebo arms and its
// leave-one-out check (issue 9 item 4); --check: exit 1 unless the model's ARR_TAU is the
// fitted RMS of tau (to 0.005).
int run_between_trial(const CalibrateFlags& f) {
  if (f.write || f.no_write) throw UsageError("--write and --no-write are not for a placebo-arms file: it writes nothing (ARR_TAU is set by hand from its output)");
  const science::PlaceboArms arms = science::load_placebo_arms(f.model);
  const science::NaturalHistoryCheck c = science::check_natural_history(arms);
  const double tau = c.fits.empty() || c.fits.front().outcome != science::ArmOutcome::Arr ? 0 : c.fits.front().tau_rms;
  const bool current = std::fabs(c.model_tau - tau) <= 0.005;
  if (f.json) {
    auto j = json_output::envelope("calibrate");
    j["inputs"] = {{"arms", arms.file}, {"model_file", arms.model}, {"check", f.check}};
    auto& r = j["results"];
    r["overdispersion"] = c.overdispersion;
    r["model_arr_tau"] = c.model_tau;
    r["fits"] = nlohmann::ordered_json::array();
    for (const auto& x : c.fits)
      r["fits"].push_back({{"outcome", science::to_string(x.outcome)}, {"arms", x.arms}, {"q", x.q}, {"tau_dl", x.tau_dl},
                           {"tau_median", x.tau_median}, {"tau_low", x.tau_low}, {"tau_high", x.tau_high}, {"tau_rms", x.tau_rms},
                           {"pooled", x.pooled}, {"new_n", x.new_n}, {"new_years", x.new_years}, {"predicted", x.predicted},
                           {"predicted_low", x.predicted_low}, {"predicted_high", x.predicted_high}});
    r["leave_one_out"] = nlohmann::ordered_json::array();
    for (const auto& l : c.loo)
      r["leave_one_out"].push_back({{"outcome", science::to_string(l.outcome)}, {"arm", l.arm}, {"observed", l.observed},
                                    {"predicted", l.predicted}, {"low", l.low}, {"high", l.high}, {"others", l.others},
                                    {"tau_rms", l.tau_rms}, {"covered", l.covered}});
    r["covered"] = c.covered;
    r["total"] = c.total;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << science::markdown(arms, c);
  }
  if (f.check && !current) {
    std::fprintf(stderr, "calibrate: %s: ARR_TAU is %s, the fitted RMS of tau is %s: set it in the model file\n", arms.model.c_str(),
                 format_number(c.model_tau, 4).c_str(), format_number(tau, 4).c_str());
    return 1;
  }
  return 0;
}

int run_calibrate(const CalibrateFlags& f) {
  if (science::is_placebo_arms_file(f.model)) return run_between_trial(f);
  if (is_spec(f.model)) return run_clinical_calibrate(f);
  if (f.no_write) throw UsageError("--no-write is for calibration specs (.toml)");
  science::LdnModel model = science::LdnModel::load(f.model);
  if (f.write) OutputPlan().rewrite("--write (the model file)", model.path()).check();
  auto progress = [&](const std::string& line) {
    if (notes_on_stderr(f.quiet)) std::fprintf(stderr, "calibrate %s: %s\n", model.model().name().c_str(), line.c_str());
  };
  science::FitResult fit = science::calibrate(model, true, progress);
  std::vector<double> old = model.typical();

  auto j = json_output::envelope("calibrate");
  j["inputs"] = {{"model", model.model().name()}, {"model_file", model.path()}, {"write", f.write}, {"check", f.check}};
  nlohmann::ordered_json& results = j["results"];
  results["model"] = model.model().name();
  results["file"] = model.path();
  bool drift = false;
  if (!f.json) std::printf("calibration of %s (%s)\n\n", model.model().name().c_str(), model.path().c_str());
  if (!f.json)
    std::printf("%-10s %-8s %12s %12s %10s   %-24s %s\n", "parameter", "unit", "in file", "fitted", "change",
                "range (refits)", "range in file");
  // The fit starts from the file's values, and where the targets are coarse (the mouse's
  // hours of blockade) its optimum is a flat valley: a refit moves by a few 1e-4 while the
  // refit range spans tens of percent. A value is out of date when it differs by more than
  // 1e-4 relative and by more than 1% of that range.
  auto differs = [](double a, double b, double lo, double hi) {
    return std::fabs(a - b) > std::max(1e-4 * std::fabs(b), 0.01 * std::fabs(hi - lo));
  };
  for (std::size_t k = 0; k < fit.fitted.size(); ++k) {
    const auto& [name, value] = fit.fitted[k];
    const auto [lo, hi] = fit.ranges[k];
    double was = model.get(old, name);
    const auto& p = model.model().parameters()[model.param(name)];
    bool has_range = p.low && p.high && p.distribution == "log-uniform";
    // Ranges come from refits of moved targets, which converge less tightly than the central
    // fit (the PK stage is exactly determined): they are compared to 5%.
    auto range_differs = [](double a, double b) { return std::fabs(a - b) > 0.05 * std::fabs(b); };
    if (differs(value, was, lo, hi) || !has_range || range_differs(lo, *p.low) || range_differs(hi, *p.high)) drift = true;
    std::string file_range = has_range ? format_number(*p.low, 6) + "-" + format_number(*p.high, 6) : "(none)";
    if (!f.json)
      std::printf("%-10s %-8s %12s %12s %+9.3g%%   %-24s %s\n", name.c_str(), p.unit.c_str(),
                  format_number(was, 6).c_str(), science::model_number(value).c_str(), 100 * (value - was) / was,
                  (science::model_number(lo) + "-" + science::model_number(hi)).c_str(), file_range.c_str());
    results["fitted"].push_back({{"parameter", name},
                                 {"unit", p.unit},
                                 {"in_file", was},
                                 {"fitted", value},
                                 {"range", {lo, hi}},
                                 {"range_in_file", has_range ? nlohmann::ordered_json{*p.low, *p.high} : nullptr}});
  }
  // Parameters the targets do not identify: not fitted, shown with the prior range they keep.
  results["not_identified"] = nlohmann::ordered_json::array();
  for (const auto& stage : science::targets_of(model).stages)
    for (const auto& name : stage.not_identified) {
      const auto& p = model.model().parameters()[model.param(name)];
      std::string prior = p.low && p.high ? format_number(*p.low, 6) + "-" + format_number(*p.high, 6) : "(none)";
      if (!f.json)
        std::printf("%-10s %-8s %12s %12s %10s   not identified by the '%s' targets: interval = prior range %s\n",
                    name.c_str(), p.unit.c_str(), format_number(model.get(old, name), 6).c_str(), "-", "",
                    stage.name.c_str(), prior.c_str());
      results["not_identified"].push_back(
          {{"parameter", name},
           {"unit", p.unit},
           {"in_file", model.get(old, name)},
           {"stage", stage.name},
           {"prior_range", p.low && p.high ? nlohmann::ordered_json{*p.low, *p.high} : nullptr}});
    }
  if (!f.json) {
    std::printf("\n%-30s %-9s %9s %14s %10s %7s  %s\n", "target", "unit", "published", "range", "model", "z",
                "spread used (sigma)");
  }
  for (const auto& e : fit.targets) {
    if (!f.json)
      std::printf("%-30s %-9s %9s %14s %10s %+7.2f  %s: %s\n", e.target.id.c_str(), e.target.unit.c_str(),
                  format_number(e.target.value, 4).c_str(), range_text(e.target).c_str(),
                  format_number(e.model, 4).c_str(), e.z(), format_number(e.target.sigma, 3).c_str(),
                  e.target.sigma_why.c_str());
    results["targets"].push_back({{"id", e.target.id},
                                  {"quantity", e.target.quantity},
                                  {"unit", e.target.unit},
                                  {"published", e.target.value},
                                  {"model", e.model},
                                  {"range", range_text(e.target)},
                                  {"sigma", e.target.sigma},
                                  {"sigma_why", e.target.sigma_why},
                                  {"z", e.z()}});
  }
  if (model.is_mouse()) {
    science::Simulator sim(model);
    std::vector<double> p = model.typical();
    for (const auto& [name, value] : fit.fitted) model.set(p, name, value);
    auto outcomes = science::mouse_sign_switch(sim, p);
    if (!f.json) {
      std::printf("\nmouse sign switch (steady state, fitted values):\n%-22s %9s %10s %9s %9s %9s  %s\n", "regimen",
                  "blocked", "signal", "OGF", "B cells", "T cells", "expected");
    }
    for (const auto& o : outcomes) {
      if (!f.json)
        std::printf("%-22s %7.1f h %10.3f %+8.1f%% %+8.1f%% %+8.1f%%  %s %s\n", o.regimen.label.c_str(),
                    o.hours_blocked, o.metrics.signal_mean, 100 * o.metrics.enk_change, 100 * o.metrics.b_change,
                    100 * o.metrics.t_change, o.regimen.expected_sign < 0 ? "inhibits" : "stimulates/none",
                    o.sign_ok ? "(reproduced)" : "(NOT reproduced)");
      if (!o.sign_ok)
        j["warnings"].push_back("mouse sign switch not reproduced for " + o.regimen.label);
      results["sign_switch"].push_back({{"regimen", o.regimen.label},
                                  {"hours_blocked", o.hours_blocked},
                                  {"b_change", o.metrics.b_change},
                                  {"t_change", o.metrics.t_change},
                                  {"expected_sign", o.regimen.expected_sign},
                                  {"evidence", o.regimen.evidence},
                                  {"reproduced", o.sign_ok}});
    }
  }
  j["evidence"].push_back("targets: the published values of ../shared/science/targets.csv; z = (model - published) / "
                          "sigma, where sigma is the spread the fit weighs a residual by (sigma_why says why)");
  results["objective"] = fit.objective;
  results["simulations"] = fit.evaluations;
  results["file_up_to_date"] = !drift;
  results["written"] = f.write;
  if (drift && !f.write)
    j["warnings"].push_back("the model file differs from the fit: run with --write to record the fitted values");
  if (f.json) std::fputs(json_output::dump(j).c_str(), stdout);

  if (f.write) {
    write_file_atomically(model.path(), science::rewrite_parameters(read_text_file(model.path(), "model"), fit.fitted, fit.ranges));
    if (notes_on_stderr(f.quiet)) std::fprintf(stderr, "calibrate: fitted values written to %s\n", model.path().c_str());
    return 0;
  }
  if (!f.json)
    std::printf("\n%s\n", drift ? "the model file differs from the fit: run with --write to record the fitted values"
                                : "the model file holds the fitted values");
  return f.check && drift ? 1 : 0;
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto f = std::make_shared<CalibrateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "calibrate", "Fit an LDN model's calibrated parameters to the published targets (NLopt least squares), or "
                   "estimate the clinical model's parameters from the studies of a calibration spec (.toml)");
  cmd->add_option("model", f->model,
                  "human, mouse, a .ldn file with the same parameters, or a calibration spec (trials/calibration/*.toml)")
      ->capture_default_str();
  cmd->add_flag("--write", f->write, "write the fitted values into the model file (human, mouse)");
  cmd->add_flag("--check", f->check,
                "LDN models: exit with status 1 if the model file does not hold the fitted values; calibration spec: "
                "evaluate the targets at the file's values without fitting, exit 1 if a fitted one is > 3 sigma off");
  cmd->add_flag("--no-write", f->no_write, "calibration spec: fit and print, do not write the model file");
  cmd->add_option("--threads", f->threads, "worker threads for the simulated studies (0: one per core)")
      ->check(count_in(0, 1024, "a number of worker threads, 0 (one per core) to 1024"));
  cmd->add_flag("--json", f->json, "machine-readable output");
  cmd->add_flag("--quiet,-q", f->quiet, "no progress on stderr");
  cmd->callback([f] {
    int rc = run_calibrate(*f);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace ldnsim::cli
