#include "ldnsim/server/dose_api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "ldnsim/core/format.hpp"
#include "ldnsim/core/policy.hpp"
#include "ldnsim/core/units.hpp"
#include "ldnsim/science/weighted_samples.hpp"
#include "ldnsim/core/text.hpp"
#include "ldnsim/server/json_output.hpp"

namespace ldnsim::server {

using nlohmann::ordered_json;

namespace {

constexpr double kStepH = 0.05;  // `ldnsim dose`'s default output step
constexpr double kIntervalH = 24;

// A value as it may appear in a message: at most 40 bytes, control bytes and broken UTF-8
// escaped (ldnsim::printable), so that a hostile query cannot flood or garble a log or a page.
std::string shown(const std::string& value) { return printable(value, 40); }

std::string message_for(const std::string& parameter, const std::string& value, const std::string& expected,
                        const std::string& problem) {
  return parameter + "=" + shown(value) + ": " + (problem.empty() ? "" : problem + "; ") + "expected " + expected;
}

const std::string kDoseExpected = "a dose in mg, a number from 0.001 to " + format_number(policy::kMaxDoseMg) + ", e.g. mg=4.5";
const char* kClockExpected = "a clock time HH:MM from 00:00 to 23:59, e.g. at=22:00";
const char* kFormExpected = "hcl (mg of naltrexone hydrochloride, as tablets and compounded LDN are labelled) or base";
const char* kMissedExpected = "a whole number of missed nightly doses from 0 to 3, e.g. missed=1";
const char* kKnown = "mg, at, form, missed";

// A whole decimal number, no sign, no spaces: "22", "07".
bool digits_only(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

double parse_dose(const std::string& v) {
  double mg = 0;
  const char* b = v.data();
  const char* e = v.data() + v.size();
  if (!v.empty() && *b == '+') ++b;  // "+4.5" as spreadsheets write it
  auto [p, ec] = std::from_chars(b, e, mg);
  if (v.empty() || ec != std::errc() || p != e || !std::isfinite(mg))
    throw BadRequest("mg", v, kDoseExpected, v.empty() ? "no value" : "not a number");
  if (mg <= 0) throw BadRequest("mg", v, kDoseExpected, "a dose must be above 0 mg");
  if (mg < kMinDoseMg) throw BadRequest("mg", v, kDoseExpected, "below 0.001 mg (1 microgram), the lowest dose computed");
  if (mg > policy::kMaxDoseMg) throw BadRequest("mg", v, kDoseExpected, policy::max_dose_reason());
  return mg;
}

int parse_clock(const std::string& v) {
  auto colon = v.find(':');
  if (colon == std::string::npos) throw BadRequest("at", v, kClockExpected);
  std::string_view h(v.data(), colon), m(v.data() + colon + 1, v.size() - colon - 1);
  if (!digits_only(h) || !digits_only(m) || h.size() > 2 || m.size() != 2) throw BadRequest("at", v, kClockExpected);
  int hours = std::atoi(std::string(h).c_str()), minutes = std::atoi(std::string(m).c_str());
  if (hours > 23 || minutes > 59) throw BadRequest("at", v, kClockExpected, "no such time of day");
  return hours * 60 + minutes;
}

bool parse_form(const std::string& v) {
  std::string lower;
  for (char c : v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "hcl" || lower == "salt") return true;
  if (lower == "base") return false;
  throw BadRequest("form", v, kFormExpected);
}

int parse_missed(const std::string& v) {
  if (!digits_only(v) || v.size() > 2) throw BadRequest("missed", v, kMissedExpected);
  int n = std::atoi(v.c_str());
  if (n > kMaxMissed) throw BadRequest("missed", v, kMissedExpected);
  return n;
}

// Five significant digits: plenty for a chart, a third of the bytes, and still exactly
// the same text for the same simulation.
double rounded(double v) {
  if (!std::isfinite(v)) return v;
  return std::strtod(format_number(v, 5).c_str(), nullptr);
}

struct Window {
  science::Series series;
  double from = 0;  // start of the reported interval in the series' time
  science::CycleMetrics metrics;
};

Window simulate(const science::LdnModel& model, const std::vector<double>& p, const DoseQuery& q, bool steady) {
  science::Regimen g;
  g.label = q.key();
  g.dose_mg = q.mg;
  g.salt = q.salt;
  g.clock_h = q.minute / 60.0;
  g.interval_h = kIntervalH;
  if (!steady && q.missed > 0) {
    g.days = kWarmupDays + q.missed;
    for (int k = 1; k <= q.missed; ++k) g.missed.push_back(kWarmupDays + k);
  }
  science::Simulator sim(model);
  Window w;
  w.series = sim.regimen(p, g, kStepH);
  w.from = g.days == 0 ? 0 : g.days * 24.0 - g.interval_h;
  w.metrics = science::summarise(w.series, w.from, g.interval_h);
  return w;
}

ordered_json metrics_json(const science::CycleMetrics& m) {
  ordered_json out = ordered_json::object();
  for (const auto& row : dose_metrics())
    out[row.key] = {{"label", row.label}, {"value", m.*(row.field) * row.scale}, {"unit", row.unit}, {"basis", row.basis}};
  return out;
}

// The reported interval as columns, times in h after the (taken or missed) dose.
ordered_json cycle_json(const Window& w, double clock_h) {
  const auto& s = w.series;
  ordered_json t = ordered_json::array(), clock = ordered_json::array(), cp = ordered_json::array(),
               cm = ordered_json::array(), occ = ordered_json::array(), sig = ordered_json::array(),
               pt = ordered_json::array(), pb = ordered_json::array();
  for (std::size_t i = 0; i < s.t.size(); ++i) {
    const double h = s.t[i] - w.from;
    if (h < -1e-9 || h > kIntervalH + 1e-9) continue;
    t.push_back(rounded(h));
    clock.push_back(rounded(clock_h + h));
    cp.push_back(rounded(s.y[science::CP][i]));
    cm.push_back(rounded(s.y[science::CM][i]));
    occ.push_back(rounded(100 * s.y[science::OCC][i]));
    sig.push_back(rounded(s.y[science::SIG][i]));
    pt.push_back(rounded(s.y[science::PT][i]));
    pb.push_back(rounded(s.y[science::PB][i]));
  }
  return {{"t_h", t},
          {"clock_h", clock},
          {"naltrexone_ng_ml", cp},
          {"naltrexol_ng_ml", cm},
          {"occupancy_pct", occ},
          {"ogf_signal", sig},
          {"t_proliferation", pt},
          {"b_proliferation", pb}};
}

// The envelope of docs/json.md, with the endpoint after the version.
ordered_json api_envelope(const char* endpoint) {
  const ordered_json envelope = json_output::envelope("serve");
  ordered_json doc;
  for (auto it = envelope.begin(); it != envelope.end(); ++it) {
    if (it.key() == "inputs") doc["endpoint"] = endpoint;
    doc[it.key()] = it.value();
  }
  return doc;
}

}  // namespace

BadRequest::BadRequest(std::string parameter, std::string value, std::string expected, const std::string& problem)
    : UsageError(message_for(parameter, value, expected, problem)),
      parameter_(shown(parameter)),
      value_(shown(value)),
      expected_(std::move(expected)) {}

ordered_json BadRequest::to_json() const {
  return {{"error", what()}, {"parameter", parameter_}, {"value", value_}, {"expected", expected_}};
}

std::string DoseQuery::clock() const {
  const int h = (minute / 60) % 24, m = minute % 60;
  return std::string{static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10), ':',
                     static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10)};
}

std::string DoseQuery::key() const {
  return "mg=" + format_number(mg, 0) + "&at=" + clock() + "&form=" + (salt ? "hcl" : "base") +
         "&missed=" + std::to_string(missed);
}

DoseQuery parse_dose_query(const QueryParams& params) {
  static const std::set<std::string> known = {"mg", "at", "form", "missed"};
  DoseQuery q;
  std::set<std::string> seen;
  for (const auto& [name, value] : params) {
    if (!known.count(name))
      throw BadRequest(name, value, std::string("one of the parameters ") + kKnown, "unknown parameter '" + shown(name) + "'");
    if (!seen.insert(name).second)
      throw BadRequest(name, value, "each parameter at most once", "'" + name + "' is given more than once");
    if (name == "mg") q.mg = parse_dose(value);
    else if (name == "at") q.minute = parse_clock(value);
    else if (name == "form") q.salt = parse_form(value);
    else q.missed = parse_missed(value);
  }
  return q;
}


const std::vector<std::string>& dose_evidence() {
  static const std::vector<std::string> notes = {
      "PK: calibrated at 50 mg and extrapolated linearly to low doses (no human PK below 50 mg, pharmacology.md 7.1)",
      "MOR: fitted to PET peaks < 8 h at 2-50 mg and the slow loss after 50 mg (Rabiner 2011, Lee 1988); no "
      "occupancy was ever measured beyond 8 h at low doses (7.5)",
      "ASSUMED: OGFr blockade, rebound and proliferation rest on assumptions without human data (7.6-7.8); see "
      "ldnsim sensitivity",
      "the model has no circadian term: the dose time shifts the cycle on the clock but not its shape",
      "typical values of the model's parameters, no uncertainty bands (ldnsim dose --uncertainty N gives them)",
  };
  return notes;
}

DoseExplorer::DoseExplorer(const std::string& model, std::size_t cache_capacity)
    : model_(science::LdnModel::load(model)), typical_(model_.typical()), capacity_(std::max<std::size_t>(1, cache_capacity)) {}

ordered_json DoseExplorer::compute(const DoseQuery& q) const {
  ordered_json doc = api_envelope("/api/dose");
  doc["inputs"] = {{"model", model_.model().name()},
                   {"mg", q.mg},
                   {"at", q.clock()},
                   {"form", q.salt ? "hcl" : "base"},
                   {"missed", q.missed},
                   {"dose_form", q.salt ? "mg of naltrexone HCl (x 0.904 = base)" : "mg of naltrexone base"}};

  const Window w = simulate(model_, typical_, q, false);
  const double clock_h = q.minute / 60.0;
  ordered_json results;
  results["window"] = {
      {"steady_state", q.missed == 0},
      {"start", q.clock()},
      {"hours", kIntervalH},
      {"step_h", kStepH},
      {"description",
       q.missed == 0 ? "one dosing interval at steady state, from the nightly dose"
                     : "the 24 h from the time of the " + std::string(q.missed == 1 ? "missed dose" : "last missed dose") +
                           ", after " + std::to_string(kWarmupDays) + " days of nightly dosing and " +
                           std::to_string(q.missed) + " missed dose" + (q.missed == 1 ? "" : "s")}};
  results["metrics"] = metrics_json(w.metrics);
  results["peaks"] = {{"naltrexone", clock_text(clock_h + w.metrics.tmax_cp)},
                      {"naltrexol", clock_text(clock_h + w.metrics.tmax_cm)},
                      {"occupancy", clock_text(clock_h + w.metrics.tpeak_occ)}};
  results["blockade_free_window"] = science::blockade_window(w.metrics.occ_trough).text;
  results["cycle"] = cycle_json(w, clock_h);
  if (q.missed > 0) {
    const Window ss = simulate(model_, typical_, q, true);
    results["steady_state_reference"] = {{"metrics", metrics_json(ss.metrics)}, {"cycle", cycle_json(ss, clock_h)}};
  }
  doc["results"] = std::move(results);

  if (q.mg > 50)
    doc["warnings"].push_back("above 50 mg: beyond low-dose naltrexone, and beyond the 50 mg at which the PK was "
                              "calibrated");
  if (q.missed > 0)
    doc["warnings"].push_back("the day shown has no dose: the figures are those of a missed-dose day, not of the "
                              "steady-state cycle (in steady_state_reference)");
  for (const auto& note : dose_evidence()) doc["evidence"].push_back(note);
  return doc;
}

std::shared_ptr<const std::string> DoseExplorer::dose(const DoseQuery& q, bool* cached) {
  const std::string key = q.key();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      order_.splice(order_.begin(), order_, it->second.second);
      if (cached) *cached = true;
      return it->second.first;
    }
  }
  // Computed outside the lock: other regimens are served meanwhile. Two threads asking for
  // the same new regimen both compute it, and get the same bytes.
  auto text = std::make_shared<const std::string>(json_output::dump(compute(q)));
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached) *cached = false;
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second.first;
  order_.push_front(key);
  cache_.emplace(key, std::make_pair(text, order_.begin()));
  while (cache_.size() > capacity_) {
    cache_.erase(order_.back());
    order_.pop_back();
  }
  return text;
}

std::size_t DoseExplorer::cache_size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cache_.size();
}

ordered_json api_index() {
  ordered_json doc = api_envelope("/api");
  doc["results"]["endpoints"] = ordered_json::array(
      {{{"path", "/"}, {"method", "GET"}, {"returns", "the explorer page (HTML, self-contained)"}},
       {{"path", "/api"}, {"method", "GET"}, {"returns", "this list"}},
       {{"path", "/api/dose"},
        {"method", "GET"},
        {"returns", "the 24-h cycle and steady-state figures of a nightly regimen (see docs/explorer.md)"},
        {"parameters",
         {{{"name", "mg"}, {"default", "4.5"}, {"expected", kDoseExpected}},
          {{"name", "at"}, {"default", "22:00"}, {"expected", kClockExpected}},
          {{"name", "form"}, {"default", "hcl"}, {"expected", kFormExpected}},
          {{"name", "missed"}, {"default", "0"}, {"expected", kMissedExpected}}}},
        {"example", "/api/dose?mg=4.5&at=22:00&form=hcl&missed=0"}}});
  return doc;
}

}  // namespace ldnsim::server
