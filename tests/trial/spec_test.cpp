// Trial specs: the fixtures parse; every kind of bad input is refused before anything
// runs, with the file, the line, the TOML key and what was expected.
#include <unistd.h>

#include "ldnsim/trial/spec.hpp"
#include "support.hpp"

namespace ldnsim::trial {
namespace {

using test::error_of;

const std::string kParallel = R"([trial]
design = "parallel"
model = "linear.ldn"
population = "population.toml"

[enrollment]
n = 60

[[arms]]
name = "LDN"
covariates = { LDN = 1 }

[[arms]]
name = "placebo"
placebo = true
covariates = { LDN = 0 }

[schedule]
duration = "24w"

[[endpoints]]
name = "Y"
output = "Y"
measure = "change"
analysis = "welch_t"
)";

const std::string kCrossover = R"([trial]
design = "crossover"
model = "linear.ldn"
population = "population.toml"

[enrollment]
n = 40

[[arms]]
name = "LDN"
covariates = { LDN = 1 }

[[arms]]
name = "placebo"
placebo = true
covariates = { LDN = 0 }

[crossover]
period = "8w"
washout = "1w"

[[endpoints]]
output = "Y"
analysis = "crossover"
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

std::string parse_error(const std::string& text) {
  return error_of([&] { parse_trial_spec(text, "dir/t.toml"); });
}

TEST(TrialSpec, FixturesParse) {
  for (const char* f : {"crossover.toml", "parallel.toml", "single.toml", "retro.toml"}) {
    TrialSpec s = load_trial_spec(test::fixture(f));
    EXPECT_FALSE(s.endpoints.empty()) << f;
    EXPECT_EQ(s.model_path, test::fixture("linear.ldn")) << f;
  }
  TrialSpec c = load_trial_spec(test::fixture("crossover.toml"));
  EXPECT_EQ(c.design, Design::Crossover);
  EXPECT_DOUBLE_EQ(c.period, 56);
  EXPECT_DOUBLE_EQ(c.washout, 7);
  EXPECT_DOUBLE_EQ(c.duration, 119);
  EXPECT_EQ(c.control, 1);
  EXPECT_EQ(c.lost_subjects, 4);
  EXPECT_EQ(c.arms[0].clock_h, 22);
  EXPECT_EQ(c.arms[0].dose_mg, 4.5);
  EXPECT_EQ(*c.endpoints[0].published.estimate, 5);
  EXPECT_EQ(c.endpoints[2].time, 119);  // between sequences: study time
}

TEST(TrialSpec, Durations) {
  EXPECT_DOUBLE_EQ(parse_duration_days("8w"), 56);
  EXPECT_DOUBLE_EQ(parse_duration_days("56d"), 56);
  EXPECT_DOUBLE_EQ(parse_duration_days("6mo"), 182.625);
  EXPECT_DOUBLE_EQ(parse_duration_days("2y"), 730.5);
  EXPECT_DOUBLE_EQ(parse_duration_days("36h"), 1.5);
  EXPECT_THROW(parse_duration_days("8 fortnights"), InputError);
  EXPECT_THROW(parse_duration_days("-1w"), InputError);
  EXPECT_DOUBLE_EQ(parse_time_of_day("22:30"), 22.5);
  EXPECT_THROW(parse_time_of_day("25:00"), InputError);
}

TEST(TrialSpec, SeveralTimesExpandIntoEndpoints) {
  TrialSpec s = parse_trial_spec(replace(kParallel, "measure = \"change\"", "measure = \"change\"\ntime = [\"12w\", \"24w\"]"), "t.toml");
  ASSERT_EQ(s.endpoints.size(), 2u);
  EXPECT_EQ(s.endpoints[0].name, "Y@12w");
  EXPECT_EQ(s.endpoints[1].name, "Y@24w");
  EXPECT_DOUBLE_EQ(s.endpoints[1].time, 168);
}

TEST(TrialSpec, UnknownKeyNamesFileLineKeyAndSuggestion) {
  std::string e = parse_error(replace(kParallel, "measure = \"change\"", "measure = \"change\"\nanalysys = \"x\""));
  EXPECT_NE(e.find("dir/t.toml:25:1: endpoints[0].analysys: unknown key (did you mean 'analysis'?)"), std::string::npos) << e;
  e = parse_error(replace(kParallel, "[enrollment]", "[enrolment]"));
  EXPECT_NE(e.find("enrolment: unknown key (did you mean 'enrollment'?)"), std::string::npos) << e;
}

TEST(TrialSpec, NegativeOrMissingSampleSize) {
  std::string e = parse_error(replace(kParallel, "n = 60", "n = -5"));
  EXPECT_NE(e.find("dir/t.toml:7:5: enrollment.n: expected a sample size above 0, found -5"), std::string::npos) << e;
  e = parse_error(replace(kParallel, "n = 60", ""));
  EXPECT_NE(e.find("enrollment.n: missing"), std::string::npos) << e;
  e = parse_error(replace(kParallel, "n = 60", "n = \"sixty\""));
  EXPECT_NE(e.find("enrollment.n: expected a whole number, found a string"), std::string::npos) << e;
}

TEST(TrialSpec, CrossoverWithoutWashout) {
  std::string e = parse_error(replace(kCrossover, "washout = \"1w\"", ""));
  EXPECT_NE(e.find("dir/t.toml"), std::string::npos) << e;
  EXPECT_NE(e.find("crossover.washout: missing (expected a washout between the periods"), std::string::npos) << e;
  // Zero washout is allowed when said.
  EXPECT_NO_THROW(parse_trial_spec(replace(kCrossover, "washout = \"1w\"", "washout = \"0d\""), "t.toml"));
  e = parse_error(replace(kCrossover, "[crossover]\nperiod = \"8w\"\nwashout = \"1w\"\n", ""));
  EXPECT_NE(e.find("crossover: missing (a crossover needs [crossover] with period and washout)"), std::string::npos) << e;
}

TEST(TrialSpec, MissingArms) {
  std::string e = parse_error(replace(kCrossover, "[[arms]]\nname = \"placebo\"\nplacebo = true\ncovariates = { LDN = 0 }\n", ""));
  EXPECT_NE(e.find("arms: design crossover has 1 arm (expected exactly 2"), std::string::npos) << e;
  e = parse_error(replace(kParallel, "measure = \"change\"", "measure = \"change\"\ncompare = [\"LDN\", \"sham\"]"));
  EXPECT_NE(e.find("endpoints[0].compare[1]: no arm is named 'sham' (expected one of: LDN, placebo)"), std::string::npos) << e;
  e = parse_error(replace(kCrossover, "washout = \"1w\"", "washout = \"1w\"\nsequences = [[\"LDN\", \"sham\"], [\"placebo\", \"LDN\"]]"));
  EXPECT_NE(e.find("crossover.sequences[0][1]: no arm is named 'sham'"), std::string::npos) << e;
  e = parse_error(replace(kParallel, "placebo = true\n", ""));
  EXPECT_NE(e.find("endpoints[0].compare: missing: no arm has placebo = true"), std::string::npos) << e;
}

TEST(TrialSpec, AnalysisThatDoesNotFitTheDesign) {
  std::string e = parse_error(replace(kParallel, "analysis = \"welch_t\"", "analysis = \"crossover\""));
  EXPECT_NE(e.find("dir/t.toml:25:12: endpoints[0].analysis: 'crossover' does not fit a continuous endpoint of a parallel "
                   "trial (expected one of: student_t, welch_t, ancova, wilcoxon_rank_sum)"),
            std::string::npos)
      << e;
  e = parse_error(replace(kCrossover, "analysis = \"crossover\"", "analysis = \"ancova\""));
  EXPECT_NE(e.find("'ancova' does not fit a continuous endpoint of a crossover trial"), std::string::npos) << e;
  e = parse_error(replace(kParallel, "analysis = \"welch_t\"", "analysis = \"welch\""));
  EXPECT_NE(e.find("'welch' is not an analysis (did you mean 'welch_t'?)"), std::string::npos) << e;
  e = parse_error(replace(kParallel, "measure = \"change\"\nanalysis = \"welch_t\"", "type = \"count\"\nanalysis = \"welch_t\""));
  EXPECT_NE(e.find("does not fit a count endpoint of a parallel trial (expected one of: rate_ratio)"), std::string::npos) << e;
}

TEST(TrialSpec, OtherBadValues) {
  struct Case {
    std::string from, to, expected;
  };
  const Case cases[] = {
      {"design = \"parallel\"", "design = \"factorial\"", "trial.design: 'factorial' is not a design (expected parallel, crossover, single-arm or retrospective)"},
      {"model = \"linear.ldn\"\n", "", "trial.model: missing"},
      {"duration = \"24w\"", "duration = \"24 fortnights\"", "schedule.duration: '24 fortnights': unknown unit 'fortnights'"},
      {"duration = \"24w\"", "duration = \"24w\"\nvisits = [\"30w\"]", "schedule.visits[0]: a visit at day 210 is after the end of the study (day 168)"},
      {"measure = \"change\"", "measure = \"change\"\ntime = \"30w\"", "endpoints[0].time: day 210 is after the end of the study (day 168)"},
      {"measure = \"change\"", "measure = \"delta\"", "endpoints[0].measure: 'delta' is not a measure (expected value or change)"},
      {"measure = \"change\"", "measure = \"change\"\nresponder = { at_least = 3 }", "endpoints[0].responder: not for this endpoint (only for type = \"responder\")"},
      {"[schedule]", "[data_loss]\nsubjects = 60\n\n[schedule]", "data_loss.subjects: expected a count in 0..59"},
      {"[schedule]", "[dropout]\nfraction = 1.5\nby = \"8w\"\n\n[schedule]", "dropout.fraction: expected a probability in [0, 1), found 1.5"},
      {"[schedule]", "[dropout]\nfraction = 0.1\n\n[schedule]", "dropout.by: missing"},
      {"[schedule]", "[crossover]\nperiod = \"8w\"\nwashout = \"1w\"\n\n[schedule]", "crossover: only for design crossover (this trial is parallel)"},
      {"covariates = { LDN = 1 }", "covariates = { LDN = \"on\" }", "arms[0].covariates.LDN: expected a number, found a string"},
      {"name = \"placebo\"", "name = \"LDN\"", "arms[1].name: a second arm named 'LDN' (expected unique names)"},
      {"[enrollment]\nn = 60", "[enrollment]\nn = 60\nallocation = [2, 1, 1]", "enrollment.allocation: expected 2 ratios, one per arm, found 3"},
      {"[enrollment]\nn = 60", "[enrollment]\nn = 60\nblock_size = 3", "enrollment.block_size: expected a multiple of the sum of the allocation ratios (2)"},
      {"[enrollment]\nn = 60", "[enrollment]\nn = 60\nblock_size = 4294967298",
       "enrollment.block_size: expected a block size of at most 10000, found 4294967298"},
      {"analysis = \"welch_t\"", "analysis = \"welch_t\"\nalternative = \"bigger\"", "endpoints[0].alternative: 'bigger' (expected two-sided, less or greater)"},
      {"measure = \"change\"\nanalysis = \"welch_t\"", "type = \"progression\"\nanalysis = \"cox\"",
       "endpoints[0].type: confirmed progression needs regular visits (expected schedule.every"},
      {"[trial]", "[trial]\nalpha = 1.5", "trial.alpha: expected a significance level between 0 and 1, found 1.5"},
      {"n = 60", "n = 60\nn = 61", "not valid TOML"},
      // sizes derived from the spec are bounded before anything is allocated (issue 12)
      {"duration = \"24w\"", "duration = \"24w\"\nevery = \"1e-9d\"",
       "t.toml:20:9: schedule.every: a visit every 1e-09 days gives 1.68e+11 visits over the 168 days of the study "
       "(expected at most 100000 visits per subject"},
      {"duration = \"24w\"", "duration = \"1e12y\"", "t.toml:19:12: schedule.duration: 3.6525e+14 days is more than a study may last (expected at most 100 years"},
      // two placebo arms: the "treatment" would be a placebo and the estimate's sign flipped
      {"name = \"LDN\"\n", "name = \"LDN\"\nplacebo = true\n",
       "t.toml:16:11: arms[1].placebo: both arms are marked placebo = true, so neither is the treatment"},
      {"measure = \"change\"", "measure = \"change\"\ncompare = [\"placebo\", \"LDN\"]",
       "endpoints[0].compare: 'placebo' is a placebo arm and 'LDN' is not"},
  };
  for (const auto& c : cases) {
    std::string e = parse_error(replace(kParallel, c.from, c.to));
    EXPECT_NE(e.find("dir/t.toml:"), std::string::npos) << c.expected << "\n got: " << e;
    EXPECT_NE(e.find(c.expected), std::string::npos) << "expected: " << c.expected << "\n got: " << e;
  }
}

// A UTF-8 byte-order mark, as some editors write, is not an error; a value with control
// bytes comes back escaped in the message.
TEST(TrialSpec, ByteOrderMarkAndControlBytes) {
  EXPECT_NO_THROW(parse_trial_spec("\xEF\xBB\xBF" + kParallel, "dir/t.toml"));
  std::string e = parse_error(replace(kParallel, "design = \"parallel\"", "design = \"\\u001b[2Jwiped\""));
  EXPECT_NE(e.find("'\\x1b[2Jwiped' is not a design"), std::string::npos) << e;
  EXPECT_EQ(e.find('\x1b'), std::string::npos);
  e = parse_error(replace(kParallel, "duration = \"24w\"", "duration = \"" + std::string(5000, '9') + "x\""));
  EXPECT_LT(e.size(), 400u) << e;
  EXPECT_NE(e.find("(5001 bytes)"), std::string::npos) << e;
}

TEST(TrialSpec, ChecksAgainstTheModel) {
  test::SpecDir dir;
  auto load = [&](const std::string& text) {
    return error_of([&] { Trial::load(dir.write("t.toml", text), DriverRegistry::builtin(), test::interpreted()); });
  };
  std::string e = load(replace(kParallel, "output = \"Y\"", "output = \"MCS\""));
  EXPECT_NE(e.find("t.toml:23:10: endpoints[0].output: model trial_linear"), std::string::npos) << e;
  EXPECT_NE(e.find("has no output 'MCS' (expected one of: Y, DROP, EDSS, NREL)"), std::string::npos) << e;
  e = load(replace(kParallel, "covariates = { LDN = 1 }", "covariates = { NALTREXONE = 1 }"));
  EXPECT_NE(e.find("t.toml:11:29: arms[0].covariates.NALTREXONE: model trial_linear has no parameter 'NALTREXONE'"), std::string::npos) << e;
  e = load(replace(kParallel, "name = \"LDN\"", "name = \"LDN\"\ndriver = \"pk\""));
  EXPECT_NE(e.find("arms[0].driver: no treatment driver is named 'pk' (expected one of: constant"), std::string::npos) << e;
  e = load(replace(kParallel, "model = \"linear.ldn\"", "model = \"missing.ldn\""));
  EXPECT_NE(e.find("t.toml:3:9: trial.model: cannot open the model"), std::string::npos) << e;
  e = load(replace(kParallel, "[enrollment]\nn = 60", "[enrollment]\nn = 60\nstratify = [\"RACE\"]"));
  EXPECT_NE(e.find("enrollment.stratify[0]: the population"), std::string::npos) << e;
  e = load(replace(kParallel, "covariates = { LDN = 1 }", "covariates = { B0 = 1 }"));
  EXPECT_NE(e.find("'B0' is a covariate of the population"), std::string::npos) << e;
  e = load(replace(kParallel, "[schedule]", "[dropout]\noutput = \"WITHDRAWN\"\n\n[schedule]"));
  EXPECT_NE(e.find("dropout.output: model trial_linear"), std::string::npos) << e;
}

}  // namespace
}  // namespace ldnsim::trial

namespace ldnsim::trial {
namespace {

// The annotated examples in docs/trials.md are real specs.
TEST(TrialDocs, ExamplesParse) {
  std::string doc = test::read_file_text(std::string(LDNSIM_SOURCE_DIR) + "/docs/trials.md");
  std::vector<std::string> blocks;
  for (std::size_t p = doc.find("```toml\n"); p != std::string::npos; p = doc.find("```toml\n", p)) {
    p += 8;
    std::size_t e = doc.find("```", p);
    blocks.push_back(doc.substr(p, e - p));
    p = e + 3;
  }
  ASSERT_GE(blocks.size(), 3u);
  PopulationSpec pop = parse_population(blocks[0], "docs/trials.md (population)");
  EXPECT_EQ(pop.covariates.size(), 7u);
  EXPECT_EQ(pop.inclusion.size(), 2u);
  TrialSpec t = parse_trial_spec(blocks[1], "docs/trials.md (trial)");
  EXPECT_EQ(t.design, Design::Crossover);
  EXPECT_EQ(t.endpoints.size(), 2u);
  EXPECT_EQ(t.endpoints[1].analysis, Analysis::McNemar);
}

}  // namespace
}  // namespace ldnsim::trial
