// Kaplan-Meier, log-rank and Cox regression against R 4.2.2 with survival 3.5-3.
#include <gtest/gtest.h>

#include <cmath>

#include "ldnsim/core/error.hpp"
#include "ldnsim/stats/survival.hpp"
#include "test_util.hpp"

using namespace ldnsim::stats;
using ldnsim::stats::testing::kClosed;
using ldnsim::stats::testing::kIterative;

namespace {
// survival::aml (acute myelogenous leukaemia, maintenance chemotherapy): time, status, and
// x coded 1 = "Maintained", 0 = "Nonmaintained". Ties at 5, 8, 13, 23 and 45.
const std::vector<double> kAmlTime{9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45};
const std::vector<int> kAmlStatus{1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
const std::vector<int> kAmlX{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

// survival::lung[1:60, ], rows with ph.ecog 0-2; status recoded to 0/1.
// d <- lung[1:60, c("time", "status", "sex", "age", "ph.ecog")]
// d <- d[!is.na(d$ph.ecog) & d$ph.ecog < 3, ]; d$status <- d$status - 1
const std::vector<double> kLungTime{306, 455, 1010, 210, 883, 1022, 310, 361, 218, 166, 170, 654, 728, 567, 144,
                                    613, 707, 61,   88,  301, 81,   624, 371, 394, 520, 574, 390, 12,  473, 26,
                                    533, 107, 53,   122, 814, 965,  93,  731, 460, 153, 433, 145, 583, 95,  303,
                                    519, 643, 765,  735, 189, 53,   246, 689, 65,  5,   132, 687, 345};
const std::vector<int> kLungStatus{1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                   1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1,
                                   1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
const std::vector<double> kLungSex{1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2,
                                   1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 2, 2, 1, 2, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 2, 1, 2, 2};
const std::vector<double> kLungAge{74, 68, 56, 57, 60, 74, 68, 71, 53, 61, 57, 68, 68, 57, 67, 70, 63, 56, 57, 67,
                                   49, 50, 58, 72, 70, 60, 53, 74, 69, 73, 48, 60, 61, 62, 65, 66, 74, 64, 70, 73,
                                   59, 60, 68, 76, 74, 63, 74, 50, 72, 63, 68, 58, 59, 62, 65, 57, 58, 64};
const std::vector<int> kLungEcog{1, 0, 0, 1, 0, 1, 2, 2, 1, 2, 1, 2, 1, 1, 1, 1, 2, 2, 1, 1, 0, 1, 0, 0, 1, 0, 1, 2, 1,
                                 2, 2, 2, 2, 2, 2, 1, 2, 1, 1, 2, 0, 2, 1, 2, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 2, 1, 1};

template <class T>
std::vector<T> select(const std::vector<T>& v, const std::vector<int>& x, int value) {
  std::vector<T> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (x[i] == value) out.push_back(v[i]);
  return out;
}
}  // namespace

TEST(KaplanMeier, AmlPooled) {
  // km <- survfit(Surv(time, status) ~ 1, data = aml)
  const KaplanMeier km = kaplan_meier(kAmlTime, kAmlStatus);
  const std::vector<double> time{5, 8, 9, 12, 13, 16, 18, 23, 27, 28, 30, 31, 33, 34, 43, 45, 48, 161};
  const std::vector<double> n_risk{23, 21, 19, 18, 17, 15, 14, 13, 11, 10, 9, 8, 7, 6, 5, 4, 2, 1};
  const std::vector<double> n_event{2, 2, 1, 1, 1, 0, 1, 2, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0};
  const std::vector<double> n_censor{0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1};
  // km$surv
  const std::vector<double> surv{0.91304347826086951, 0.82608695652173914, 0.78260869565217384, 0.73913043478260865,
                                 0.69565217391304346, 0.69565217391304346, 0.64596273291925466, 0.54658385093167705,
                                 0.49689440993788819, 0.49689440993788819, 0.4416839199447895,  0.38647342995169082,
                                 0.33126293995859213, 0.27605244996549344, 0.22084195997239475, 0.16563146997929606,
                                 0.082815734989648032, 0.082815734989648032};
  // km$std.err (the SE of log S, i.e. of the cumulative hazard)
  const std::vector<double> se_log{0.064348945208778693, 0.095672974646987971, 0.1098967455659645, 0.12387602085230009,
                                   0.13791932109184263,  0.13791932109184263,  0.15657664137712329, 0.19621992409272374,
                                   0.21815858383722458,  0.21815858383722458,  0.24795575530878938, 0.28167214886796155,
                                   0.32116774940429327,  0.36943477988780676,  0.43183568239638587, 0.51943757076677222,
                                   0.87739124108010424,  0.87739124108010424};
  // summary(km, censored = TRUE)$std.err (Greenwood SE of S)
  const std::vector<double> se{0.058753384755841409, 0.079034196447511806, 0.086006148703798302, 0.091560537151700067,
                               0.095943875542151391, 0.095943875542151391, 0.10114267517528461,  0.10725064174012229,
                               0.10840178078868302,  0.10840178078868302,  0.10951806997765715,  0.10885880149486436,
                               0.10639097288755056,  0.10198337609049186,  0.095367438486434419, 0.086035208408575106,
                               0.072661800503528301, 0.072661800503528301};
  // km$lower, km$upper (conf.type = "log")
  const std::vector<double> lower{0.80485479778295776, 0.68483946807189866, 0.63095791059958761, 0.57979921796803113,
                                  0.53087834162821212, 0.53087834162821212, 0.47525772470551447, 0.37207808724921121,
                                  0.32401654568981592, 0.32401654568981592, 0.27167599539229165, 0.22251529774688578,
                                  0.17652018258070468, 0.13382219562927281, 0.09473324056331256, 0.059840717810080948,
                                  0.014834608254847221, 0.014834608254847221};
  const std::vector<double> upper{1, 0.99646660502298201, 0.97070875920768129, 0.94224652723151947,
                                  0.91156845010048149, 0.91156845010048149, 0.87798226231686283, 0.80293335280236955,
                                  0.76201063776504074, 0.76201063776504074, 0.71807847747497544, 0.67124244297363078,
                                  0.62165772653129403, 0.56944929631151486, 0.51482637978433587, 0.458446770885507,
                                  0.46232740656529359, 0.46232740656529359};
  ASSERT_EQ(km.steps.size(), time.size());
  for (std::size_t i = 0; i < time.size(); ++i) {
    const auto& s = km.steps[i];
    EXPECT_EQ(s.time, time[i]) << i;
    EXPECT_EQ(s.n_risk, n_risk[i]) << i;
    EXPECT_EQ(s.n_event, n_event[i]) << i;
    EXPECT_EQ(s.n_censor, n_censor[i]) << i;
    EXPECT_REL(s.survival, surv[i], kClosed) << i;
    EXPECT_REL(s.std_error_log, se_log[i], kClosed) << i;
    EXPECT_REL(s.std_error, se[i], kClosed) << i;
    EXPECT_REL(s.ci.lower, lower[i], kClosed) << i;
    EXPECT_REL(s.ci.upper, upper[i], kClosed) << i;
  }
  EXPECT_EQ(km.n, 23u);
  EXPECT_EQ(km.n_events, 18u);
  // quantile(km, 0.5): 27 (18, 48)
  EXPECT_EQ(km.median, 27);
  EXPECT_EQ(km.median_ci.lower, 18);
  EXPECT_EQ(km.median_ci.upper, 48);
  EXPECT_EQ(km.survival_at(4.9), 1.0);
  EXPECT_REL(km.survival_at(29), 0.49689440993788819, kClosed);
}

TEST(KaplanMeier, AmlArmsAndMedians) {
  // survfit(Surv(time, status) ~ 1, data = subset(aml, x == "Maintained"))
  const KaplanMeier m = kaplan_meier(select(kAmlTime, kAmlX, 1), select(kAmlStatus, kAmlX, 1));
  ASSERT_EQ(m.steps.size(), 10u);
  EXPECT_REL(m.steps[5].survival, 0.49090909090909085, kClosed);
  EXPECT_REL(m.steps[8].std_error_log, 0.83378775488850887, kClosed);
  EXPECT_REL(m.steps[8].ci.lower, 0.035917898489185258, kClosed);
  EXPECT_REL(m.steps[8].ci.upper, 0.94352576947455202, kClosed);
  EXPECT_EQ(m.steps[2].ci.upper, 1.0);  // capped
  // quantile(): 31 (18, NA): the lower band never reaches 1/2
  EXPECT_EQ(m.median, 31);
  EXPECT_EQ(m.median_ci.lower, 18);
  EXPECT_TRUE(std::isnan(m.median_ci.upper));
  // Nonmaintained: the curve drops to 0 at the last time; R's bands are NA there.
  const KaplanMeier n = kaplan_meier(select(kAmlTime, kAmlX, 0), select(kAmlStatus, kAmlX, 0));
  ASSERT_EQ(n.steps.size(), 10u);
  EXPECT_REL(n.steps[8].survival, 0.097222222222222238, kClosed);
  EXPECT_REL(n.steps[8].ci.lower, 0.015256527170865199, kClosed);
  EXPECT_REL(n.steps[8].ci.upper, 0.61954862911905562, kClosed);
  EXPECT_EQ(n.steps[9].survival, 0.0);
  EXPECT_TRUE(std::isnan(n.steps[9].ci.lower));
  EXPECT_TRUE(std::isnan(n.steps[9].ci.upper));
  EXPECT_EQ(n.median, 23);  // quantile(): 23 (8, NA)
  EXPECT_EQ(n.median_ci.lower, 8);
  EXPECT_TRUE(std::isnan(n.median_ci.upper));
}

TEST(KaplanMeier, LastEventAndExactHalf) {
  // k2 <- survfit(Surv(c(2,3,3,5,6,8,8,9), c(1,0,1,1,0,1,1,1)) ~ 1): an event and a censoring
  // tied at 3 (the censored subject is still at risk), and S = 0 at the end.
  const KaplanMeier k = kaplan_meier({2, 3, 3, 5, 6, 8, 8, 9}, {1, 0, 1, 1, 0, 1, 1, 1});
  ASSERT_EQ(k.steps.size(), 6u);
  const std::vector<double> surv{0.875, 0.75, 0.60000000000000009, 0.60000000000000009, 0.20000000000000001, 0};
  const std::vector<double> se{0.11692679333668568, 0.15309310892394862, 0.18165902124584954,
                               0.18165902124584954, 0.17416467303484176};  // summary(k2, censored=TRUE)$std.err
  for (std::size_t i = 0; i < 6; ++i) EXPECT_REL(k.steps[i].survival, surv[i], kClosed) << i;
  for (std::size_t i = 0; i < 5; ++i) EXPECT_REL(k.steps[i].std_error, se[i], kClosed) << i;
  EXPECT_TRUE(std::isnan(k.steps[5].std_error));  // R: NaN
  EXPECT_EQ(k.steps[5].std_error_log, kInf);      // R: Inf
  EXPECT_REL(k.steps[4].ci.lower, 0.036289735544325373, kClosed);
  EXPECT_EQ(k.median, 8);  // quantile(k2, 0.5): 8 (5, NA)
  EXPECT_EQ(k.median_ci.lower, 5);
  EXPECT_TRUE(std::isnan(k.median_ci.upper));
  // survfit(Surv(1:6, c(1,1,1,0,1,1)) ~ 1): S = 1/2 exactly from time 3 to the next event at
  // 5, so the median is their midpoint, quantile(): 4 (2, NA).
  const KaplanMeier h = kaplan_meier({1, 2, 3, 4, 5, 6}, {1, 1, 1, 0, 1, 1});
  EXPECT_EQ(h.median, 4);
  EXPECT_EQ(h.median_ci.lower, 2);
  EXPECT_TRUE(std::isnan(h.median_ci.upper));
}

TEST(LogRank, AmlTwoGroups) {
  // survdiff(Surv(time, status) ~ x, data = aml); groups in label order 0 (Nonmaintained), 1.
  const LogRankResult r = log_rank_test(kAmlTime, kAmlStatus, kAmlX);
  EXPECT_REL(r.test.statistic, 3.3963886989776011, kClosed);
  EXPECT_EQ(r.test.df, 1);
  EXPECT_REL(r.test.p_value, 0.065339322040505132, kClosed);
  ASSERT_EQ(r.groups, (std::vector<int>{0, 1}));
  EXPECT_EQ(r.observed[0], 11);
  EXPECT_EQ(r.observed[1], 7);
  EXPECT_REL(r.expected[0], 7.3106640076992759, kClosed);
  EXPECT_REL(r.expected[1], 10.689335992300725, kClosed);
  EXPECT_EQ(r.n[0], 12);
  EXPECT_EQ(r.n[1], 11);
}

TEST(LogRank, LungThreeGroups) {
  // survdiff(Surv(time, status) ~ ph.ecog, data = d)
  const LogRankResult r = log_rank_test(kLungTime, kLungStatus, kLungEcog);
  EXPECT_REL(r.test.statistic, 7.0074470413168015, kClosed);
  EXPECT_EQ(r.test.df, 2);
  EXPECT_REL(r.test.p_value, 0.030085151919146576, kClosed);
  EXPECT_REL(r.expected[0], 13.361819778791094, kClosed);
  EXPECT_REL(r.expected[1], 30.852514447624554, kClosed);
  EXPECT_REL(r.expected[2], 10.785665773584363, kClosed);
  EXPECT_EQ(r.observed, (std::vector<double>{14, 23, 18}));
  // survdiff(Surv(time, status) ~ sex, data = d)
  std::vector<int> sex(kLungSex.begin(), kLungSex.end());
  const LogRankResult s = log_rank_test(kLungTime, kLungStatus, sex);
  EXPECT_REL(s.test.statistic, 0.067898510357216488, kClosed);
  EXPECT_REL(s.test.p_value, 0.79442148481943631, kClosed);
  EXPECT_REL(s.expected[0], 34.069791518879356, kClosed);
}

TEST(Cox, AmlHazardRatio) {
  // cx <- coxph(Surv(time, status) ~ g, data = aml, ties = "breslow",
  //             control = coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100))
  // with g = as.integer(x == "Maintained"); summary(cx)
  const HazardRatioResult r = cox_hazard_ratio(kAmlTime, kAmlStatus, kAmlX);
  EXPECT_REL(r.log_hazard_ratio.estimate, -0.90421972368621117, kIterative);
  EXPECT_REL(r.log_hazard_ratio.std_error, 0.51224790730418879, kIterative);
  EXPECT_REL(r.log_hazard_ratio.statistic, -1.7651994489247513, kIterative);
  EXPECT_REL(r.log_hazard_ratio.p_value, 0.077530251208472734, kIterative);
  EXPECT_REL(r.hazard_ratio, 0.40485766273478213, kIterative);
  EXPECT_REL(r.ci.lower, 0.14834610721161304, kIterative);
  EXPECT_REL(r.ci.upper, 1.1049142451797294, kIterative);
  EXPECT_REL(r.fit.loglik_null, -42.898123897174031, kClosed);  // cx$loglik[1]
  EXPECT_REL(r.fit.loglik, -41.25011435006887, kIterative);     // cx$loglik[2]
  EXPECT_REL(r.fit.wald.statistic, 3.1159290944842462, kIterative);  // cx$wald.test
  EXPECT_REL(r.score.statistic, 3.3225614162730652, kClosed);        // summary(cx)$sctest
  EXPECT_REL(r.score.p_value, 0.068335284661897908, kClosed);
  EXPECT_REL(r.likelihood_ratio.statistic, 3.2960190942103225, kIterative);  // summary(cx)$logtest
  EXPECT_REL(r.likelihood_ratio.p_value, 0.069448000546784044, kIterative);
  EXPECT_REL(r.fit.covariance[0][0], 0.26239791853752076, kIterative);  // cx$var
  EXPECT_EQ(r.fit.n, 23u);
  EXPECT_EQ(r.fit.n_events, 18u);
}

TEST(Cox, LungTwoCovariates) {
  // cx <- coxph(Surv(time, status) ~ sex + age, data = d, ties = "breslow",
  //             control = coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100)); summary(cx)
  const CoxFit fit = cox_regression(kLungTime, kLungStatus, {{"sex", kLungSex}, {"age", kLungAge}});
  const Effect& sex = fit["sex"].effect;
  const Effect& age = fit["age"].effect;
  EXPECT_REL(sex.estimate, -0.0769418116618115766, kIterative);
  EXPECT_REL(sex.std_error, 0.283924790984497744, kIterative);
  EXPECT_REL(sex.statistic, -0.27099363671280324, kIterative);
  EXPECT_REL(sex.p_value, 0.78639592637724864, kIterative);
  EXPECT_REL(age.estimate, 0.0022690872366840278, kIterative);
  EXPECT_REL(age.std_error, 0.018858742431485782, kIterative);
  EXPECT_REL(age.p_value, 0.90422952089567810, kIterative);
  EXPECT_REL(fit.hazard_ratios[0], 0.92594373116592987, kIterative);
  EXPECT_REL(fit.hazard_ratio_ci[0].lower, 0.53077123153353645, kIterative);
  EXPECT_REL(fit.hazard_ratio_ci[0].upper, 1.615332072177901, kIterative);
  EXPECT_REL(fit.hazard_ratio_ci[1].lower, 0.96590154647875115, kIterative);
  EXPECT_REL(fit.hazard_ratio_ci[1].upper, 1.0400112633055365, kIterative);
  EXPECT_REL(fit.loglik_null, -178.68288108698394, kClosed);
  EXPECT_REL(fit.loglik, -178.64150423256018, kIterative);
  EXPECT_REL(fit.wald.statistic, 0.082357715358888653, kIterative);    // cx$wald.test
  EXPECT_REL(fit.score.statistic, 0.082386854951049193, kClosed);      // cx$score
  EXPECT_REL(fit.likelihood_ratio.statistic, 0.082753708847519647, kIterative);
  EXPECT_EQ(fit.likelihood_ratio.df, 2);
  EXPECT_REL(fit.likelihood_ratio.p_value, 0.95946748224267342, kIterative);
  // cx$var
  EXPECT_REL(fit.covariance[0][0], 0.080613286935590722, kIterative);
  EXPECT_REL(fit.covariance[0][1], -0.00052004878730901047, kIterative);
  EXPECT_REL(fit.covariance[1][1], 0.00035565216609712225, kIterative);
}

TEST(Survival, ScalesToLargeTrials) {
  // 20000 subjects with distinct times: the median and band searches must not be quadratic.
  // n <- 20000; t <- 1:n; g <- rep(0:1, n/2); e <- rep(1, n)
  const std::size_t n = 20000;
  std::vector<double> t(n);
  std::vector<int> e(n, 1), g(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = static_cast<double>(i + 1), g[i] = static_cast<int>(i % 2);
  const KaplanMeier km = kaplan_meier(t, e);
  EXPECT_EQ(km.steps.size(), n);
  EXPECT_REL(km.survival_at(5000), 0.75000000000002298, 1e-12);  // summary(survfit(Surv(t, e) ~ 1), times=5000)$surv
  // quantile(survfit(Surv(t, e) ~ 1), 0.5): S = 1/2 at 10000 (within sqrt(eps)), so the
  // midpoint to the next event time.
  EXPECT_EQ(km.median, 10000.5);
  // survdiff(Surv(t, e) ~ g)$chisq
  EXPECT_REL(log_rank_test(t, e, g).test.statistic, 0.0015607829340625048, kClosed);
  // coef(coxph(Surv(t, e) ~ g, ties = "breslow", control = coxph.control(eps = 1e-14, toler.chol = 1e-15)))
  EXPECT_REL(cox_hazard_ratio(t, e, g).log_hazard_ratio.estimate, -0.00055872696359619486, kIterative);
}

TEST(Survival, RejectsInvalidInput) {
  EXPECT_THROW(kaplan_meier({}, {}), ldnsim::InputError);
  EXPECT_THROW(kaplan_meier({1, 2}, {1}), ldnsim::InputError);
  EXPECT_THROW(kaplan_meier({1, kNaN}, {1, 0}), ldnsim::InputError);
  EXPECT_THROW(kaplan_meier({1, -2}, {1, 0}), ldnsim::InputError);
  EXPECT_THROW(kaplan_meier({1, 2}, {1, 2}), ldnsim::InputError);
  EXPECT_THROW(log_rank_test({1, 2, 3}, {1, 1, 0}, {0, 0, 0}), ldnsim::InputError);  // one group
  EXPECT_THROW(log_rank_test({1, 2, 3}, {0, 0, 0}, {0, 1, 0}), ldnsim::InputError);  // no events
  EXPECT_THROW(cox_hazard_ratio({1, 2, 3}, {0, 0, 0}, {0, 1, 0}), ldnsim::InputError);
  EXPECT_THROW(cox_hazard_ratio({1, 2, 3}, {1, 1, 0}, {1, 1, 1}), ldnsim::InputError);  // constant covariate
  EXPECT_THROW(cox_hazard_ratio({1, 2, 3}, {1, 1, 0}, {0, 2, 1}), ldnsim::InputError);
  EXPECT_THROW(cox_regression({1, 2, 3}, {1, 1, 0}, {}), ldnsim::InputError);
  EXPECT_THROW(cox_regression(kLungTime, kLungStatus, {{"sex", kLungSex}, {"sex2", kLungSex}}), ldnsim::InputError);
  // All events in one arm before any in the other: the MLE is infinite.
  EXPECT_THROW(cox_hazard_ratio({1, 2, 3, 4, 5, 6}, {1, 1, 1, 0, 0, 0}, {1, 1, 1, 0, 0, 0}), ldnsim::Error);
  EXPECT_THROW(kaplan_meier({1, 2}, {1, 0}, 0.0), ldnsim::UsageError);
}
