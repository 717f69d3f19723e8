#include <cctype>

#include "ldnsim/core/text.hpp"
#include <cmath>
#include <cstdio>
#include <limits>

#include "ldnsim/core/files.hpp"
#include "model_impl.hpp"

namespace ldnsim::lang {
namespace {

// Bumped whenever the calling convention of generated code changes, so cached libraries
// built for an older ldnsim are never loaded.
constexpr const char* kAbiTag = "ldnsim-model-abi-3\n";  // 3: pre, outputs and action return draw-check failures


template <typename T>
NameIndex index_names(std::span<const T> items) {
  NameIndex ix;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ix.exact.emplace(items[i].name, static_cast<int>(i));
    std::string folded = items[i].name;
    for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, fresh] = ix.folded.emplace(std::move(folded), static_cast<int>(i));
    if (!fresh) it->second = -1;  // two names differing by case only: no unique match
  }
  return ix;
}

// By exact name, else by a unique case-insensitive match; -1 if none.
int find_by_name(const NameIndex& ix, std::string_view name) {
  if (auto it = ix.exact.find(std::string(name)); it != ix.exact.end()) return it->second;
  std::string folded(name);
  for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = ix.folded.find(folded);
  return it == ix.folded.end() ? -1 : it->second;
}

ModelPtr finish(std::unique_ptr<Model::Impl> impl, const LoadOptions& options) {
  impl->parameter_names = index_names(std::span<const Parameter>(impl->parameters));
  impl->state_names = index_names(std::span<const State>(impl->states));
  impl->output_names = index_names(std::span<const Output>(impl->outputs));
  impl->roots = 0;
  for (const Event& e : impl->events) impl->roots += e.is_rate ? 0 : 1;
  impl->cpp = generate_cpp(impl->module, *impl);
  impl->hash = content_hash(std::string(kAbiTag) + impl->cpp);
  switch (options.engine) {
    case Engine::Interpreter:
      attach_interpreter(*impl);
      break;
    case Engine::Native:
      attach_native(*impl, options, true);
      break;
    case Engine::Auto:
      if (!attach_native(*impl, options, false)) attach_interpreter(*impl);
      break;
  }
  return std::make_shared<Model>(std::move(impl));
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const std::string& Model::name() const { return impl_->name; }
const std::string& Model::description() const { return impl_->description; }
const std::string& Model::indication() const { return impl_->indication; }
const std::string& Model::file() const { return impl_->file; }
std::span<const Parameter> Model::parameters() const { return impl_->parameters; }
std::span<const State> Model::states() const { return impl_->states; }
std::span<const Output> Model::outputs() const { return impl_->outputs; }
std::span<const SubjectDraw> Model::subject_draws() const { return impl_->subject_draws; }
std::span<const Event> Model::events() const { return impl_->events; }
std::span<const DrawKind> Model::output_draws() const { return impl_->output_draws; }
std::size_t Model::root_count() const { return impl_->roots; }
std::span<const DrawCheck> Model::draw_checks() const { return impl_->draw_checks; }

std::string Model::draw_check_failure(int status, double value) const {
  if (status <= 0 || static_cast<std::size_t>(status) > impl_->draw_checks.size())
    return "a random draw failed (unknown check " + std::to_string(status) + ")";
  const DrawCheck& c = impl_->draw_checks[static_cast<std::size_t>(status - 1)];
  char v[40] = "nan";  // the sign of a NaN says nothing
  if (!std::isnan(value)) std::snprintf(v, sizeof v, "%.6g", value);
  return c.draw + " (" + c.where.str() + "): " + c.argument + " = " + v + ", expected " + c.expected;
}
std::size_t Model::declared_state_count() const { return impl_->declared_states; }
int Model::parameter_value_slot(int parameter) const {
  return impl_->value_slots.at(static_cast<std::size_t>(parameter));
}
std::size_t Model::slot_count() const { return static_cast<std::size_t>(impl_->module.slots); }

int Model::parameter_index(std::string_view name) const { return find_by_name(impl_->parameter_names, name); }
int Model::state_index(std::string_view name) const { return find_by_name(impl_->state_names, name); }
int Model::output_index(std::string_view name) const { return find_by_name(impl_->output_names, name); }

int Model::dose_property_slot(DoseProperty what, int cmt) const {
  if (cmt < 0 || static_cast<std::size_t>(cmt) >= impl_->dose_slots.size()) return -1;
  return impl_->dose_slots[static_cast<std::size_t>(cmt)][static_cast<std::size_t>(what)];
}

int Model::initial_value_slot(int state) const {
  return impl_->initial_slots.at(static_cast<std::size_t>(state));
}

std::vector<double> Model::default_parameter_block() const {
  std::vector<double> p(slot_count(), 0.0);
  for (std::size_t i = 0; i < impl_->parameters.size(); ++i)
    p[i] = impl_->parameters[i].value.value_or(std::numeric_limits<double>::quiet_NaN());
  for (const SubjectDraw& d : impl_->subject_draws) p[static_cast<std::size_t>(d.slot)] = typical_draw(d.kind);
  std::vector<double> work(impl_->kernel.work_size + 1);
  impl_->kernel.pre(impl_->kernel.ctx, p.data(), work.data());
  return p;
}

const Kernel& Model::kernel() const { return impl_->kernel; }
bool Model::is_native() const { return impl_->native; }
const std::string& Model::hash() const { return impl_->hash; }
const std::string& Model::generated_cpp() const { return impl_->cpp; }

std::shared_ptr<const Model> Model::interpreted() const {
  auto copy = std::make_unique<Impl>(*impl_);
  attach_interpreter(*copy);
  return std::make_shared<Model>(std::move(copy));
}

ModelPtr parse_model(std::string_view text, const std::string& file_name,
                     const LoadOptions& options) {
  if (text.size() > kMaxModelBytes)
    throw ModelError({file_name, 0, 0}, "the model is " + std::to_string(text.size()) + " bytes long; the limit is " +
                                            std::to_string(kMaxModelBytes));
  return finish(analyze(std::string(text), file_name), options);
}

ModelPtr load_model(const std::string& path, const LoadOptions& options) {
  return parse_model(read_text_file(path, "model", kMaxModelBytes), path, options);
}

}  // namespace ldnsim::lang
