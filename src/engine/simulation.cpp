#include "ldnsim/engine/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <queue>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/random.hpp"
#include "ldnsim/core/text.hpp"
#include "steady_state.hpp"

namespace ldnsim::engine {

using data::Record;
using lang::DoseProperty;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string where(const data::RecordsView& ds, const Record& r) {
  return printable(ds.columns().file()) + ":" + std::to_string(r.line);
}

const char* property_name(DoseProperty p) {
  switch (p) {
    case DoseProperty::F: return "F";
    case DoseProperty::ALAG: return "ALAG";
    case DoseProperty::R: return "R";
    case DoseProperty::D: return "D";
  }
  return "?";
}

// One dose as it will be given: compartment, amount after bioavailability, and for an
// infusion its rate and duration.
struct DoseSpec {
  int cmt = 0;
  double amount = 0;
  double rate = 0;      // 0: bolus
  double duration = 0;  // infusions
  double lag = 0;
  double ii = 0;
};

enum class EventKind { Dose, InfusionEnds, Additional };

struct Event {
  double time;
  long seq;  // ties at equal times keep the order in which events were scheduled
  EventKind kind;
  DoseSpec dose;
  // Additional: doses still to come, this one included. InfusionEnds: copies of
  // dose.rate into dose.cmt still to end, this one included, one every dose.ii.
  long remaining = 0;
  double nominal = 0;        // InfusionEnds: nominal time of the dose whose end this is
  bool chained_end = false;  // Dose: its infusion's end is an InfusionEnds of its own train
};

struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.time > b.time || (a.time == b.time && a.seq > b.seq);
  }
};

// Running infusions, `copies` of them at `rate` into `cmt`: infusions of equal rate into
// the same compartment are one entry, so overlapping copies of a regimen (ADDL, steady
// state with DUR > II) cost no memory per copy.
struct Infusion {
  int cmt;
  double rate;
  long copies;
};

// Bounds on what a record may ask for (docs/semantics.md, "Limits").
constexpr double kMaxOverlappingCopies = 1e9;  // DUR / II of a steady-state infusion
constexpr double kMaxDosesPerRecord = 1e7;      // doses or infusion ends within the simulated time

}  // namespace

// ---- Binding ---------------------------------------------------------------------------

Binding::Binding(const lang::Model& model, const data::Columns& columns) : model_(&model) {
  const std::size_t n = model.state_count();
  default_cmt_ = 0;
  for (std::size_t s = 0; s < n; ++s)
    if (model.states()[s].depot) default_cmt_ = static_cast<int>(s);
  std::vector<bool> bound(model.parameter_count(), false);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (data::Columns::is_standard_item(columns[c])) continue;
    int p = model.parameter_index(columns[c]);
    if (p < 0) continue;
    columns_.push_back({c, static_cast<std::size_t>(p)});
    bound[static_cast<std::size_t>(p)] = true;
  }
  for (std::size_t p = 0; p < model.parameter_count(); ++p)
    if (!model.parameters()[p].value && !bound[p])
      throw InputError(printable(columns.file()) + ": model " + model.name() + " needs covariate " +
                       model.parameters()[p].name + ", but the data set has no column of that name");
}

Binding::Binding(const lang::Model& model, const data::Dataset& ds) : Binding(model, ds.columns()) {
  for (std::size_t s = 0; s < ds.subject_count(); ++s) check(ds.subject(s));
}

void Binding::check(const data::RecordsView& ds) const {
  const lang::Model& model = *model_;
  const std::size_t n = model.state_count();
  const data::Columns& columns = ds.columns();
  auto state_list = [&] {
    std::string list;
    for (std::size_t s = 0; s < n; ++s) list += (s ? ", " : "") + std::to_string(s + 1) + " " + model.states()[s].name;
    return list;
  };
  const int c_cmt = columns.items().cmt;
  const int c_rate = columns.items().rate;
  for (const Record& r : ds.records()) {
    if (!r.is_dose()) continue;
    if (r.cmt > static_cast<int>(n))
      throw InputError(where(ds, r) + ": column " + printable(columns[static_cast<std::size_t>(c_cmt)]) +
                       ": value " + std::to_string(r.cmt) + ", expected a compartment of model " + model.name() +
                       " (" + state_list() + ")");
    int cmt = r.cmt > 0 ? r.cmt - 1 : default_cmt_;
    if (r.rate_from_model() && model.dose_property_slot(DoseProperty::R, cmt) < 0)
      throw InputError(where(ds, r) + ": column " + printable(columns[static_cast<std::size_t>(c_rate)]) +
                       ": value -1 asks for the rate from the model, but model " + model.name() +
                       " defines no R(" + model.states()[static_cast<std::size_t>(cmt)].name + ")");
    if (r.duration_from_model() && model.dose_property_slot(DoseProperty::D, cmt) < 0)
      throw InputError(where(ds, r) + ": column " + printable(columns[static_cast<std::size_t>(c_rate)]) +
                       ": value -2 asks for the duration from the model, but model " + model.name() +
                       " defines no D(" + model.states()[static_cast<std::size_t>(cmt)].name + ")");
  }
}

// ---- SubjectSimulator ------------------------------------------------------------------

struct SubjectSimulator::Impl {
  const lang::Model& model;
  data::RecordsView ds;  // the subject being run
  const Binding& binding;
  SimulationOptions opt;
  const std::size_t n, nslots, nparams;
  OdeSystem system;
  std::unique_ptr<solver::Integrator> integrator;
  std::unique_ptr<SteadyStateSolver> steady;

  // Per subject
  std::size_t first = 0, last = 0;  // records [first, last) of ds
  std::vector<double> blocks;       // the subject's distinct parameter blocks, one after another
  std::vector<std::size_t> block_of; // per record: the offset of its block in `blocks`
  std::vector<double> carried;      // build_blocks: each parameter column's current value
  std::vector<double> subject_draws;  // build_blocks: the values drawn once for the subject
  std::vector<double> next_landing; // per record: next time the integrator must land on
  const double* P = nullptr;        // block in effect
  std::vector<double> y, y_out, outs;
  std::priority_queue<Event, std::vector<Event>, Later> pending;
  std::vector<Infusion> infusions;
  long seq = 0;
  double t = 0;
  double t_end = 0;  // the subject's last time (records and grid)
  std::size_t grid_next = 0;
  const Record* governing = nullptr;
  RowSink* sink = nullptr;
  std::vector<double> work;

  // Chance: streams for this subject (none: the typical subject).
  std::optional<RandomStream> draw_stream, event_stream, output_stream;
  std::vector<double> output_draws, action_draws;
  // Events: thresholds of the rate events (exponential draws), and the root functions the
  // integrator watches (when-events first, then rate events' intensity minus threshold).
  std::vector<double> thresholds;
  std::vector<int> rate_events;  // event indices of the rate events, in root order
  std::vector<int> root_event;   // root index -> event index
  std::vector<double> g_before, g_after, y_event;
  double subject_id = 0;

  class Roots final : public solver::RootFunction {
   public:
    explicit Roots(Impl& s) : s_(s) {}
    std::size_t count() const override { return s_.root_event.size(); }
    void evaluate(double t, const double* y, double* g) override {
      const std::size_t w = s_.model.root_count();
      if (w > 0) s_.system.roots(t, y, g);
      for (std::size_t j = 0; j < s_.rate_events.size(); ++j) {
        const lang::Event& e = s_.model.events()[static_cast<std::size_t>(s_.rate_events[j])];
        g[w + j] = y[static_cast<std::size_t>(e.intensity_state)] - s_.thresholds[j];
      }
    }

   private:
    Impl& s_;
  };
  Roots roots{*this};

  Impl(const lang::Model& m, const Binding& b, const SimulationOptions& o)
      : model(m), binding(b), opt(o), n(m.state_count()), nslots(m.slot_count()),
        nparams(m.parameter_count()), system(m.kernel(), m.state_count(), m.kernel().work_size),
        integrator(solver::make_integrator(o.method, m.state_count(), o.tolerances)),
        y(n), y_out(n), outs(m.output_count()), work(m.kernel().work_size + 1) {
    output_draws.resize(m.output_draws().size());
    for (std::size_t k = 0; k < m.events().size(); ++k) {
      const lang::Event& e = m.events()[k];
      if (!e.is_rate) root_event.push_back(static_cast<int>(k));
    }
    for (std::size_t k = 0; k < m.events().size(); ++k)
      if (m.events()[k].is_rate) {
        rate_events.push_back(static_cast<int>(k));
        root_event.push_back(static_cast<int>(k));
      }
    thresholds.resize(rate_events.size());
    g_before.resize(root_event.size());
    g_after.resize(root_event.size());
    y_event.resize(n);
    if (!root_event.empty()) integrator->set_roots(&roots);
  }

  // ---- chance ------------------------------------------------------------------------

  // Identifies a subject in the random streams by its ID, so that a subject's draws do not
  // depend on which other subjects are in the data set.
  static std::uint64_t subject_key(double id) {
    if (id >= 0 && id < 9007199254740992.0 && id == std::floor(id)) return static_cast<std::uint64_t>(id);
    std::uint64_t bits;
    std::memcpy(&bits, &id, sizeof bits);
    return bits ^ 0x8000000000000000ULL;
  }

  void start_streams(const RandomKey* key, double id) {
    draw_stream.reset();
    event_stream.reset();
    output_stream.reset();
    if (!key) return;
    std::uint64_t sk = subject_key(id);
    draw_stream.emplace(key->seed, key->replicate, sk, 0);
    event_stream.emplace(key->seed, key->replicate, sk, 1);
    output_stream.emplace(key->seed, key->replicate, sk, 2);
  }

  static double draw(std::optional<RandomStream>& stream, lang::DrawKind kind) {
    if (!stream) return lang::typical_draw(kind);
    return kind == lang::DrawKind::Normal ? stream->normal() : stream->uniform();
  }

  double next_threshold() {
    return event_stream ? event_stream->exponential() : std::numeric_limits<double>::infinity();
  }

  const double* block(std::size_t record) const { return &blocks[block_of[record - first]]; }

  // Parameter values of every record: typical values, overridden by data columns; a
  // missing value carries the last one forward (or the first one back, before it).
  void build_blocks(std::span<const double> base) {
    const std::size_t count = last - first;
    blocks.clear();
    block_of.resize(count);
    std::vector<double> typical = model.default_parameter_block();
    if (!base.empty()) std::copy(base.begin(), base.begin() + static_cast<long>(nparams), typical.begin());
    const auto& columns = binding.parameter_columns();
    // Each column's value before the first record: its first value in the subject (carried
    // back), else the typical value.
    carried.resize(columns.size());
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto& pc = columns[c];
      double v = std::numeric_limits<double>::quiet_NaN();
      for (std::size_t r = first; r < last && std::isnan(v); ++r) v = ds.value(ds[r], pc.column);
      if (std::isnan(v)) v = typical[pc.parameter];
      if (std::isnan(v))
        throw InputError(printable(ds.columns().file()) + ": ID " + format_number(ds[first].id) + ": column " +
                         printable(ds.columns()[pc.column]) + " has no value for any record of this subject, "
                         "and covariate " + model.parameters()[pc.parameter].name + " has no default");
      carried[c] = v;
    }
    // Values drawn once per subject: the same in every record's block.
    subject_draws.resize(model.subject_draws().size());
    for (std::size_t d = 0; d < subject_draws.size(); ++d) subject_draws[d] = draw(draw_stream, model.subject_draws()[d].kind);
    const lang::Kernel& k = model.kernel();
    for (std::size_t i = 0; i < count; ++i) {
      bool changed = i == 0;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const double v = ds.value(ds[first + i], columns[c].column);
        if (std::isnan(v) || std::memcmp(&v, &carried[c], sizeof v) == 0) continue;
        carried[c] = v;  // a missing value carries the last one forward
        changed = true;
      }
      if (!changed) {  // the same inputs as the record before: the same block (pre is a function of them)
        block_of[i] = block_of[i - 1];
        continue;
      }
      block_of[i] = blocks.size();
      blocks.resize(blocks.size() + nslots, 0.0);
      double* b = &blocks[block_of[i]];
      std::copy(typical.begin(), typical.begin() + static_cast<long>(nparams), b);
      for (std::size_t c = 0; c < columns.size(); ++c) b[columns[c].parameter] = carried[c];
      for (std::size_t d = 0; d < subject_draws.size(); ++d)
        b[static_cast<std::size_t>(model.subject_draws()[d].slot)] = subject_draws[d];
      if (int bad = k.pre(k.ctx, b, work.data()))
        throw SolverError(where(ds, ds[first + i]) + ": ID " + format_number(ds[first + i].id) + ": " +
                          model.draw_check_failure(bad, work[0]));
    }
  }

  bool same_parameters(std::size_t a, std::size_t b) const {
    return block_of[a - first] == block_of[b - first] ||
           std::memcmp(block(a), block(b), nparams * sizeof(double)) == 0;
  }

  // Times the integrator must land on exactly: doses, resets and covariate changes.
  void plan_landings(double t_end) {
    const std::size_t count = last - first;
    next_landing.assign(count, t_end);
    double next = t_end;
    for (std::size_t i = count; i-- > 0;) {
      std::size_t r = first + i;
      const Record& rec = ds[r];
      bool lands = rec.is_dose() || rec.resets();
      if (opt.covariates == CovariateMode::LastRecord)
        lands = lands || (r > first && !same_parameters(r, r - 1));
      else
        lands = lands || (r + 1 < last && !same_parameters(r + 1, r));
      if (lands) next = rec.time;
      next_landing[i] = std::max(next, rec.time);
    }
  }

  void use_parameters(const double* block_ptr) {
    if (P && (P == block_ptr || std::memcmp(P, block_ptr, nparams * sizeof(double)) == 0)) {
      P = block_ptr;
      system.set_parameters(P);
      return;
    }
    P = block_ptr;
    system.set_parameters(P);
    integrator->restart(system, t, y.data());
  }

  void initial_state(double* out) const {
    for (std::size_t s = 0; s < n; ++s) out[s] = P[model.initial_value_slot(static_cast<int>(s))];
  }

  void recompute_rates() {
    std::vector<double>& rates = system.input_rates();
    std::fill(rates.begin(), rates.end(), 0.0);
    for (const Infusion& inf : infusions)
      rates[static_cast<std::size_t>(inf.cmt)] += static_cast<double>(inf.copies) * inf.rate;
    system.update_inputs();
  }

  void cancel_everything() {
    pending = {};
    infusions.clear();
    recompute_rates();
  }

  void push(Event e) {
    e.seq = seq++;
    pending.push(e);
  }

  void emit(const Record* record, double time, const double* state) {
    for (std::size_t k = 0; k < output_draws.size(); ++k) output_draws[k] = draw(output_stream, model.output_draws()[k]);
    if (int bad = system.outputs(time, state, outs.data(), output_draws.data()))
      throw SolverError("ID " + format_number(subject_id) + ", time " + format_number(time) + ": " +
                        model.draw_check_failure(bad, system.check_value()));
    sink->row(OutputRow{record, governing, time, state, outs.data(), P, &ds});
  }

  // Grid rows strictly before `until`, stepping no further than `tstop`.
  void emit_grid_before(double until, double tstop) {
    while (grid_next < opt.grid.size() && opt.grid[grid_next] < until) {
      double g = opt.grid[grid_next++];
      integrate_to(g, tstop, y_out.data());
      emit(nullptr, g, y_out.data());
    }
  }

  // The solution at `target` in `out` (y itself or a grid buffer), firing the model's events
  // on the way: each crossing stops the integrator, the event's actions change the state,
  // and integration restarts there.
  void integrate_to(double target, double tstop, double* out) {
    if (root_event.empty()) {
      integrator->solution_at(target, tstop, out);
      return;
    }
    while (true) {
      int root = -1;
      double reached = integrator->solution_or_root(target, tstop, out, root);
      if (root < 0) return;
      t = reached;
      std::copy(out, out + n, y.begin());
      fire(root_event[static_cast<std::size_t>(root)]);
      integrator->restart(system, t, y.data());
      if (reached >= target) {
        std::copy(y.begin(), y.end(), out);
        return;
      }
    }
  }

  // Applies event k at the current time: a rate event starts its count again from a new
  // threshold; then the actions run; then events whose condition the jump made true fire.
  void fire(int k) {
    int cascade = 0;
    std::vector<int> due = {k};
    while (!due.empty()) {
      if (++cascade > 1000)
        throw SolverError("ID " + format_number(subject_id) + ": events keep firing at time " + format_number(t) +
                          " (an action makes another event's condition true, and so on)");
      int ev = due.back();
      due.pop_back();
      const lang::Event& x = model.events()[static_cast<std::size_t>(ev)];
      roots.evaluate(t, y.data(), g_before.data());
      if (x.is_rate) {
        y[static_cast<std::size_t>(x.intensity_state)] = 0;
        for (std::size_t j = 0; j < rate_events.size(); ++j)
          if (rate_events[j] == ev) thresholds[j] = next_threshold();
      }
      action_draws.resize(x.action_draws.size());
      for (std::size_t d = 0; d < x.action_draws.size(); ++d) action_draws[d] = draw(event_stream, x.action_draws[d]);
      if (int bad = system.action(ev, t, y.data(), action_draws.data()))
        throw SolverError("ID " + format_number(subject_id) + ", time " + format_number(t) + ", event " + x.name + ": " +
                          model.draw_check_failure(bad, system.check_value()));
      sink->event(EventRow{ev, x.name.c_str(), subject_id, t, y.data(), P});
      // A jump of the state can make a `when` condition true without a crossing to find.
      roots.evaluate(t, y.data(), g_after.data());
      for (std::size_t r = 0; r < model.root_count(); ++r)
        if (g_before[r] < 0 && g_after[r] >= 0) due.push_back(root_event[r]);
    }
  }

  // After a dose or reset changed the state at time t: `when` events whose condition the
  // jump made true.
  void fire_jumps(const std::vector<double>& before_state) {
    if (model.root_count() == 0) return;
    roots.evaluate(t, before_state.data(), g_before.data());
    roots.evaluate(t, y.data(), g_after.data());
    for (std::size_t r = 0; r < model.root_count(); ++r)
      if (g_before[r] < 0 && g_after[r] >= 0) fire(root_event[r]);
  }

  // ---- doses -----------------------------------------------------------------------

  double property(DoseProperty what, int cmt, double fallback, const Record& rec) const {
    int slot = model.dose_property_slot(what, cmt);
    if (slot < 0) return fallback;
    double v = P[slot];
    bool ok = std::isfinite(v) && (what == DoseProperty::F || what == DoseProperty::ALAG ? v >= 0 : v > 0);
    if (!ok)
      throw InputError(where(ds, rec) + ": ID " + format_number(rec.id) + ": " + property_name(what) +
                       "(" + model.states()[static_cast<std::size_t>(cmt)].name + ") = " +
                       format_number(v) + ", expected " +
                       (what == DoseProperty::F ? "a bioavailability of 0 or more"
                        : what == DoseProperty::ALAG ? "a lag time of 0 or more"
                        : what == DoseProperty::R ? "a rate above 0"
                                                  : "a duration above 0"));
    return v;
  }

  DoseSpec dose_spec(const Record& rec) const {
    DoseSpec d;
    d.cmt = rec.cmt > 0 ? rec.cmt - 1 : binding.default_dose_compartment();
    d.amount = property(DoseProperty::F, d.cmt, 1.0, rec) * rec.amt;
    d.lag = property(DoseProperty::ALAG, d.cmt, 0.0, rec);
    d.ii = rec.ii;
    if (rec.is_infusion()) {
      if (rec.rate > 0) {
        d.rate = rec.rate;
        d.duration = d.amount / d.rate;
      } else if (rec.rate_from_model()) {
        d.rate = property(DoseProperty::R, d.cmt, 0.0, rec);
        d.duration = d.amount / d.rate;
      } else {
        d.duration = property(DoseProperty::D, d.cmt, 0.0, rec);
        d.rate = d.amount / d.duration;
      }
    }
    return d;
  }

  // Gives a dose now (at time t); returns whether the state or the inputs changed. An
  // infusion's end is scheduled here unless its regimen's chain of ends does it.
  bool give(const DoseSpec& d, double when, bool chained_end = false) {
    if (d.amount == 0) return false;
    if (d.rate == 0) {
      y[static_cast<std::size_t>(d.cmt)] += d.amount;
      return true;
    }
    start_infusions(d.cmt, d.rate, 1);
    if (!chained_end) push_ends(d, when + d.duration, when - d.lag, 1);
    return true;
  }

  void start_infusions(int cmt, double rate, long copies) {
    auto it = std::find_if(infusions.begin(), infusions.end(),
                           [&](const Infusion& inf) { return inf.cmt == cmt && inf.rate == rate; });
    if (it == infusions.end())
      infusions.push_back({cmt, rate, copies});
    else
      it->copies += copies;
    recompute_rates();
  }

  // Schedules the ends of `copies` infusions of dose d, one every d.ii: the first at
  // `first` (the end of the dose whose nominal time is `nominal`), the next ones at
  // nominal + k*II + lag + duration.
  void push_ends(const DoseSpec& d, double first, double nominal, long copies) {
    Event e{};
    e.kind = EventKind::InfusionEnds;
    e.dose = d;
    e.nominal = nominal;
    e.time = first;
    e.remaining = copies;
    push(e);
  }

  // Schedules a dose whose nominal time is `nominal`; gives it at once if it is due now.
  bool schedule(const DoseSpec& d, double nominal, bool chained_end = false) {
    double when = nominal + d.lag;
    if (when <= t) return give(d, t, chained_end);
    Event e{};
    e.time = when;
    e.kind = EventKind::Dose;
    e.dose = d;
    e.chained_end = chained_end;
    push(e);
    return false;
  }

  bool process_event(const Event& e) {
    switch (e.kind) {
      case EventKind::Dose:
        return give(e.dose, e.time, e.chained_end);
      case EventKind::InfusionEnds: {
        if (e.remaining > 1) {
          Event next = e;
          next.nominal = e.nominal + e.dose.ii;
          next.time = next.nominal + e.dose.lag + e.dose.duration;
          next.remaining = e.remaining - 1;
          push(next);
        }
        auto it = std::find_if(infusions.begin(), infusions.end(),
                               [&](const Infusion& inf) { return inf.cmt == e.dose.cmt && inf.rate == e.dose.rate; });
        if (it == infusions.end()) return false;
        if (--it->copies <= 0) infusions.erase(it);
        recompute_rates();
        return true;
      }
      case EventKind::Additional: {
        bool changed = schedule(e.dose, e.time, true);
        if (e.remaining > 1) {
          Event next = e;
          next.time = e.time + e.dose.ii;
          next.remaining = e.remaining - 1;
          push(next);
        }
        return changed;
      }
    }
    return false;
  }

  // ---- moving through time ---------------------------------------------------------

  // Integrates to T, handling the events due up to and including T (they come before the
  // records at T); `horizon` is the furthest the integrator may step.
  void advance(double T, double horizon) {
    while (true) {
      double te = pending.empty() ? kInf : pending.top().time;
      if (te <= T) {
        emit_grid_before(te, te);
        if (te > t) integrate_to(te, te, y.data());
        t = te;
        bool changed = false;
        if (model.root_count() > 0) y_event = y;
        while (!pending.empty() && pending.top().time == te) {
          Event e = pending.top();
          pending.pop();
          changed = process_event(e) || changed;
        }
        if (changed) {
          fire_jumps(y_event);
          integrator->restart(system, t, y.data());
        }
        continue;
      }
      double tstop = std::min(te, horizon);
      emit_grid_before(T, tstop);
      if (T > t) integrate_to(T, tstop, y.data());
      t = T;
      return;
    }
  }

  void reset() {
    cancel_everything();
    initial_state(y.data());
  }

  void dose(const Record& rec) {
    if (rec.is_steady_state()) {
      steady_state_dose(rec);
      return;
    }
    dose_with_additional(dose_spec(rec), rec);
  }

  SteadyStateSolver& steady_solver() {
    if (!steady) steady = std::make_unique<SteadyStateSolver>(model.kernel(), n, opt);
    return *steady;
  }

  // A steady-state regimen as NONMEM reads it (docs/semantics.md, "Steady state"): the
  // periodic steady state is taken at the start of one dose of the train, the anchor
  // t0 + ALAG - II, and moved from there to the record's time t0 by II - ALAG, backwards
  // when ALAG > II. Copies of the infusion are counted, never listed, so the memory does
  // not grow with DUR / II.
  struct SteadyTrain {
    double anchor = 0;
    std::vector<WindowInput> inputs;  // one interval from the anchor on
    long running = 0;                 // infusion copies still running after t0
    double first_end = 0;             // the earliest of their ends
    double first_nominal = 0;         // nominal time of the dose it belongs to
  };

  // Prior dose k >= 1 of a regimen whose dose is at t0: nominal t0 - k*II, starting
  // t0 + ALAG - k*II, ending DUR later.
  static double prior_end(const DoseSpec& d, double t0, long k) {
    return t0 + d.lag - static_cast<double>(k) * d.ii + d.duration;
  }

  // Number of prior infusions (k >= 1) still running after time `after`.
  static long running_after(const DoseSpec& d, double t0, double after) {
    double estimate = std::floor((t0 + d.lag + d.duration - after) / d.ii);
    long k = static_cast<long>(std::clamp(estimate, 0.0, kMaxOverlappingCopies + 2));
    while (k >= 1 && !(prior_end(d, t0, k) > after)) --k;
    while (prior_end(d, t0, k + 1) > after) ++k;
    return k;
  }

  SteadyTrain steady_train(const DoseSpec& d, const Record& rec) const {
    const double t0 = rec.time;
    SteadyTrain tr;
    tr.anchor = t0 + d.lag - d.ii;
    if (d.amount == 0) return tr;
    if (d.rate == 0) {
      tr.inputs.push_back({tr.anchor, d.cmt, d.amount, 0.0});
      return tr;
    }
    if (!(d.duration / d.ii <= kMaxOverlappingCopies))
      throw InputError(where(ds, rec) + ": ID " + format_number(rec.id) + ": a steady-state infusion of " +
                       format_number(d.duration) + " h every II " + format_number(d.ii) + " h overlaps " +
                       format_number(d.duration / d.ii) + " copies of itself; the limit is " +
                       format_number(kMaxOverlappingCopies) + " (check AMT, RATE and II)");
    const long at_anchor = running_after(d, t0, tr.anchor);
    // Copies running at the anchor: all of them on, the oldest ending within the interval.
    tr.inputs.push_back({tr.anchor, d.cmt, 0.0, static_cast<double>(at_anchor) * d.rate});
    double oldest_end = prior_end(d, t0, at_anchor);
    if (at_anchor > 0 && oldest_end < tr.anchor + d.ii) tr.inputs.push_back({oldest_end, d.cmt, 0.0, -d.rate});
    tr.running = running_after(d, t0, std::max(tr.anchor, t0));
    if (tr.running > 0) {
      tr.first_end = prior_end(d, t0, tr.running);
      tr.first_nominal = t0 - static_cast<double>(tr.running) * d.ii;
      double ends_within = std::floor((t_end - tr.first_end) / d.ii) + 1;
      if (std::min(static_cast<double>(tr.running), ends_within) > kMaxDosesPerRecord)
        throw InputError(where(ds, rec) + ": ID " + format_number(rec.id) + ": " + format_number(ends_within) +
                         " copies of this steady-state infusion (every II " + format_number(d.ii) +
                         " h) end within the simulated time (to " + format_number(t_end) + "); the limit is " +
                         format_number(kMaxDosesPerRecord) + " a record");
    }
    return tr;
  }

  void steady_state_dose(const Record& rec) {
    const double t0 = rec.time;
    std::vector<double> x0(n), x(n);
    initial_state(x0.data());
    x = x0;
    DoseSpec d;
    SteadyTrain train;
    if (rec.is_constant_infusion()) {
      d.cmt = rec.cmt > 0 ? rec.cmt - 1 : binding.default_dose_compartment();
      d.rate = rec.rate;
    } else {
      d = dose_spec(rec);
      train = steady_train(d, rec);
    }
    // The steady state of this regimen alone: other inputs off while it is computed.
    std::vector<double> saved_rates = system.input_rates();
    std::fill(system.input_rates().begin(), system.input_rates().end(), 0.0);
    system.update_inputs();
    auto restore = [&] {
      system.input_rates() = saved_rates;
      system.update_inputs();
    };
    try {
      if (rec.is_constant_infusion()) {
        steady_solver().constant_infusion(system, t0, d.cmt, d.rate, x.data());
      } else {
        steady_solver().periodic(system, train.anchor, train.anchor + d.ii, train.inputs, x.data());
        steady_solver().move(system, train.anchor, t0, train.inputs, x.data());
      }
    } catch (const SteadyStateFailure& f) {
      restore();
      std::string state = f.state >= 0 ? model.states()[static_cast<std::size_t>(f.state)].name : "?";
      throw SolverError(where(ds, rec) + ": ID " + format_number(rec.id) + ": steady state not reached after " +
                        std::to_string(f.intervals) + " dosing intervals at time " + format_number(t0) +
                        ": state " + state + " still changes by " + format_number(f.change) +
                        " per interval (a state without elimination has no steady state)");
    } catch (const solver::IntegrationFailure& f) {
      restore();
      throw SolverError(where(ds, rec) + ": ID " + format_number(rec.id) + ": the steady state of this dose " +
                        "could not be computed: " + f.reason +
                        (train.anchor > t0 ? " (moving it back from the lagged start at " + format_number(train.anchor) +
                                                 " to the record's time " + format_number(t0) + ", ALAG > II)"
                                           : std::string()));
    }
    restore();
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(x[i]))
        throw SolverError(where(ds, rec) + ": ID " + format_number(rec.id) + ": the steady state of this dose is " +
                          "not finite in state " + model.states()[i].name +
                          (train.anchor > t0 ? " (moved back from the lagged start at " + format_number(train.anchor) +
                                                   " to the record's time " + format_number(t0) + ", ALAG > II)"
                                             : std::string()));
    if (rec.ss == 1) {
      cancel_everything();
      y = x;
    } else {
      for (std::size_t i = 0; i < n; ++i) y[i] += x[i] - x0[i];
    }
    // A constant infusion brings the system to its steady state; its record gives no
    // amount (AMT 0), so nothing runs on (NONMEM, scenario 29).
    if (rec.is_constant_infusion()) return;
    if (train.running > 0) {
      start_infusions(d.cmt, d.rate, train.running);
      push_ends(d, train.first_end, train.first_nominal, train.running);
    }
    dose_with_additional(d, rec);
  }

  void dose_with_additional(const DoseSpec& d, const Record& rec) {
    schedule(d, rec.time);
    if (rec.addl <= 0) return;
    double within = std::min(static_cast<double>(rec.addl), std::floor((t_end - rec.time) / rec.ii));
    if (within > kMaxDosesPerRecord)
      throw InputError(where(ds, rec) + ": ID " + format_number(rec.id) + ": ADDL " + std::to_string(rec.addl) +
                       " every II " + format_number(rec.ii) + " h puts " + format_number(within) +
                       " doses within the simulated time (to " + format_number(t_end) + "); the limit is " +
                       format_number(kMaxDosesPerRecord) + " a record");
    Event e{};
    e.time = rec.time + rec.ii;
    e.kind = EventKind::Additional;
    e.dose = d;
    e.remaining = rec.addl;
    push(e);
    // The additional infusions' ends, as one chain beside the chain of starts.
    if (d.rate > 0 && d.amount > 0) push_ends(d, e.time + d.lag + d.duration, e.time, rec.addl);
  }

  // ---- one subject -----------------------------------------------------------------

  void run(const data::RecordsView& subject, RowSink& out, std::span<const double> base, const RandomKey* key) {
    sink = &out;
    ds = subject;
    first = 0;
    last = ds.size();
    binding.check(ds);
    const Record& r0 = ds[first];
    subject_id = r0.id;
    integrator->reset();
    start_streams(key, r0.id);
    for (double& e : thresholds) e = next_threshold();
    t_end = ds[last - 1].time;
    for (std::size_t r = first; r < last; ++r) t_end = std::max(t_end, ds[r].time);
    double t_start = r0.time;
    if (!opt.grid.empty()) {
      t_start = std::min(t_start, opt.grid.front());
      t_end = std::max(t_end, opt.grid.back());
    }
    build_blocks(base);
    plan_landings(t_end);
    pending = {};
    infusions.clear();
    seq = 0;
    grid_next = 0;
    governing = &r0;
    t = t_start;
    P = block(first);
    system.set_parameters(P);
    recompute_rates();
    initial_state(y.data());
    integrator->restart(system, t, y.data());

    for (std::size_t r = first; r < last; ++r) {
      const Record& rec = ds[r];
      if (rec.time < t) {
        if (!opt.grid.empty())
          throw InputError(where(ds, rec) + ": ID " + format_number(rec.id) + ": TIME goes back to " +
                           format_number(rec.time) + " at a reset; output grids (--grid) need time "
                           "to run forward within a subject");
        t = rec.time;  // a reset starts the clock again
        integrator->restart(system, t, y.data());
      }
      if (opt.covariates == CovariateMode::NextRecord) use_parameters(block(r));
      advance(rec.time, next_landing[r - first]);
      if (opt.covariates == CovariateMode::LastRecord) use_parameters(block(r));
      governing = &rec;
      if (rec.resets() || rec.is_dose()) {
        if (model.root_count() > 0) y_event = y;
        if (rec.resets()) reset();
        if (rec.is_dose()) dose(rec);
        if (!rec.resets()) fire_jumps(y_event);
        integrator->restart(system, t, y.data());
      }
      emit(&rec, rec.time, y.data());
    }
    advance(t_end, t_end);
    emit_grid_before(kInf, t_end);
  }
};

SubjectSimulator::SubjectSimulator(const lang::Model& model, const Binding& binding,
                                   const SimulationOptions& options)
    : impl_(std::make_unique<Impl>(model, binding, options)) {}

SubjectSimulator::~SubjectSimulator() = default;

void SubjectSimulator::run(const data::RecordsView& subject, RowSink& sink, std::span<const double> parameters,
                           const RandomKey* key) {
  try {
    impl_->run(subject, sink, parameters, key);
  } catch (const solver::IntegrationFailure& f) {
    const lang::Model& m = impl_->model;
    const data::Record& r0 = subject[0];
    std::string states;
    int offending = -1;
    for (std::size_t i = 0; i < f.y.size(); ++i) {
      if (offending < 0 && !std::isfinite(f.y[i])) offending = static_cast<int>(i);
      states += (i ? ", " : "") + m.states()[i].name + "=" + format_number(f.y[i], 6);
    }
    std::string msg = "ID " + format_number(r0.id) + ": solver failed at time " + format_number(f.t) +
                      ": " + f.reason;
    if (offending >= 0) msg += "; state " + m.states()[static_cast<std::size_t>(offending)].name + " is not finite";
    msg += " (state: " + states + ")";
    throw SolverError(msg);
  }
}

const solver::IntegratorStats& SubjectSimulator::stats() const { return impl_->integrator->stats(); }
long SubjectSimulator::rhs_calls() const { return impl_->system.calls(); }

}  // namespace ldnsim::engine
