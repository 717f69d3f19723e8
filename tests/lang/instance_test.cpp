// Typed parameter metadata (`se`, `role`) and model instances: the values calibration,
// power and claims vary, without rewriting or re-parsing model text.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/lang/instance.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::lang {
namespace {

ModelPtr interp(const std::string& text) {
  LoadOptions o;
  o.engine = Engine::Interpreter;
  return parse_model(text, "test.ldn", o);
}

std::string error_of(const std::string& text) {
  try {
    interp(text);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

const char* kModel = R"(
param EFF = 0.4 unit "SD" range -0.4 0.8 se 0.11 role effect fitted
  source "Cree 2010; fitted by `ldnsim calibrate x.toml`"
param BIMM = 1 unit "1" range 0 2 role effect assumption assumption "no human data"
param ARR = 0.39 unit "1/y" role data source "placebo arms"
param K = 2 unit "1/h" range 1 4 role fitted unidentified
param NOROLE = 3
covariate WT unit "kg" role input
state X = 0
d/dt(X) = EFF * BIMM * ARR * K - X + NOROLE * WT
)";

TEST(Metadata, StandardErrorsAndRolesAreTypedAttributes) {
  ModelPtr m = interp(kModel);
  const auto p = m->parameters();
  ASSERT_EQ(p.size(), 6u);
  ASSERT_TRUE(p[0].se.has_value());
  EXPECT_EQ(*p[0].se, 0.11);
  EXPECT_TRUE(p[0].has(Role::Effect));
  EXPECT_TRUE(p[0].has(Role::Fitted));
  EXPECT_FALSE(p[0].has(Role::Assumption));
  EXPECT_EQ(role_text(p[0].roles), "effect fitted");
  // the role words stop at the next attribute; the prose `assumption "..."` is not a role
  EXPECT_EQ(role_text(p[1].roles), "effect assumption");
  EXPECT_EQ(p[1].assumption, "no human data");
  EXPECT_FALSE(p[1].se.has_value());
  EXPECT_EQ(role_text(p[2].roles), "data");
  EXPECT_EQ(role_text(p[3].roles), "fitted unidentified");
  EXPECT_EQ(p[4].roles, 0u);
  EXPECT_EQ(role_text(p[5].roles), "input");
}

TEST(Metadata, BadStandardErrorsAndRolesAreModelErrors) {
  EXPECT_NE(error_of("param A = 1 se 0\n").find("test.ldn:1:13: error: se (a standard error) must be above 0"), std::string::npos)
      << error_of("param A = 1 se 0\n");
  EXPECT_NE(error_of("param A = 1 se -2\n").find("must be above 0"), std::string::npos);
  EXPECT_NE(error_of("param A = 1 se \"x\"\n").find("attribute 'se' takes 1 number"), std::string::npos);
  EXPECT_NE(error_of("param A = 1 role\n").find("role needs one or more of: effect, fitted, unidentified, data, assumption, input"),
            std::string::npos)
      << error_of("param A = 1 role\n");
  EXPECT_NE(error_of("param A = 1 role effcet\n").find("role needs one or more of"), std::string::npos);
  EXPECT_NE(error_of("param A = 1 role effect effect\n").find("role 'effect' is given twice"), std::string::npos);
  EXPECT_NE(error_of("param A = 1 effect\n").find("'effect' is a role: write it after the word role"), std::string::npos)
      << error_of("param A = 1 effect\n");
  EXPECT_NE(error_of("param A = 1 role \"effect\"\n").find("role takes words"), std::string::npos);
  EXPECT_NE(error_of("param A = 1 role unidentified\n").find("role unidentified goes with role fitted"), std::string::npos);
  EXPECT_NE(error_of("param A = 1 se 0.1 role fitted unidentified\n").find("an unidentified estimate has no standard error"),
            std::string::npos);
}

TEST(Metadata, ValuesAndAttributesDoNotChangeTheCode) {
  // se and roles are metadata: the generated code (and the native-code cache key) is the same.
  ModelPtr a = interp("param A = 1 range 0 2 se 0.1 role effect fitted\nstate X = 0\nd/dt(X) = -A * X\n");
  ModelPtr b = interp("param A = 1.5 range 0 2\nstate X = 0\nd/dt(X) = -A * X\n");
  EXPECT_EQ(a->hash(), b->hash());
}

TEST(Instance, ValuesChangeWithoutTouchingTheModel) {
  ModelPtr m = interp(kModel);
  ModelInstance base(m);
  ASSERT_EQ(base.values().size(), 6u);
  EXPECT_EQ(base.get("EFF"), 0.4);
  EXPECT_TRUE(std::isnan(base.get("WT")));  // a covariate: from the data
  ModelInstance changed = base.with({{"EFF", 0.123456789}, {"k", 3.5}});  // names as in parameter_index
  EXPECT_EQ(changed.get("EFF"), 0.123456789);  // exactly, not rounded as model text would be
  EXPECT_EQ(changed.get("K"), 3.5);
  EXPECT_EQ(base.get("EFF"), 0.4);
  EXPECT_EQ(changed.ptr(), base.ptr());  // the same compiled model
  // values outside the range are allowed (a fit or a draw may go there)
  changed.set("EFF", 5);
  EXPECT_EQ(changed.get(0), 5);
  EXPECT_EQ(base.with_role(Role::Effect), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(base.with_role(Role::Input), (std::vector<std::size_t>{5}));
}

TEST(Instance, ErrorsNameTheModelAndTheParameter) {
  ModelInstance base(interp(kModel));
  try {
    base.set("EFX", 1);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has no parameter EFX (it has: EFF)"), std::string::npos) << e.what();
  }
  try {
    base.set("WT", 70);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("WT is a covariate"), std::string::npos) << e.what();
  }
  EXPECT_THROW(base.set("EFF", std::nan("")), InputError);
}

}  // namespace
}  // namespace ldnsim::lang
