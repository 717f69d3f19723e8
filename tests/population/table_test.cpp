// population::simulate_table: a data set streamed from a file gives the same bytes as the
// data set in memory, whatever the thread count; non-finite outputs are solver failures.
#include <gtest/gtest.h>

#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/dataset.hpp"
#include "ldnsim/population/table.hpp"
#include "run.hpp"

namespace ldnsim::population {
namespace {

constexpr const char* kModel = R"(model one "one compartment"
param CL = 1.1
param V = 20
param WT = 70
state CENT = 0
d/dt(CENT) = -CL * (WT / 70) / V * CENT
output CP = CENT / V
)";

std::string data_set(int subjects) {
  std::string csv = "ID,TIME,EVID,AMT,WT,DV\n";
  for (int id = 1; id <= subjects; ++id) {
    csv += std::to_string(id) + ",0,1,100,." + ",.\n";
    for (int t = 1; t <= 12; ++t)
      csv += std::to_string(id) + "," + std::to_string(t) + ",0,0," + std::to_string(60 + id % 7 + t) + "," +
             std::to_string(t) + ".5\n";
  }
  return csv;
}

std::string table_of(const lang::Model& m, const std::string& csv, bool stream, int threads,
                     engine::SimulationOptions opt = {}) {
  TableOptions table;
  ParallelOptions par;
  par.threads = threads;
  std::string out;
  auto write = [&](std::string_view t) { out += t; };
  if (stream) {
    data::DatasetReader reader(csv, "d.csv");
    auto cols = resolve_columns(m, reader.columns(), {"ID", "TIME", "CP", "WT", "DV", "AMT"});
    EXPECT_EQ(simulate_table(m, reader, opt, cols, table, par, write), 23u);
  } else {
    data::Dataset ds = data::parse_dataset(csv, "d.csv");
    auto cols = resolve_columns(m, ds.columns(), {"ID", "TIME", "CP", "WT", "DV", "AMT"});
    EXPECT_EQ(simulate_table(m, ds, opt, cols, table, par, write), 23u);
  }
  return out;
}

TEST(SimulateTable, AStreamedDataSetGivesTheSameBytesAsOneInMemoryWhateverTheThreads) {
  auto m = test::model(kModel);
  const std::string csv = data_set(23);
  engine::SimulationOptions opt;
  opt.grid = test::grid(0, 12, 0.25);
  const std::string expected = table_of(*m, csv, false, 1, opt);
  EXPECT_EQ(expected.substr(0, 24), "ID,TIME,CP,WT,DV,AMT\n1,0");
  for (int threads : {1, 2, 3})
    for (bool stream : {false, true}) EXPECT_EQ(table_of(*m, csv, stream, threads, opt), expected) << threads;
  // Grid rows carry the governing record's covariates, no DV and no dose.
  EXPECT_NE(expected.find("\n1,0.25,"), std::string::npos);
}

TEST(SimulateTable, AColumnAskedForTwiceIsRefusedNamingBoth) {
  auto m = test::model(kModel);
  data::Dataset ds = data::parse_dataset(data_set(1), "d.csv");
  auto message = [&](std::vector<std::string> requested) {
    try {
      resolve_columns(*m, ds.columns(), requested);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // The same output twice, in another case; a data column twice; ID twice.
  EXPECT_EQ(message({"ID", "TIME", "CP", "cp"}),
            "columns: 'cp' is column 3 ('CP') again; expected each column once (names are case-insensitive)");
  EXPECT_NE(message({"AMT", "CP", "amt"}).find("'amt' is column 1 ('AMT') again"), std::string::npos);
  EXPECT_NE(message({"ID", "TIME", "id"}).find("'id' is column 1 ('ID') again"), std::string::npos);
  EXPECT_EQ(resolve_columns(*m, ds.columns(), {"ID", "TIME", "CP", "CENT", "WT"}).size(), 5u);
}

TEST(SimulateTable, ANonFiniteOutputIsASolverFailureNamingSubjectTimeAndOutput) {
  auto m = test::model("state X = 10\nd/dt(X) = -0.1 * X\noutput L = log(X - 5)\n");
  const std::string csv = "ID,TIME\n4,0\n4,10\n";
  data::Dataset ds = data::parse_dataset(csv, "d.csv");
  auto cols = resolve_columns(*m, ds.columns(), {});
  engine::SimulationOptions opt;
  opt.grid = test::grid(0, 10, 1);
  TableOptions table;
  std::string out;
  auto write = [&](std::string_view t) { out += t; };
  try {
    simulate_table(*m, ds, opt, cols, table, {}, write);
    FAIL() << "no error";
  } catch (const SolverError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("ID 4: output L is NaN at time 7"), std::string::npos) << msg;
    // the library names its own input (TableOptions::allow_nan); the CLI says --allow-nan
    EXPECT_NE(msg.find("; allow_nan writes such values"), std::string::npos) << msg;
  }
  table.allow_nan = true;
  out.clear();
  simulate_table(*m, ds, opt, cols, table, {}, write);
  EXPECT_NE(out.find("4,7,NaN,"), std::string::npos) << out;
  EXPECT_NE(out.find("4,6,-0.71720"), std::string::npos) << out;  // log(10 e^-0.6 - 5)
}

}  // namespace
}  // namespace ldnsim::population
