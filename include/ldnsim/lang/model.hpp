// A model written in ldnsim's model language (.ldn), compiled once and shared read-only by
// every subject and thread. The numbers of one subject live in a flat "parameter block"
// (parameters, then values derived from parameters alone), so copying a model instance is
// copying a few doubles.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ldnsim/core/error.hpp"

namespace ldnsim::lang {

// What a model file may hold (docs/security.md, "Limits"). Beyond these, loading fails
// with an error naming the place, the value and the limit; they bound the memory and the
// stack depth that loading a hostile file can take. To raise one, change it here and
// rebuild.
inline constexpr std::size_t kMaxModelBytes = 8u << 20;  // size of a model file
inline constexpr std::size_t kMaxStatements = 100000;    // statements (declarations, equations, ...)
inline constexpr std::size_t kMaxStates = 4096;          // states, hidden ones included
inline constexpr std::size_t kMaxNameLength = 255;       // characters of a name
inline constexpr std::size_t kMaxNumberLength = 400;     // characters of a number
inline constexpr std::size_t kMaxStringLength = 10000;   // bytes of a quoted string
inline constexpr int kMaxNesting = 256;                  // parentheses, calls, if, prefix operators, ^
inline constexpr int kMaxExpressionDepth = 1000;         // operations chained in one expression

// Function pointers of a compiled model. `ctx` serves the bytecode interpreter; `work` is
// scratch space of work_size doubles. None of them allocates.
//
// The functions that make random draws (pre, outputs, action) return 0, or 1 + the index
// of the first draw check (Model::draw_checks()) that failed, with the offending value
// left in work[0]: a distribution's argument outside its domain, e.g. a negative standard
// deviation. The caller reports it (Model::draw_check_failure()) and stops the subject.
struct Kernel {
  // Fills the derived part of the parameter block p[parameter_count() .. slot_count()).
  using PreFn = int (*)(const void* ctx, double* p, double* work);
  // dydt = f(t, y; p), without dosing inputs (the engine adds infusion rates).
  using RhsFn = void (*)(const void* ctx, double t, const double* y, const double* p,
                         double* dydt, double* work);
  // Writes every declared output; `draws` holds the standard variates of the outputs'
  // random draws (Model::output_draws()).
  using OutputFn = int (*)(const void* ctx, double t, const double* y, const double* p,
                           double* out, const double* draws, double* work);
  // Root functions of the `when` events (Model::root_count() of them): an event fires
  // where its function crosses zero upward.
  using RootFn = void (*)(const void* ctx, double t, const double* y, const double* p,
                          double* g, double* work);
  // Applies the `on` actions of event `event` to y, in place.
  using ActionFn = int (*)(const void* ctx, int event, double t, double* y, const double* p,
                           const double* draws, double* work);
  PreFn pre = nullptr;
  RhsFn rhs = nullptr;
  OutputFn outputs = nullptr;
  RootFn roots = nullptr;
  ActionFn action = nullptr;
  const void* ctx = nullptr;
  std::size_t work_size = 1;  // doubles of scratch space each call needs (at least 1)
};

// How to turn a model into executable code.
enum class Engine {
  Auto,         // built-in native code, else cached or freshly compiled native code,
                // else the interpreter
  Native,       // native code or an error
  Interpreter,  // bytecode interpreter
};

struct LoadOptions {
  Engine engine = Engine::Auto;
  std::string cache_dir;  // empty: $LDNSIM_CACHE, else $XDG_CACHE_HOME/ldnsim, else ~/.cache/ldnsim
  bool verbose = false;   // report compilation on stderr
};

// What a parameter's value is, in the science around the model (`role` in the model
// language, docs/language.md). A parameter may have several roles (an LDN effect that was
// fitted); the uncertainty of a value follows from them: fitted with `se` (an estimate with
// its standard error), fitted and unidentified or an assumption (its range), data (its
// range, the data's spread), an input (no uncertainty: data, population or driver set it).
enum class Role : unsigned {
  Effect = 1u << 0,        // an effect of the drug: power and claims vary it; 0 means no effect
  Fitted = 1u << 1,        // estimated by `ldnsim calibrate`
  Unidentified = 1u << 2,  // fitted, but its targets do not identify it (the range is the prior)
  Data = 1u << 3,          // taken from published data; the range is the data's spread
  Assumption = 1u << 4,    // no data behind the value; the range is what is plausible
  Input = 1u << 5,         // set per subject by the data set, population or treatment driver
};
// The role words of the model language, in the order of the enum.
inline constexpr const char* kRoleNames[] = {"effect", "fitted", "unidentified", "data", "assumption", "input"};
// "effect fitted" for a set of roles ("" for none).
std::string role_text(unsigned roles);

// A parameter: a value a data column of the same name overrides, record by record.
struct Parameter {
  std::string name;
  std::optional<double> value;  // absent for a `covariate` (must come from the data)
  std::string unit;
  std::string source;      // where the value comes from
  std::string assumption;  // why it is an assumption, when it is one
  std::optional<double> low, high;  // plausible range (uncertainty analysis)
  std::optional<double> cv;         // between-subject variability, log-normal, as a fraction
  std::string distribution;         // uncertainty distribution over [low, high]: "uniform" or "log-uniform"
  std::optional<double> se;         // standard error of the value (`se`), e.g. written by `ldnsim calibrate`
  unsigned roles = 0;               // set of Role (`role effect fitted`)
  SourceLocation where;

  bool has(Role r) const { return (roles & static_cast<unsigned>(r)) != 0; }
};

struct State {
  std::string name;
  std::string unit;
  bool depot = false;   // default compartment for doses
  bool hidden = false;  // added by ldnsim (the integrated intensity of a rate event)
  SourceLocation where;
};

// What a standard random variate is: N(0, 1), or uniform on (0, 1).
enum class DrawKind { Normal, Uniform };

// A value drawn once per subject into the parameter block: a `random` declaration or the
// between-subject deviation of a parameter with `cv`.
struct SubjectDraw {
  int slot;
  DrawKind kind;
  std::string label;
};

struct Event {
  std::string name;
  bool is_rate = false;         // `rate` (point process) or `when` (threshold)
  int intensity_state = -1;     // rate events: the hidden state integrating the intensity
  int root = -1;                // when events: index into the root functions
  std::vector<DrawKind> action_draws;  // standard variates the actions consume
  SourceLocation where;
};

// A check made where a random draw is made, of a distribution's argument that is not a
// constant (constants are checked when the model is loaded).
struct DrawCheck {
  enum class Domain { Finite, NonNegative, Positive, Probability };
  std::string draw;      // e.g. "normal(mean, sd) in output MFIS_OBS"
  std::string argument;  // e.g. "sd"
  Domain domain = Domain::Finite;
  std::string expected;  // e.g. "a finite number of 0 or more"
  SourceLocation where;  // of the argument
};

struct Output {
  std::string name;
  std::string unit;
  std::string description;
  SourceLocation where;
};

// Per-compartment dosing properties, NONMEM's F, ALAG, R and D.
enum class DoseProperty { F = 0, ALAG = 1, R = 2, D = 3 };

class Model {
 public:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& name() const;
  const std::string& description() const;
  // The disease the model is for (`model NAME "..." indication "fibromyalgia"`); "" when the
  // model names none (pharmacology and test models). Trial and population specs that name
  // another are refused (docs/trials.md).
  const std::string& indication() const;
  const std::string& file() const;

  std::span<const Parameter> parameters() const;
  // Every state the integrator carries: the declared ones, then hidden ones.
  std::span<const State> states() const;
  std::span<const Output> outputs() const;
  std::span<const SubjectDraw> subject_draws() const;
  std::span<const Event> events() const;
  std::span<const DrawKind> output_draws() const;
  std::size_t root_count() const;
  std::span<const DrawCheck> draw_checks() const;
  // What failed, for a kernel's nonzero `status` and the value it left in work[0]:
  // "normal(mean, sd) in output Y (m.ldn:4:30): sd = -1, expected a finite number of 0 or more".
  std::string draw_check_failure(int status, double value) const;
  std::size_t parameter_count() const { return parameters().size(); }
  std::size_t state_count() const { return states().size(); }
  std::size_t declared_state_count() const;
  std::size_t output_count() const { return outputs().size(); }
  std::size_t slot_count() const;  // size of the parameter block

  // Index by exact name, else by a unique case-insensitive match; -1 if none.
  int parameter_index(std::string_view name) const;
  int state_index(std::string_view name) const;
  int output_index(std::string_view name) const;

  // Slot in the parameter block holding property `what` of state `cmt` (0-based), or -1
  // when the model does not define it (then F = 1, ALAG = 0, and R, D are undefined).
  int dose_property_slot(DoseProperty what, int cmt) const;
  // Slot holding the initial value of state `i`.
  int initial_value_slot(int state) const;
  // Slot holding the value the equations use for parameter `i`: the parameter itself, or
  // its individual value when it has between-subject variability.
  int parameter_value_slot(int parameter) const;

  // A parameter block with typical values (random draws at their typical values), derived
  // slots filled in. Covariates without a default are NaN until data supplies them. Draw
  // checks are not applied here (the engine applies them to each subject's block).
  std::vector<double> default_parameter_block() const;

  const Kernel& kernel() const;
  bool is_native() const;
  // Content hash of the generated code (not of parameter values, names or comments, which
  // do not change the code): the key of the native-code cache.
  const std::string& hash() const;
  // The model as C++ source (what native compilation compiles).
  const std::string& generated_cpp() const;
  // The same model run by the bytecode interpreter, for cross-checks.
  std::shared_ptr<const Model> interpreted() const;

 private:
  std::unique_ptr<Impl> impl_;
};

using ModelPtr = std::shared_ptr<const Model>;

ModelPtr load_model(const std::string& path, const LoadOptions& options = {});
ModelPtr parse_model(std::string_view text, const std::string& file_name,
                     const LoadOptions& options = {});

// Native code compiled into this executable, keyed by the hash of its generated C++.
struct NativeModelEntry {
  const char* hash;
  Kernel::PreFn pre;
  Kernel::RhsFn rhs;
  Kernel::OutputFn outputs;
  Kernel::RootFn roots;
  Kernel::ActionFn action;
};

// The typical value of a standard variate (no randomness): 0 for normal, 1/2 for uniform.
inline double typical_draw(DrawKind k) { return k == DrawKind::Normal ? 0.0 : 0.5; }
void register_native_models(std::span<const NativeModelEntry> entries);

}  // namespace ldnsim::lang
