// Syntax tree of a .ldn model file, as written (names unresolved).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::lang::syntax {

enum class Op {
  Number, Name,
  Neg, Not,
  Add, Sub, Mul, Div, Pow,
  Lt, Le, Gt, Ge, Eq, Ne, And, Or,
  If,    // children: condition, then, else
  Call,  // name = function, children = arguments
};

struct Node {
  Op op = Op::Number;
  double value = 0;
  std::string name;
  std::vector<int> children;
  SourceLocation where;
  int depth = 1;  // of the tree below and including this node (at most kMaxExpressionDepth)
};

// All expression nodes of a file live in one pool; expressions are indices into it.
struct ExprPool {
  std::vector<Node> nodes;
  int add(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size()) - 1;
  }
  const Node& operator[](int i) const { return nodes[static_cast<std::size_t>(i)]; }
};

// `key value...` after a declaration, e.g. unit "L/h", range 100 300, cv 30%.
struct Attribute {
  std::string key;
  std::vector<std::variant<double, std::string>> args;
  SourceLocation where;
};

enum class StatementKind {
  Model, Param, Covariate, State, Let, Derivative, Output, DoseProperty,
  Random,     // random NAME ~ DIST(args): expr is the distribution call
  RateEvent,  // event NAME rate = EXPR
  WhenEvent,  // event NAME when COMPARISON
  Action,     // on NAME: STATE = EXPR (name = event, property = state)
};

struct Statement {
  StatementKind kind;
  std::string name;        // declared or targeted name
  std::string property;    // F, ALAG, R or D for DoseProperty; the assigned state for Action
  SourceLocation property_where;
  std::string text;        // description for `model`
  int expr = -1;           // value, initial value or equation; -1 if absent
  std::vector<Attribute> attributes;
  SourceLocation where;       // of the statement keyword
  SourceLocation name_where;  // of the name
};

struct File {
  std::string name;
  ExprPool pool;
  std::vector<Statement> statements;
};

// Parses a whole model file; throws ModelError at the first syntax error.
File parse(std::string_view text, const std::string& file_name);

// Names of the built-in functions with their arity (-1: two or more).
int builtin_arity(std::string_view function);
// Arity of a distribution (draw) function, or 0 if `function` is not one.
int draw_arity(std::string_view function);

}  // namespace ldnsim::lang::syntax
