// The computation behind the explorer (`ldnsim serve`) and its JSON API: a regimen typed
// as query parameters (`mg=4.5&at=22:00&form=hcl&missed=0`), checked strictly, simulated
// through the science layer exactly as `ldnsim dose` does (steady-state cycle, 0.05 h
// grid, the model's typical values), and answered as JSON with the same metrics as
// `ldnsim dose --json` plus the 24-h cycle for the charts. Answers are cached by regimen
// and are byte-for-byte deterministic. See docs/explorer.md.
#pragma once

#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/science/ldn.hpp"

namespace ldnsim::server {

// A query the API cannot serve (HTTP 400). what() is the whole message, naming the
// parameter, the value given, what is wrong with it and what was expected:
// "mg=-1: a dose must be above 0 mg; expected a dose in mg, a number above 0 and at most 500, e.g. mg=4.5".
class BadRequest : public UsageError {
 public:
  BadRequest(std::string parameter, std::string value, std::string expected, const std::string& problem = "");
  const std::string& parameter() const { return parameter_; }
  const std::string& value() const { return value_; }
  const std::string& expected() const { return expected_; }
  // {"error": what(), "parameter", "value", "expected"}
  nlohmann::ordered_json to_json() const;

 private:
  std::string parameter_, value_, expected_;
};

// A regimen as the explorer asks for it.
struct DoseQuery {
  double mg = 4.5;           // per dose, mg of naltrexone HCl (salt) or of the base
  int minute = 22 * 60;      // clock time of the dose, minutes after midnight (0-1439)
  bool salt = true;          // form=hcl (true) or form=base
  int missed = 0;            // consecutive nightly doses missed before the day shown (0-3)

  // Canonical text of the query, the cache key: "mg=4.5&at=22:00&form=hcl&missed=0".
  std::string key() const;
  std::string clock() const;  // "HH:MM"
};

// Query parameters as the HTTP layer hands them over (name -> value, repeats kept).
using QueryParams = std::multimap<std::string, std::string>;

inline constexpr double kMinDoseMg = 0.001;  // science::kMinDoseMg
inline constexpr int kMaxMissed = 3;
// Days of nightly dosing before the missed doses, from drug-naive (missed > 0 only): long
// enough that the last dosed day is at steady state to within 0.1% for every metric.
inline constexpr int kWarmupDays = 21;

// Parses and checks the parameters of GET /api/dose; throws BadRequest for an unknown or
// repeated parameter, a value that is not a number, a dose <= 0 or > 500 mg, a clock time
// that is not HH:MM in 00:00-23:59, a form other than hcl/base, missed outside 0-3.
DoseQuery parse_dose_query(const QueryParams& params);

// The rows of the summary: the same keys, units and scales as `ldnsim dose --json`.
using Metric = science::MetricRow;
inline const std::vector<Metric>& dose_metrics() { return science::cycle_metric_rows(); }

// What the numbers of the summary rest on, one note per basis (for "evidence").
const std::vector<std::string>& dose_evidence();

// Computes and caches answers. Thread-safe: any number of threads may call dose() at once.
class DoseExplorer {
 public:
  // `model`: "human", "mouse" or a .ldn file with the LDN models' names. Throws like
  // science::LdnModel::load.
  explicit DoseExplorer(const std::string& model = "human", std::size_t cache_capacity = 512);

  // The JSON answer (serialised, with a final newline) for a query; computed on a miss,
  // then kept (the least recently used answers are dropped beyond the capacity).
  // `cached` tells whether it came from the cache.
  std::shared_ptr<const std::string> dose(const DoseQuery& query, bool* cached = nullptr);
  // The same answer as a document, computed afresh (no cache).
  nlohmann::ordered_json compute(const DoseQuery& query) const;

  const science::LdnModel& model() const { return model_; }
  std::string model_name() const { return model_.model().name(); }
  std::size_t cache_size() const;

 private:
  science::LdnModel model_;
  std::vector<double> typical_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<std::string> order_;  // most recently used first
  std::unordered_map<std::string, std::pair<std::shared_ptr<const std::string>, std::list<std::string>::iterator>>
      cache_;
};

// GET /api: the endpoints and their parameters, for people exploring the API by hand.
nlohmann::ordered_json api_index();

}  // namespace ldnsim::server
