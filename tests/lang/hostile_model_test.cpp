// Hostile model files: nesting that would overflow the stack, sizes beyond the limits,
// bytes that must not reach a terminal raw, and a byte-order mark that must be accepted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "ldnsim/core/error.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::lang {
namespace {

std::string repeat(const std::string& s, std::size_t n) {
  std::string r;
  r.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) r += s;
  return r;
}

std::string error_of(const std::string& text, const std::string& file = "deep.ldn") {
  LoadOptions o;
  o.engine = Engine::Interpreter;
  try {
    parse_model(text, file, o);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(no error)";
}

// The shapes of issue 12 that crashed `check` and `simulate` (exit 139).
struct Shape {
  const char* name;
  std::string equation;
};

std::vector<Shape> deep_shapes() {
  return {
      {"8000 nested parentheses", "-" + repeat("(", 8000) + "C" + repeat(")", 8000)},
      {"a sum of 12000 terms", "C" + repeat(" + C", 11999)},
      {"100000 unary minus", repeat("-", 100000) + "C"},
      {"100000 not", repeat("not ", 100000) + "C"},
      {"100000 powers", "C" + repeat("^C", 100000)},
      {"10000 nested if", repeat("if C > 0 then ", 10000) + "1" + repeat(" else 0", 10000)},
      {"10000 else-if", repeat("if C > 1 then 1 else ", 10000) + "0"},
      {"100000 unclosed (", repeat("(", 100000) + "C"},
      {"12000-argument max", "max(C" + repeat(", C", 11999) + ")"},
      {"8000 nested calls", repeat("exp(", 8000) + "C" + repeat(")", 8000)},
  };
}

TEST(HostileModels, DeepNestingIsALocatedErrorNotACrash) {
  for (const Shape& s : deep_shapes()) {
    std::string e = error_of("state C = 1\nd/dt(C) = " + s.equation + "\n");
    EXPECT_NE(e.find("deep.ldn:2:"), std::string::npos) << s.name << ": " << e.substr(0, 300);
    EXPECT_TRUE(e.find("the limit is 256") != std::string::npos || e.find("the limit is 1000") != std::string::npos)
        << s.name << ": " << e.substr(0, 300);
    EXPECT_NE(e.find(" deep here"), std::string::npos) << s.name << ": " << e.substr(0, 300);
    EXPECT_LT(e.size(), 400u) << s.name;
  }
  // The same depths in every other place an expression can be.
  const std::string deep = repeat("(", 5000) + "1" + repeat(")", 5000);
  for (const std::string& text :
       {"param P = " + deep + "\nstate C = 0\nd/dt(C) = 1\n", "let L = " + deep + "\nstate C = 0\nd/dt(C) = L\n",
        "state C = " + deep + "\nd/dt(C) = 1\n", "state C = 0\nd/dt(C) = 1\nF(C) = " + deep + "\n",
        "state C = 0\nd/dt(C) = 1\noutput O = " + deep + "\n", "random R ~ normal(" + deep + ", 1)\nstate C = 0\nd/dt(C) = R\n",
        "state C = 0\nd/dt(C) = 1\nevent E when C > " + deep + "\n",
        "state C = 0\nd/dt(C) = 1\nevent E rate = 1\non E: C = " + deep + "\n"}) {
    std::string e = error_of(text);
    EXPECT_NE(e.find("the limit is 256"), std::string::npos) << e.substr(0, 300);
  }
}

TEST(HostileModels, DepthsUpToTheLimitsStillWork) {
  // 250 nested parentheses and a sum of 999 terms are fine, and compute the right value.
  LoadOptions o;
  o.engine = Engine::Interpreter;
  auto m = parse_model("state C = 1\nlet A = " + repeat("(", 250) + "C" + repeat(")", 250) + "\nlet B = 1" +
                           repeat(" + 1", 998) + "\nd/dt(C) = A + B\n",
                       "ok.ldn", o);
  std::vector<double> p = m->default_parameter_block();
  std::vector<double> work(m->kernel().work_size + 1);
  double y = 2, dy = 0;
  m->kernel().rhs(m->kernel().ctx, 0, &y, p.data(), &dy, work.data());
  EXPECT_EQ(dy, 2 + 999);
}

TEST(HostileModels, SizesBeyondTheLimitsAreRefusedNamingValueAndLimit) {
  std::string e = error_of("param " + std::string(1 << 20, 'A') + " = 1\nstate C = 0\nd/dt(C) = 1\n");
  EXPECT_NE(e.find("deep.ldn:1:7: error: name 'AAAA"), std::string::npos) << e.substr(0, 300);
  EXPECT_NE(e.find("is 1048576 characters long; the limit is 255"), std::string::npos) << e.substr(0, 300);
  EXPECT_LT(e.size(), 300u);
  e = error_of("param P = 1" + std::string(5000, '0') + "\nstate C = 0\nd/dt(C) = 1\n");
  EXPECT_NE(e.find("5001 characters long; the limit is 400"), std::string::npos) << e.substr(0, 300);
  e = error_of("param P = 1e999\nstate C = 0\nd/dt(C) = 1\n");
  EXPECT_NE(e.find("deep.ldn:1:11: error: number 1e999 is out of range"), std::string::npos) << e;
  e = error_of("param P = 1 source \"" + std::string(20000, 'x') + "\"\nstate C = 0\nd/dt(C) = 1\n");
  EXPECT_NE(e.find("longer than 10000 bytes (the limit)"), std::string::npos) << e.substr(0, 300);
  EXPECT_LT(e.size(), 300u);
  e = error_of(repeat("let L = 1\n", 1) + "state C = 0\nd/dt(C) = 1\n" + repeat("d/dt(C) = 1\n", 100001));
  EXPECT_NE(e.find("statements in one model; the limit is 100000"), std::string::npos) << e.substr(0, 300);
  std::string states;
  for (int i = 0; i < 4097; ++i) states += "state S" + std::to_string(i) + " = 0\n";
  e = error_of(states + "d/dt(S0) = 1\n");
  EXPECT_NE(e.find("deep.ldn:4097:7: error: more than 4096 states; the limit is 4096"), std::string::npos) << e;
  // A model file too large is refused before it is read whole.
  const std::string big = ::testing::TempDir() + "ldnsim-big-model.ldn";
  {
    std::ofstream out(big, std::ios::binary);
    out << "state C = 0\nd/dt(C) = 1\n" << std::string(kMaxModelBytes, '#');
  }
  try {
    load_model(big);
    ADD_FAILURE() << "no error";
  } catch (const InputError& x) {
    EXPECT_NE(std::string(x.what()).find("bytes; the limit is 8388608 bytes"), std::string::npos) << x.what();
  }
  std::filesystem::remove(big);
}

TEST(HostileModels, BytesThatMustNotReachATerminalAreEscaped) {
  // Raw NUL, ESC sequences, broken UTF-8, control characters: shown as escapes.
  std::string e = error_of(std::string("state C = 0\nd/dt(C) = 1 \x1b[2J\n"));
  EXPECT_NE(e.find("unexpected character '\\x1b'"), std::string::npos) << e;
  EXPECT_EQ(e.find('\x1b'), std::string::npos);
  e = error_of(std::string("state C = 0\nd/dt(C) = 1 ") + '\0' + "\n");
  EXPECT_NE(e.find("unexpected character '\\x00'"), std::string::npos) << e;
  e = error_of("state C = 0\nd/dt(C) = 1 \xff\xfe\n");
  EXPECT_NE(e.find("unexpected character '\\xff'"), std::string::npos) << e;
  e = error_of("state C = 0\nd/dt(C) = 1 \xc3\xa9\n");  // é: valid UTF-8, shown whole
  EXPECT_NE(e.find("unexpected character '\xc3\xa9'"), std::string::npos) << e;
  // A string where a name belongs, holding escape sequences and long.
  e = error_of("state \"\x1b]0;owned\x07" + std::string(5000, 'x') + "\" = 0\n");
  EXPECT_NE(e.find("\\x1b]0;owned\\x07"), std::string::npos) << e.substr(0, 300);
  EXPECT_EQ(e.find('\x1b'), std::string::npos);
  EXPECT_LT(e.size(), 300u);
  // The file name too (its location prefix), and the model name taken from it.
  e = error_of("state C = 0\nd/dt(C) = X\n", "evil\x1b[31m\n.ldn");
  EXPECT_EQ(e.find('\x1b'), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  LoadOptions o;
  o.engine = Engine::Interpreter;
  auto m = parse_model("state C = 0\nd/dt(C) = 1\n", "dir/evil\x1b[31m\x07name.ldn", o);
  EXPECT_EQ(m->name(), "evil\\x1b[31m\\x07name");
}

TEST(HostileModels, AUtf8ByteOrderMarkAtTheStartIsAccepted) {
  LoadOptions o;
  o.engine = Engine::Interpreter;
  auto m = parse_model("\xEF\xBB\xBFparam K = 2\nstate C = 0\nd/dt(C) = -K * C\n", "bom.ldn", o);
  EXPECT_EQ(m->parameters()[0].name, "K");
  EXPECT_EQ(m->parameters()[0].where.line, 1);
  EXPECT_EQ(m->parameters()[0].where.column, 7);
  // Elsewhere it is still an error, and says so.
  std::string e = error_of("state C = 0\nd/dt(C) = 1 \xEF\xBB\xBF\n");
  EXPECT_NE(e.find("byte-order mark is allowed only at the start"), std::string::npos) << e;
}

TEST(HostileModels, LongChainsOfLetsAndManyDeclarationsLoad) {
  // A chain of 20000 lets, each naming the one before (depth-first ordering without
  // recursion), and 20000 parameters differing by more than case.
  std::string text = "param P0 = 1\nlet L0 = P0\n";
  for (int i = 1; i < 20000; ++i) {
    text += "param P" + std::to_string(i) + " = 1\n";
    text += "let L" + std::to_string(i) + " = L" + std::to_string(i - 1) + " + P" + std::to_string(i) + " * X\n";
  }
  text += "state X = 1\nd/dt(X) = L19999 / 1e6\n";
  LoadOptions o;
  o.engine = Engine::Interpreter;
  auto m = parse_model(text, "chain.ldn", o);
  EXPECT_EQ(m->parameter_count(), 20000u);
  EXPECT_EQ(m->parameter_index("p12345"), 12345);
  std::vector<double> p = m->default_parameter_block();
  std::vector<double> work(m->kernel().work_size + 1);
  double y = 1, dy = 0;
  m->kernel().rhs(m->kernel().ctx, 0, &y, p.data(), &dy, work.data());
  EXPECT_DOUBLE_EQ(dy, 20000 / 1e6);
  // A cycle through the whole chain is found and printed (cut).
  std::string e = error_of("let A0 = A1999\n" + [] {
    std::string s;
    for (int i = 1; i < 2000; ++i) s += "let A" + std::to_string(i) + " = A" + std::to_string(i - 1) + "\n";
    return s;
  }() + "state C = 0\nd/dt(C) = A0\n");
  EXPECT_NE(e.find("cycle among derived values: A0 -> A1999 -> A1998"), std::string::npos) << e.substr(0, 200);
}

}  // namespace
}  // namespace ldnsim::lang

namespace ldnsim::lang {
namespace {

TEST(HostileModels, QuotedStringsHoldOnlyPrintableText) {
  // Units, sources and descriptions reach terminals, reports and JSON: no escape sequences,
  // no broken UTF-8 (UTF-8 text itself is fine).
  auto e = error_of("param P = 1 source \"see \x1b[2Jthis\"\nstate C = 0\nd/dt(C) = 1\n", "m.ldn");
  EXPECT_NE(e.find("m.ldn:1:20: error: a quoted string may hold only printable UTF-8 text, found \"see \\x1b[2Jthis\""),
            std::string::npos) << e;
  e = error_of("param P = 1 unit \"mg\xff\"\nstate C = 0\nd/dt(C) = 1\n", "m.ldn");
  EXPECT_NE(e.find("found \"mg\\xff\""), std::string::npos) << e;
  LoadOptions o;
  o.engine = Engine::Interpreter;
  auto m = parse_model("param P = 1 unit \"\xc2\xb5g/L\" source \"Smith & Jones, table 2\"\nstate C = 0\nd/dt(C) = 1\n", "m.ldn", o);
  EXPECT_EQ(m->parameters()[0].unit, "\xc2\xb5g/L");
}

}  // namespace
}  // namespace ldnsim::lang
