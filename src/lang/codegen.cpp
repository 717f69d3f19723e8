// C++ generation from the IR. The code is fully parenthesised and calls the same library
// functions as the interpreter, and it is compiled without FMA contraction or built-in
// math folding, so native and interpreted runs of a model give identical bits.
#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model_impl.hpp"

namespace ldnsim::lang {
namespace {

std::string number_literal(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s(buf);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

class Emitter {
 public:
  Emitter(const ir::Module& m, const std::vector<DrawCheck>& checks) : m_(m), checks_(checks) {}

  // Recursive over the expression; its depth is bounded by the parser's limit (plus a few
  // levels the analyzer adds), checked here too.
  std::string expr(int id, int depth = 0) const {
    if (depth > ir::kMaxIrDepth) throw Error("internal error: expression deeper than " + std::to_string(ir::kMaxIrDepth));
    const ir::Node& n = m_.nodes[static_cast<std::size_t>(id)];
    auto a = [&] { return expr(n.a, depth + 1); };
    auto b = [&] { return expr(n.b, depth + 1); };
    switch (n.op) {
      case ir::Op::Const: return number_literal(n.value);
      case ir::Op::Slot: return "p[" + std::to_string(n.index) + "]";
      case ir::Op::State: return "y[" + std::to_string(n.index) + "]";
      case ir::Op::Time: return "t";
      case ir::Op::Local: return "l" + std::to_string(n.index);
      case ir::Op::Draw: return "d[" + std::to_string(n.index) + "]";
      case ir::Op::Neg: return "(-" + a() + ")";
      case ir::Op::Not: return "(" + a() + " != 0.0 ? 0.0 : 1.0)";
      case ir::Op::Add: return "(" + a() + " + " + b() + ")";
      case ir::Op::Sub: return "(" + a() + " - " + b() + ")";
      case ir::Op::Mul: return "(" + a() + " * " + b() + ")";
      case ir::Op::Div: return "(" + a() + " / " + b() + ")";
      case ir::Op::Pow: return "std::pow(" + a() + ", " + b() + ")";
      case ir::Op::Lt: return "(" + a() + " < " + b() + " ? 1.0 : 0.0)";
      case ir::Op::Le: return "(" + a() + " <= " + b() + " ? 1.0 : 0.0)";
      case ir::Op::Gt: return "(" + a() + " > " + b() + " ? 1.0 : 0.0)";
      case ir::Op::Ge: return "(" + a() + " >= " + b() + " ? 1.0 : 0.0)";
      case ir::Op::Eq: return "(" + a() + " == " + b() + " ? 1.0 : 0.0)";
      case ir::Op::Ne: return "(" + a() + " != " + b() + " ? 1.0 : 0.0)";
      case ir::Op::And: return "((" + a() + " != 0.0 && " + b() + " != 0.0) ? 1.0 : 0.0)";
      case ir::Op::Or: return "((" + a() + " != 0.0 || " + b() + " != 0.0) ? 1.0 : 0.0)";
      case ir::Op::If:
        return "(" + a() + " != 0.0 ? " + b() + " : " + expr(n.c, depth + 1) + ")";
      case ir::Op::Exp: return "std::exp(" + a() + ")";
      case ir::Op::Log: return "std::log(" + a() + ")";
      case ir::Op::Log10: return "std::log10(" + a() + ")";
      case ir::Op::Sqrt: return "std::sqrt(" + a() + ")";
      case ir::Op::Abs: return "std::fabs(" + a() + ")";
      case ir::Op::Floor: return "std::floor(" + a() + ")";
      case ir::Op::Ceil: return "std::ceil(" + a() + ")";
      case ir::Op::Sin: return "std::sin(" + a() + ")";
      case ir::Op::Cos: return "std::cos(" + a() + ")";
      case ir::Op::Min: return "std::fmin(" + a() + ", " + b() + ")";
      case ir::Op::Max: return "std::fmax(" + a() + ", " + b() + ")";
      case ir::Op::Check: {
        const char* fn = "ldnsim_finite";
        switch (checks_.at(static_cast<std::size_t>(n.index)).domain) {
          case DrawCheck::Domain::Finite: fn = "ldnsim_finite"; break;
          case DrawCheck::Domain::NonNegative: fn = "ldnsim_nonnegative"; break;
          case DrawCheck::Domain::Positive: fn = "ldnsim_positive"; break;
          case DrawCheck::Domain::Probability: fn = "ldnsim_probability"; break;
        }
        return std::string(fn) + "(" + a() + ", " + std::to_string(n.index) + ", &f, w)";
      }
    }
    return "0.0";
  }

  // Locals are declared once at the top of a function: an action program may assign the
  // same local again (its lets are recomputed between assignments).
  std::string program(const ir::Program& p, const char* out_array) const {
    std::string s;
    std::set<int> locals;
    for (const ir::Assignment& a : p.body)
      if (a.target == ir::Target::Local) locals.insert(a.index);
    if (!locals.empty()) {
      s += "  double";
      bool first = true;
      for (int l : locals) {
        s += (first ? " l" : ", l") + std::to_string(l);
        first = false;
      }
      s += ";\n";
    }
    for (const ir::Assignment& a : p.body) {
      std::string lhs;
      switch (a.target) {
        case ir::Target::Slot: lhs = "p[" + std::to_string(a.index) + "]"; break;
        case ir::Target::Local: lhs = "l" + std::to_string(a.index); break;
        case ir::Target::State: lhs = "y[" + std::to_string(a.index) + "]"; break;
        case ir::Target::Derivative:
        case ir::Target::Output:
        case ir::Target::Root:
          lhs = std::string(out_array) + "[" + std::to_string(a.index) + "]";
          break;
      }
      s += "  " + lhs + " = " + expr(a.expr) + ";  // " + code_comment(a.comment) + "\n";
    }
    return s;
  }

 private:
  const ir::Module& m_;
  const std::vector<DrawCheck>& checks_;
};

}  // namespace

// A name for a comment in generated code. Names come from the lexer (letters, digits and
// '_'), but nothing reaches generated code unchecked: any other character becomes '_', so
// a comment can neither end its line nor hold anything but a label.
std::string code_comment(std::string_view text) {
  std::string s;
  for (char c : text.substr(0, 120)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("_ ()/.:,+-").find(c) != std::string_view::npos;
    s += ok ? c : '_';
  }
  return s;
}

std::string generate_cpp(const ir::Module& m, const Model::Impl& meta) {
  Emitter e(m, meta.draw_checks);
  std::string s;
  s += "// " + std::to_string(meta.parameters.size()) + " parameters, " +
       std::to_string(meta.states.size()) + " states, " + std::to_string(meta.outputs.size()) +
       " outputs, " + std::to_string(m.slots) + " slots\n";
  // Draw checks: the first failure is kept (1 + its index in f, the value in w[0]); the
  // same tests as the interpreter's (bytecode.cpp).
  const char* check = "(double v, int k, int* f, double* w) { if (!(TEST) && *f == 0) { *f = k + 1; w[0] = v; } return v; }\n";
  auto helper = [&](const char* name, const char* test) {
    std::string h = check;
    h.replace(h.find("TEST"), 4, test);
    s += std::string("static inline double ") + name + h;
  };
  helper("ldnsim_finite", "v - v == 0.0");
  helper("ldnsim_nonnegative", "v >= 0.0 && v - v == 0.0");
  helper("ldnsim_positive", "v > 0.0 && v - v == 0.0");
  helper("ldnsim_probability", "v >= 0.0 && v <= 1.0");
  s += "static int model_pre(const void*, double* p, double* w) {\n";
  s += "  int f = 0;\n  (void)w;\n";
  s += e.program(m.pre, "p");
  s += "  return f;\n}\n";
  s += "static void model_rhs(const void*, double t, const double* y, const double* p, "
       "double* dydt, double*) {\n";
  s += "  (void)t; (void)y; (void)p;\n";
  s += e.program(m.rhs, "dydt");
  s += "}\n";
  s += "static int model_outputs(const void*, double t, const double* y, const double* p, "
       "double* out, const double* d, double* w) {\n";
  s += "  int f = 0;\n  (void)t; (void)y; (void)p; (void)out; (void)d; (void)w;\n";
  s += e.program(m.outputs, "out");
  s += "  return f;\n}\n";
  s += "static void model_roots(const void*, double t, const double* y, const double* p, "
       "double* g, double*) {\n";
  s += "  (void)t; (void)y; (void)p; (void)g;\n";
  s += e.program(m.roots, "g");
  s += "}\n";
  s += "static int model_action(const void*, int event, double t, double* y, const double* p, "
       "const double* d, double* w) {\n";
  s += "  int f = 0;\n  (void)t; (void)y; (void)p; (void)d; (void)w;\n";
  s += "  switch (event) {\n";
  for (std::size_t k = 0; k < m.actions.size(); ++k) {
    s += "    case " + std::to_string(k) + ": {\n";
    s += e.program(m.actions[k], "y");
    s += "      break;\n    }\n";
  }
  s += "    default: break;\n  }\n";
  s += "  return f;\n}\n";
  return s;
}

// Generated from the intermediate form alone: no file name, path or other text from the
// user reaches it (the hash is hexadecimal, computed here).
std::string shared_library_source(const Model::Impl& impl) {
  for (char c : impl.hash)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) throw Error("internal error: malformed model hash");
  std::string s = "// Generated by ldnsim; do not edit.\n";
  s += "#include <cmath>\n";
  s += impl.cpp;
  s += "extern \"C\" {\n";
  s += "const char* ldnsim_model_hash() { return \"" + impl.hash + "\"; }\n";
  s += "int ldnsim_model_pre(const void* c, double* p, double* w) { return model_pre(c, p, w); }\n";
  s += "void ldnsim_model_rhs(const void* c, double t, const double* y, const double* p, "
       "double* d, double* w) { model_rhs(c, t, y, p, d, w); }\n";
  s += "int ldnsim_model_outputs(const void* c, double t, const double* y, const double* p, "
       "double* o, const double* d, double* w) { return model_outputs(c, t, y, p, o, d, w); }\n";
  s += "void ldnsim_model_roots(const void* c, double t, const double* y, const double* p, "
       "double* g, double* w) { model_roots(c, t, y, p, g, w); }\n";
  s += "int ldnsim_model_action(const void* c, int e, double t, double* y, const double* p, "
       "const double* d, double* w) { return model_action(c, e, t, y, p, d, w); }\n";
  s += "}\n";
  return s;
}

}  // namespace ldnsim::lang
