// Resolved, executable form of a model: straight-line assignment programs over a small
// expression DAG. The bytecode compiler and the C++ generator both read this, so the
// interpreter and native code evaluate exactly the same operations in the same order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ldnsim/lang/model.hpp"

namespace ldnsim::lang::ir {

enum class Op : std::uint8_t {
  Const, Slot, State, Time, Local,
  Draw,  // index: a standard variate of the program's draw buffer
  Neg, Not,
  Add, Sub, Mul, Div, Pow,
  Lt, Le, Gt, Ge, Eq, Ne, And, Or,
  If,
  Exp, Log, Log10, Sqrt, Abs, Floor, Ceil, Sin, Cos,
  Min, Max,
  Check,  // a: the value; index: the draw check (Model::draw_checks()) it must pass
};

struct Node {
  Op op = Op::Const;
  double value = 0;  // Const
  int index = -1;    // Slot, State, Local
  int a = -1, b = -1, c = -1;
};

enum class Target : std::uint8_t { Slot, Local, Derivative, Output, State, Root };

struct Assignment {
  Target target;
  int index;
  int expr;
  std::string comment;  // the name it computes, for generated code
};

struct Program {
  std::vector<Assignment> body;
  int locals = 0;  // number of Local slots the program uses
};

struct Module {
  std::vector<Node> nodes;
  Program pre;      // derived slots of the parameter block, from parameters
  Program rhs;      // derivatives
  Program outputs;  // declared outputs
  Program roots;    // root functions of `when` events
  std::vector<Program> actions;  // per event: its `on` assignments
  int parameters = 0;
  int slots = 0;
  int states = 0;
  int outputs_count = 0;
};

// Deepest expression the IR passes accept: the parser's limit plus the few levels the
// analyzer adds (distribution transforms, checks, variability).
inline constexpr int kMaxIrDepth = kMaxExpressionDepth + 64;

bool is_binary(Op op);
bool is_unary(Op op);

}  // namespace ldnsim::lang::ir
