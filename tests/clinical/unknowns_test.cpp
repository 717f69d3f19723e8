// What ldnsim does not know (issue 9, item 7): every assumption-only parameter of the
// clinical and pharmacology models has a note saying what it drives and what would pin it
// down; notes on anything else are located errors; the docs' tables are generated.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ldnsim/lang/model.hpp"
#include "ldnsim/science/unknowns.hpp"
#include "support.hpp"

namespace ldnsim {
namespace {

lang::ModelPtr load(const std::string& rel) {
  test::register_all();
  lang::LoadOptions o;
  o.engine = lang::Engine::Interpreter;
  return lang::load_model(test::src(rel), o);
}

TEST(Unknowns, EveryAssumptionOnlyParameterHasANote) {
  for (const char* rel : {"models/ms/patient.ldn", "models/ldn/human.ldn"}) {
    SCOPED_TRACE(rel);
    auto m = load(rel);
    const auto list = science::unknowns(*m, science::unknowns_file(test::src(rel)));
    std::size_t expected = 0;
    for (const auto& p : m->parameters()) expected += science::assumption_only(p);
    EXPECT_EQ(list.size(), expected);
    for (const auto& u : list) {
      EXPECT_FALSE(u.drives.empty()) << u.name;
      EXPECT_FALSE(u.measure.empty()) << u.name;
    }
  }
  // The LDN effects that rest on assumptions are among them.
  auto m = load("models/ms/patient.ldn");
  const auto list = science::unknowns(*m, science::unknowns_file(test::src("models/ms/patient.ldn")));
  std::size_t effects = 0;
  for (const auto& u : list) effects += u.effect;
  EXPECT_EQ(effects, 3u);  // BIMM, BPROG, EFF_SPAS
}

TEST(Unknowns, NotesOnOtherParametersOrMissingNotesAreLocatedErrors) {
  auto d = test::temp_dir("unknowns");
  std::ofstream(d / "m.ldn") << "model m\nparam A = 1 unit \"1\" range 0 2 role assumption assumption \"a\"\n"
                                "param B = 2 unit \"1\" role data source \"s\"\nstate X = 0\nd/dt(X) = -A * B * X\n";
  auto m = lang::load_model((d / "m.ldn").string());
  auto error = [&](const std::string& notes) -> std::string {
    std::ofstream(d / "m.unknowns.toml") << notes;
    try {
      science::unknowns(*m, science::unknowns_file((d / "m.ldn").string()));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error("[A]\ndrives = \"x\"\nmeasure = \"y\"\n"), "");
  std::string e = error("[A]\ndrives = \"x\"\nmeasure = \"y\"\n[C]\ndrives = \"x\"\nmeasure = \"y\"\n");
  EXPECT_NE(e.find("m.unknowns.toml:4:"), std::string::npos) << e;
  EXPECT_NE(e.find("has no parameter 'C'"), std::string::npos) << e;
  e = error("[A]\ndrives = \"x\"\nmeasure = \"y\"\n[B]\ndrives = \"x\"\nmeasure = \"y\"\n");
  EXPECT_NE(e.find("B is not assumption-only"), std::string::npos) << e;
  e = error("[A]\ndrives = \"x\"\n");
  EXPECT_NE(e.find("A.measure"), std::string::npos) << e;
  e = error("");
  EXPECT_NE(e.find("no note for the assumption-only parameter(s) A"), std::string::npos) << e;
  std::filesystem::remove_all(d);
}

TEST(Docs, UnknownsTablesAreCurrent) {
  test::expect_doc_section("docs/clinical.md", "unknowns patient", "params models/ms/patient.ldn --unknowns --markdown");
  test::expect_doc_section("docs/model.md", "unknowns human", "params models/ldn/human.ldn --unknowns --markdown");
}

}  // namespace
}  // namespace ldnsim
