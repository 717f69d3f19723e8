// Population specs and cohorts: marginals and correlations recovered in large samples,
// truncation, rounding, subtype mix and overrides, inclusion criteria, reproducibility,
// and the errors of bad specs.
#include <cmath>
#include <numeric>

#include "ldnsim/stats/descriptives.hpp"
#include "ldnsim/trial/population.hpp"
#include "support.hpp"

namespace ldnsim::trial {
namespace {

using test::error_of;

const std::string kPop = R"(
[subtypes]
RRMS = 0.6
SPMS = 0.3
PPMS = 0.1

[covariates.AGE]
dist = "normal"
mean = 45
sd = 10
[covariates.AGE.subtype.PPMS]
mean = 55

[covariates.DUR]
dist = "lognormal"
median = 9
sdlog = 0.5

[covariates.EDSS]
dist = "normal"
mean = 4
sd = 2
min = 0
max = 9.5
step = 0.5

[covariates.SEX]
dist = "bernoulli"
p = 0.7

[covariates.DMT]
dist = "categorical"
values = [0, 1, 2]
p = [0.5, 0.3, 0.2]

[covariates.WT]
dist = "uniform"
min = 50
max = 100

[[correlations]]
between = ["AGE", "DUR"]
r = 0.6
)";

std::vector<double> column(const std::vector<Subject>& c, const std::string& name) {
  std::vector<double> x;
  for (const auto& s : c) x.push_back(s.get(name));
  return x;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = stats::mean(a), mb = stats::mean(b), sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

TEST(Population, MarginalsAndCorrelationsRecovered) {
  PopulationSpec p = parse_population(kPop, "p.toml");
  CohortGenerator g(p);
  const std::size_t n = 40000;
  std::vector<Subject> c = g.cohort(7, 0, n);
  // Subtype mix (SE of a proportion ~0.0025).
  double rr = 0, pp = 0;
  for (const auto& s : c) {
    rr += s.subtype == Subtype::RRMS;
    pp += s.subtype == Subtype::PPMS;
    EXPECT_EQ(s.get("SUBTYPE"), static_cast<double>(s.subtype));
    EXPECT_EQ(s.get(to_string(s.subtype)), 1.0);
  }
  EXPECT_NEAR(rr / n, 0.6, 0.012);
  EXPECT_NEAR(pp / n, 0.1, 0.008);
  // AGE: mean 45 (55 in PPMS): overall 46, SD of the mixture.
  std::vector<double> age_rr, age_pp;
  for (const auto& s : c) (s.subtype == Subtype::PPMS ? age_pp : age_rr).push_back(s.get("AGE"));
  EXPECT_NEAR(stats::mean(age_rr), 45, 0.25);
  EXPECT_NEAR(stats::sd(age_rr), 10, 0.2);
  EXPECT_NEAR(stats::mean(age_pp), 55, 0.5);
  // Lognormal: median 9, SD of log 0.5.
  std::vector<double> dur = column(c, "DUR"), logdur;
  for (double d : dur) logdur.push_back(std::log(d));
  EXPECT_NEAR(stats::median(dur), 9, 0.15);
  EXPECT_NEAR(stats::sd(logdur), 0.5, 0.01);
  // Correlation of the latent normals = correlation of AGE and log DUR within a subtype.
  std::vector<double> a2, l2;
  for (const auto& s : c)
    if (s.subtype != Subtype::PPMS) {
      a2.push_back(s.get("AGE"));
      l2.push_back(std::log(s.get("DUR")));
    }
  EXPECT_NEAR(correlation(a2, l2), 0.6, 0.015);
  // Uncorrelated pairs stay uncorrelated.
  EXPECT_NEAR(correlation(column(c, "AGE"), column(c, "WT")), 0, 0.02);
  // Truncation and steps: EDSS in [0, 9.5], multiples of 0.5.
  for (double e : column(c, "EDSS")) {
    EXPECT_GE(e, 0);
    EXPECT_LE(e, 9.5);
    EXPECT_DOUBLE_EQ(e * 2, std::round(e * 2));
  }
  EXPECT_NEAR(stats::mean(column(c, "SEX")), 0.7, 0.012);
  std::vector<double> dmt = column(c, "DMT");
  EXPECT_NEAR(std::count(dmt.begin(), dmt.end(), 2.0) / double(n), 0.2, 0.01);
  std::vector<double> wt = column(c, "WT");
  EXPECT_NEAR(stats::mean(wt), 75, 0.4);
  EXPECT_GE(*std::min_element(wt.begin(), wt.end()), 50);
  EXPECT_LE(*std::max_element(wt.begin(), wt.end()), 100);
}

TEST(Population, TruncatedNormalQuantiles) {
  Marginal m;
  m.kind = Marginal::Kind::Normal;
  m.a = 0;
  m.b = 1;
  m.min = 1;
  m.max = 2;
  // Median of N(0,1) truncated to [1, 2].
  double pa = 0.841344746068543, pb = 0.977249868051821;
  EXPECT_NEAR(m.quantile(0.5), 1.336440347745247, 1e-6);
  (void)pa;
  (void)pb;
  m.min = 8;  // far tail
  m.max = std::numeric_limits<double>::infinity();
  double x = m.quantile(0.5);
  EXPECT_GT(x, 8);
  EXPECT_LT(x, 8.1);
}

TEST(Population, InclusionCriteriaByRejection) {
  std::string text = kPop + "\n[inclusion]\nEDSS = [3.0, 5.5]\nAGE = { min = 18, max = 60 }\n";
  PopulationSpec p = parse_population(text, "p.toml");
  EXPECT_GT(p.acceptance, 0.3);
  EXPECT_LT(p.acceptance, 0.6);
  CohortGenerator g(p);
  std::vector<Subject> c = g.cohort(3, 1, 5000);
  for (const auto& s : c) {
    EXPECT_GE(s.get("EDSS"), 3.0);
    EXPECT_LE(s.get("EDSS"), 5.5);
    EXPECT_GE(s.get("AGE"), 18);
    EXPECT_LE(s.get("AGE"), 60);
  }
  // Selection on EDSS moves nothing else here, but selection on AGE shifts DUR (r = 0.6).
  PopulationSpec all = parse_population(kPop, "p.toml");
  std::vector<Subject> c0 = CohortGenerator(all).cohort(3, 1, 5000);
  EXPECT_LT(stats::median(column(c, "DUR")), stats::median(column(c0, "DUR")));
}

TEST(Population, TinyAcceptanceIsRefused) {
  std::string e = error_of([&] { parse_population(kPop + "\n[inclusion]\nAGE = [100, 120]\nEDSS = [3, 5]\n", "p.toml"); });
  EXPECT_NE(e.find("p.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("inclusion: the inclusion criteria accept 0% of the population (0 of 20000 draws; expected at least 0.1%); "
                   "each criterion alone: AGE in [100, 120] 0%, EDSS in [3, 5]"),
            std::string::npos)
      << e;
}

TEST(Population, SameSeedSameCohortIndependentOfOrder) {
  PopulationSpec p = parse_population(kPop, "p.toml");
  CohortGenerator g(p);
  std::vector<Subject> c = g.cohort(99, 4, 50);
  Subject s;
  g.draw(99, 4, 37, s);  // drawn alone, out of order
  EXPECT_EQ(s.values, c[37].values);
  std::vector<Subject> other = g.cohort(99, 5, 50);
  EXPECT_NE(other[37].values, c[37].values);
  std::vector<Subject> seed2 = g.cohort(100, 4, 50);
  EXPECT_NE(seed2[37].values, c[37].values);
}

TEST(Population, BadSpecs) {
  struct Case {
    std::string from, to, expected;
  };
  auto rep = [](std::string s, const std::string& a, const std::string& b) {
    auto p = s.find(a);
    EXPECT_NE(p, std::string::npos) << a;
    if (p != std::string::npos) s.replace(p, a.size(), b);
    return s;
  };
  const Case cases[] = {
      {"PPMS = 0.1\n", "PPMS = 0.2\n", "p.toml:2:1: subtypes: the proportions sum to 1.1 (expected 1)"},
      {"RRMS = 0.6", "RRMS = 0.6\nPRMS = 0", "subtypes.PRMS: unknown key"},
      {"dist = \"lognormal\"", "dist = \"log-normal\"", "covariates.DUR.dist: 'log-normal' is not a distribution"},
      {"sdlog = 0.5", "sdlog = -0.5", "covariates.DUR.sdlog: expected a value above 0, found -0.5"},
      {"median = 9\n", "", "covariates.DUR.median: missing (needed by this dist)"},
      {"p = 0.7", "p = 1.7", "covariates.SEX.p: expected a probability in [0, 1], found 1.7"},
      {"p = [0.5, 0.3, 0.2]", "p = [0.5, 0.5]", "covariates.DMT.p: expected 3 probabilities, one per value, found 2"},
      {"p = [0.5, 0.3, 0.2]", "p = [0.5, 0.3, 0.3]", "covariates.DMT.p: the probabilities sum to 1.1 (expected 1)"},
      {"mean = 4\nsd = 2", "mean = 4\nsd = 2\nmedian = 3", "covariates.EDSS.median: not a key of dist normal (expected mean, sd, min, max, step)"},
      {"max = 9.5", "max = -1", "covariates.EDSS.max: expected max above min (0)"},
      {"r = 0.6", "r = 1.2", "correlations[0].r: expected a correlation strictly between -1 and 1, found 1.2"},
      {"between = [\"AGE\", \"DUR\"]", "between = [\"AGE\", \"DURS\"]", "correlations[0].between[1]: 'DURS' is not a covariate of this population (did you mean 'DUR'?)"},
      {"r = 0.6\n", "r = 0.9\n[[correlations]]\nbetween = [\"AGE\", \"WT\"]\nr = 0.9\n[[correlations]]\nbetween = [\"DUR\", \"WT\"]\nr = -0.9\n",
       "correlations: the correlations cannot hold together: the matrix is not positive definite"},
      {"[covariates.WT]", "[covariates.SUBTYPE]\ndist = \"constant\"\nvalue = 1\n[covariates.WT]", "covariates.SUBTYPE: 'SUBTYPE' is a reserved column name"},
      {"[covariates.AGE.subtype.PPMS]", "[covariates.AGE.subtype.PRMS]", "covariates.AGE.subtype.PRMS: unknown key"},
  };
  for (const auto& c : cases) {
    std::string e = error_of([&] { parse_population(rep(kPop, c.from, c.to), "p.toml"); });
    EXPECT_NE(e.find("p.toml:"), std::string::npos) << c.expected << "\n got: " << e;
    EXPECT_NE(e.find(c.expected), std::string::npos) << "expected: " << c.expected << "\n got: " << e;
  }
}

}  // namespace
}  // namespace ldnsim::trial
