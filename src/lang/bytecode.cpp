// Bytecode interpreter: the fallback where no C++ compiler is available, and the reference
// the native code is checked against. A stack machine over doubles; scratch space comes
// from the caller, so evaluation never allocates.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

#include "model_impl.hpp"

namespace ldnsim::lang {

bool ir::is_binary(Op op) {
  switch (op) {
    case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Pow:
    case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne:
    case Op::And: case Op::Or: case Op::Min: case Op::Max:
      return true;
    default:
      return false;
  }
}

bool ir::is_unary(Op op) {
  switch (op) {
    case Op::Neg: case Op::Not: case Op::Exp: case Op::Log: case Op::Log10: case Op::Sqrt:
    case Op::Abs: case Op::Floor: case Op::Ceil: case Op::Sin: case Op::Cos:
      return true;
    default:
      return false;
  }
}

namespace {

enum class Code : std::uint8_t {
  Const, Slot, State, Time, Local, Draw,
  Neg, Not, Add, Sub, Mul, Div, Pow, Lt, Le, Gt, Ge, Eq, Ne, And, Or,
  Exp, Log, Log10, Sqrt, Abs, Floor, Ceil, Sin, Cos, Min, Max,
  CheckFinite, CheckNonNegative, CheckPositive, CheckProbability,  // arg: the draw check
  JumpIfFalse, Jump,
  StoreSlot, StoreLocal, StoreOut, StoreState,
  End,
};

struct Instr {
  Code code;
  std::int32_t arg;
};

struct Bytecode {
  std::vector<double> constants;
  std::vector<Instr> pre, rhs, outputs, roots;
  std::vector<std::vector<Instr>> actions;
  int locals = 0;
  int stack = 0;
};

class Compiler {
 public:
  Compiler(const ir::Module& m, const std::vector<DrawCheck>& checks, Bytecode& bc) : m_(m), checks_(checks), bc_(bc) {}

  void program(const ir::Program& p, std::vector<Instr>& out) {
    for (const ir::Assignment& a : p.body) {
      depth_ = 0;
      expr(a.expr, out);
      Code store = a.target == ir::Target::Slot    ? Code::StoreSlot
                   : a.target == ir::Target::Local ? Code::StoreLocal
                   : a.target == ir::Target::State ? Code::StoreState
                                                   : Code::StoreOut;
      out.push_back({store, a.index});
    }
    out.push_back({Code::End, 0});
  }

 private:
  const ir::Module& m_;
  const std::vector<DrawCheck>& checks_;
  Bytecode& bc_;
  int depth_ = 0;

  void push() {
    ++depth_;
    bc_.stack = std::max(bc_.stack, depth_);
  }

  // Recursive over the expression; its depth is bounded by the parser's limit (plus a few
  // levels the analyzer adds), checked here too.
  void expr(int id, std::vector<Instr>& out, int depth = 0) {
    if (depth > ir::kMaxIrDepth) throw Error("internal error: expression deeper than " + std::to_string(ir::kMaxIrDepth));
    const ir::Node& n = m_.nodes[static_cast<std::size_t>(id)];
    switch (n.op) {
      case ir::Op::Const:
        out.push_back({Code::Const, static_cast<std::int32_t>(bc_.constants.size())});
        bc_.constants.push_back(n.value);
        push();
        return;
      case ir::Op::Slot: out.push_back({Code::Slot, n.index}); push(); return;
      case ir::Op::State: out.push_back({Code::State, n.index}); push(); return;
      case ir::Op::Time: out.push_back({Code::Time, 0}); push(); return;
      case ir::Op::Local: out.push_back({Code::Local, n.index}); push(); return;
      case ir::Op::Draw: out.push_back({Code::Draw, n.index}); push(); return;
      case ir::Op::Check: {
        expr(n.a, out, depth + 1);
        Code code = Code::CheckFinite;
        switch (checks_.at(static_cast<std::size_t>(n.index)).domain) {
          case DrawCheck::Domain::Finite: code = Code::CheckFinite; break;
          case DrawCheck::Domain::NonNegative: code = Code::CheckNonNegative; break;
          case DrawCheck::Domain::Positive: code = Code::CheckPositive; break;
          case DrawCheck::Domain::Probability: code = Code::CheckProbability; break;
        }
        out.push_back({code, n.index});
        return;
      }
      case ir::Op::If: {
        expr(n.a, out, depth + 1);
        std::size_t jump_false = out.size();
        out.push_back({Code::JumpIfFalse, 0});
        --depth_;
        expr(n.b, out, depth + 1);
        std::size_t jump_end = out.size();
        out.push_back({Code::Jump, 0});
        --depth_;
        out[jump_false].arg = static_cast<std::int32_t>(out.size());
        expr(n.c, out, depth + 1);
        out[jump_end].arg = static_cast<std::int32_t>(out.size());
        return;
      }
      default: break;
    }
    if (ir::is_unary(n.op)) {
      expr(n.a, out, depth + 1);
      out.push_back({unary_code(n.op), 0});
      return;
    }
    expr(n.a, out, depth + 1);
    expr(n.b, out, depth + 1);
    out.push_back({binary_code(n.op), 0});
    --depth_;
  }

  static Code unary_code(ir::Op op) {
    switch (op) {
      case ir::Op::Neg: return Code::Neg;
      case ir::Op::Not: return Code::Not;
      case ir::Op::Exp: return Code::Exp;
      case ir::Op::Log: return Code::Log;
      case ir::Op::Log10: return Code::Log10;
      case ir::Op::Sqrt: return Code::Sqrt;
      case ir::Op::Abs: return Code::Abs;
      case ir::Op::Floor: return Code::Floor;
      case ir::Op::Ceil: return Code::Ceil;
      case ir::Op::Sin: return Code::Sin;
      default: return Code::Cos;
    }
  }

  static Code binary_code(ir::Op op) {
    switch (op) {
      case ir::Op::Add: return Code::Add;
      case ir::Op::Sub: return Code::Sub;
      case ir::Op::Mul: return Code::Mul;
      case ir::Op::Div: return Code::Div;
      case ir::Op::Pow: return Code::Pow;
      case ir::Op::Lt: return Code::Lt;
      case ir::Op::Le: return Code::Le;
      case ir::Op::Gt: return Code::Gt;
      case ir::Op::Ge: return Code::Ge;
      case ir::Op::Eq: return Code::Eq;
      case ir::Op::Ne: return Code::Ne;
      case ir::Op::And: return Code::And;
      case ir::Op::Or: return Code::Or;
      case ir::Op::Min: return Code::Min;
      default: return Code::Max;
    }
  }
};

// The operations mirror the generated C++ one for one (see codegen.cpp), including the
// library functions called, so both engines produce identical bits.
// Returns 0, or 1 + the first draw check that failed, its value in work[0] (as native code).
int execute(const Bytecode& bc, const Instr* code, double t, double* y, double* p,
            double* out, const double* draws, double* work) {
  double* locals = work + 1;
  double* stack = locals + bc.locals;
  int sp = -1;
  int fault = 0;
  auto check = [&](bool ok, int k) {
    if (!ok && fault == 0) {
      fault = k + 1;
      work[0] = stack[sp];
    }
  };
  const double* k = bc.constants.data();
  for (const Instr* ip = code;; ++ip) {
    switch (ip->code) {
      case Code::Const: stack[++sp] = k[ip->arg]; break;
      case Code::Slot: stack[++sp] = p[ip->arg]; break;
      case Code::State: stack[++sp] = y[ip->arg]; break;
      case Code::Time: stack[++sp] = t; break;
      case Code::Local: stack[++sp] = locals[ip->arg]; break;
      case Code::Draw: stack[++sp] = draws[ip->arg]; break;
      case Code::Neg: stack[sp] = -stack[sp]; break;
      case Code::Not: stack[sp] = stack[sp] != 0.0 ? 0.0 : 1.0; break;
      case Code::Add: --sp; stack[sp] = stack[sp] + stack[sp + 1]; break;
      case Code::Sub: --sp; stack[sp] = stack[sp] - stack[sp + 1]; break;
      case Code::Mul: --sp; stack[sp] = stack[sp] * stack[sp + 1]; break;
      case Code::Div: --sp; stack[sp] = stack[sp] / stack[sp + 1]; break;
      case Code::Pow: --sp; stack[sp] = std::pow(stack[sp], stack[sp + 1]); break;
      case Code::Lt: --sp; stack[sp] = stack[sp] < stack[sp + 1] ? 1.0 : 0.0; break;
      case Code::Le: --sp; stack[sp] = stack[sp] <= stack[sp + 1] ? 1.0 : 0.0; break;
      case Code::Gt: --sp; stack[sp] = stack[sp] > stack[sp + 1] ? 1.0 : 0.0; break;
      case Code::Ge: --sp; stack[sp] = stack[sp] >= stack[sp + 1] ? 1.0 : 0.0; break;
      case Code::Eq: --sp; stack[sp] = stack[sp] == stack[sp + 1] ? 1.0 : 0.0; break;
      case Code::Ne: --sp; stack[sp] = stack[sp] != stack[sp + 1] ? 1.0 : 0.0; break;
      case Code::And:
        --sp;
        stack[sp] = (stack[sp] != 0.0 && stack[sp + 1] != 0.0) ? 1.0 : 0.0;
        break;
      case Code::Or:
        --sp;
        stack[sp] = (stack[sp] != 0.0 || stack[sp + 1] != 0.0) ? 1.0 : 0.0;
        break;
      case Code::Exp: stack[sp] = std::exp(stack[sp]); break;
      case Code::Log: stack[sp] = std::log(stack[sp]); break;
      case Code::Log10: stack[sp] = std::log10(stack[sp]); break;
      case Code::Sqrt: stack[sp] = std::sqrt(stack[sp]); break;
      case Code::Abs: stack[sp] = std::fabs(stack[sp]); break;
      case Code::Floor: stack[sp] = std::floor(stack[sp]); break;
      case Code::Ceil: stack[sp] = std::ceil(stack[sp]); break;
      case Code::Sin: stack[sp] = std::sin(stack[sp]); break;
      case Code::Cos: stack[sp] = std::cos(stack[sp]); break;
      case Code::Min: --sp; stack[sp] = std::fmin(stack[sp], stack[sp + 1]); break;
      case Code::Max: --sp; stack[sp] = std::fmax(stack[sp], stack[sp + 1]); break;
      case Code::CheckFinite: check(stack[sp] - stack[sp] == 0.0, ip->arg); break;
      case Code::CheckNonNegative: check(stack[sp] >= 0.0 && stack[sp] - stack[sp] == 0.0, ip->arg); break;
      case Code::CheckPositive: check(stack[sp] > 0.0 && stack[sp] - stack[sp] == 0.0, ip->arg); break;
      case Code::CheckProbability: check(stack[sp] >= 0.0 && stack[sp] <= 1.0, ip->arg); break;
      case Code::JumpIfFalse:
        if (stack[sp--] == 0.0) ip = code + ip->arg - 1;
        break;
      case Code::Jump: ip = code + ip->arg - 1; break;
      case Code::StoreSlot: p[ip->arg] = stack[sp--]; break;
      case Code::StoreLocal: locals[ip->arg] = stack[sp--]; break;
      case Code::StoreOut: out[ip->arg] = stack[sp--]; break;
      case Code::StoreState: y[ip->arg] = stack[sp--]; break;
      case Code::End: return fault;
    }
  }
}

// Programs that only read y and p get them through const_cast: the stores they contain
// target other arrays.
int pre_fn(const void* ctx, double* p, double* work) {
  const auto& bc = *static_cast<const Bytecode*>(ctx);
  return execute(bc, bc.pre.data(), 0.0, nullptr, p, nullptr, nullptr, work);
}

void rhs_fn(const void* ctx, double t, const double* y, const double* p, double* dydt,
            double* work) {
  const auto& bc = *static_cast<const Bytecode*>(ctx);
  execute(bc, bc.rhs.data(), t, const_cast<double*>(y), const_cast<double*>(p), dydt, nullptr, work);
}

int outputs_fn(const void* ctx, double t, const double* y, const double* p, double* out,
               const double* draws, double* work) {
  const auto& bc = *static_cast<const Bytecode*>(ctx);
  return execute(bc, bc.outputs.data(), t, const_cast<double*>(y), const_cast<double*>(p), out, draws, work);
}

void roots_fn(const void* ctx, double t, const double* y, const double* p, double* g, double* work) {
  const auto& bc = *static_cast<const Bytecode*>(ctx);
  execute(bc, bc.roots.data(), t, const_cast<double*>(y), const_cast<double*>(p), g, nullptr, work);
}

int action_fn(const void* ctx, int event, double t, double* y, const double* p, const double* draws,
              double* work) {
  const auto& bc = *static_cast<const Bytecode*>(ctx);
  return execute(bc, bc.actions[static_cast<std::size_t>(event)].data(), t, y, const_cast<double*>(p), nullptr, draws,
          work);
}

}  // namespace

void attach_interpreter(Model::Impl& impl) {
  auto bc = std::make_shared<Bytecode>();
  Compiler c(impl.module, impl.draw_checks, *bc);
  c.program(impl.module.pre, bc->pre);
  c.program(impl.module.rhs, bc->rhs);
  c.program(impl.module.outputs, bc->outputs);
  c.program(impl.module.roots, bc->roots);
  bc->locals = std::max({impl.module.pre.locals, impl.module.rhs.locals, impl.module.outputs.locals,
                         impl.module.roots.locals});
  bc->actions.resize(impl.module.actions.size());
  for (std::size_t k = 0; k < impl.module.actions.size(); ++k) {
    c.program(impl.module.actions[k], bc->actions[k]);
    bc->locals = std::max(bc->locals, impl.module.actions[k].locals);
  }
  impl.kernel.pre = pre_fn;
  impl.kernel.rhs = rhs_fn;
  impl.kernel.outputs = outputs_fn;
  impl.kernel.roots = roots_fn;
  impl.kernel.action = action_fn;
  impl.kernel.ctx = bc.get();
  impl.kernel.work_size = static_cast<std::size_t>(1 + bc->locals + bc->stack);  // work[0]: a failed check's value
  impl.native = false;
  impl.keep_alive = bc;
}

}  // namespace ldnsim::lang
