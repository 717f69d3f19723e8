// Lexer and recursive-descent parser for .ldn model files.
//
// A statement ends at the end of its line. An indented line continues the statement
// above it, and so does a line that follows an open parenthesis, so long attribute lists
// and equations can be wrapped.
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "syntax.hpp"

namespace ldnsim::lang::syntax {
namespace {

enum class Tok {
  Number, Ident, String, Percent,
  Plus, Minus, Star, Slash, Caret, LParen, RParen, Comma, Assign,
  Eq, Ne, Lt, Le, Gt, Ge, AndAnd, OrOr, Bang, Question, Colon, Tilde,
  Newline, End,
};

struct Token {
  Tok kind;
  std::string text;
  double number = 0;
  int line = 0;
  int column = 0;
};

const char* describe(Tok t) {
  switch (t) {
    case Tok::Number: return "a number";
    case Tok::Ident: return "a name";
    case Tok::String: return "a quoted string";
    case Tok::Percent: return "'%'";
    case Tok::Plus: return "'+'";
    case Tok::Minus: return "'-'";
    case Tok::Star: return "'*'";
    case Tok::Slash: return "'/'";
    case Tok::Caret: return "'^'";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::Comma: return "','";
    case Tok::Assign: return "'='";
    case Tok::Eq: return "'=='";
    case Tok::Ne: return "'!='";
    case Tok::Lt: return "'<'";
    case Tok::Le: return "'<='";
    case Tok::Gt: return "'>'";
    case Tok::Ge: return "'>='";
    case Tok::AndAnd: return "'&&'";
    case Tok::OrOr: return "'||'";
    case Tok::Bang: return "'!'";
    case Tok::Question: return "'?'";
    case Tok::Colon: return "':'";
    case Tok::Tilde: return "'~'";
    case Tok::Newline: return "end of line";
    case Tok::End: return "end of file";
  }
  return "?";
}

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    int depth = 0;
    while (true) {
      skip_blanks_and_comments();
      if (pos_ >= text_.size()) break;
      char c = text_[pos_];
      if (c == '\n') {
        const int end_line = line_, end_column = column_;
        advance();
        // Inside parentheses, and before an indented line, the statement goes on.
        if (depth > 0 || next_line_is_indented()) continue;
        if (!out.empty() && out.back().kind != Tok::Newline)
          out.push_back(make(Tok::Newline, "", end_line, end_column));
        continue;
      }
      if (c == '(') ++depth;
      if (c == ')' && depth > 0) --depth;
      out.push_back(next_token());
    }
    if (!out.empty() && out.back().kind != Tok::Newline)
      out.push_back(make(Tok::Newline, "", line_, column_));
    out.push_back(make(Tok::End, "", line_, column_));
    return out;
  }

 private:
  std::string_view text_;
  const std::string& file_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;

  [[noreturn]] void fail(int line, int col, const std::string& msg) const {
    throw ModelError({file_, line, col}, msg);
  }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }

  Token make(Tok k, std::string text, int line, int col) const {
    Token t;
    t.kind = k;
    t.text = std::move(text);
    t.line = line;
    t.column = col;
    return t;
  }

  void skip_blanks_and_comments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') {
        advance();
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      } else {
        break;
      }
    }
  }

  // True when the next line that holds anything but blanks or a comment starts with
  // white space (a continuation line).
  bool next_line_is_indented() const {
    std::size_t p = pos_;
    while (p < text_.size()) {
      std::size_t line_start = p;
      while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t' || text_[p] == '\r')) ++p;
      if (p >= text_.size()) return false;
      if (text_[p] == '\n' || text_[p] == '#') {
        while (p < text_.size() && text_[p] != '\n') ++p;
        if (p < text_.size()) ++p;
        continue;
      }
      return p > line_start;
    }
    return false;
  }

  Token next_token() {
    int line = line_, col = column_;
    char c = text_[pos_];
    auto peek = [&](std::size_t k) { return pos_ + k < text_.size() ? text_[pos_ + k] : '\0'; };
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '.'))
        advance();
      if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
        std::size_t save = pos_;
        int save_col = column_;
        advance();
        if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) advance();
        if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
          while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])))
            advance();
        } else {
          pos_ = save;
          column_ = save_col;
        }
      }
      std::string s(text_.substr(start, pos_ - start));
      Token t = make(Tok::Number, s, line, col);
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), t.number);
      if (ec != std::errc() || ptr != s.data() + s.size())
        fail(line, col, "malformed number '" + s + "'");
      if (pos_ < text_.size() &&
          (std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
        fail(line_, column_, "a number must not run into a name: '" + s + text_[pos_] + "'");
      return t;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '_'))
        advance();
      return make(Tok::Ident, std::string(text_.substr(start, pos_ - start)), line, col);
    }
    if (c == '"') {
      advance();
      std::string s;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\n') fail(line, col, "unterminated string (strings end on the same line)");
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          advance();
        }
        s += text_[pos_];
        advance();
      }
      if (pos_ >= text_.size()) fail(line, col, "unterminated string");
      advance();
      return make(Tok::String, s, line, col);
    }
    auto two = [&](char second, Tok both, Tok one) {
      advance();
      if (pos_ < text_.size() && text_[pos_] == second) {
        advance();
        return make(both, "", line, col);
      }
      return make(one, "", line, col);
    };
    switch (c) {
      case '+': advance(); return make(Tok::Plus, "+", line, col);
      case '-': advance(); return make(Tok::Minus, "-", line, col);
      case '*':
        if (peek(1) == '*') {
          advance();
          advance();
          return make(Tok::Caret, "**", line, col);
        }
        advance();
        return make(Tok::Star, "*", line, col);
      case '/': advance(); return make(Tok::Slash, "/", line, col);
      case '^': advance(); return make(Tok::Caret, "^", line, col);
      case '(': advance(); return make(Tok::LParen, "(", line, col);
      case ')': advance(); return make(Tok::RParen, ")", line, col);
      case ',': advance(); return make(Tok::Comma, ",", line, col);
      case '%': advance(); return make(Tok::Percent, "%", line, col);
      case '?': advance(); return make(Tok::Question, "?", line, col);
      case '~': advance(); return make(Tok::Tilde, "~", line, col);
      case ':': advance(); return make(Tok::Colon, ":", line, col);
      case '=': return two('=', Tok::Eq, Tok::Assign);
      case '<': return two('=', Tok::Le, Tok::Lt);
      case '>': return two('=', Tok::Ge, Tok::Gt);
      case '!': return two('=', Tok::Ne, Tok::Bang);
      case '&':
        if (peek(1) == '&') {
          advance();
          advance();
          return make(Tok::AndAnd, "&&", line, col);
        }
        break;
      case '|':
        if (peek(1) == '|') {
          advance();
          advance();
          return make(Tok::OrOr, "||", line, col);
        }
        break;
      default: break;
    }
    fail(line, col, std::string("unexpected character '") + c + "'");
  }
};

const std::unordered_map<std::string_view, int>& draws() {
  static const std::unordered_map<std::string_view, int> table = {
      {"normal", 2}, {"lognormal", 2}, {"uniform", 2}, {"bernoulli", 1}, {"exponential", 1},
  };
  return table;
}

const std::unordered_map<std::string_view, int>& builtins() {
  static const std::unordered_map<std::string_view, int> table = {
      {"exp", 1},   {"log", 1}, {"log10", 1}, {"sqrt", 1}, {"abs", 1},
      {"floor", 1}, {"ceil", 1}, {"sin", 1},   {"cos", 1},  {"pow", 2},
      {"min", -1},  {"max", -1},
  };
  return table;
}

bool is_statement_keyword(const std::string& s) {
  return s == "param" || s == "covariate" || s == "state" || s == "let" || s == "output" ||
         s == "model" || s == "random" || s == "event" || s == "on";
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, File& file) : toks_(std::move(tokens)), file_(file) {}

  void run() {
    while (peek().kind != Tok::End) {
      if (peek().kind == Tok::Newline) {
        ++pos_;
        continue;
      }
      statement();
    }
  }

 private:
  std::vector<Token> toks_;
  File& file_;
  std::size_t pos_ = 0;

  const Token& peek(std::size_t k = 0) const {
    return toks_[std::min(pos_ + k, toks_.size() - 1)];
  }
  const Token& take() { return toks_[pos_++]; }
  SourceLocation loc(const Token& t) const { return {file_.name, t.line, t.column}; }

  [[noreturn]] void fail(const Token& at, const std::string& msg) const {
    throw ModelError(loc(at), msg);
  }

  std::string found(const Token& t) const {
    if (t.kind == Tok::Ident) return "'" + t.text + "'";
    if (t.kind == Tok::Number) return "number " + t.text;
    if (t.kind == Tok::String) return "string \"" + t.text + "\"";
    return describe(t.kind);
  }

  const Token& expect(Tok kind, std::string_view what) {
    if (peek().kind != kind)
      fail(peek(), "expected " + std::string(what) + ", found " + found(peek()));
    return take();
  }

  bool accept(Tok kind) {
    if (peek().kind == kind) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool accept_word(const char* word) {
    if (peek().kind == Tok::Ident && peek().text == word) {
      ++pos_;
      return true;
    }
    return false;
  }

  void end_of_statement() {
    if (peek().kind == Tok::Newline || peek().kind == Tok::End) {
      accept(Tok::Newline);
      return;
    }
    const Token& t = peek();
    if (t.kind == Tok::Ident && is_statement_keyword(t.text))
      fail(t, "expected end of statement, found '" + t.text +
                  "' (an indented line continues the statement above it; start each "
                  "statement at column 1)");
    fail(t, "expected end of statement, found " + found(t));
  }

  void statement() {
    const Token& kw = peek();
    if (kw.kind != Tok::Ident)
      fail(kw, "expected a statement (param, covariate, state, let, d/dt(...), output, "
               "F/ALAG/R/D(...), model), found " + found(kw));
    Statement st;
    st.where = loc(kw);
    const std::string word = kw.text;
    if (word == "d" && peek(1).kind == Tok::Slash && peek(2).kind == Tok::Ident &&
        peek(2).text == "dt") {
      pos_ += 3;
      st.kind = StatementKind::Derivative;
      expect(Tok::LParen, "'(' after d/dt");
      const Token& n = expect(Tok::Ident, "a state name");
      st.name = n.text;
      st.name_where = loc(n);
      expect(Tok::RParen, "')'");
      expect(Tok::Assign, "'='");
      st.expr = expression();
    } else if ((word == "F" || word == "ALAG" || word == "R" || word == "D") &&
               peek(1).kind == Tok::LParen) {
      ++pos_;
      st.kind = StatementKind::DoseProperty;
      st.property = word;
      expect(Tok::LParen, "'('");
      const Token& n = expect(Tok::Ident, "a state (compartment) name");
      st.name = n.text;
      st.name_where = loc(n);
      expect(Tok::RParen, "')'");
      expect(Tok::Assign, "'='");
      st.expr = expression();
    } else if (word == "random") {
      ++pos_;
      st.kind = StatementKind::Random;
      const Token& n = expect(Tok::Ident, "a name");
      st.name = n.text;
      st.name_where = loc(n);
      expect(Tok::Tilde, "'~' and a distribution, e.g. random X ~ normal(0, 1)");
      const Token& fn = peek();
      if (fn.kind != Tok::Ident || draws().find(fn.text) == draws().end() || peek(1).kind != Tok::LParen)
        fail(fn, "expected a distribution (normal, lognormal, uniform, bernoulli, exponential), found " + found(fn));
      take();
      st.expr = call(fn);
      attributes(st);
    } else if (word == "event") {
      ++pos_;
      const Token& n = expect(Tok::Ident, "an event name");
      st.name = n.text;
      st.name_where = loc(n);
      if (accept_word("rate")) {
        st.kind = StatementKind::RateEvent;
        expect(Tok::Assign, "'=' after rate");
        st.expr = expression();
      } else if (accept_word("when")) {
        st.kind = StatementKind::WhenEvent;
        st.expr = expression();
      } else {
        fail(peek(), "expected 'rate = EXPR' or 'when CONDITION' after event " + st.name + ", found " + found(peek()));
      }
      attributes(st);
    } else if (word == "on") {
      ++pos_;
      st.kind = StatementKind::Action;
      const Token& n = expect(Tok::Ident, "an event name");
      st.name = n.text;
      st.name_where = loc(n);
      expect(Tok::Colon, "':' after on " + st.name);
      const Token& target = expect(Tok::Ident, "a state to assign");
      st.property = target.text;
      st.property_where = loc(target);
      expect(Tok::Assign, "'='");
      st.expr = expression();
    } else if (word == "model") {
      ++pos_;
      st.kind = StatementKind::Model;
      const Token& n = expect(Tok::Ident, "a model name");
      st.name = n.text;
      st.name_where = loc(n);
      if (peek().kind == Tok::String) st.text = take().text;
    } else if (word == "param" || word == "state" || word == "let" || word == "output" ||
               word == "covariate") {
      ++pos_;
      st.kind = word == "param"       ? StatementKind::Param
                : word == "state"     ? StatementKind::State
                : word == "let"       ? StatementKind::Let
                : word == "covariate" ? StatementKind::Covariate
                                      : StatementKind::Output;
      const Token& n = expect(Tok::Ident, "a name");
      st.name = n.text;
      st.name_where = loc(n);
      bool needs_value = st.kind == StatementKind::Param || st.kind == StatementKind::Let;
      bool may_have_value = st.kind != StatementKind::Covariate;
      if (may_have_value && accept(Tok::Assign)) {
        st.expr = expression();
      } else if (needs_value) {
        fail(peek(), "expected '=' and a value after " + word + " " + st.name + ", found " +
                         found(peek()));
      }
      attributes(st);
    } else {
      fail(kw, "expected a statement (param, covariate, state, let, d/dt(...), output, "
               "F/ALAG/R/D(...), random, event, on, model), found '" + word + "'");
    }
    end_of_statement();
    file_.statements.push_back(std::move(st));
  }

  void attributes(Statement& st) {
    while (peek().kind == Tok::Ident) {
      if (is_statement_keyword(peek().text))
        fail(peek(), "expected end of statement, found '" + peek().text +
                         "' (an indented line continues the statement above it; start each "
                         "statement at column 1)");
      const Token& k = take();
      Attribute a;
      a.key = k.text;
      a.where = loc(k);
      // Arguments: strings and numbers (a number may carry a trailing %, kept as a
      // fraction), up to the next name or the end of the statement.
      while (true) {
        if (peek().kind == Tok::String) {
          a.args.emplace_back(take().text);
        } else if (peek().kind == Tok::Number || peek().kind == Tok::Minus) {
          bool neg = accept(Tok::Minus);
          const Token& num = expect(Tok::Number, "a number");
          double v = neg ? -num.number : num.number;
          if (accept(Tok::Percent)) v /= 100.0;
          a.args.emplace_back(v);
        } else {
          break;
        }
      }
      st.attributes.push_back(std::move(a));
    }
  }

  // expression := 'if' expr 'then' expr 'else' expr | ternary
  int expression() {
    if (peek().kind == Tok::Ident && peek().text == "if") {
      const Token& t = take();
      int c = expression();
      if (!accept_word("then")) fail(peek(), "expected 'then', found " + found(peek()));
      int a = expression();
      if (!accept_word("else"))
        fail(peek(), "expected 'else' (every 'if' needs an 'else'), found " + found(peek()));
      int b = expression();
      return node(Op::If, t, {c, a, b});
    }
    int c = logical_or();
    if (peek().kind == Tok::Question) {
      const Token& t = take();
      int a = expression();
      expect(Tok::Colon, "':' in 'condition ? a : b'");
      int b = expression();
      return node(Op::If, t, {c, a, b});
    }
    return c;
  }

  int logical_or() {
    int l = logical_and();
    while (peek().kind == Tok::OrOr || (peek().kind == Tok::Ident && peek().text == "or")) {
      const Token& t = take();
      l = node(Op::Or, t, {l, logical_and()});
    }
    return l;
  }

  int logical_and() {
    int l = logical_not();
    while (peek().kind == Tok::AndAnd || (peek().kind == Tok::Ident && peek().text == "and")) {
      const Token& t = take();
      l = node(Op::And, t, {l, logical_not()});
    }
    return l;
  }

  int logical_not() {
    if (peek().kind == Tok::Bang || (peek().kind == Tok::Ident && peek().text == "not")) {
      const Token& t = take();
      return node(Op::Not, t, {logical_not()});
    }
    return comparison();
  }

  int comparison() {
    int l = additive();
    Op op;
    switch (peek().kind) {
      case Tok::Lt: op = Op::Lt; break;
      case Tok::Le: op = Op::Le; break;
      case Tok::Gt: op = Op::Gt; break;
      case Tok::Ge: op = Op::Ge; break;
      case Tok::Eq: op = Op::Eq; break;
      case Tok::Ne: op = Op::Ne; break;
      case Tok::Assign:
        fail(peek(), "'=' inside an expression; use '==' to compare");
      default: return l;
    }
    const Token& t = take();
    int r = additive();
    switch (peek().kind) {
      case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge: case Tok::Eq: case Tok::Ne:
        fail(peek(), "comparisons do not chain; write 'a < b and b < c'");
      default: break;
    }
    return node(op, t, {l, r});
  }

  int additive() {
    int l = multiplicative();
    while (peek().kind == Tok::Plus || peek().kind == Tok::Minus) {
      const Token& t = take();
      l = node(t.kind == Tok::Plus ? Op::Add : Op::Sub, t, {l, multiplicative()});
    }
    return l;
  }

  int multiplicative() {
    int l = unary();
    while (peek().kind == Tok::Star || peek().kind == Tok::Slash) {
      const Token& t = take();
      l = node(t.kind == Tok::Star ? Op::Mul : Op::Div, t, {l, unary()});
    }
    return l;
  }

  int unary() {
    if (peek().kind == Tok::Minus) {
      const Token& t = take();
      return node(Op::Neg, t, {unary()});
    }
    if (peek().kind == Tok::Plus) {
      take();
      return unary();
    }
    return power();
  }

  // Exponentiation binds tighter than unary minus on its left (-2^2 = -4) and is
  // right-associative (2^3^2 = 2^9).
  int power() {
    int base = primary();
    if (peek().kind == Tok::Caret) {
      const Token& t = take();
      return node(Op::Pow, t, {base, unary()});
    }
    return base;
  }

  int primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Number: {
        take();
        Node n;
        n.op = Op::Number;
        n.value = t.number;
        n.where = loc(t);
        if (peek().kind == Tok::Percent)
          fail(peek(), "'%' is only allowed in attributes such as 'cv 30%'");
        return file_.pool.add(std::move(n));
      }
      case Tok::Ident: {
        take();
        if (t.text == "then" || t.text == "else" || t.text == "and" || t.text == "or" ||
            t.text == "if")
          fail(t, "expected a value, found '" + t.text + "'");
        if (peek().kind == Tok::LParen) return call(t);
        Node n;
        n.op = Op::Name;
        n.name = t.text;
        n.where = loc(t);
        return file_.pool.add(std::move(n));
      }
      case Tok::LParen: {
        take();
        int e = expression();
        expect(Tok::RParen, "')'");
        return e;
      }
      default:
        fail(t, "expected a value (number, name, function call or '('), found " + found(t));
    }
  }

  int call(const Token& fn) {
    std::string name = fn.text;
    expect(Tok::LParen, "'('");
    std::vector<int> args;
    if (peek().kind != Tok::RParen) {
      args.push_back(expression());
      while (accept(Tok::Comma)) args.push_back(expression());
    }
    expect(Tok::RParen, "')' to close the call of " + name);
    auto it = builtins().find(name);
    auto dit = draws().find(name);
    if (it == builtins().end() && dit == draws().end())
      fail(fn, "unknown function '" + name +
                   "' (known: exp log log10 sqrt abs floor ceil sin cos pow min max, and the "
                   "distributions normal lognormal uniform bernoulli exponential)");
    int arity = it != builtins().end() ? it->second : dit->second;
    if (arity >= 0 && static_cast<int>(args.size()) != arity)
      fail(fn, name + "() takes " + std::to_string(arity) + " argument" +
                   (arity == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
    if (arity < 0 && args.size() < 2)
      fail(fn, name + "() takes at least 2 arguments, got " + std::to_string(args.size()));
    // min/max of many arguments fold left into pairs.
    if (arity < 0) {
      int acc = args[0];
      for (std::size_t i = 1; i < args.size(); ++i) {
        Node n;
        n.op = Op::Call;
        n.name = name;
        n.children = {acc, args[i]};
        n.where = loc(fn);
        acc = file_.pool.add(std::move(n));
      }
      return acc;
    }
    Node n;
    n.op = Op::Call;
    n.name = name;
    n.children = std::move(args);
    n.where = loc(fn);
    return file_.pool.add(std::move(n));
  }

  int node(Op op, const Token& at, std::vector<int> children) {
    Node n;
    n.op = op;
    n.children = std::move(children);
    n.where = loc(at);
    return file_.pool.add(std::move(n));
  }
};

}  // namespace

int builtin_arity(std::string_view function) {
  auto it = builtins().find(function);
  return it == builtins().end() ? 0 : it->second;
}

int draw_arity(std::string_view function) {
  auto it = draws().find(function);
  return it == draws().end() ? 0 : it->second;
}

File parse(std::string_view text, const std::string& file_name) {
  File f;
  f.name = file_name;
  Lexer lexer(text, f.name);
  Parser parser(lexer.run(), f);
  parser.run();
  return f;
}

}  // namespace ldnsim::lang::syntax
