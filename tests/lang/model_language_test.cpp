// The model language: what compiles, what it computes, and how errors are reported.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::lang {
namespace {

ModelPtr interp(const std::string& text) {
  LoadOptions o;
  o.engine = Engine::Interpreter;
  return parse_model(text, "test.ldn", o);
}

// Evaluates the derivatives of a one-state model whose equation is `expr`, at time t and
// state y, with the model's default parameters.
double eval(const std::string& params, const std::string& expr, double t = 0.5, double y = 2.0,
            Engine engine = Engine::Interpreter) {
  LoadOptions o;
  o.engine = engine;
  auto m = parse_model(params + "\nstate X = 0\nd/dt(X) = " + expr + "\n", "eval.ldn", o);
  std::vector<double> p = m->default_parameter_block();
  std::vector<double> work(m->kernel().work_size + 1);
  double dy = 0;
  m->kernel().rhs(m->kernel().ctx, t, &y, p.data(), &dy, work.data());
  return dy;
}

std::string error_of(const std::string& text) {
  try {
    interp(text);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Expressions, ArithmeticPrecedenceAndAssociativity) {
  EXPECT_DOUBLE_EQ(eval("", "1 + 2 * 3"), 7);
  EXPECT_DOUBLE_EQ(eval("", "(1 + 2) * 3"), 9);
  EXPECT_DOUBLE_EQ(eval("", "8 / 4 / 2"), 1);        // left-associative
  EXPECT_DOUBLE_EQ(eval("", "2 ^ 3 ^ 2"), 512);      // right-associative
  EXPECT_DOUBLE_EQ(eval("", "-2 ^ 2"), -4);          // power binds tighter than minus
  EXPECT_DOUBLE_EQ(eval("", "2 ^ -1"), 0.5);
  EXPECT_DOUBLE_EQ(eval("", "2 ** 3"), 8);
  EXPECT_DOUBLE_EQ(eval("", "10 - 3 - 2"), 5);
  EXPECT_DOUBLE_EQ(eval("", "- - 3"), 3);
  EXPECT_DOUBLE_EQ(eval("", "1.5e2 + .5"), 150.5);
}

TEST(Expressions, ComparisonsLogicAndConditionals) {
  EXPECT_EQ(eval("", "1 < 2"), 1);
  EXPECT_EQ(eval("", "2 <= 1"), 0);
  EXPECT_EQ(eval("", "3 == 3 and 2 != 2"), 0);
  EXPECT_EQ(eval("", "3 == 3 || 2 != 2"), 1);
  EXPECT_EQ(eval("", "not 0"), 1);
  EXPECT_EQ(eval("", "!(1 > 0)"), 0);
  EXPECT_EQ(eval("", "if X > 1 then 10 else 20"), 10);  // X = 2
  EXPECT_EQ(eval("", "if X > 5 then 10 else if X > 1 then 30 else 20"), 30);
  EXPECT_EQ(eval("", "X > 5 ? 10 : 20"), 20);
  EXPECT_EQ(eval("", "1 + (if t < 1 then 1 else 2)"), 2);
}

TEST(Expressions, FunctionsTimeAndPi) {
  EXPECT_DOUBLE_EQ(eval("", "exp(1)"), std::exp(1.0));
  EXPECT_DOUBLE_EQ(eval("", "log(10)"), std::log(10.0));
  EXPECT_DOUBLE_EQ(eval("", "log10(1000)"), 3);
  EXPECT_DOUBLE_EQ(eval("", "sqrt(16)"), 4);
  EXPECT_DOUBLE_EQ(eval("", "pow(2, 10)"), 1024);
  EXPECT_DOUBLE_EQ(eval("", "abs(-3)"), 3);
  EXPECT_DOUBLE_EQ(eval("", "min(3, 1, 2)"), 1);
  EXPECT_DOUBLE_EQ(eval("", "max(3, 1, 7, 2)"), 7);
  EXPECT_DOUBLE_EQ(eval("", "floor(2.7) + ceil(2.1)"), 5);
  EXPECT_DOUBLE_EQ(eval("", "sin(pi / 2) + cos(0)"), 2);
  EXPECT_DOUBLE_EQ(eval("", "t * 4", 0.25), 1);
  EXPECT_DOUBLE_EQ(eval("", "TIME * 4", 0.25), 1);
  EXPECT_DOUBLE_EQ(eval("", "pi"), std::numbers::pi);
}

TEST(Expressions, LetsResolveInAnyOrderAndParametersHoistIntoTheBlock) {
  // B is used before it is declared; C depends on a state. CL/V is parameter-only, so it
  // is computed once per record and kept in the parameter block.
  auto m = interp(R"(
param CL = 2
param V = 10
let A = B * 2
let B = CL / V
let C = A * X
state X = 3
d/dt(X) = -C - (CL / V) * X
output A
output C
)");
  std::vector<double> p = m->default_parameter_block();
  EXPECT_GT(m->slot_count(), m->parameter_count());  // derived values live in the block
  std::vector<double> work(m->kernel().work_size + 1);
  double y = 3, dy = 0, out[2];
  m->kernel().rhs(m->kernel().ctx, 0, &y, p.data(), &dy, work.data());
  EXPECT_DOUBLE_EQ(dy, -(0.4 * 3) - 0.2 * 3);
  m->kernel().outputs(m->kernel().ctx, 0, &y, p.data(), out, nullptr, work.data());
  EXPECT_DOUBLE_EQ(out[0], 0.4);
  EXPECT_DOUBLE_EQ(out[1], 1.2);
  EXPECT_DOUBLE_EQ(p[static_cast<std::size_t>(m->initial_value_slot(0))], 3);
}

TEST(Expressions, InitialValuesAndDosingPropertiesDependOnParameters) {
  auto m = interp(R"(
param BASE = 5
param BIO = 0.4
state A = BASE * 2
state B
d/dt(A) = -A
d/dt(B) = A
F(B) = BIO
ALAG(A) = BASE / 10
)");
  std::vector<double> p = m->default_parameter_block();
  EXPECT_DOUBLE_EQ(p[static_cast<std::size_t>(m->initial_value_slot(0))], 10);
  EXPECT_DOUBLE_EQ(p[static_cast<std::size_t>(m->initial_value_slot(1))], 0);
  EXPECT_DOUBLE_EQ(p[static_cast<std::size_t>(m->dose_property_slot(DoseProperty::F, 1))], 0.4);
  EXPECT_DOUBLE_EQ(p[static_cast<std::size_t>(m->dose_property_slot(DoseProperty::ALAG, 0))], 0.5);
  EXPECT_EQ(m->dose_property_slot(DoseProperty::F, 0), -1);
  EXPECT_EQ(m->dose_property_slot(DoseProperty::R, 1), -1);
}

TEST(Declarations, MetadataUnitsSourcesRangesAndContinuationLines) {
  auto m = interp(R"(
model demo "A demonstration"
param CL = 200 unit "L/h"
    source "a paper, table 2"
    range 100 300
param KON = 0.5 assumption "no data" logrange 0.05 5 cv 30%
covariate WT unit "kg"
state GUT = 0 unit "ug" depot
d/dt(GUT) = -CL * GUT / WT
output CP = GUT / (
  WT * 2)
)");
  EXPECT_EQ(m->name(), "demo");
  EXPECT_EQ(m->description(), "A demonstration");
  ASSERT_EQ(m->parameter_count(), 3u);
  const Parameter& cl = m->parameters()[0];
  EXPECT_EQ(cl.unit, "L/h");
  EXPECT_EQ(cl.source, "a paper, table 2");
  EXPECT_EQ(*cl.low, 100);
  EXPECT_EQ(*cl.high, 300);
  EXPECT_EQ(cl.distribution, "uniform");
  const Parameter& kon = m->parameters()[1];
  EXPECT_EQ(kon.assumption, "no data");
  EXPECT_EQ(kon.distribution, "log-uniform");
  EXPECT_DOUBLE_EQ(*kon.cv, 0.30);
  EXPECT_FALSE(m->parameters()[2].value.has_value());
  EXPECT_TRUE(std::isnan(m->default_parameter_block()[2]));
  EXPECT_TRUE(m->states()[0].depot);
  EXPECT_EQ(m->parameter_index("cl"), 0);  // case-insensitive lookup
  EXPECT_EQ(m->output_index("CP"), 0);
}

TEST(Errors, SyntaxErrorsNameFileLineAndColumn) {
  EXPECT_NE(error_of("param CL = \n").find("test.ldn:1:12: error: expected a value"), std::string::npos)
      << error_of("param CL = \n");
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = 1 +* 2\n").find("test.ldn:2:14"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = (1 + 2\n").find("expected ')'"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = if X then 1\n").find("every 'if' needs an 'else'"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = X = 1\n").find("use '==' to compare"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = 1 < X < 2\n").find("do not chain"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = foo(X)\n").find("unknown function 'foo'"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = exp(X, 2)\n").find("exp() takes 1 argument, got 2"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\nd/dt(X) = 1 $ 2\n").find("test.ldn:2:13: error: unexpected character '$'"),
            std::string::npos);
  EXPECT_NE(error_of("param A = \"x\n").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of("widget X = 1\n").find("expected a statement"), std::string::npos);
  EXPECT_NE(error_of("state X = 0\n  param Y = 1\nd/dt(X) = 1\n").find("start each statement at column 1"),
            std::string::npos);
}

TEST(Errors, SemanticErrorsAreReportedBeforeAnythingRuns) {
  std::string e;
  e = error_of("param CL = 1\nstate X = 0\nd/dt(X) = -CLL * X\n");
  EXPECT_NE(e.find("test.ldn:3:12: error: unknown name 'CLL' (did you mean 'CL'?)"), std::string::npos) << e;
  e = error_of("param CL = 1\nparam CL = 2\nstate X = 0\nd/dt(X) = 1\n");
  EXPECT_NE(e.find("test.ldn:2:7: error: 'CL' is already defined at line 1"), std::string::npos) << e;
  e = error_of("param cl = 1\nparam CL = 2\nstate X = 0\nd/dt(X) = 1\n");
  EXPECT_NE(e.find("only by case"), std::string::npos) << e;
  e = error_of("let A = B + 1\nlet B = C * 2\nlet C = A\nstate X = 0\nd/dt(X) = A\n");
  EXPECT_NE(e.find("cycle among derived values: A -> B -> C -> A"), std::string::npos) << e;
  e = error_of("state X = 0\nstate Y = 0\nd/dt(X) = 1\n");
  EXPECT_NE(e.find("test.ldn:2:7: error: state Y has no equation"), std::string::npos) << e;
  e = error_of("param K = 1\nstate X = 0\nd/dt(X) = 1\nd/dt(K) = 2\n");
  EXPECT_NE(e.find("'K' is a parameter, not a state"), std::string::npos) << e;
  e = error_of("state X = 0\nd/dt(X) = 1\nd/dt(X) = 2\n");
  EXPECT_NE(e.find("d/dt(X) is already given at line 2"), std::string::npos) << e;
  e = error_of("state X = 0\nd/dt(X) = 1\nF(X) = X\n");
  EXPECT_NE(e.find("F(X) may depend only on parameters"), std::string::npos) << e;
  e = error_of("state X = 0\nd/dt(X) = 1\nALAG(X) = t\n");
  EXPECT_NE(e.find("is time"), std::string::npos) << e;
  e = error_of("state X = Y\nstate Y = 0\nd/dt(X) = 1\nd/dt(Y) = 1\n");
  EXPECT_NE(e.find("the initial value of X may depend only on parameters"), std::string::npos) << e;
  e = error_of("param P = K * 2\nstate X = 0\nd/dt(X) = 1\n");
  EXPECT_NE(e.find("a parameter's value must be a number"), std::string::npos) << e;
  e = error_of("param AMT = 1\nstate X = 0\nd/dt(X) = 1\n");
  EXPECT_NE(e.find("reserved name"), std::string::npos) << e;
  e = error_of("param P = 1 unitz \"x\"\nstate X = 0\nd/dt(X) = 1\n");
  EXPECT_NE(e.find("unknown attribute 'unitz'"), std::string::npos) << e;
  e = error_of("param P = 5 range 1 3\nstate X = 0\nd/dt(X) = 1\n");
  EXPECT_NE(e.find("outside its range"), std::string::npos) << e;
  e = error_of("output Z\nstate X = 0\nd/dt(X) = 1\n");
  EXPECT_NE(e.find("output Z names nothing declared"), std::string::npos) << e;
  e = error_of("param P = 1\n");
  EXPECT_NE(e.find("at least one state"), std::string::npos) << e;
}

TEST(Errors, MissingFileIsAnInputError) {
  EXPECT_THROW(load_model("/nonexistent/model.ldn"), InputError);
}

// A model exercising every operator and function, run by the interpreter and by native
// code compiled on the fly: both must give the same bits.
const char* kEveryOperation = R"(
param A = 1.7
param B = 0.3
let L1 = A * X / (1 + B) - Y ^ 1.5 + sqrt(abs(X - Y)) * exp(-B * t)
let L2 = if X > Y and not (t < 0.1) then log(1 + X) else log10(2 + Y)
let L3 = min(X, Y, A) + max(X, 2 * B) + floor(X * 3) - ceil(Y) + pow(A, B) + sin(t) * cos(X)
let L4 = (X >= Y) + (X <= Y) * 2 + (X == X) * 4 + (X != Y) * 8 + (X < 0 or Y > 0) * 16
state X = 1
state Y = 0.5
d/dt(X) = -A * X + B * L2 - 0.01 * L3
d/dt(Y) = B * X - Y + 0.001 * L1 + 1e-4 * L4
output L1
output L2
output L3
output L4
)";

TEST(Engines, NativeCodeAndInterpreterAgreeBitForBit) {
  LoadOptions native;
  native.engine = Engine::Native;
  native.cache_dir = ::testing::TempDir() + "ldnsim-cache-test";
  ModelPtr n = parse_model(kEveryOperation, "every.ldn", native);
  ASSERT_TRUE(n->is_native());
  ModelPtr i = n->interpreted();
  ASSERT_FALSE(i->is_native());
  EXPECT_EQ(n->hash(), i->hash());
  std::vector<double> pn = n->default_parameter_block(), pi = i->default_parameter_block();
  ASSERT_EQ(pn, pi);
  std::vector<double> wn(n->kernel().work_size + 1), wi(i->kernel().work_size + 1);
  for (double t : {0.0, 0.05, 0.5, 3.0}) {
    for (double x : {0.1, 0.5, 1.0, 2.5}) {
      for (double y : {0.2, 0.5, 3.0}) {
        double state[2] = {x, y}, dn[2], di[2], on[4], oi[4];
        n->kernel().rhs(n->kernel().ctx, t, state, pn.data(), dn, wn.data());
        i->kernel().rhs(i->kernel().ctx, t, state, pi.data(), di, wi.data());
        n->kernel().outputs(n->kernel().ctx, t, state, pn.data(), on, nullptr, wn.data());
        i->kernel().outputs(i->kernel().ctx, t, state, pi.data(), oi, nullptr, wi.data());
        for (int k = 0; k < 2; ++k) EXPECT_EQ(dn[k], di[k]) << "t=" << t << " x=" << x << " y=" << y;
        for (int k = 0; k < 4; ++k) EXPECT_EQ(on[k], oi[k]) << "output " << k;
      }
    }
  }
  // The compiled library is cached by content hash: loading again does not recompile.
  ModelPtr again = parse_model(kEveryOperation, "again.ldn", native);
  EXPECT_TRUE(again->is_native());
  EXPECT_EQ(again->hash(), n->hash());
}

TEST(Engines, TheCacheKeyCoversCodeNotValuesNamesOrComments) {
  // Parameter values live in the parameter block, not in the code: models differing only
  // in values, provenance, names or comments share one compiled library.
  auto a = interp("param K = 1 source \"x\"\nstate X = 0 # comment\nd/dt(X) = -K*X\n");
  auto b = interp("model other\n# other\nparam K = 2 source \"y\" unit \"1/h\"\nstate X = 0\nd/dt(X) = -K*X\n");
  auto c = interp("param K = 1\nstate X = 0\nd/dt(X) = -K*X*X\n");
  EXPECT_EQ(a->hash(), b->hash());
  EXPECT_NE(a->hash(), c->hash());
  EXPECT_EQ(b->default_parameter_block()[0], 2);
}

}  // namespace
}  // namespace ldnsim::lang
