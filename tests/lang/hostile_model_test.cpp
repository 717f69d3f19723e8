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

// ---- the arguments of random draws ------------------------------------------------------

TEST(DrawArguments, ConstantsOutsideTheDomainAreLocatedErrors) {
  auto e = error_of("random R ~ normal(0, -1)\nstate C = 0\nd/dt(C) = R\n", "m.ldn");
  EXPECT_NE(e.find("m.ldn:1:22: error: normal(): the sd is -1; expected a finite number of 0 or more"), std::string::npos) << e;
  e = error_of("random R ~ bernoulli(2)\nstate C = 0\nd/dt(C) = R\n", "m.ldn");
  EXPECT_NE(e.find("m.ldn:1:22: error: bernoulli(): the probability is 2; expected a probability, from 0 to 1"),
            std::string::npos) << e;
  e = error_of("random R ~ uniform(5, 1)\nstate C = 0\nd/dt(C) = R\n", "m.ldn");
  EXPECT_NE(e.find("m.ldn:1:12: error: uniform(): the low end 5 is above the high end 1"), std::string::npos) << e;
  e = error_of("state C = 0\nd/dt(C) = 1\nevent E rate = 1\non E: C = exponential(-1)\n", "m.ldn");
  EXPECT_NE(e.find("m.ldn:4:23: error: exponential(): the rate is -1; expected a finite number above 0"), std::string::npos) << e;
  e = error_of("random R ~ lognormal(-1, -1)\nstate C = 0\nd/dt(C) = R\n", "m.ldn");
  EXPECT_NE(e.find("m.ldn:1:22: error: lognormal(): the median is -1; expected a finite number above 0"), std::string::npos) << e;
  e = error_of("random R ~ lognormal(1, -0.5 * 2)\nstate C = 0\nd/dt(C) = R\n", "m.ldn");
  EXPECT_NE(e.find("lognormal(): the sdlog is -1"), std::string::npos) << e;
  e = error_of("state C = 0\nd/dt(C) = 1\noutput Y = C + normal(0, sqrt(-1))\n", "m.ldn");
  EXPECT_NE(e.find("m.ldn:3:26: error: normal(): the sd is nan"), std::string::npos) << e;
  e = error_of("random R ~ normal(1 / 0, 1)\nstate C = 0\nd/dt(C) = R\n", "m.ldn");
  EXPECT_NE(e.find("normal(): the mean is inf; expected a finite number"), std::string::npos) << e;
  // Edges of the domains are fine.
  LoadOptions o;
  o.engine = Engine::Interpreter;
  EXPECT_NO_THROW(parse_model("random A ~ normal(0, 0)\nrandom B ~ bernoulli(1)\nrandom C0 ~ uniform(2, 2)\n"
                              "random D ~ bernoulli(0)\nstate C = 0\nd/dt(C) = A + B + C0 + D\n",
                              "ok.ldn", o));
}

// Runs a model's programs by hand, in both engines, and returns their statuses.
struct Statuses {
  int pre = 0, outputs = 0, action = 0;
  double pre_value = 0, outputs_value = 0, action_value = 0;
  std::string pre_message, outputs_message, action_message;
};

Statuses run_programs(const ModelPtr& m, std::vector<std::pair<int, double>> parameters, double y0) {
  std::vector<double> p = m->default_parameter_block();
  for (auto [i, v] : parameters) p[static_cast<std::size_t>(i)] = v;
  std::vector<double> work(m->kernel().work_size + 1, 0.0), out(m->output_count() + 1);
  std::vector<double> draws(16, 0.5);
  Statuses s;
  s.pre = m->kernel().pre(m->kernel().ctx, p.data(), work.data());
  s.pre_value = work[0];
  if (s.pre) s.pre_message = m->draw_check_failure(s.pre, work[0]);
  std::vector<double> y(m->state_count(), y0);
  work[0] = 0;
  s.outputs = m->kernel().outputs(m->kernel().ctx, 0, y.data(), p.data(), out.data(), draws.data(), work.data());
  s.outputs_value = work[0];
  if (s.outputs) s.outputs_message = m->draw_check_failure(s.outputs, work[0]);
  if (!m->events().empty()) {
    work[0] = 0;
    s.action = m->kernel().action(m->kernel().ctx, 0, 0, y.data(), p.data(), draws.data(), work.data());
    s.action_value = work[0];
    if (s.action) s.action_message = m->draw_check_failure(s.action, work[0]);
  }
  return s;
}

std::vector<Engine> engines() {
  std::vector<Engine> e = {Engine::Interpreter};
  if (std::system("c++ --version > /dev/null 2>&1") == 0) e.push_back(Engine::Native);
  return e;
}

ModelPtr load(const std::string& text, Engine engine) {
  LoadOptions o;
  o.engine = engine;
  o.cache_dir = ::testing::TempDir() + "ldnsim-draw-check-cache";
  return parse_model(text, "m.ldn", o);
}

TEST(DrawArguments, ExpressionsAreCheckedWhereTheDrawIsMade) {
  for (Engine engine : engines()) {
    SCOPED_TRACE(engine == Engine::Native ? "native" : "interpreter");
    // A parameter-level standard deviation: fine at its value, refused when data makes it
    // negative (the parameter block is checked when it is filled).
    auto m = load("param SD = 2\nrandom R ~ normal(0, SD)\nstate X = 1\nd/dt(X) = R\noutput Y = X\n", engine);
    ASSERT_EQ(m->draw_checks().size(), 1u);
    EXPECT_EQ(run_programs(m, {}, 1).pre, 0);
    Statuses s = run_programs(m, {{0, -1.5}}, 1);
    EXPECT_EQ(s.pre, 1);
    EXPECT_EQ(s.pre_value, -1.5);
    EXPECT_EQ(s.pre_message,
              "normal(mean, sd) in random R (m.ldn:2:22): sd = -1.5, expected a finite number of 0 or more");
    // A state-dependent standard deviation in an output, checked only where evaluated.
    m = load("state X = 1\nd/dt(X) = 0\noutput Y = X + normal(0, X)\noutput Z = if X > 0 then normal(0, X) else 0\n",
             engine);
    EXPECT_EQ(run_programs(m, {}, 2).outputs, 0);
    s = run_programs(m, {}, -2);
    EXPECT_EQ(s.outputs, 1);
    EXPECT_EQ(s.outputs_value, -2);
    EXPECT_EQ(s.outputs_message,
              "normal(mean, sd) in output Y (m.ldn:3:26): sd = -2, expected a finite number of 0 or more");
    // An action whose uniform's ends depend on the state; a probability from a parameter.
    m = load("param P = 0.3\nstate X = 1\nd/dt(X) = 0\nevent E rate = 1\non E: X = uniform(X, 3) + bernoulli(P)\n",
             engine);
    EXPECT_EQ(run_programs(m, {}, 2).action, 0);
    s = run_programs(m, {}, 5);
    EXPECT_EQ(s.action, 2);  // check 0 is the low end's (finite), 1 the width's
    EXPECT_EQ(s.action_value, -2);
    EXPECT_EQ(s.action_message,
              "uniform(low, high) in on E: X (m.ldn:5:11): high end - low end = -2, expected 0 or more (the low end "
              "must not be above the high end)");
    s = run_programs(m, {{0, 1.25}}, 2);
    EXPECT_NE(s.action, 0);
    EXPECT_NE(s.action_message.find("bernoulli(p) in on E: X (m.ldn:5:37): probability = 1.25"), std::string::npos)
        << s.action_message;
    // exponential's rate and lognormal's median from parameters.
    m = load("param K = 1\nparam M = 1\nrandom A ~ exponential(K)\nrandom B ~ lognormal(M, 0.5)\nstate X = 0\n"
             "d/dt(X) = A + B\n", engine);
    EXPECT_EQ(run_programs(m, {}, 0).pre, 0);
    s = run_programs(m, {{0, -1}}, 0);
    EXPECT_NE(s.pre_message.find("exponential(rate) in random A (m.ldn:3:24): rate = -1, expected a finite number above 0"),
              std::string::npos) << s.pre_message;
    s = run_programs(m, {{1, 0}}, 0);
    EXPECT_NE(s.pre_message.find("lognormal(median, sdlog) in random B (m.ldn:4:22): median = 0"), std::string::npos)
        << s.pre_message;
  }
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
