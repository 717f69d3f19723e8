// NONMEM agreement on the nmtests dosing data sets (../shared/nmtests): every row of IDs
// 1-19 and of the 16 extended scenarios (IDs 102-425: lag times across infusion ends,
// dosing intervals and steady-state doses, SS=1 and SS=2 infusions) against NONMEM's CP.
// IDs 20-29 (EVID 3/4 resets, SS=2, a steady-state constant infusion) have no NONMEM
// output in shared/, so they are checked against an independent oracle: the closed-form
// one-compartment solution summed over every dose NONMEM's rules give (superposition),
// written here without the engine's event queue, steady-state solver or ODE solver. The
// oracle is itself checked against NONMEM on every row NONMEM printed (IDs 1-19 and the
// extended set), so its reading of the rules is NONMEM's, not the engine's; scenario 29,
// which no NONMEM table here covers, is pinned to NONMEM 7.5's printed values (issue 10).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "collect.hpp"
#include "ldnsim/data/csv.hpp"
#include "ldnsim/data/dataset.hpp"
#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"
#include "paths.hpp"

namespace ldnsim {
namespace {

constexpr double CL = 1.1, V = 20, KA = 1.5, KE = CL / V;
constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// ---- the oracle --------------------------------------------------------------------

struct OracleDose {
  double start;    // time the dose (or infusion) begins
  double amount;   // after bioavailability
  int cmt;         // 1 depot, 2 central
  double rate;     // 0 for a bolus
  long order;      // input row of the record that gave it now; -1 for lagged/implied doses
  // Doses of a steady-state train (SS=1/2): NONMEM counts every prior dose of the train
  // as given at the record's time. Before `anchor` (the start of the train's last dose,
  // record time + ALAG - II) each is in the phase it has at the anchor (an infusion
  // running there runs, one ended there has ended), continued analytically, even before
  // its own start. This is what NONMEM printed for IDs 409, 410, 411 and 415 (ALAG > II),
  // and the same as the plain sum of past doses when ALAG <= II.
  double anchor = kNone;
};

// Central amount at time u after a unit bolus into the depot / central compartment; the
// closed form for any real u (negative u continues it backwards).
double bolus_central(int cmt, double u) {
  if (cmt == 2) return std::exp(-KE * u);
  return KA / (KA - KE) * (std::exp(-KE * u) - std::exp(-KA * u));
}

// Central amount at time u after a unit-rate infusion into cmt started (still running),
// for any real u.
double infusion_central(int cmt, double u) {
  if (cmt == 2) return (1 - std::exp(-KE * u)) / KE;
  return KA / (KA - KE) * ((1 - std::exp(-KE * u)) / KE - (1 - std::exp(-KA * u)) / KA);
}

double dose_central(const OracleDose& d, double t, long row) {
  double phase_at = t;
  if (!std::isnan(d.anchor) && t < d.anchor) {
    if (d.start > d.anchor) return 0;
    phase_at = d.anchor;
  } else {
    bool given = d.start < t || (d.start == t && d.order <= row);
    if (!given) return 0;
  }
  const double u = t - d.start;
  if (d.rate == 0) return d.amount * bolus_central(d.cmt, u);
  const double dur = d.amount / d.rate;
  if (phase_at - d.start < dur) return d.rate * infusion_central(d.cmt, u);
  return d.rate * (infusion_central(d.cmt, u) - infusion_central(d.cmt, u - dur));
}

double central(const std::vector<OracleDose>& doses, double t, long row) {
  double a = 0;
  for (const OracleDose& d : doses) a += dose_central(d, t, row);
  return a;
}

// CP for every record of a subject, by NONMEM's rules: F and ALAG of the dose record apply
// to the central compartment only (the model defines F(CENT), ALAG(CENT)); F scales the
// amount, so it lengthens RATE>0 infusions; RATE=-1/-2 take R2=RAT2 / D2=DUR2; ADDL repeats
// every II; SS=1 replaces the history by the infinite train of prior doses (anchored as
// above), SS=2 adds that train; EVID 3/4 erase the history; a constant steady-state
// infusion (AMT 0, II 0) has run for ever up to the record's time, where it stops (its
// record gives no amount: NONMEM 7.5's CP declines after it, scenario 29).
std::vector<double> oracle(const data::Dataset& ds, std::size_t subject) {
  const int c_lagt = ds.column_index("LAGT"), c_bioav = ds.column_index("BIOAV"),
            c_rat2 = ds.column_index("RAT2"), c_dur2 = ds.column_index("DUR2");
  std::vector<OracleDose> doses;
  std::vector<double> cp;
  auto [b, e] = ds.subject_range(subject);
  for (std::size_t r = b; r < e; ++r) {
    const data::Record& rec = ds.records()[r];
    const long row = static_cast<long>(r);
    if (rec.evid == 3 || rec.evid == 4) doses.clear();
    if (rec.evid == 1 || rec.evid == 4) {
      const int cmt = rec.cmt;
      const double F = cmt == 2 ? ds.value(r, static_cast<std::size_t>(c_bioav)) : 1.0;
      const double lag = cmt == 2 ? ds.value(r, static_cast<std::size_t>(c_lagt)) : 0.0;
      const double amount = F * rec.amt;
      double rate = rec.rate;
      if (rec.rate == -1) rate = ds.value(r, static_cast<std::size_t>(c_rat2));
      if (rec.rate == -2) rate = amount / ds.value(r, static_cast<std::size_t>(c_dur2));
      if (rec.ss > 0 && rec.ii == 0) {  // constant infusion at steady state, stopping now
        if (rec.ss == 1) doses.clear();
        doses.push_back({rec.time - 1e5, rec.rate * 1e5, cmt, rec.rate, -1});
      } else {
        if (rec.ss == 1) doses.clear();
        if (rec.ss > 0) {
          const double anchor = rec.time + lag - rec.ii;
          for (int k = 1; k <= 4000; ++k)
            doses.push_back({anchor - (k - 1) * rec.ii, amount, cmt, rate, -1, anchor});
        }
        doses.push_back({rec.time + lag, amount, cmt, rate, lag > 0 ? -1 : row});
        for (int k = 1; k <= rec.addl; ++k) doses.push_back({rec.time + lag + k * rec.ii, amount, cmt, rate, -1});
      }
    }
    cp.push_back(central(doses, rec.time, row) / (V / 1000));
  }
  return cp;
}

// ---- shared fixtures -----------------------------------------------------------------

struct NonmemRow {
  double id, time, cp;
};

std::vector<NonmemRow> nonmem_reference(const std::string& file) {
  std::string path = test::shared_path(file);
  auto rows = data::parse_csv(data::read_text_file(path, "NONMEM reference"), path);
  std::vector<NonmemRow> out;
  for (std::size_t i = 1; i < rows.size(); ++i)
    out.push_back({std::stod(rows[i].fields[0]), std::stod(rows[i].fields[1]), std::stod(rows[i].fields[2])});
  return out;
}

// The acceptance rule: relative error 1e-4, absolute `floor` where CP is near 0 (1e-6 for
// the original table, printed to full precision; 1e-3 for the extended one, printed to 5
// significant digits: shared/nmtests/README.md).
::testing::AssertionResult agrees(double ours, double reference, double floor = 1e-6) {
  double abs_err = std::fabs(ours - reference);
  double rel_err = reference != 0 ? abs_err / std::fabs(reference) : abs_err;
  if (abs_err <= floor || rel_err <= 1e-4) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << ours << " vs " << reference << " (relative error " << rel_err
                                       << " > 1e-4, absolute " << abs_err << " > " << floor << ")";
}

struct Simulated {
  std::vector<double> cp;  // per record, in input order
};

Simulated simulate(const lang::Model& model, const data::Dataset& ds, engine::SimulationOptions opt) {
  engine::Binding binding(model, ds);
  engine::SubjectSimulator sim(model, binding, opt);
  Simulated out;
  int cp = model.output_index("CP");
  for (std::size_t s = 0; s < ds.subject_count(); ++s) {
    test::Collect rows;
    rows.n_states = model.state_count();
    rows.n_outputs = model.output_count();
    sim.run(ds.subject(s), rows);
    for (const auto& r : rows.rows) {
      EXPECT_TRUE(r.is_record) << "no grid was asked for";
      out.cp.push_back(r.outputs[static_cast<std::size_t>(cp)]);
    }
  }
  return out;
}

struct Table {
  data::Dataset data;
  std::vector<NonmemRow> nonmem;
};

const Table& original() {
  static const Table t{data::read_dataset(test::shared_path("nmtests/1001-input.csv")),
                       nonmem_reference("nmtests/1001-nonmem.csv")};
  return t;
}

const Table& extended() {
  static const Table t{data::read_dataset(test::shared_path("nmtests/1001-extended-input.csv")),
                       nonmem_reference("nmtests/1001-extended-nonmem.csv")};
  return t;
}

const lang::Model& nmtests_model() {
  static const lang::ModelPtr m = lang::load_model(test::source_path("tests/reference/nmtests-1001.ldn"));
  return *m;
}

engine::SimulationOptions options_for(const std::string& solver) {
  engine::SimulationOptions o;
  o.method = solver::parse_method(solver);
  return o;  // default tolerances: rtol 1e-6, atol 1e-9
}

class NmTests : public ::testing::TestWithParam<std::string> {};

TEST_P(NmTests, EveryRowOfIds1To19MatchesNonmem) {
  const Table& t = original();
  Simulated sim = simulate(nmtests_model(), t.data, options_for(GetParam()));
  ASSERT_EQ(t.nonmem.size(), 2509u);
  std::size_t checked = 0;
  for (std::size_t i = 0; i < t.data.record_count(); ++i) {
    const data::Record& rec = t.data.records()[i];
    if (rec.id > 19) break;
    const NonmemRow& ref = t.nonmem[i];
    ASSERT_EQ(ref.id, rec.id);
    ASSERT_EQ(ref.time, rec.time);
    EXPECT_TRUE(agrees(sim.cp[i], ref.cp)) << "ID " << rec.id << " TIME " << rec.time << " line " << rec.line;
    ++checked;
  }
  EXPECT_EQ(checked, 2509u);
}

TEST_P(NmTests, EveryRowOfTheExtendedScenariosMatchesNonmem) {
  // IDs 102-425 (NONMEM 7.5.1): lag times across infusion ends and dosing intervals, lags
  // longer than II on SS=1 boluses and infusions (409, 410, 411, 415), SS=1 then SS=2
  // boluses and infusions (125, 225, 325), an infusion ending exactly at a dose time (425).
  // Every solver at the default tolerances, except BDF at rtol 1e-7: in 409 CP starts at
  // -18569 and crosses zero near 20 h (NONMEM -116.31), and BDF's global error at the
  // default rtol 1e-6 (measured: at most 0.09 on values of 14362, 6e-6 of them) is 2.2e-4
  // of the value there; 5e-7 already suffices. The other solvers meet 1e-4 on every row at
  // the defaults.
  const Table& t = extended();
  engine::SimulationOptions opt = options_for(GetParam());
  if (opt.method == solver::Method::Bdf) opt.tolerances.rtol = 1e-7;
  Simulated sim = simulate(nmtests_model(), t.data, opt);
  ASSERT_EQ(t.nonmem.size(), t.data.record_count());
  ASSERT_EQ(t.data.subject_count(), 16u);
  for (std::size_t i = 0; i < t.data.record_count(); ++i) {
    const data::Record& rec = t.data.records()[i];
    ASSERT_EQ(t.nonmem[i].id, rec.id);
    ASSERT_EQ(t.nonmem[i].time, rec.time);
    EXPECT_TRUE(agrees(sim.cp[i], t.nonmem[i].cp, 1e-3)) << "ID " << rec.id << " TIME " << rec.time << " line "
                                                         << rec.line;
  }
  EXPECT_EQ(sim.cp.size(), 2122u);
}

TEST_P(NmTests, ResetsSteadyState2AndSteadyInfusionsMatchTheOracle) {
  const Table& t = original();
  Simulated sim = simulate(nmtests_model(), t.data, options_for(GetParam()));
  std::size_t checked = 0;
  for (std::size_t s = 0; s < t.data.subject_count(); ++s) {
    auto [b, e] = t.data.subject_range(s);
    if (t.data.records()[b].id < 20) continue;
    std::vector<double> expected = oracle(t.data, s);
    for (std::size_t r = b; r < e; ++r) {
      EXPECT_TRUE(agrees(sim.cp[r], expected[r - b]))
          << "ID " << t.data.records()[r].id << " TIME " << t.data.records()[r].time << " line " << t.data.records()[r].line;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 1328u);  // all rows of IDs 20-29
}

INSTANTIATE_TEST_SUITE_P(Solvers, NmTests, ::testing::Values("auto", "dopri5", "rosenbrock", "bdf", "adams"));

// The oracle's reading of NONMEM's rules is checked against NONMEM itself, on every row
// NONMEM printed: IDs 1-19, and the extended scenarios (whose lags beyond II are where the
// old oracle shared the engine's wrong reading of steady state).
TEST(NmTestsOracle, TheOracleItselfReproducesNonmemOnIds1To19) {
  const Table& t = original();
  std::size_t i = 0;
  for (std::size_t s = 0; s < t.data.subject_count(); ++s) {
    if (t.data.subject(s).id() > 19) break;
    for (double cp : oracle(t.data, s)) {
      EXPECT_TRUE(agrees(cp, t.nonmem[i].cp)) << "ID " << t.nonmem[i].id << " TIME " << t.nonmem[i].time;
      ++i;
    }
  }
  EXPECT_EQ(i, 2509u);
}

TEST(NmTestsOracle, TheOracleItselfReproducesNonmemOnTheExtendedScenarios) {
  const Table& t = extended();
  std::size_t i = 0;
  for (std::size_t s = 0; s < t.data.subject_count(); ++s)
    for (double cp : oracle(t.data, s)) {
      EXPECT_TRUE(agrees(cp, t.nonmem[i].cp, 1e-3)) << "ID " << t.nonmem[i].id << " TIME " << t.nonmem[i].time;
      ++i;
    }
  EXPECT_EQ(i, 2122u);
}

// Hand-derived values for the reset and steady-state scenarios, from the closed forms
// (KE = 0.055/h, KA = 1.5/h, V = 20 L):
TEST(NmTestsHandDerived, SteadyStateConstantInfusionStartsAtRateOverClearanceThenDeclines) {
  // ID 29: SS=1, AMT 0, RATE 100, II 0 into the depot. NONMEM 7.5 (and mrgsolve) start at
  // the infusion's steady state, depot 100/KA and central 100/KE (CP 90909), and then let
  // it decline: the record gives no amount, so no infusion runs on. NONMEM printed CP
  // 90909 at 0 h, 88547 at 1 h and 84367 at 2 h (issue 10); the closed form of the decline
  // from (G0, C0) is C(t) = C0 e^{-KE t} + G0 KA/(KA-KE) (e^{-KE t} - e^{-KA t}).
  const Table& t = original();
  Simulated sim = simulate(nmtests_model(), t.data, options_for("auto"));
  const double G0 = 100 / KA, C0 = 100 / KE;
  const std::map<double, double> nonmem{{0, 90909}, {1, 88547}, {2, 84367}};
  int rows = 0, printed = 0;
  for (std::size_t r = 0; r < t.data.record_count(); ++r) {
    const data::Record& rec = t.data.records()[r];
    if (rec.id != 29) continue;
    const double tt = rec.time;
    double c = C0 * std::exp(-KE * tt) + G0 * KA / (KA - KE) * (std::exp(-KE * tt) - std::exp(-KA * tt));
    EXPECT_TRUE(agrees(sim.cp[r], c / (V / 1000))) << tt;
    if (auto it = nonmem.find(tt); it != nonmem.end()) {
      EXPECT_TRUE(agrees(sim.cp[r], it->second, 1e-3)) << "NONMEM at " << tt;
      ++printed;
    }
    ++rows;
  }
  EXPECT_GT(rows, 100);
  EXPECT_GE(printed, 3);
}

TEST(NmTestsHandDerived, SteadyStateBolusIntoDepotAtTheDoseTime) {
  // ID 21: 100 mg into the depot every 12 h at steady state, SS record at t=0. Just before
  // a dose the central amount is the geometric sum of prior doses:
  // A = 100*KA/(KA-KE) * (e^{-KE*12}/(1-e^{-KE*12}) - e^{-KA*12}/(1-e^{-KA*12})).
  const Table& t = original();
  Simulated sim = simulate(nmtests_model(), t.data, options_for("auto"));
  const double tau = 12;
  double a = 100 * KA / (KA - KE) *
             (std::exp(-KE * tau) / (1 - std::exp(-KE * tau)) - std::exp(-KA * tau) / (1 - std::exp(-KA * tau)));
  for (std::size_t r = 0; r < t.data.record_count(); ++r)
    if (t.data.records()[r].id == 21 && t.data.records()[r].time == 0) {
      EXPECT_TRUE(agrees(sim.cp[r], a / (V / 1000)));
    }
}

TEST(NmTestsHandDerived, LagLongerThanTheIntervalByHand) {
  // The numbers NONMEM printed at time 0 for two of the extended scenarios, derived by
  // hand (central doses; KE = 0.055/h):
  // 415: bolus 41.2 mg (100 x F 0.412) every 24 h, ALAG 28. The post-dose steady state
  //   is P = 41.2/(1 - e^{-24 KE}) = 56.218 mg; NONMEM takes it at the anchor 28 - 24 = 4 h
  //   and moves it back to 0 h: P e^{4 KE} = 70.052 mg, CP 3502.6.
  // 409: 41.2 mg at 10 mg/h (4.12 h) every 24 h, ALAG 46. At the start of an infusion the
  //   steady state is S = (10/KE)(1 - e^{-4.12 KE}) e^{-19.88 KE}/(1 - e^{-24 KE}) = 16.853
  //   mg; NONMEM moves it back from the anchor 46 - 24 = 22 h to 0 h with that infusion
  //   running: S e^{22 KE} - (10/KE)(e^{22 KE} - 1) = -371.38 mg, CP -18569.
  const Table& t = extended();
  Simulated sim = simulate(nmtests_model(), t.data, options_for("auto"));
  const double q = std::exp(-24 * KE);
  const double P = 41.2 / (1 - q);
  const double S = 10 / KE * (1 - std::exp(-4.12 * KE)) * std::exp(-19.88 * KE) / (1 - q);
  const double A415 = P * std::exp(4 * KE);
  const double A409 = S * std::exp(22 * KE) - 10 / KE * (std::exp(22 * KE) - 1);
  EXPECT_NEAR(A415 / (V / 1000), 3502.6, 0.1);
  EXPECT_NEAR(A409 / (V / 1000), -18569, 1);
  int seen = 0;
  for (std::size_t r = 0; r < t.data.record_count(); ++r) {
    const data::Record& rec = t.data.records()[r];
    if (rec.time != 0) continue;
    if (rec.id != 415 && rec.id != 409) continue;
    EXPECT_TRUE(agrees(sim.cp[r], (rec.id == 415 ? A415 : A409) / (V / 1000))) << "ID " << rec.id;
    ++seen;
  }
  EXPECT_EQ(seen, 4);  // the dose record and the observation at 0 h of each
}

}  // namespace
}  // namespace ldnsim
