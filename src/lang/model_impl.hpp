// Internals of a compiled model, shared by the analyzer, the code generators and the loader.
#pragma once

#include <array>
#include <memory>
#include <unordered_map>

#include "ir.hpp"
#include "ldnsim/lang/model.hpp"

namespace ldnsim::lang {

// Names of parameters, states or outputs for lookups in constant time.
struct NameIndex {
  std::unordered_map<std::string, int> exact;
  std::unordered_map<std::string, int> folded;  // lower case -> index, -1 when not unique
};

struct Model::Impl {
  std::string name;
  std::string description;
  std::string indication;  // the model statement's `indication "..."`; "" when none
  std::string file;
  std::vector<Parameter> parameters;
  std::vector<State> states;
  std::vector<Output> outputs;
  std::vector<std::array<int, 4>> dose_slots;  // per state: F, ALAG, R, D slot or -1
  std::vector<int> initial_slots;              // per state
  std::vector<int> value_slots;                // per parameter: the value the equations use
  std::vector<SubjectDraw> subject_draws;
  std::vector<Event> events;
  std::vector<DrawKind> output_draws;
  std::vector<DrawCheck> draw_checks;
  std::size_t declared_states = 0;
  std::size_t roots = 0;  // `when` events
  NameIndex parameter_names, state_names, output_names;
  ir::Module module;
  std::string cpp;   // generated C++ (body only; what the hash covers)
  std::string hash;  // hex content hash of `cpp`
  Kernel kernel;
  bool native = false;
  std::shared_ptr<const void> keep_alive;  // bytecode program or dlopen handle
};

// Semantic analysis: names, dependency order, levels; builds metadata and IR.
std::unique_ptr<Model::Impl> analyze(const std::string& text, const std::string& file_name);

// Bytecode: compiles the IR and points the kernel at the interpreter.
void attach_interpreter(Model::Impl& impl);

// C++ source of the model's functions (no namespace, fixed function names).
std::string generate_cpp(const ir::Module& module, const Model::Impl& meta);
// Wraps generated source for a shared library loaded at run time.
std::string shared_library_source(const Model::Impl& impl);

// Native code: built-in registry, then cache, then compiler. Returns false if unavailable
// and `required` is false; throws if `required` and no native code can be had.
bool attach_native(Model::Impl& impl, const LoadOptions& options, bool required);

// SHA-256 of `text`, in hexadecimal.
std::string content_hash(std::string_view text);
// `text` made safe for a // comment in generated code (labels only; see codegen.cpp).
std::string code_comment(std::string_view text);

}  // namespace ldnsim::lang
