// Virtual populations: a mix of MS subtypes, per-subtype marginal distributions of the
// covariates (age, sex, EDSS, disease duration, weight, concomitant DMT, baseline symptom
// scores), joined by a Gaussian copula, and inclusion criteria applied by rejection
// sampling. The spec format is documented in docs/trials.md ("Population spec").
//
// Every subject is drawn from its own counter-based stream keyed (seed, replicate,
// subject), so a cohort does not depend on thread count or on the other subjects.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/core/random.hpp"

namespace ldnsim::trial {

enum class Subtype { CIS = 0, RRMS = 1, SPMS = 2, PPMS = 3 };
inline constexpr std::size_t kSubtypeCount = 4;
const char* to_string(Subtype subtype);

// Stream purposes of the trial layer (the fourth key of RandomStream), distinct from the
// engine's.
namespace stream {
inline constexpr std::uint32_t kCohort = 0x54520001;      // covariates of a subject
inline constexpr std::uint32_t kAllocation = 0x54520002;  // randomisation of a replicate
inline constexpr std::uint32_t kDropout = 0x54520003;     // spec-level withdrawal time
inline constexpr std::uint32_t kDataLoss = 0x54520004;    // administrative data loss
inline constexpr std::uint32_t kDriver = 0x54520010;      // + phase: treatment driver
inline constexpr std::uint32_t kFollowUp = 0x54520020;    // retrospective follow-up, charting
inline constexpr std::uint32_t kPilot = 0x54520030;       // acceptance-rate estimate
}  // namespace stream

// One marginal distribution (see the table in docs/trials.md).
struct Marginal {
  enum class Kind { Normal, LogNormal, Uniform, Bernoulli, Categorical, Constant };
  Kind kind = Kind::Constant;
  double a = 0;  // normal: mean; lognormal: median; bernoulli: p; constant: value
  double b = 0;  // normal: sd; lognormal: sdlog
  double min = -std::numeric_limits<double>::infinity();  // truncation (uniform: support)
  double max = std::numeric_limits<double>::infinity();
  double step = 0;  // rounding to a multiple of step (0: none)
  std::vector<double> values, p;  // categorical
  std::vector<std::string> labels;

  // The value at copula level u in (0, 1): the truncated inverse CDF, then rounding.
  double quantile(double u) const;
};

struct CovariateSpec {
  std::string name;
  std::string unit;
  std::array<Marginal, kSubtypeCount> marginal;  // by Subtype
};

struct InclusionCriterion {
  std::string covariate;
  std::size_t column = 0;  // in PopulationSpec::columns()
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

struct PopulationSpec {
  std::string file;
  std::string name, description;
  // The disease (`indication = "fibromyalgia"`); "" or "ms": an MS population, which must
  // give [subtypes]; any other has none (its subjects carry the RRMS columns, unread).
  std::string indication;
  std::array<double, kSubtypeCount> subtype_p{};  // proportions by Subtype
  std::vector<CovariateSpec> covariates;          // in the order written
  std::vector<double> correlation;  // covariates x covariates, row-major
  std::vector<double> cholesky;     // its lower Cholesky factor, row-major
  std::vector<InclusionCriterion> inclusion;
  double acceptance = 1;  // estimated fraction of draws meeting the inclusion criteria

  // Column names of a subject: the covariates, then SUBTYPE, CIS, RRMS, SPMS, PPMS.
  const std::vector<std::string>& columns() const { return columns_; }
  // Case-insensitive; -1 when absent.
  int column_index(std::string_view name) const;

  std::vector<std::string> columns_;  // filled by the parser
};

// Reads a population spec (TOML). Throws InputError naming file:line:column, the key and
// what was expected, for every mistake listed in docs/trials.md, and when the inclusion
// criteria accept fewer than 0.1% of the draws.
PopulationSpec parse_population(std::string_view toml_text, const std::string& file);
PopulationSpec load_population(const std::string& path);

// A virtual patient.
struct Subject {
  std::size_t index = 0;  // key of its streams within the replicate
  Subtype subtype = Subtype::RRMS;
  std::vector<double> values;  // by PopulationSpec::columns()
  const PopulationSpec* spec = nullptr;
  long attempts = 0;           // draws needed to meet the inclusion criteria

  // Value of a column by name (case-insensitive); throws InputError when absent.
  double get(std::string_view name) const;
};

class CohortGenerator {
 public:
  explicit CohortGenerator(const PopulationSpec& spec);
  const PopulationSpec& spec() const { return spec_; }

  // One draw from the population (no inclusion criteria); true when it meets them.
  bool draw_once(RandomStream& rng, Subject& out) const;
  // Subject `subject` of replicate `replicate`: draws until the inclusion criteria are met.
  // Throws InputError if 1,000,000 draws fail (the acceptance check makes this unlikely).
  void draw(std::uint64_t seed, std::uint64_t replicate, std::uint64_t subject, Subject& out) const;
  // Subjects 0..n-1 of a replicate.
  std::vector<Subject> cohort(std::uint64_t seed, std::uint64_t replicate, std::size_t n) const;

 private:
  const PopulationSpec& spec_;
};

}  // namespace ldnsim::trial
