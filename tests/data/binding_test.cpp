// engine::Binding: a data set checked against a model before anything runs; every
// mismatch is an InputError naming the record's line and the field.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/dataset.hpp"
#include "ldnsim/engine/simulation.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::engine {
namespace {

// Two compartments, a depot; R defined for CENT only, D for none; WT a covariate.
constexpr const char* kModel = R"(model two "depot and central"
param CL = 1.1
param V  = 20
param KA = 1.5
covariate WT
state GUT = 0 depot
state CENT = 0
d/dt(GUT)  = -KA*GUT
d/dt(CENT) =  KA*GUT - CL*(WT/70)/V*CENT
R(CENT) = 10
output CP = CENT / V
)";

lang::ModelPtr model(const char* text = kModel) {
  lang::LoadOptions o;
  o.engine = lang::Engine::Interpreter;
  return lang::parse_model(text, "two.ldn", o);
}

std::string binding_error(const std::string& data, const char* text = kModel) {
  auto m = model(text);
  data::Dataset ds = data::parse_dataset(data, "d.csv");
  try {
    Binding b(*m, ds);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& data, std::initializer_list<const char*> parts, const char* text = kModel) {
  std::string m = binding_error(data, text);
  ASSERT_FALSE(m.empty()) << "no InputError for:\n" << data;
  for (const char* p : parts) EXPECT_NE(m.find(p), std::string::npos) << "'" << p << "' not in: " << m;
}

TEST(Binding, BindsCovariatesAndParameterColumnsCaseInsensitively) {
  auto m = model();
  data::Dataset ds = data::parse_dataset("ID,TIME,AMT,wt,cl,OTHER\n1,0,10,70,2,5\n", "d.csv");
  Binding b(*m, ds);
  ASSERT_EQ(b.parameter_columns().size(), 2u);
  EXPECT_EQ(b.parameter_columns()[0].column, 3u);
  EXPECT_EQ(m->parameters()[b.parameter_columns()[0].parameter].name, "WT");
  EXPECT_EQ(b.parameter_columns()[1].column, 4u);
  EXPECT_EQ(m->parameters()[b.parameter_columns()[1].parameter].name, "CL");
  EXPECT_EQ(b.default_dose_compartment(), 0);  // GUT
}

TEST(Binding, DefaultDoseCompartmentIsTheDepot) {
  auto m = model("state A = 0\nstate B = 0 depot\nd/dt(A) = -A\nd/dt(B) = -B\n");
  data::Dataset ds = data::parse_dataset("ID,TIME,AMT\n1,0,1\n", "d.csv");
  EXPECT_EQ(Binding(*m, ds).default_dose_compartment(), 1);
}

TEST(Binding, DoseIntoACompartmentTheModelLacks) {
  expect_error("ID,TIME,AMT,CMT,WT\n1,0,10,1,70\n1,1,10,3,70\n",
               {"d.csv:3", "column CMT", "value 3", "model two", "1 GUT", "2 CENT"});
}

TEST(Binding, ObservationsMayNameAnyCompartment) {
  EXPECT_EQ(binding_error("ID,TIME,EVID,AMT,CMT,WT\n1,0,0,0,7,70\n"), "");
}

TEST(Binding, RateFromTheModelWithoutR) {
  // CMT 1 is GUT, which has no R
  expect_error("ID,TIME,AMT,CMT,RATE,WT\n1,0,10,2,-1,70\n1,1,10,1,-1,70\n",
               {"d.csv:3", "column RATE", "-1", "no R(GUT)"});
  // CMT missing: the default compartment (the depot, GUT)
  expect_error("ID,TIME,AMT,RATE,WT\n1,0,10,-1,70\n", {"d.csv:2", "column RATE", "no R(GUT)"});
}

TEST(Binding, RateFromTheModelWithR) {
  EXPECT_EQ(binding_error("ID,TIME,AMT,CMT,RATE,WT\n1,0,10,2,-1,70\n"), "");
}

TEST(Binding, DurationFromTheModelWithoutD) {
  expect_error("ID,TIME,AMT,CMT,RATE,WT\n1,0,10,2,-2,70\n", {"d.csv:2", "column RATE", "-2", "no D(CENT)"});
}

TEST(Binding, MissingCovariateColumn) {
  expect_error("ID,TIME,AMT\n1,0,10\n", {"d.csv", "WT", "covariate", "no column"});
}

TEST(Binding, ModelsCannotDeclareStandardDataItems) {
  // so a covariate can never be shadowed by a NONMEM data item's column
  lang::LoadOptions o;
  o.engine = lang::Engine::Interpreter;
  EXPECT_THROW(lang::parse_model("covariate AMT\nstate A = 0\nd/dt(A) = -A*AMT\n", "x.ldn", o), ModelError);
}

TEST(Binding, ColumnNameAsWrittenInMessages) {
  expect_error("id,time,amt,cmt,rate,wt\n1,0,10,5,0,70\n", {"d.csv:2", "column cmt", "value 5"});
}

}  // namespace
}  // namespace ldnsim::engine
