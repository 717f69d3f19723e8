// The MPI executor behind population::run_ordered (see include/ldnsim/distributed/session.hpp
// and docs/scale.md). Protocol, per call of run_ordered (every message starts with the
// call's sequence number, so a late message of an earlier call is dropped):
//  - rank 0 hands out chunks of consecutive job indices on request (kAssign), to itself
//    and to the other ranks, never more than `window` jobs ahead of the job it consumes;
//  - each rank runs its chunks on its own thread pool (population::run_ordered_reading,
//    local_only) and sends its results to rank 0 (kResult, the results at hand in one
//    message) in its own job order;
//  - rank 0 consumes results in job order and forwards them to the other ranks (kForward,
//    the results consumed in one pass in one message), which consume them too, so every
//    rank holds the same results (unless
//    results_on_all_ranks is false: output that only rank 0 writes);
//  - a job's error goes to rank 0 (kError) after the results before it; rank 0 raises it,
//    named with rank and job, when every job before it was consumed (the single-process
//    rule), and tells the others to stop (kAbort);
//  - a rank that failed outside any job (say, it could not load the model) sends kFatal.
// Only the thread that called run_ordered (the main thread) calls MPI (MPI_THREAD_FUNNELED);
// it polls with MPI_Iprobe and sleeps on a condition variable in between, so a waiting rank
// does not spin a core away from the workers.
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ldnsim/core/atomic_file.hpp"
#include "ldnsim/core/error.hpp"
#include "ldnsim/distributed/session.hpp"
#include "ldnsim/population/parallel.hpp"

namespace ldnsim::distributed {
namespace {

enum Tag : int { kRequest = 11, kAssign, kResult, kEnd, kError, kForward, kDone, kAbort, kFatal };
enum Kind : int { kInternal = 0, kInput = 1, kSolver = 2, kUsage = 3 };

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

int g_rank = 0;
int g_size = 1;
bool g_active = false;
std::thread::id g_main_thread;
std::uint64_t g_call = 0;          // sequence number of run_ordered calls
bool g_aborted = false;            // this rank was told to stop by rank 0
thread_local bool t_in_job = false;
std::atomic<bool> g_running{false};

// Raised on a rank other than 0 when rank 0 stops the job: rank 0 reports the failure.
struct Aborted : Error {
  Aborted() : Error("stopped by rank 0") {}
};

// --- messages ---------------------------------------------------------------------------
void put(std::string& s, std::uint64_t v) { s.append(reinterpret_cast<const char*>(&v), sizeof v); }
std::uint64_t get(const std::string& s, std::size_t& at) {
  std::uint64_t v = 0;
  if (at + sizeof v > s.size()) throw std::runtime_error("MPI message too short");
  std::memcpy(&v, s.data() + at, sizeof v);
  at += sizeof v;
  return v;
}

// Sends in flight; their buffers live until MPI is done with them.
struct PendingSend {
  MPI_Request request;
  std::shared_ptr<const std::string> data;
};
std::list<PendingSend> g_sends;

void send(int to, int tag, std::shared_ptr<const std::string> data) {
  if (data->size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error("a job's result is larger than 2 GB: too large to send between ranks");
  g_sends.push_back({MPI_REQUEST_NULL, std::move(data)});
  PendingSend& p = g_sends.back();
  MPI_Isend(p.data->data(), static_cast<int>(p.data->size()), MPI_BYTE, to, tag, MPI_COMM_WORLD, &p.request);
}
void send(int to, int tag, std::string data) { send(to, tag, std::make_shared<const std::string>(std::move(data))); }

void test_sends() {
  for (auto it = g_sends.begin(); it != g_sends.end();) {
    int done = 0;
    MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
    it = done ? g_sends.erase(it) : std::next(it);
  }
}

struct Message {
  int from = 0;
  int tag = 0;
  std::string body;
  std::size_t at = 0;
};

bool receive(Message& m) {
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
  if (!flag) return false;
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  m.from = st.MPI_SOURCE;
  m.tag = st.MPI_TAG;
  m.body.resize(static_cast<std::size_t>(n));
  m.at = 0;
  MPI_Recv(m.body.data(), n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return true;
}

std::string header(std::uint64_t call) {
  std::string s;
  put(s, call);
  return s;
}

// --- errors -------------------------------------------------------------------------------
struct Failure {
  int rank = 0;
  std::size_t job = kNone;  // kNone: outside any job
  int kind = kInternal;
  std::string message;
};

Failure describe(std::exception_ptr e) {
  Failure f;
  try {
    std::rethrow_exception(e);
  } catch (const SolverError& x) {
    f.kind = kSolver, f.message = x.what();
  } catch (const UsageError& x) {
    f.kind = kUsage, f.message = x.what();
  } catch (const Error& x) {
    f.kind = kInput, f.message = x.what();
  } catch (const std::exception& x) {
    f.kind = kInternal, f.message = x.what();
  } catch (...) {
    f.kind = kInternal, f.message = "unknown error";
  }
  return f;
}

std::string encode(const Failure& f) {
  std::string s;
  put(s, f.job);
  put(s, static_cast<std::uint64_t>(f.kind));
  s += f.message;
  return s;
}

Failure decode(int rank, const std::string& body, std::size_t at) {
  Failure f;
  f.rank = rank;
  f.job = get(body, at);
  f.kind = static_cast<int>(get(body, at));
  f.message = body.substr(at);
  return f;
}

std::string singular(const std::string& what) {
  if (what.size() > 1 && what.back() == 's') return what.substr(0, what.size() - 1);
  return what.empty() ? "job" : what;
}

[[noreturn]] void raise(const Failure& f, const std::string& what) {
  std::string m = "rank " + std::to_string(f.rank);
  if (f.job != kNone) m += ", " + singular(what) + " index " + std::to_string(f.job);
  m += ": " + f.message;
  switch (f.kind) {
    case kSolver: throw SolverError(m);
    case kUsage: throw UsageError(m);
    case kInput: throw InputError(m);
    default: throw std::runtime_error(m);
  }
}

// --- the rank's own pool ----------------------------------------------------------------------
// Chunks handed to this rank, the results of its pool, and how it ended; shared by the
// pool's threads and the calling thread (which alone talks MPI).
struct Local {
  std::mutex mutex;
  std::condition_variable cv_work;   // the pool waits for chunks
  std::condition_variable cv_comm;   // the calling thread waits for results
  std::deque<std::pair<std::size_t, std::size_t>> chunks;  // [begin, end)
  std::size_t queued = 0;            // jobs in chunks
  bool no_more = false;              // no chunk will come
  bool stop = false;
  std::deque<std::pair<std::size_t, std::string>> results;
  std::size_t end = kNone;           // read() found no job `end`
  bool finished = false;             // the pool returned or threw
  bool failed = false;
  Failure failure;                   // the lowest failing job's
  std::exception_ptr error;
  std::deque<std::size_t> jobs;      // local job m -> global job (from jobs_base)
  std::size_t jobs_base = 0;

  void fail(std::size_t job, std::exception_ptr e) {
    std::lock_guard lock(mutex);
    if (failed && failure.job <= job) return;
    failed = true;
    failure = describe(e);
    failure.job = job;
    failure.rank = g_rank;
    error = e;
  }
  std::size_t global(std::size_t m) {
    std::lock_guard lock(mutex);
    return jobs[m - jobs_base];
  }
};

void run_pool(Local& local, const population::ParallelOptions& options, const population::OrderedJobs& jobs) {
  population::ParallelOptions o = options;
  o.local_only = true;
  o.progress = false;
  std::size_t next_read = 0;  // the next job the source has not been asked about
  try {
    population::run_ordered_reading(
        o,
        [&](std::size_t worker, std::size_t) -> bool {
          std::size_t g;
          {
            std::unique_lock lock(local.mutex);
            local.cv_work.wait(lock, [&] { return local.stop || local.queued > 0 || local.no_more; });
            if (local.stop || local.queued == 0) return false;
            auto& c = local.chunks.front();
            g = c.first++;
            if (c.first == c.second) local.chunks.pop_front();
            --local.queued;
            local.jobs.push_back(g);
          }
          local.cv_comm.notify_one();  // may want another chunk
          t_in_job = true;
          try {
            // A streamed source is read in order: the jobs of other ranks are read and
            // passed over.
            for (; next_read <= g; ++next_read)
              if (!jobs.read(worker, next_read)) {
                t_in_job = false;
                std::lock_guard lock(local.mutex);
                local.end = std::min(local.end, next_read);
                local.no_more = true;
                return false;
              }
          } catch (...) {
            t_in_job = false;
            local.fail(next_read, std::current_exception());  // the job whose input is bad
            throw;
          }
          t_in_job = false;
          return true;
        },
        [&](std::size_t worker, std::size_t m, std::string& buffer) {
          const std::size_t g = local.global(m);
          t_in_job = true;
          try {
            jobs.produce(worker, g, buffer);
          } catch (...) {
            t_in_job = false;
            local.fail(g, std::current_exception());
            throw;
          }
          t_in_job = false;
        },
        [&](std::size_t m, std::string& buffer) {
          {
            std::lock_guard lock(local.mutex);
            local.results.emplace_back(local.jobs[m - local.jobs_base], std::move(buffer));
            while (local.jobs_base < m + 1 && !local.jobs.empty()) local.jobs.pop_front(), ++local.jobs_base;
          }
          buffer = std::string();
          local.cv_comm.notify_one();
        });
  } catch (...) {
    std::lock_guard lock(local.mutex);
    if (!local.failed) {
      local.failed = true;
      local.failure = describe(std::current_exception());
      local.failure.rank = g_rank;
      local.error = std::current_exception();
    }
  }
  {
    std::lock_guard lock(local.mutex);
    local.finished = true;
  }
  local.cv_comm.notify_one();
}

// Waits for the pool's next result, or at most `pause` for a message. The pause grows
// (50 us to 2 ms) while nothing happens and falls back when something does, so a rank whose
// jobs are long spends little time polling MPI and a busy exchange stays quick.
class Idle {
 public:
  void operator()(Local& local, bool active) {
    pause_ = active ? kShortest : std::min(kLongest, pause_ * 2);
    std::unique_lock lock(local.mutex);
    local.cv_comm.wait_for(lock, pause_, [&] { return !local.results.empty() || local.finished; });
  }

 private:
  static constexpr std::chrono::microseconds kShortest{50}, kLongest{2000};
  std::chrono::microseconds pause_{kShortest};
};

void stop_pool(Local& local, std::thread& pool) {
  {
    std::lock_guard lock(local.mutex);
    local.stop = true;
    local.no_more = true;
  }
  local.cv_work.notify_all();
  if (pool.joinable()) pool.join();
}

// --- rank 0 -----------------------------------------------------------------------------------
void coordinate(const population::ParallelOptions& options, const population::OrderedJobs& jobs) {
  const std::uint64_t call = g_call;
  const std::size_t threads = static_cast<std::size_t>(population::worker_count(options));
  const std::size_t workers = threads * static_cast<std::size_t>(g_size);
  // Chunks of about 1/16 of a worker's share (1 to 64 jobs), so the last ones are small.
  const std::size_t chunk = jobs.counted ? std::clamp<std::size_t>(jobs.count / (16 * workers), 1, 64) : threads;
  // Jobs handed out at most `window` ahead of the job consumed: bounded memory on rank 0,
  // room for a rank held up by a slow chunk.
  const std::size_t window = options.window ? std::max(options.window, chunk * static_cast<std::size_t>(g_size))
                                            : std::max<std::size_t>(8 * chunk * static_cast<std::size_t>(g_size), 8 * workers);
  const std::size_t want = threads;  // a rank asks for more when fewer jobs are queued
  std::size_t count = jobs.counted ? jobs.count : kNone;
  std::size_t next = 0;      // next job to hand out
  std::size_t consumed = 0;  // next job to consume
  std::map<std::size_t, std::string> results;
  std::map<std::size_t, Failure> errors;
  std::optional<Failure> fatal;
  std::deque<int> waiting;       // ranks whose request is not answered
  std::vector<bool> joined(static_cast<std::size_t>(g_size), false);
  joined[0] = true;
  std::vector<bool> told_none(static_cast<std::size_t>(g_size), false);

  Local local;
  std::thread pool(run_pool, std::ref(local), std::cref(options), std::cref(jobs));
  bool own_finished = false;
  Idle idle;

  auto forward = [&](std::string& batch) {
    if (batch.empty()) return;
    std::shared_ptr<const std::string> shared = std::make_shared<const std::string>(std::move(batch));
    batch.clear();
    for (int k = 1; k < g_size; ++k) send(k, kForward, shared);
  };
  auto answer = [&](int to, std::size_t b, std::size_t e) {
    std::string s = header(call);
    put(s, b);
    put(s, e);
    send(to, kAssign, std::move(s));
  };

  try {
    while (true) {
      // Messages from the other ranks.
      Message m;
      bool active = false;
      while (receive(m)) {
        active = true;
        if (m.tag == kFatal) {
          if (!fatal) fatal = decode(m.from, m.body, 0);
          continue;
        }
        if (get(m.body, m.at) != call) continue;  // a late message of an earlier call
        joined[static_cast<std::size_t>(m.from)] = true;
        switch (m.tag) {
          case kRequest: waiting.push_back(m.from); break;
          case kResult:  // a batch: (job, length, bytes)...
            while (m.at < m.body.size()) {
              std::size_t g = get(m.body, m.at), n = get(m.body, m.at);
              if (n > m.body.size() - m.at) throw std::runtime_error("MPI: a result message is cut short");
              results.emplace(g, m.body.substr(m.at, n));
              m.at += n;
            }
            break;
          case kEnd: count = std::min<std::size_t>(count, get(m.body, m.at)); break;
          case kError: {
            Failure f = decode(m.from, m.body, m.at);
            errors.emplace(f.job, f);
            break;
          }
          default: break;
        }
      }
      if (fatal) raise(*fatal, options.what);
      // Rank 0's own pool.
      {
        std::lock_guard lock(local.mutex);
        active = active || !local.results.empty();
        for (auto& r : local.results) results.emplace(r.first, std::move(r.second));
        local.results.clear();
        count = std::min(count, local.end);
        if (local.finished && !own_finished) {
          own_finished = true;
          if (local.failed) {
            if (local.failure.job == kNone) std::rethrow_exception(local.error);
            errors.emplace(local.failure.job, local.failure);
          }
        }
      }
      // Consume in order; the results consumed go on to the other ranks in one message.
      std::string batch;
      while (consumed < count) {
        auto e = errors.find(consumed);
        if (e != errors.end()) {
          forward(batch);
          raise(e->second, options.what);
        }
        auto r = results.find(consumed);
        if (r == results.end()) break;
        if (options.results_on_all_ranks && g_size > 1) {
          if (batch.empty()) batch = header(call);
          put(batch, consumed);
          put(batch, r->second.size());
          batch += r->second;
        }
        jobs.consume(consumed, r->second);
        results.erase(r);
        ++consumed;
      }
      forward(batch);
      if (consumed >= count && std::all_of(joined.begin(), joined.end(), [](bool j) { return j; })) break;
      // Hand out chunks: waiting ranks first, then rank 0's own pool.
      auto take = [&](std::size_t& b, std::size_t& e) {
        if (next >= count || next >= consumed + window) return false;
        b = next;
        e = std::min(count, next + chunk);
        next = e;
        return true;
      };
      while (!waiting.empty()) {
        int to = waiting.front();
        std::size_t b, e;
        if (take(b, e)) {
          answer(to, b, e);
        } else if (next >= count) {
          answer(to, 0, 0);  // no more
          told_none[static_cast<std::size_t>(to)] = true;
        } else {
          break;  // the window is full: answered when jobs are consumed
        }
        waiting.pop_front();
      }
      {
        std::unique_lock lock(local.mutex);
        bool fed = false;
        while (!local.no_more && local.queued < want) {
          std::size_t b, e;
          if (!take(b, e)) {
            if (next >= count) local.no_more = true, fed = true;
            break;
          }
          local.chunks.emplace_back(b, e);
          local.queued += e - b;
          fed = true;
        }
        lock.unlock();
        if (fed) local.cv_work.notify_all();
      }
      test_sends();
      idle(local, active);
    }
  } catch (...) {
    for (int k = 1; k < g_size; ++k) send(k, kAbort, header(call));
    stop_pool(local, pool);
    throw;
  }
  if (jobs.counted && count < static_cast<std::size_t>(g_size) && options.progress)
    std::fprintf(stderr, "ldnsim: note: %d ranks for %zu %s: some ranks had nothing to do\n", g_size, count,
                 options.what.c_str());
  for (int k = 1; k < g_size; ++k) send(k, kDone, header(call));
  stop_pool(local, pool);
}

// --- ranks 1 to size-1 ------------------------------------------------------------------------
void work(const population::ParallelOptions& options, const population::OrderedJobs& jobs) {
  const std::uint64_t call = g_call;
  const std::size_t threads = static_cast<std::size_t>(population::worker_count(options));
  Local local;
  std::thread pool(run_pool, std::ref(local), std::cref(options), std::cref(jobs));
  Idle idle;
  bool asking = false, end_sent = false, error_sent = false;
  std::size_t forwarded = 0;
  const std::size_t want = threads;
  try {
    while (true) {
      Message m;
      bool done = false;
      // Nothing after kDone belongs to this call: the next call reads it.
      bool active = false;
      while (!done && receive(m)) {
        active = true;
        if (get(m.body, m.at) != call) continue;
        switch (m.tag) {
          case kAssign: {
            std::size_t b = get(m.body, m.at), e = get(m.body, m.at);
            asking = false;
            {
              std::lock_guard lock(local.mutex);
              if (b == e) local.no_more = true;
              else local.chunks.emplace_back(b, e), local.queued += e - b;
            }
            local.cv_work.notify_all();
            break;
          }
          case kForward:  // a batch: (job, length, bytes)...
            while (m.at < m.body.size()) {
              std::size_t g = get(m.body, m.at), n = get(m.body, m.at);
              if (g != forwarded || n > m.body.size() - m.at)
                throw std::runtime_error("MPI: results forwarded out of order or cut short");
              std::string buffer = m.body.substr(m.at, n);
              m.at += n;
              try {
                jobs.consume(g, buffer);
              } catch (...) {
                // Rank 0 consumed the same bytes, failed the same way and stops the job.
              }
              ++forwarded;
            }
            break;
          case kDone: done = true; break;
          case kAbort: throw Aborted();
          default: break;
        }
      }
      if (done) break;
      {
        std::unique_lock lock(local.mutex);
        auto results = std::move(local.results);
        local.results.clear();
        const std::size_t end = local.end;
        const bool finished = local.finished, failed = local.failed;
        const Failure failure = local.failure;
        const bool more = !local.no_more && !asking && local.queued < want;
        lock.unlock();
        active = active || !results.empty() || more;
        if (!results.empty()) {  // one message for all the results at hand
          std::string s = header(call);
          for (auto& r : results) {
            put(s, r.first);
            put(s, r.second.size());
            s += r.second;
          }
          send(0, kResult, std::move(s));
        }
        if (end != kNone && !end_sent) {
          std::string s = header(call);
          put(s, end);
          send(0, kEnd, std::move(s));
          end_sent = true;
        }
        if (finished && failed && !error_sent) {
          std::string s = header(call) + encode(failure);
          if (failure.job == kNone) send(0, kFatal, encode(failure));
          else send(0, kError, std::move(s));
          error_sent = true;
        }
        if (more) {
          send(0, kRequest, header(call));
          asking = true;
        }
      }
      test_sends();
      idle(local, active);
    }
  } catch (...) {
    g_aborted = true;
    stop_pool(local, pool);
    throw;
  }
  stop_pool(local, pool);
}

bool distribute(const population::ParallelOptions& options, const population::OrderedJobs& jobs) {
  if (!g_active || g_size < 2 || t_in_job || std::this_thread::get_id() != g_main_thread) return false;
  bool expected = false;
  if (!g_running.compare_exchange_strong(expected, true)) return false;
  struct Reset {
    ~Reset() { g_running = false; }
  } reset;
  ++g_call;
  if (g_rank == 0) coordinate(options, jobs);
  else work(options, jobs);
  return true;
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

std::FILE* g_captured = nullptr;  // a rank's standard error, sent to rank 0 if it fails

}  // namespace

bool built_with_mpi() { return true; }
int rank() { return g_rank; }
int size() { return g_size; }

Session::Session(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  active_ = true;
  g_active = true;
  g_rank = rank_;
  g_size = size_;
  g_main_thread = std::this_thread::get_id();
  if (size_ > 1) population::set_distributor(distribute);
  if (rank_ != 0) {
    // Only rank 0 writes. The others' standard error is kept aside for the report of a
    // failure; LDNSIM_MPI_STDERR=1 shows it.
    discard_outputs();
    std::fflush(stdout);
    if (std::FILE* null = std::fopen("/dev/null", "w")) {
      ::dup2(::fileno(null), 1);
      std::fclose(null);
    }
    const char* show = std::getenv("LDNSIM_MPI_STDERR");
    if (!(show && std::string(show) == "1")) {
      std::fflush(stderr);
      g_captured = std::tmpfile();
      if (g_captured) ::dup2(::fileno(g_captured), 2);
    }
  }
}

Session::~Session() {
  if (active_ && !finished_) finish(1);
}

int Session::finish(int status) {
  if (!active_ || finished_) return status;
  finished_ = true;
  std::fflush(stdout);
  std::fflush(stderr);
  if (rank_ != 0 && status != 0 && !g_aborted) {
    // Tell rank 0 why: the last line of this rank's standard error.
    Failure f;
    f.rank = rank_;
    f.kind = status == 3 ? kSolver : status == 2 ? kInput : kInternal;
    if (g_captured) {
      std::string text;
      std::rewind(g_captured);
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, g_captured)) > 0) {
        text.append(buf, n);
        if (text.size() > 65536) text.erase(0, text.size() - 4096);
      }
      while (!text.empty() && text.back() == '\n') text.pop_back();
      std::size_t nl = text.rfind('\n');
      if (nl != std::string::npos) text.erase(0, nl + 1);
      const std::string prefix = "ldnsim: error: ";
      if (text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
      f.message = text;
    }
    if (f.message.empty()) f.message = "failed with exit status " + std::to_string(status);
    send(0, kFatal, encode(f));
  }
  // Every rank takes in what is still sent to it until all its own sends are done and every
  // rank got here, so nobody waits on a rank that stopped listening.
  std::optional<Failure> fatal;
  auto drain = [&] {
    Message m;
    while (receive(m))
      if (m.tag == kFatal && rank_ == 0 && !fatal) fatal = decode(m.from, m.body, 0);
    test_sends();
  };
  while (!g_sends.empty()) {
    drain();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  MPI_Request barrier;
  MPI_Ibarrier(MPI_COMM_WORLD, &barrier);
  for (int done = 0;;) {
    MPI_Test(&barrier, &done, MPI_STATUS_IGNORE);
    if (done) break;
    drain();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  drain();
  int result = status;
  if (rank_ == 0 && status == 0 && fatal) {
    std::fprintf(stderr, "ldnsim: error: rank %d: %s\n", fatal->rank, fatal->message.c_str());
    result = fatal->kind == kSolver ? 3 : fatal->kind == kInternal ? 1 : 2;
  }
  if (rank_ != 0) result = 0;  // rank 0 reports for the job
  population::set_distributor(nullptr);
  g_active = false;
  MPI_Finalize();
  return result;
}

}  // namespace ldnsim::distributed
