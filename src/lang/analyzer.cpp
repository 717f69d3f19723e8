// Semantic analysis of a parsed model: declarations, name resolution, dependency order of
// derived values, and the split of every computation into what depends on parameters
// alone (done once per record, in the parameter block) and what depends on time or
// states (done at every right-hand-side call).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iterator>
#include <map>
#include <numbers>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "ldnsim/core/text.hpp"
#include "model_impl.hpp"
#include "syntax.hpp"

namespace ldnsim::lang {
namespace {

using syntax::Attribute;
using syntax::Statement;
using syntax::StatementKind;
namespace syn = syntax;

enum class SymbolKind { Parameter, State, Let };

struct Symbol {
  SymbolKind kind;
  int index;  // into parameters, states or lets
  const Statement* statement;
};

struct LetInfo {
  const Statement* statement;
  std::vector<std::string> names;  // every name its expression mentions
  bool dynamic = false;            // depends on time or states
  int mark = 0;                    // DFS: 0 new, 1 on stack, 2 done
  int slot = -1;                   // parameter-block slot, when not dynamic
  int local = -1;                  // local index, when dynamic
  bool random = false;             // a `random` declaration: drawn once per subject
  bool noisy = false;              // an output whose expression draws random numbers
};

const std::set<std::string, std::less<>>& reserved_names() {
  static const std::set<std::string, std::less<>> names = {
      "t", "TIME", "pi", "if", "then", "else", "and", "or", "not", "d",
      "ID", "EVID", "AMT", "CMT", "RATE", "II", "ADDL", "SS", "DV", "MDV",
  };
  return names;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// Case-insensitive edit distance of a and b when it is below `limit`, else `limit`. Only
// the band of cells that can stay below the limit is computed, so comparing a name with
// every declared name stays cheap in a model of many long names.
int edit_distance(std::string_view a, std::string_view b, int limit = 3) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) >= limit) return limit;
  const int big = limit;
  std::vector<int> prev(static_cast<std::size_t>(m) + 1, big), cur(static_cast<std::size_t>(m) + 1, big);
  for (int j = 0; j <= std::min(m, limit); ++j) prev[static_cast<std::size_t>(j)] = j;
  for (int i = 1; i <= n; ++i) {
    std::fill(cur.begin(), cur.end(), big);
    const int lo = std::max(0, i - limit), hi = std::min(m, i + limit);
    if (lo == 0) cur[0] = std::min(i, big);
    int best = big;
    for (int j = std::max(1, lo); j <= hi; ++j) {
      const auto uj = static_cast<std::size_t>(j);
      const bool same = std::tolower(static_cast<unsigned char>(a[static_cast<std::size_t>(i - 1)])) ==
                        std::tolower(static_cast<unsigned char>(b[uj - 1]));
      cur[uj] = std::min({prev[uj] + 1, cur[uj - 1] + 1, prev[uj - 1] + (same ? 0 : 1), big});
      best = std::min(best, cur[uj]);
    }
    if (lo == 0) best = std::min(best, cur[0]);
    if (best >= limit) return limit;
    std::swap(prev, cur);
  }
  return std::min(prev[static_cast<std::size_t>(m)], limit);
}

class Analyzer {
 public:
  Analyzer(syn::File& file, Model::Impl& model) : f_(file), m_(model) {}

  void run() {
    declare();
    check_equations();
    order_lets();
    build_pre();
    build_dynamic_programs();
    m_.module.parameters = static_cast<int>(m_.parameters.size());
    m_.module.states = static_cast<int>(m_.states.size());
    m_.module.outputs_count = static_cast<int>(m_.outputs.size());
    m_.module.slots = next_slot_;
  }

 private:
  syn::File& f_;
  Model::Impl& m_;
  std::unordered_map<std::string, Symbol> symbols_;
  std::unordered_map<std::string, std::string> lowercase_names_;  // lower case -> declared name
  std::vector<LetInfo> lets_;
  std::vector<int> let_order_;  // topological order of lets_
  std::vector<int> order_position_;  // per let: its place in let_order_
  std::vector<unsigned> need_epoch_;  // needed_lets(): the call that last marked each let
  unsigned epoch_ = 0;
  std::vector<const Statement*> derivative_of_;  // per state
  std::vector<const Statement*> output_statements_;
  std::map<std::pair<int, int>, const Statement*> dose_properties_;  // (state, property)
  std::vector<const Statement*> state_statements_;
  std::vector<const Statement*> parameter_statements_;
  int next_slot_ = 0;
  int dynamic_lets_ = 0;
  std::map<std::tuple<int, double, int, int, int, int>, int> interned_;
  std::unordered_map<int, int> hoisted_;  // ir node -> slot
  std::vector<const Statement*> event_statements_;
  std::unordered_map<std::string, int> event_index_;
  std::vector<const Statement*> action_statements_;
  // Where draw functions may appear: the draw buffer of the program being converted.
  std::vector<DrawKind>* draw_sink_ = nullptr;
  const char* draw_context_ = "here";
  std::string draw_owner_;  // what the draws being converted belong to, for messages

  [[noreturn]] void fail(const SourceLocation& where, const std::string& msg) const {
    throw ModelError(where, msg);
  }

  // ---- declarations -------------------------------------------------------------------

  void declare_symbol(const Statement& st, SymbolKind kind, int index) {
    if (reserved_names().count(st.name) ||
        (syn::builtin_arity(st.name) != 0))
      fail(st.name_where, "'" + st.name + "' is a reserved name (a keyword, built-in function "
                          "or NONMEM data item) and cannot be declared");
    auto [it, inserted] = symbols_.emplace(st.name, Symbol{kind, index, &st});
    if (!inserted)
      fail(st.name_where, "'" + st.name + "' is already defined at line " +
                              std::to_string(it->second.statement->name_where.line));
    auto [low, fresh] = lowercase_names_.emplace(lower(st.name), st.name);
    if (!fresh) {
      const Symbol& sym = symbols_.at(low->second);
      fail(st.name_where, "'" + st.name + "' differs from '" + low->second +
                              "' (line " + std::to_string(sym.statement->name_where.line) +
                              ") only by case; data columns match names without regard to "
                              "case, so names must differ by more than case");
    }
  }

  static std::string attribute_string(const Attribute& a) {
    if (a.args.size() != 1 || !std::holds_alternative<std::string>(a.args[0]))
      throw ModelError(a.where, "attribute '" + a.key + "' takes one quoted string");
    return std::get<std::string>(a.args[0]);
  }

  static std::vector<double> attribute_numbers(const Attribute& a, std::size_t n) {
    std::vector<double> v;
    for (const auto& x : a.args) {
      if (!std::holds_alternative<double>(x))
        throw ModelError(a.where, "attribute '" + a.key + "' takes " + std::to_string(n) +
                                      " number" + (n == 1 ? "" : "s"));
      v.push_back(std::get<double>(x));
    }
    if (v.size() != n)
      throw ModelError(a.where, "attribute '" + a.key + "' takes " + std::to_string(n) +
                                    " number" + (n == 1 ? "" : "s") + ", got " +
                                    std::to_string(v.size()));
    return v;
  }

  // Documentation attributes any declaration may carry.
  bool common_attribute(const Attribute& a, std::string& unit, std::string& source,
                        std::string& assumption, std::string& description) {
    if (a.key == "unit") unit = attribute_string(a);
    else if (a.key == "source") source = attribute_string(a);
    else if (a.key == "assumption") assumption = attribute_string(a);
    else if (a.key == "description") description = attribute_string(a);
    else return false;
    return true;
  }

  static unsigned role_bit(const std::string& word) {
    for (std::size_t k = 0; k < std::size(kRoleNames); ++k)
      if (word == kRoleNames[k]) return 1u << k;
    return 0;
  }
  static std::string role_words() {
    std::string s;
    for (const char* w : kRoleNames) s += (s.empty() ? "" : ", ") + std::string(w);
    return s;
  }

  [[noreturn]] void unknown_attribute(const Attribute& a, const char* allowed) const {
    fail(a.where, "unknown attribute '" + a.key + "' (allowed here: " + allowed + ")");
  }

  double constant_value(int expr) const {
    const syn::Node& n = f_.pool[expr];
    auto arg = [&](int k) { return constant_value(n.children[static_cast<std::size_t>(k)]); };
    switch (n.op) {
      case syn::Op::Number: return n.value;
      case syn::Op::Name:
        if (n.name == "pi") return std::numbers::pi;
        fail(n.where, "a parameter's value must be a number, not '" + n.name +
                          "'; declare values computed from others with 'let'");
      case syn::Op::Neg: return -arg(0);
      case syn::Op::Add: return arg(0) + arg(1);
      case syn::Op::Sub: return arg(0) - arg(1);
      case syn::Op::Mul: return arg(0) * arg(1);
      case syn::Op::Div: return arg(0) / arg(1);
      case syn::Op::Pow: return std::pow(arg(0), arg(1));
      case syn::Op::Call:
        if (n.name == "exp") return std::exp(arg(0));
        if (n.name == "log") return std::log(arg(0));
        if (n.name == "log10") return std::log10(arg(0));
        if (n.name == "sqrt") return std::sqrt(arg(0));
        [[fallthrough]];
      default:
        fail(n.where, "a parameter's value must be a constant number");
    }
  }

  void declare() {
    bool seen_model = false;
    for (const Statement& st : f_.statements) {
      switch (st.kind) {
        case StatementKind::Model:
          if (seen_model) fail(st.where, "only one 'model' statement is allowed");
          seen_model = true;
          m_.name = st.name;
          m_.description = st.text;
          for (const Attribute& a : st.attributes) {
            if (a.key != "indication") unknown_attribute(a, "indication");
            m_.indication = attribute_string(a);
          }
          break;
        case StatementKind::Param:
        case StatementKind::Covariate: {
          Parameter p;
          p.name = st.name;
          p.where = st.name_where;
          if (st.kind == StatementKind::Param) p.value = constant_value(st.expr);
          std::string description;
          for (std::size_t ai = 0; ai < st.attributes.size(); ++ai) {
            const Attribute& a = st.attributes[ai];
            if (common_attribute(a, p.unit, p.source, p.assumption, description)) continue;
            if (a.key == "role") {
              // `role WORD...`: the words reach the parser as attributes without arguments.
              if (!a.args.empty()) fail(a.where, "role takes words, not values (" + role_words() + ")");
              std::size_t words = 0;
              while (ai + 1 < st.attributes.size() && st.attributes[ai + 1].args.empty()) {
                const Attribute& w = st.attributes[ai + 1];
                const unsigned bit = role_bit(w.key);
                if (bit == 0) break;
                if (p.roles & bit) fail(w.where, "role '" + w.key + "' is given twice");
                p.roles |= bit;
                ++words;
                ++ai;
              }
              if (words == 0) fail(a.where, "role needs one or more of: " + role_words());
            } else if (a.key == "se") {
              double se = attribute_numbers(a, 1)[0];
              if (!(se > 0) || !std::isfinite(se)) fail(a.where, "se (a standard error) must be above 0");
              p.se = se;
            } else if (a.key == "range" || a.key == "logrange") {
              auto v = attribute_numbers(a, 2);
              if (!(v[0] < v[1])) fail(a.where, "range needs low < high");
              if (a.key == "logrange" && v[0] <= 0)
                fail(a.where, "logrange needs a positive low end");
              p.low = v[0];
              p.high = v[1];
              p.distribution = a.key == "range" ? "uniform" : "log-uniform";
            } else if (a.key == "cv") {
              double cv = attribute_numbers(a, 1)[0];
              if (!(cv >= 0)) fail(a.where, "cv must be zero or positive");
              p.cv = cv;
            } else {
              if (role_bit(a.key) != 0 && a.args.empty())
                fail(a.where, "'" + a.key + "' is a role: write it after the word role (role " + a.key + ")");
              unknown_attribute(a, "unit, source, assumption, description, range, logrange, cv, se, role");
            }
          }
          if (p.value && p.low && (*p.value < *p.low || *p.value > *p.high))
            fail(st.name_where, "the value of " + p.name + " lies outside its range");
          if (p.has(Role::Unidentified) && !p.has(Role::Fitted))
            fail(st.name_where, p.name + ": role unidentified goes with role fitted (a fit that its targets do not identify)");
          if (p.has(Role::Unidentified) && p.se)
            fail(st.name_where, p.name + ": an unidentified estimate has no standard error (se)");
          declare_symbol(st, SymbolKind::Parameter, static_cast<int>(m_.parameters.size()));
          m_.parameters.push_back(std::move(p));
          parameter_statements_.push_back(&st);
          break;
        }
        case StatementKind::State: {
          State s;
          s.name = st.name;
          s.where = st.name_where;
          std::string source, assumption, description;
          for (const Attribute& a : st.attributes) {
            if (common_attribute(a, s.unit, source, assumption, description)) continue;
            if (a.key == "depot") {
              if (!a.args.empty()) fail(a.where, "'depot' takes no value");
              s.depot = true;
            } else {
              unknown_attribute(a, "unit, source, assumption, description, depot");
            }
          }
          if (m_.states.size() >= kMaxStates)
            fail(st.name_where, "more than " + std::to_string(kMaxStates) + " states; the limit is " +
                                    std::to_string(kMaxStates));
          declare_symbol(st, SymbolKind::State, static_cast<int>(m_.states.size()));
          m_.states.push_back(std::move(s));
          state_statements_.push_back(&st);
          break;
        }
        case StatementKind::Let:
          declare_let(st);
          if (contains_draw(st.expr))
            fail(f_.pool[first_draw(st.expr)].where,
                 "random draws are allowed only in 'random' declarations, 'on' actions and outputs; "
                 "a let is one value shared by every use");
          break;
        case StatementKind::Output:
          if (st.expr >= 0) {
            declare_let(st);
            lets_.back().noisy = contains_draw(st.expr);
          }
          output_statements_.push_back(&st);
          break;
        case StatementKind::Random:
          declare_let(st);
          lets_.back().random = true;
          for (int arg : f_.pool[st.expr].children)
            if (contains_draw(arg))
              fail(f_.pool[first_draw(arg)].where, "a distribution's parameters cannot themselves be random draws");
          break;
        case StatementKind::RateEvent:
        case StatementKind::WhenEvent: {
          if (reserved_names().count(st.name))
            fail(st.name_where, "'" + st.name + "' is a reserved name and cannot name an event");
          auto [it, inserted] = event_index_.emplace(st.name, static_cast<int>(event_statements_.size()));
          if (!inserted)
            fail(st.name_where, "event " + st.name + " is already defined at line " +
                                    std::to_string(event_statements_[static_cast<std::size_t>(it->second)]->name_where.line));
          if (contains_draw(st.expr))
            fail(f_.pool[first_draw(st.expr)].where, "an event's rate or condition cannot draw random numbers");
          std::string unit, source, assumption, description;
          for (const Attribute& a : st.attributes)
            if (!common_attribute(a, unit, source, assumption, description))
              unknown_attribute(a, "unit, source, assumption, description");
          event_statements_.push_back(&st);
          break;
        }
        case StatementKind::Action:
          action_statements_.push_back(&st);
          break;
        case StatementKind::Derivative:
        case StatementKind::DoseProperty:
          break;
      }
    }
    if (m_.states.empty())
      fail({f_.name, 1, 0}, "a model needs at least one state (declare one with 'state NAME = 0' "
                            "and give it an equation with 'd/dt(NAME) = ...')");
    int depots = 0;
    for (const State& s : m_.states) depots += s.depot ? 1 : 0;
    if (depots > 1) fail({f_.name, 1, 0}, "only one state may be marked 'depot'");
    m_.declared_states = m_.states.size();
    // Each rate event integrates its intensity in a hidden state; each when event has a
    // root function.
    int roots = 0;
    for (const Statement* st : event_statements_) {
      Event e;
      e.name = st->name;
      e.where = st->name_where;
      e.is_rate = st->kind == StatementKind::RateEvent;
      if (e.is_rate) {
        if (m_.states.size() >= kMaxStates)
          fail(st->name_where, "more than " + std::to_string(kMaxStates) + " states with the hidden state of rate event " +
                                   st->name + "; the limit is " + std::to_string(kMaxStates));
        e.intensity_state = static_cast<int>(m_.states.size());
        State h;
        h.name = st->name + ".intensity";
        h.hidden = true;
        h.where = st->name_where;
        m_.states.push_back(std::move(h));
      } else {
        e.root = roots++;
      }
      m_.events.push_back(std::move(e));
    }
    for (const Statement* st : action_statements_) {
      if (!event_index_.count(st->name))
        fail(st->name_where, "on " + st->name + ": no event of that name" +
                                 (event_statements_.empty() ? std::string(" (declare it with 'event NAME rate = ...' or 'event NAME when ...')")
                                                            : std::string("")));
      auto it = symbols_.find(st->property);
      if (it == symbols_.end() || it->second.kind != SymbolKind::State)
        fail(st->property_where, "on " + st->name + ": '" + st->property +
                                     "' is not a state (actions assign states)" + suggestion(st->property));
    }
  }

  bool is_draw_call(const syn::Node& n) const {
    return n.op == syn::Op::Call && syn::draw_arity(n.name) != 0;
  }

  bool contains_draw(int expr) const { return first_draw(expr) >= 0; }

  int first_draw(int expr) const {
    const syn::Node& n = f_.pool[expr];
    if (is_draw_call(n)) return expr;
    for (int c : n.children) {
      int d = first_draw(c);
      if (d >= 0) return d;
    }
    return -1;
  }

  void declare_let(const Statement& st) {
    std::string unit, source, assumption, description;
    for (const Attribute& a : st.attributes)
      if (!common_attribute(a, unit, source, assumption, description))
        unknown_attribute(a, "unit, source, assumption, description");
    declare_symbol(st, SymbolKind::Let, static_cast<int>(lets_.size()));
    LetInfo info;
    info.statement = &st;
    collect_names(st.expr, info.names);
    lets_.push_back(std::move(info));
  }

  void collect_names(int expr, std::vector<std::string>& out) const {
    const syn::Node& n = f_.pool[expr];
    if (n.op == syn::Op::Name) out.push_back(n.name);
    for (int c : n.children) collect_names(c, out);
  }

  // ---- equations and dosing properties ------------------------------------------------

  int state_named(const std::string& name, const SourceLocation& where, const char* what) {
    auto it = symbols_.find(name);
    if (it == symbols_.end()) fail(where, std::string(what) + ": unknown state '" + name + "'" +
                                              suggestion(name));
    if (it->second.kind != SymbolKind::State)
      fail(where, std::string(what) + ": '" + name + "' is a " +
                      (it->second.kind == SymbolKind::Parameter ? "parameter" : "let") +
                      ", not a state");
    return it->second.index;
  }

  void check_equations() {
    derivative_of_.assign(m_.states.size(), nullptr);
    for (const Statement& st : f_.statements) {
      if (st.kind == StatementKind::Derivative) {
        int s = state_named(st.name, st.name_where, "d/dt");
        if (derivative_of_[static_cast<std::size_t>(s)])
          fail(st.name_where, "d/dt(" + st.name + ") is already given at line " +
                                  std::to_string(derivative_of_[static_cast<std::size_t>(s)]->where.line));
        derivative_of_[static_cast<std::size_t>(s)] = &st;
      } else if (st.kind == StatementKind::DoseProperty) {
        int s = state_named(st.name, st.name_where, (st.property + "(...)").c_str());
        int prop = st.property == "F" ? 0 : st.property == "ALAG" ? 1 : st.property == "R" ? 2 : 3;
        auto [it, inserted] = dose_properties_.emplace(std::pair{s, prop}, &st);
        if (!inserted)
          fail(st.where, st.property + "(" + st.name + ") is already given at line " +
                             std::to_string(it->second->where.line));
      }
    }
    for (const Event& e : m_.events)
      if (e.is_rate)
        derivative_of_[static_cast<std::size_t>(e.intensity_state)] =
            event_statements_[static_cast<std::size_t>(event_index_.at(e.name))];
    for (std::size_t s = 0; s < m_.states.size(); ++s)
      if (!derivative_of_[s])
        fail(m_.states[s].where, "state " + m_.states[s].name + " has no equation; add 'd/dt(" +
                                     m_.states[s].name + ") = ...'");
    for (const Statement* st : output_statements_) {
      if (st->expr >= 0) continue;
      auto it = symbols_.find(st->name);
      if (it == symbols_.end())
        fail(st->name_where, "output " + st->name + " names nothing declared; give it a value "
                             "('output " + st->name + " = ...') or declare it first" +
                             suggestion(st->name));
    }
    std::set<std::string> seen;
    for (const Statement* st : output_statements_) {
      if (!seen.insert(st->name).second)
        fail(st->name_where, "output " + st->name + " is declared twice");
      Output o;
      o.name = st->name;
      o.where = st->name_where;
      std::string source, assumption;
      for (const Attribute& a : st->attributes)
        if (!common_attribute(a, o.unit, source, assumption, o.description))
          unknown_attribute(a, "unit, source, assumption, description");
      m_.outputs.push_back(std::move(o));
    }
  }

  std::string suggestion(const std::string& name) const {
    std::string best;
    int best_d = 3;
    for (const auto& [other, sym] : symbols_) {
      int d = edit_distance(name, other, best_d);
      if (d < best_d) {
        best_d = d;
        best = other;
      }
    }
    return best.empty() ? "" : " (did you mean '" + best + "'?)";
  }

  // ---- order of derived values ----------------------------------------------------------

  // Depth-first over the dependencies of the lets, with an explicit stack (a chain of
  // thousands of lets must not exhaust the call stack); a let is placed after every let it
  // names, and a let that names time, a state or a dynamic let is dynamic itself.
  void order_lets() {
    struct Frame {
      int let;
      std::size_t next_name;
    };
    std::vector<Frame> frames;
    std::vector<int> path;  // lets on the stack, for the cycle message
    for (std::size_t root = 0; root < lets_.size(); ++root) {
      if (lets_[root].mark == 2) continue;
      frames.push_back({static_cast<int>(root), 0});
      lets_[root].mark = 1;
      path.push_back(static_cast<int>(root));
      while (!frames.empty()) {
        Frame& fr = frames.back();
        LetInfo& L = lets_[static_cast<std::size_t>(fr.let)];
        if (L.noisy) L.dynamic = true;  // a fresh draw at every output row
        if (fr.next_name == L.names.size()) {
          L.mark = 2;
          let_order_.push_back(fr.let);
          frames.pop_back();
          path.pop_back();
          if (!frames.empty() && L.dynamic) lets_[static_cast<std::size_t>(frames.back().let)].dynamic = true;
          continue;
        }
        const std::string& name = L.names[fr.next_name++];
        if (name == "t" || name == "TIME") {
          L.dynamic = true;
          continue;
        }
        if (name == "pi") continue;
        auto it = symbols_.find(name);
        if (it == symbols_.end()) continue;  // reported with its position during conversion
        if (it->second.kind == SymbolKind::State) L.dynamic = true;
        if (it->second.kind != SymbolKind::Let) continue;
        const int j = it->second.index;
        LetInfo& D = lets_[static_cast<std::size_t>(j)];
        if (D.mark == 2) {
          if (D.dynamic) L.dynamic = true;
        } else if (D.mark == 1) {
          // The cycle, cut in the middle when it is long.
          std::string cycle;
          auto start = std::find(path.begin(), path.end(), j);
          const auto length = path.end() - start;
          for (auto p = start; p != path.end(); ++p) {
            const auto k = p - start;
            if (length > 12 && k >= 8 && k < length - 3) {
              if (k == 8) cycle += "... (" + std::to_string(length - 11) + " more) -> ";
              continue;
            }
            cycle += lets_[static_cast<std::size_t>(*p)].statement->name + " -> ";
          }
          cycle += D.statement->name;
          fail(D.statement->name_where, "cycle among derived values: " + cycle);
        } else {
          D.mark = 1;
          path.push_back(j);
          frames.push_back({j, 0});
        }
      }
    }
    order_position_.assign(lets_.size(), 0);
    for (std::size_t k = 0; k < let_order_.size(); ++k) order_position_[static_cast<std::size_t>(let_order_[k])] = static_cast<int>(k);
  }

  // ---- conversion to IR ---------------------------------------------------------------

  struct Converted {
    int node;
    bool parameter_level;  // depends on parameters and constants only
  };

  int intern(const ir::Node& n) {
    auto key = std::make_tuple(static_cast<int>(n.op), n.value, n.index, n.a, n.b, n.c);
    auto it = interned_.find(key);
    if (it != interned_.end()) return it->second;
    m_.module.nodes.push_back(n);
    int id = static_cast<int>(m_.module.nodes.size()) - 1;
    interned_.emplace(key, id);
    return id;
  }

  int leaf(ir::Op op, int index, double value = 0) {
    ir::Node n;
    n.op = op;
    n.index = index;
    n.value = value;
    return intern(n);
  }

  // `what` names the context for errors when only parameters are allowed (nullptr: any).
  Converted convert(int expr, const char* parameter_only_context) {
    const syn::Node& n = f_.pool[expr];
    switch (n.op) {
      case syn::Op::Number:
        return {leaf(ir::Op::Const, -1, n.value), true};
      case syn::Op::Name:
        return convert_name(n, parameter_only_context);
      default:
        break;
    }
    if (is_draw_call(n)) return convert_draw(n, parameter_only_context);
    std::vector<Converted> kids;
    for (int c : n.children) kids.push_back(convert(c, parameter_only_context));
    bool level = std::all_of(kids.begin(), kids.end(), [](const Converted& k) { return k.parameter_level; });
    ir::Node node;
    node.op = ir_op(n);
    if (!level) {
      // x / c with c depending on parameters only: x * (1/c), the reciprocal computed once
      // per record (or folded, for a constant), since in the right-hand side a division
      // costs several multiplications. Both engines evaluate the same IR.
      if (node.op == ir::Op::Div && kids[1].parameter_level) {
        kids[1] = {reciprocal(kids[1].node), true};
        node.op = ir::Op::Mul;
      }
      // Hoist parameter-only operands out of time-dependent expressions.
      for (auto& k : kids) k.node = hoist_if_worthwhile(k);
    }
    if (!kids.empty()) node.a = kids[0].node;
    if (kids.size() > 1) node.b = kids[1].node;
    if (kids.size() > 2) node.c = kids[2].node;
    return {intern(node), level};
  }

  // 1/c for a parameter-level node c: a constant when c is one.
  int reciprocal(int c) {
    const ir::Node d = m_.module.nodes[static_cast<std::size_t>(c)];
    if (d.op == ir::Op::Const) return leaf(ir::Op::Const, -1, 1.0 / d.value);
    ir::Node x;
    x.op = ir::Op::Div;
    x.a = leaf(ir::Op::Const, -1, 1.0);
    x.b = c;
    return intern(x);
  }

  int node(ir::Op op, int a, int b = -1) {
    ir::Node x;
    x.op = op;
    x.a = a;
    x.b = b;
    return intern(x);
  }

  // A draw: a fresh standard variate of the current program's draw buffer, transformed to
  // the distribution asked for (the same arithmetic in both engines).
  Converted convert_draw(const syn::Node& n, const char* parameter_only_context) {
    if (!draw_sink_)
      fail(n.where, n.name + "() draws a random number, which is allowed only in 'random' declarations, "
                             "'on' actions and outputs, not in " + std::string(draw_context_));
    std::vector<int> args;
    for (int c : n.children) {
      Converted k = convert(c, parameter_only_context);
      args.push_back(hoist_if_worthwhile(k));
    }
    DrawKind kind = (n.name == "normal" || n.name == "lognormal") ? DrawKind::Normal : DrawKind::Uniform;
    int z = leaf(ir::Op::Draw, static_cast<int>(draw_sink_->size()));
    draw_sink_->push_back(kind);
    return {transform(n, z, args, draw_owner_), false};
  }

  // ---- the domains of the distributions' arguments --------------------------------------

  // The value of an expression made of numbers, pi, arithmetic and functions alone, or
  // nullopt when it names anything (its depth is bounded by the parser).
  std::optional<double> try_constant(int expr) const {
    const syn::Node& n = f_.pool[expr];
    std::vector<double> v;
    if (n.op == syn::Op::Number) return n.value;
    if (n.op == syn::Op::Name) return n.name == "pi" ? std::optional<double>(std::numbers::pi) : std::nullopt;
    if (is_draw_call(n)) return std::nullopt;
    for (int c : n.children) {
      auto x = try_constant(c);
      if (!x) return std::nullopt;
      v.push_back(*x);
    }
    switch (n.op) {
      case syn::Op::Neg: return -v[0];
      case syn::Op::Add: return v[0] + v[1];
      case syn::Op::Sub: return v[0] - v[1];
      case syn::Op::Mul: return v[0] * v[1];
      case syn::Op::Div: return v[0] / v[1];
      case syn::Op::Pow: return std::pow(v[0], v[1]);
      case syn::Op::Call:
        if (n.name == "exp") return std::exp(v[0]);
        if (n.name == "log") return std::log(v[0]);
        if (n.name == "log10") return std::log10(v[0]);
        if (n.name == "sqrt") return std::sqrt(v[0]);
        if (n.name == "abs") return std::fabs(v[0]);
        if (n.name == "floor") return std::floor(v[0]);
        if (n.name == "ceil") return std::ceil(v[0]);
        if (n.name == "sin") return std::sin(v[0]);
        if (n.name == "cos") return std::cos(v[0]);
        if (n.name == "pow") return std::pow(v[0], v[1]);
        if (n.name == "min") return std::fmin(v[0], v[1]);
        if (n.name == "max") return std::fmax(v[0], v[1]);
        return std::nullopt;
      default: return std::nullopt;
    }
  }

  static bool in_domain(DrawCheck::Domain d, double v) {
    switch (d) {
      case DrawCheck::Domain::Finite: return v - v == 0.0;
      case DrawCheck::Domain::NonNegative: return v >= 0.0 && v - v == 0.0;
      case DrawCheck::Domain::Positive: return v > 0.0 && v - v == 0.0;
      case DrawCheck::Domain::Probability: return v >= 0.0 && v <= 1.0;
    }
    return false;
  }

  static const char* domain_text(DrawCheck::Domain d) {
    switch (d) {
      case DrawCheck::Domain::Finite: return "a finite number";
      case DrawCheck::Domain::NonNegative: return "a finite number of 0 or more";
      case DrawCheck::Domain::Positive: return "a finite number above 0";
      case DrawCheck::Domain::Probability: return "a probability, from 0 to 1";
    }
    return "";
  }

  static std::string number_text(double v) {
    if (std::isnan(v)) return "nan";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }

  // Guards argument `value` (IR) of a draw: a constant outside the domain is an error
  // here, at the argument; anything else is checked where the draw is made, and a value
  // outside the domain stops the subject with an error naming the draw.
  int guard(const syn::Node& call, int syntax_arg, int value, const char* role, DrawCheck::Domain d,
            const std::string& owner) {
    const syn::Node& arg = f_.pool[syntax_arg];
    if (auto c = try_constant(syntax_arg)) {
      if (!in_domain(d, *c))
        fail(arg.where, call.name + "(): the " + role + " is " + number_text(*c) + "; expected " + domain_text(d));
      return value;
    }
    DrawCheck check;
    check.draw = call.name + "(" + signature(call.name) + ")" + (owner.empty() ? "" : " in " + owner);
    check.argument = role;
    check.domain = d;
    check.expected = domain_text(d);
    check.where = arg.where;
    return checked(value, std::move(check));
  }

  // `value` passed through a run-time check of `check` (an ir::Op::Check node).
  int checked(int value, DrawCheck check) {
    ir::Node x;
    x.op = ir::Op::Check;
    x.a = value;
    x.index = static_cast<int>(m_.draw_checks.size());
    m_.draw_checks.push_back(std::move(check));
    return intern(x);
  }

  static const char* signature(const std::string& dist) {
    if (dist == "normal") return "mean, sd";
    if (dist == "lognormal") return "median, sdlog";
    if (dist == "uniform") return "low, high";
    if (dist == "bernoulli") return "p";
    return "rate";
  }

  // The draw of `call` from standard variate z, its arguments `a` (IR) guarded.
  int transform(const syn::Node& call, int z, const std::vector<int>& a, const std::string& owner) {
    using D = DrawCheck::Domain;
    const std::string& dist = call.name;
    auto arg = [&](std::size_t k, const char* role, D d) { return guard(call, call.children[k], a[k], role, d, owner); };
    // Arguments are guarded in the order written, so the first bad one is reported.
    if (dist == "normal") {
      int mean = arg(0, "mean", D::Finite), sd = arg(1, "sd", D::NonNegative);
      return node(ir::Op::Add, mean, node(ir::Op::Mul, sd, z));
    }
    if (dist == "lognormal") {
      int median = arg(0, "median", D::Positive), sdlog = arg(1, "sdlog", D::NonNegative);
      return node(ir::Op::Mul, median, node(ir::Op::Exp, node(ir::Op::Mul, sdlog, z)));
    }
    if (dist == "uniform") {
      int low = arg(0, "low end", D::Finite), high = arg(1, "high end", D::Finite);
      const auto cl = try_constant(call.children[0]), ch = try_constant(call.children[1]);
      int width = node(ir::Op::Sub, high, low);
      if (cl && ch) {
        if (!(*cl <= *ch))
          fail(call.where, "uniform(): the low end " + number_text(*cl) + " is above the high end " + number_text(*ch));
      } else {
        DrawCheck check;
        check.draw = "uniform(low, high)" + (owner.empty() ? std::string() : " in " + owner);
        check.argument = "high end - low end";
        check.domain = D::NonNegative;
        check.expected = "0 or more (the low end must not be above the high end)";
        check.where = call.where;
        width = checked(width, std::move(check));
      }
      return node(ir::Op::Add, low, node(ir::Op::Mul, width, z));
    }
    if (dist == "bernoulli") return node(ir::Op::Lt, z, arg(0, "probability", D::Probability));
    return node(ir::Op::Div, node(ir::Op::Neg, node(ir::Op::Log, z)), arg(0, "rate", D::Positive));  // exponential(rate)
  }

  static ir::Op ir_op(const syn::Node& n) {
    switch (n.op) {
      case syn::Op::Neg: return ir::Op::Neg;
      case syn::Op::Not: return ir::Op::Not;
      case syn::Op::Add: return ir::Op::Add;
      case syn::Op::Sub: return ir::Op::Sub;
      case syn::Op::Mul: return ir::Op::Mul;
      case syn::Op::Div: return ir::Op::Div;
      case syn::Op::Pow: return ir::Op::Pow;
      case syn::Op::Lt: return ir::Op::Lt;
      case syn::Op::Le: return ir::Op::Le;
      case syn::Op::Gt: return ir::Op::Gt;
      case syn::Op::Ge: return ir::Op::Ge;
      case syn::Op::Eq: return ir::Op::Eq;
      case syn::Op::Ne: return ir::Op::Ne;
      case syn::Op::And: return ir::Op::And;
      case syn::Op::Or: return ir::Op::Or;
      case syn::Op::If: return ir::Op::If;
      case syn::Op::Call: {
        static const std::unordered_map<std::string, ir::Op> fns = {
            {"exp", ir::Op::Exp},     {"log", ir::Op::Log},   {"log10", ir::Op::Log10},
            {"sqrt", ir::Op::Sqrt},   {"abs", ir::Op::Abs},   {"floor", ir::Op::Floor},
            {"ceil", ir::Op::Ceil},   {"sin", ir::Op::Sin},   {"cos", ir::Op::Cos},
            {"pow", ir::Op::Pow},     {"min", ir::Op::Min},   {"max", ir::Op::Max},
        };
        return fns.at(n.name);
      }
      default: return ir::Op::Const;
    }
  }

  Converted convert_name(const syn::Node& n, const char* parameter_only_context) {
    auto dynamic_error = [&](const std::string& why) {
      fail(n.where, std::string(parameter_only_context) + " may depend only on parameters, "
                    "data columns and values derived from them, but '" + n.name + "' " + why);
    };
    if (n.name == "t" || n.name == "TIME") {
      if (parameter_only_context) dynamic_error("is time");
      return {leaf(ir::Op::Time, -1), false};
    }
    if (n.name == "pi") return {leaf(ir::Op::Const, -1, std::numbers::pi), true};
    auto it = symbols_.find(n.name);
    if (it == symbols_.end()) {
      std::string hint = suggestion(n.name);
      fail(n.where, "unknown name '" + n.name + "'" +
                        (hint.empty() ? " (not a parameter, covariate, state, let or built-in)"
                                      : hint));
    }
    const Symbol& s = it->second;
    switch (s.kind) {
      case SymbolKind::Parameter:
        return {leaf(ir::Op::Slot, m_.value_slots[static_cast<std::size_t>(s.index)]), true};
      case SymbolKind::State:
        if (parameter_only_context) dynamic_error("is a state");
        return {leaf(ir::Op::State, s.index), false};
      case SymbolKind::Let: {
        const LetInfo& L = lets_[static_cast<std::size_t>(s.index)];
        if (L.noisy)
          fail(n.where, "'" + n.name + "' draws fresh random numbers at every output row, so nothing "
                        "else can use it; draw once per subject with 'random' instead");
        if (L.dynamic) {
          if (parameter_only_context) dynamic_error("depends on time or states");
          return {leaf(ir::Op::Local, L.local), false};
        }
        return {leaf(ir::Op::Slot, L.slot), true};
      }
    }
    return {-1, false};
  }

  int hoist_if_worthwhile(const Converted& k) {
    if (!k.parameter_level) return k.node;
    const ir::Node& n = m_.module.nodes[static_cast<std::size_t>(k.node)];
    if (n.op == ir::Op::Const || n.op == ir::Op::Slot) return k.node;
    auto it = hoisted_.find(k.node);
    int slot;
    if (it != hoisted_.end()) {
      slot = it->second;
    } else {
      slot = next_slot_++;
      hoisted_.emplace(k.node, slot);
      m_.module.pre.body.push_back({ir::Target::Slot, slot, k.node, "(hoisted)"});
    }
    return leaf(ir::Op::Slot, slot);
  }

  // ---- programs -----------------------------------------------------------------------

  void build_pre() {
    next_slot_ = static_cast<int>(m_.parameters.size());
    // Between-subject variability: the equations use CL_i = CL * exp(omega * eta), eta a
    // standard normal drawn per subject into its own slot (0 for the typical subject).
    m_.value_slots.resize(m_.parameters.size());
    for (std::size_t i = 0; i < m_.parameters.size(); ++i) {
      const Parameter& par = m_.parameters[i];
      m_.value_slots[i] = static_cast<int>(i);
      if (!par.cv || *par.cv == 0) continue;
      int eta = next_slot_++;
      m_.subject_draws.push_back({eta, DrawKind::Normal, "eta(" + par.name + ")"});
      double omega = std::sqrt(std::log(1 + *par.cv * *par.cv));
      int value = node(ir::Op::Mul, leaf(ir::Op::Slot, static_cast<int>(i)),
                       node(ir::Op::Exp, node(ir::Op::Mul, leaf(ir::Op::Const, -1, omega), leaf(ir::Op::Slot, eta))));
      int slot = next_slot_++;
      m_.value_slots[i] = slot;
      m_.module.pre.body.push_back({ir::Target::Slot, slot, value, par.name + " (individual)"});
    }
    // Parameter-level lets and random draws, in dependency order, then initial values and
    // dosing properties; hoisted subexpressions are appended as dynamic programs are built.
    for (int i : let_order_) {
      LetInfo& L = lets_[static_cast<std::size_t>(i)];
      if (L.dynamic) {
        if (L.random)
          fail(L.statement->name_where, "the distribution of random " + L.statement->name +
                                            " may depend only on parameters, data columns and values derived from them");
        L.local = dynamic_lets_++;
        continue;
      }
      int value;
      if (L.random) {
        const syn::Node& call = f_.pool[L.statement->expr];
        std::vector<int> args;
        std::string what = "the distribution of random " + L.statement->name;
        for (int c : call.children) args.push_back(convert(c, what.c_str()).node);
        DrawKind kind = (call.name == "normal" || call.name == "lognormal") ? DrawKind::Normal : DrawKind::Uniform;
        int draw = next_slot_++;
        m_.subject_draws.push_back({draw, kind, L.statement->name});
        value = transform(call, leaf(ir::Op::Slot, draw), args, "random " + L.statement->name);
      } else {
        value = convert(L.statement->expr, nullptr).node;
      }
      L.slot = next_slot_++;
      m_.module.pre.body.push_back({ir::Target::Slot, L.slot, value, L.statement->name});
    }
    m_.initial_slots.assign(m_.states.size(), -1);
    for (std::size_t s = 0; s < m_.states.size(); ++s) {
      if (s >= state_statements_.size()) {  // hidden intensity states start at 0
        int slot = next_slot_++;
        m_.initial_slots[s] = slot;
        m_.module.pre.body.push_back({ir::Target::Slot, slot, leaf(ir::Op::Const, -1, 0.0), m_.states[s].name + "(0)"});
        continue;
      }
      const Statement* st = state_statements_[s];
      std::string what = "the initial value of " + st->name;
      int node = st->expr >= 0 ? convert(st->expr, what.c_str()).node
                               : leaf(ir::Op::Const, -1, 0.0);
      int slot = next_slot_++;
      m_.initial_slots[s] = slot;
      m_.module.pre.body.push_back({ir::Target::Slot, slot, node, st->name + "(0)"});
    }
    m_.dose_slots.assign(m_.states.size(), {-1, -1, -1, -1});
    for (const auto& [key, st] : dose_properties_) {
      std::string what = st->property + "(" + st->name + ")";
      int node = convert(st->expr, what.c_str()).node;
      int slot = next_slot_++;
      m_.dose_slots[static_cast<std::size_t>(key.first)][static_cast<std::size_t>(key.second)] = slot;
      m_.module.pre.body.push_back({ir::Target::Slot, slot, node, what});
    }
  }

  // The dynamic lets a set of expressions needs, directly or through other lets, in
  // dependency order. Iterative, and proportional to what it visits (not to all lets), so
  // that many events and actions over many lets stay linear.
  std::vector<int> needed_lets(const std::vector<int>& exprs) {
    if (need_epoch_.size() != lets_.size()) need_epoch_.assign(lets_.size(), 0);
    ++epoch_;
    std::vector<int> found;
    std::vector<int> todo(exprs.begin(), exprs.end());
    while (!todo.empty()) {
      const syn::Node& n = f_.pool[todo.back()];
      todo.pop_back();
      if (n.op == syn::Op::Name) {
        auto it = symbols_.find(n.name);
        if (it != symbols_.end() && it->second.kind == SymbolKind::Let) {
          std::size_t k = static_cast<std::size_t>(it->second.index);
          if (lets_[k].dynamic && need_epoch_[k] != epoch_) {
            need_epoch_[k] = epoch_;
            found.push_back(static_cast<int>(k));
            todo.push_back(lets_[k].statement->expr);
          }
        }
      }
      for (int c : n.children) todo.push_back(c);
    }
    std::sort(found.begin(), found.end(), [&](int a, int b) {
      return order_position_[static_cast<std::size_t>(a)] < order_position_[static_cast<std::size_t>(b)];
    });
    return found;
  }

  void emit_lets(ir::Program& prog, const std::vector<int>& needed) {
    for (int i : needed) {
      const LetInfo& L = lets_[static_cast<std::size_t>(i)];
      if (!L.dynamic) continue;
      // Only outputs may draw (their lets are converted with the outputs' draw buffer).
      std::vector<DrawKind>* saved = draw_sink_;
      if (L.noisy) draw_sink_ = &m_.output_draws;
      std::string saved_owner = draw_owner_;
      if (L.noisy) draw_owner_ = "output " + L.statement->name;
      Converted c = convert(L.statement->expr, nullptr);
      draw_sink_ = saved;
      draw_owner_ = saved_owner;
      int node = hoist_if_worthwhile(c);
      prog.body.push_back({ir::Target::Local, L.local, node, L.statement->name});
    }
    prog.locals = dynamic_lets_;
  }

  void build_dynamic_programs() {
    draw_context_ = "equations";
    std::vector<int> rhs_exprs;
    for (const Statement* st : derivative_of_) rhs_exprs.push_back(st->expr);
    emit_lets(m_.module.rhs, needed_lets(rhs_exprs));
    for (std::size_t s = 0; s < derivative_of_.size(); ++s) {
      Converted c = convert(derivative_of_[s]->expr, nullptr);
      m_.module.rhs.body.push_back({ir::Target::Derivative, static_cast<int>(s),
                                    hoist_if_worthwhile(c), "d/dt(" + m_.states[s].name + ")"});
    }

    std::vector<int> out_exprs;
    for (const Statement* st : output_statements_) {
      const Symbol& s = symbols_.at(st->name);
      if (s.kind == SymbolKind::Let) out_exprs.push_back(lets_[static_cast<std::size_t>(s.index)].statement->expr);
    }
    // The outputs' own lets, and what they need.
    std::vector<int> need = needed_lets(out_exprs);
    for (const Statement* st : output_statements_) {
      const Symbol& s = symbols_.at(st->name);
      if (s.kind == SymbolKind::Let && lets_[static_cast<std::size_t>(s.index)].dynamic &&
          need_epoch_[static_cast<std::size_t>(s.index)] != epoch_) {
        need_epoch_[static_cast<std::size_t>(s.index)] = epoch_;
        need.push_back(s.index);
      }
    }
    std::sort(need.begin(), need.end(), [&](int a, int b) {
      return order_position_[static_cast<std::size_t>(a)] < order_position_[static_cast<std::size_t>(b)];
    });
    emit_lets(m_.module.outputs, need);
    for (std::size_t o = 0; o < output_statements_.size(); ++o) {
      const Symbol& s = symbols_.at(output_statements_[o]->name);
      int node = -1;
      switch (s.kind) {
        case SymbolKind::Parameter:
          node = leaf(ir::Op::Slot, m_.value_slots[static_cast<std::size_t>(s.index)]);
          break;
        case SymbolKind::State: node = leaf(ir::Op::State, s.index); break;
        case SymbolKind::Let: {
          const LetInfo& L = lets_[static_cast<std::size_t>(s.index)];
          node = L.dynamic ? leaf(ir::Op::Local, L.local) : leaf(ir::Op::Slot, L.slot);
          break;
        }
      }
      m_.module.outputs.body.push_back({ir::Target::Output, static_cast<int>(o), node,
                                        output_statements_[o]->name});
    }
    build_event_programs();
  }

  void build_event_programs() {
    // Root functions: `when A >= B` crosses zero upward where A - B does.
    for (std::size_t k = 0; k < m_.events.size(); ++k) {
      const Event& e = m_.events[k];
      if (e.is_rate) continue;
      const Statement* st = event_statements_[k];
      const syn::Node& cmp = f_.pool[st->expr];
      bool up = cmp.op == syn::Op::Gt || cmp.op == syn::Op::Ge;
      bool down = cmp.op == syn::Op::Lt || cmp.op == syn::Op::Le;
      if (!up && !down)
        fail(cmp.where, "event " + st->name + " when: expected one comparison such as 'A >= B' "
                        "(the event fires when it becomes true)");
      emit_lets(m_.module.roots, needed_lets({st->expr}));
      int a = hoist_if_worthwhile(convert(cmp.children[0], nullptr));
      int b = hoist_if_worthwhile(convert(cmp.children[1], nullptr));
      int g = up ? node(ir::Op::Sub, a, b) : node(ir::Op::Sub, b, a);
      m_.module.roots.body.push_back({ir::Target::Root, e.root, g, "when " + st->name});
    }
    m_.module.roots.locals = dynamic_lets_;
    // Actions, in the order written; each sees the states the previous ones assigned, so
    // the lets it needs are recomputed before it.
    m_.module.actions.resize(m_.events.size());
    for (const Statement* st : action_statements_) {
      std::size_t k = static_cast<std::size_t>(event_index_.at(st->name));
      ir::Program& prog = m_.module.actions[k];
      draw_sink_ = &m_.events[k].action_draws;
      draw_context_ = "here";
      draw_owner_ = "on " + st->name + ": " + st->property;
      emit_lets(prog, needed_lets({st->expr}));
      Converted c = convert(st->expr, nullptr);
      int target = symbols_.at(st->property).index;
      prog.body.push_back({ir::Target::State, target, hoist_if_worthwhile(c), "on " + st->name + ": " + st->property});
      draw_sink_ = nullptr;
    }
    for (auto& prog : m_.module.actions) prog.locals = dynamic_lets_;
  }
};

}  // namespace

std::unique_ptr<Model::Impl> analyze(const std::string& text, const std::string& file_name) {
  syn::File file = syn::parse(text, file_name);
  auto impl = std::make_unique<Model::Impl>();
  impl->file = file_name;
  Analyzer(file, *impl).run();
  if (impl->name.empty()) {
    std::string stem = file_name;
    auto slash = stem.find_last_of('/');
    if (slash != std::string::npos) stem = stem.substr(slash + 1);
    auto dot = stem.find_last_of('.');
    if (dot != std::string::npos) stem = stem.substr(0, dot);
    impl->name = printable(stem, 120);  // a label from a file name: shown, so made safe to show
  }
  return impl;
}

}  // namespace ldnsim::lang
