// Lexer and recursive-descent parser for .ldn model files.
//
// A statement ends at the end of its line. An indented line continues the statement
// above it, and so does a line that follows an open parenthesis, so long attribute lists
// and equations can be wrapped.
#include <cctype>
#include <charconv>
#include <cmath>
#include <deque>
#include <unordered_map>

#include "ldnsim/core/text.hpp"
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

  // The next token. A newline ends a statement only outside parentheses and when the next
  // line is not indented; runs of ends collapse into one.
  Token next() {
    while (true) {
      skip_blanks_and_comments();
      if (pos_ >= text_.size()) {
        if (!ended_) {
          ended_ = true;
          if (emitted_any_ && !last_was_newline_) return finish(make(Tok::Newline, "", line_, column_));
        }
        return make(Tok::End, "", line_, column_);
      }
      char c = text_[pos_];
      if (c == '\n') {
        const int end_line = line_, end_column = column_;
        advance();
        // Inside parentheses, and before an indented line, the statement goes on.
        if (depth_ > 0 || next_line_is_indented()) continue;
        if (emitted_any_ && !last_was_newline_) return finish(make(Tok::Newline, "", end_line, end_column));
        continue;
      }
      if (c == '(') ++depth_;
      if (c == ')' && depth_ > 0) --depth_;
      return finish(next_token());
    }
  }

 private:
  std::string_view text_;
  const std::string& file_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  int depth_ = 0;  // open parentheses
  bool ended_ = false, emitted_any_ = false, last_was_newline_ = false;
  // next_line_is_indented() over a run of blank and comment lines: where the run ended and
  // the answer, so that each line of the run is scanned once.
  std::size_t indent_scan_end_ = 0;
  bool indent_scan_result_ = false;

  Token finish(Token t) {
    emitted_any_ = true;
    last_was_newline_ = t.kind == Tok::Newline;
    return t;
  }

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
  bool next_line_is_indented() {
    if (pos_ < indent_scan_end_) return indent_scan_result_;
    std::size_t p = pos_;
    bool result = false;
    while (p < text_.size()) {
      std::size_t line_start = p;
      while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t' || text_[p] == '\r')) ++p;
      if (p >= text_.size()) break;
      if (text_[p] == '\n' || text_[p] == '#') {
        while (p < text_.size() && text_[p] != '\n') ++p;
        if (p < text_.size()) ++p;
        continue;
      }
      result = p > line_start;
      break;
    }
    indent_scan_end_ = p;
    indent_scan_result_ = result;
    return result;
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
      if (s.size() > kMaxNumberLength)
        fail(line, col, "number " + printable(s, 40) + " is " + std::to_string(s.size()) +
                            " characters long; the limit is " + std::to_string(kMaxNumberLength));
      Token t = make(Tok::Number, s, line, col);
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), t.number);
      if (ec == std::errc::result_out_of_range && ptr == s.data() + s.size())
        fail(line, col, "number " + printable(s, 40) + " is out of range (the largest is about 1.8e308)");
      if (ec != std::errc() || ptr != s.data() + s.size())
        fail(line, col, "malformed number '" + printable(s, 40) + "'");
      if (pos_ < text_.size() &&
          (std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
        fail(line_, column_, "a number must not run into a name: '" + printable(s, 40) +
                                 printable(text_.substr(pos_, 1)) + "'");
      return t;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = pos_;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '_'))
        advance();
      if (pos_ - start > kMaxNameLength)
        fail(line, col, "name '" + printable(text_.substr(start, pos_ - start), 40) + "' is " +
                            std::to_string(pos_ - start) + " characters long; the limit is " +
                            std::to_string(kMaxNameLength));
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
        if (s.size() > kMaxStringLength)
          fail(line, col, "quoted string longer than " + std::to_string(kMaxStringLength) +
                              " bytes (the limit): \"" + printable(s, 40) + "\"");
      }
      if (pos_ >= text_.size()) fail(line, col, "unterminated string");
      advance();
      // Strings (units, sources, descriptions) are shown by every front end: printable
      // text only, no control characters or broken UTF-8 that could drive a terminal.
      if (const std::string shown = printable(s, s.size() + 1); shown != s)
        fail(line, col, "a quoted string may hold only printable UTF-8 text, found \"" + printable(s, 60) +
                            "\" (control characters and invalid bytes shown escaped)");
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
    // Show the whole character when it is valid UTF-8 (escaped when it is not, or a control).
    std::size_t n = 1;
    const unsigned char lead = static_cast<unsigned char>(c);
    if (lead >= 0xF0) n = 4;
    else if (lead >= 0xE0) n = 3;
    else if (lead >= 0xC0) n = 2;
    for (std::size_t k = 1; k < n; ++k)
      if (pos_ + k >= text_.size() || (static_cast<unsigned char>(text_[pos_ + k]) & 0xC0) != 0x80) n = 1;
    fail(line, col, "unexpected character '" + printable(text_.substr(pos_, n)) + "'" +
                        (lead == 0xEF && text_.substr(pos_, 3) == "\xEF\xBB\xBF"
                             ? " (a byte-order mark is allowed only at the start of the file)"
                             : ""));
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
  Parser(Lexer& lexer, File& file) : lex_(lexer), file_(file) {}

  void run() {
    while (peek().kind != Tok::End) {
      if (peek().kind == Tok::Newline) {
        skip();
        continue;
      }
      statement();
    }
  }

 private:
  // Tokens come from the lexer as they are needed (a few ahead), so a huge file is never
  // held as tokens all at once.
  Lexer& lex_;
  File& file_;
  std::deque<Token> ahead_;
  int nesting_ = 0;  // open parentheses, calls, 'if's, prefix operators and '^'s

  // Every construct that recurses opens a level; past kMaxNesting the model is refused
  // before the stack can overflow.
  class Nest {
   public:
    Nest(Parser& p, const Token& at) : p_(p) {
      if (++p_.nesting_ > kMaxNesting)
        p_.fail(at, "expression nested " + std::to_string(p_.nesting_) + " levels deep here; the limit is " +
                        std::to_string(kMaxNesting) +
                        " (parentheses, function calls, 'if', prefix '-' and 'not', and '^' each open a level; "
                        "split the expression with 'let')");
    }
    ~Nest() { --p_.nesting_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& p_;
  };

  // Adds a node, refusing expressions deeper than kMaxExpressionDepth (e.g. a sum of
  // thousands of terms): every later pass over them recurses that deep.
  int add(Node n, const Token& at) {
    int depth = 1;
    for (int c : n.children) depth = std::max(depth, file_.pool[c].depth + 1);
    n.depth = depth;
    if (depth > kMaxExpressionDepth)
      fail(at, "expression " + std::to_string(depth) + " operations deep here; the limit is " +
                   std::to_string(kMaxExpressionDepth) +
                   " (each operator, function call and 'if' adds one; split the expression with 'let')");
    return file_.pool.add(std::move(n));
  }

  const Token& peek(std::size_t k = 0) {
    while (ahead_.size() <= k) ahead_.push_back(lex_.next());
    return ahead_[k];
  }
  Token take() {
    peek();
    Token t = std::move(ahead_.front());
    ahead_.pop_front();
    return t;
  }
  void skip(std::size_t n = 1) {
    for (std::size_t i = 0; i < n; ++i) take();
  }
  SourceLocation loc(const Token& t) const { return {file_.name, t.line, t.column}; }

  [[noreturn]] void fail(const Token& at, const std::string& msg) const {
    throw ModelError(loc(at), msg);
  }

  std::string found(const Token& t) const {
    // Names and numbers are letters, digits and '_' of bounded length (the lexer sees to
    // it); strings can hold anything, so everything echoed goes through printable().
    if (t.kind == Tok::Ident) return "'" + printable(t.text) + "'";
    if (t.kind == Tok::Number) return "number " + printable(t.text);
    if (t.kind == Tok::String) return "string \"" + printable(t.text, 60) + "\"";
    return describe(t.kind);
  }

  Token expect(Tok kind, std::string_view what) {
    if (peek().kind != kind)
      fail(peek(), "expected " + std::string(what) + ", found " + found(peek()));
    return take();
  }

  bool accept(Tok kind) {
    if (peek().kind == kind) {
      skip();
      return true;
    }
    return false;
  }

  bool accept_word(const char* word) {
    if (peek().kind == Tok::Ident && peek().text == word) {
      skip();
      return true;
    }
    return false;
  }

  void end_of_statement() {
    if (peek().kind == Tok::Newline || peek().kind == Tok::End) {
      accept(Tok::Newline);
      return;
    }
    Token t = peek();
    if (t.kind == Tok::Ident && is_statement_keyword(t.text))
      fail(t, "expected end of statement, found '" + t.text +
                  "' (an indented line continues the statement above it; start each "
                  "statement at column 1)");
    fail(t, "expected end of statement, found " + found(t));
  }

  void statement() {
    Token kw = peek();
    if (kw.kind != Tok::Ident)
      fail(kw, "expected a statement (param, covariate, state, let, d/dt(...), output, "
               "F/ALAG/R/D(...), model), found " + found(kw));
    Statement st;
    st.where = loc(kw);
    const std::string word = kw.text;
    if (word == "d" && peek(1).kind == Tok::Slash && peek(2).kind == Tok::Ident &&
        peek(2).text == "dt") {
      skip(3);
      st.kind = StatementKind::Derivative;
      expect(Tok::LParen, "'(' after d/dt");
      Token n = expect(Tok::Ident, "a state name");
      st.name = n.text;
      st.name_where = loc(n);
      expect(Tok::RParen, "')'");
      expect(Tok::Assign, "'='");
      st.expr = expression();
    } else if ((word == "F" || word == "ALAG" || word == "R" || word == "D") &&
               peek(1).kind == Tok::LParen) {
      skip();
      st.kind = StatementKind::DoseProperty;
      st.property = word;
      expect(Tok::LParen, "'('");
      Token n = expect(Tok::Ident, "a state (compartment) name");
      st.name = n.text;
      st.name_where = loc(n);
      expect(Tok::RParen, "')'");
      expect(Tok::Assign, "'='");
      st.expr = expression();
    } else if (word == "random") {
      skip();
      st.kind = StatementKind::Random;
      Token n = expect(Tok::Ident, "a name");
      st.name = n.text;
      st.name_where = loc(n);
      expect(Tok::Tilde, "'~' and a distribution, e.g. random X ~ normal(0, 1)");
      Token fn = peek();
      if (fn.kind != Tok::Ident || draws().find(fn.text) == draws().end() || peek(1).kind != Tok::LParen)
        fail(fn, "expected a distribution (normal, lognormal, uniform, bernoulli, exponential), found " + found(fn));
      take();
      st.expr = call(fn);
      attributes(st);
    } else if (word == "event") {
      skip();
      Token n = expect(Tok::Ident, "an event name");
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
      skip();
      st.kind = StatementKind::Action;
      Token n = expect(Tok::Ident, "an event name");
      st.name = n.text;
      st.name_where = loc(n);
      expect(Tok::Colon, "':' after on " + st.name);
      Token target = expect(Tok::Ident, "a state to assign");
      st.property = target.text;
      st.property_where = loc(target);
      expect(Tok::Assign, "'='");
      st.expr = expression();
    } else if (word == "model") {
      skip();
      st.kind = StatementKind::Model;
      Token n = expect(Tok::Ident, "a model name");
      st.name = n.text;
      st.name_where = loc(n);
      if (peek().kind == Tok::String) st.text = take().text;
      attributes(st);  // indication "fibromyalgia"
    } else if (word == "param" || word == "state" || word == "let" || word == "output" ||
               word == "covariate") {
      skip();
      st.kind = word == "param"       ? StatementKind::Param
                : word == "state"     ? StatementKind::State
                : word == "let"       ? StatementKind::Let
                : word == "covariate" ? StatementKind::Covariate
                                      : StatementKind::Output;
      Token n = expect(Tok::Ident, "a name");
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
    if (file_.statements.size() >= kMaxStatements)
      throw ModelError(st.where, "more than " + std::to_string(kMaxStatements) +
                                     " statements in one model; the limit is " + std::to_string(kMaxStatements));
    file_.statements.push_back(std::move(st));
  }

  void attributes(Statement& st) {
    while (peek().kind == Tok::Ident) {
      if (is_statement_keyword(peek().text))
        fail(peek(), "expected end of statement, found '" + peek().text +
                         "' (an indented line continues the statement above it; start each "
                         "statement at column 1)");
      Token k = take();
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
          Token num = expect(Tok::Number, "a number");
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
    Nest nest(*this, peek());
    if (peek().kind == Tok::Ident && peek().text == "if") {
      Token t = take();
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
      Token t = take();
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
      Token t = take();
      l = node(Op::Or, t, {l, logical_and()});
    }
    return l;
  }

  int logical_and() {
    int l = logical_not();
    while (peek().kind == Tok::AndAnd || (peek().kind == Tok::Ident && peek().text == "and")) {
      Token t = take();
      l = node(Op::And, t, {l, logical_not()});
    }
    return l;
  }

  int logical_not() {
    if (peek().kind == Tok::Bang || (peek().kind == Tok::Ident && peek().text == "not")) {
      Token t = take();
      Nest nest(*this, t);
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
    Token t = take();
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
      Token t = take();
      l = node(t.kind == Tok::Plus ? Op::Add : Op::Sub, t, {l, multiplicative()});
    }
    return l;
  }

  int multiplicative() {
    int l = unary();
    while (peek().kind == Tok::Star || peek().kind == Tok::Slash) {
      Token t = take();
      l = node(t.kind == Tok::Star ? Op::Mul : Op::Div, t, {l, unary()});
    }
    return l;
  }

  int unary() {
    if (peek().kind == Tok::Minus) {
      Token t = take();
      Nest nest(*this, t);
      return node(Op::Neg, t, {unary()});
    }
    if (peek().kind == Tok::Plus) {
      Token t = take();
      Nest nest(*this, t);
      return unary();
    }
    return power();
  }

  // Exponentiation binds tighter than unary minus on its left (-2^2 = -4) and is
  // right-associative (2^3^2 = 2^9).
  int power() {
    int base = primary();
    if (peek().kind == Tok::Caret) {
      Token t = take();
      Nest nest(*this, t);
      return node(Op::Pow, t, {base, unary()});
    }
    return base;
  }

  int primary() {
    Token t = peek();
    switch (t.kind) {
      case Tok::Number: {
        take();
        Node n;
        n.op = Op::Number;
        n.value = t.number;
        n.where = loc(t);
        if (peek().kind == Tok::Percent)
          fail(peek(), "'%' is only allowed in attributes such as 'cv 30%'");
        return add(std::move(n), t);
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
        return add(std::move(n), t);
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
        acc = add(std::move(n), fn);
      }
      return acc;
    }
    Node n;
    n.op = Op::Call;
    n.name = name;
    n.children = std::move(args);
    n.where = loc(fn);
    return add(std::move(n), fn);
  }

  int node(Op op, const Token& at, std::vector<int> children) {
    Node n;
    n.op = op;
    n.children = std::move(children);
    n.where = loc(at);
    return add(std::move(n), at);
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
  // A UTF-8 byte-order mark at the start is allowed (some editors write one).
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  Lexer lexer(text, f.name);
  Parser parser(lexer, f);
  parser.run();
  return f;
}

}  // namespace ldnsim::lang::syntax
