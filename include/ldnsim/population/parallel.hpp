// Running independent jobs (subjects, replicate trials) on a thread pool while consuming
// their results strictly in index order, so output is identical for any thread count and
// memory stays bounded: a worker may run at most `window` jobs ahead of the consumer.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace ldnsim::population {

struct ParallelOptions {
  int threads = 1;
  std::size_t window = 0;  // 0: 4 per thread
  // Progress on stderr ("what: k/n"), shown only on a terminal, after one second.
  bool progress = false;
  std::string what = "subjects";
  // Called on the calling thread about every 50 ms while workers run (and then with at
  // least one worker even for threads = 1): a front end checks for a user's interrupt
  // there. If it throws, the workers finish the job they are on, are joined, and the
  // exception is rethrown.
  std::function<void()> poll;
  // Run on this process's threads only, even under mpirun (the executor's own pool, and
  // jobs whose results cannot travel between processes).
  bool local_only = false;
  // Under mpirun, every rank consumes every result (so state built from them is the same
  // everywhere). false: only rank 0 consumes; for consumers that only write output (a
  // simulation's rows), which would otherwise be sent to every rank for nothing.
  bool results_on_all_ranks = true;
};

// Jobs as run_ordered_reading takes them; count is the number of jobs when known in
// advance (run_ordered), 0 when read() finds the end.
struct OrderedJobs {
  std::size_t count = 0;
  bool counted = false;
  const std::function<bool(std::size_t, std::size_t)>& read;
  const std::function<void(std::size_t, std::size_t, std::string&)>& produce;
  const std::function<void(std::size_t, std::string&)>& consume;
};

// Spreads jobs over processes (src/distributed installs one under mpirun). It returns
// false to decline (one process, a nested call), and the jobs then run on this process's
// threads. Whatever runs them, consume sees the same buffers in the same order, on every
// process, so any state built from them is the same everywhere; produce must therefore
// pass its whole result through the buffer.
using Distributor = bool (*)(const ParallelOptions&, const OrderedJobs&);
void set_distributor(Distributor distributor);

// produce(worker, i, buffer) fills `buffer` for job i on worker thread `worker` (0 to
// threads-1; per-worker state can be kept by that index); the buffer arrives empty, with
// capacity from earlier jobs. consume(i, buffer) is called on the calling thread in
// order 0, 1, 2, ... If a job throws, the exception of the lowest-numbered failing job
// is rethrown after the jobs before it were consumed.
void run_ordered(std::size_t count, const ParallelOptions& options,
                 const std::function<void(std::size_t, std::size_t, std::string&)>& produce,
                 const std::function<void(std::size_t, std::string&)>& consume);

// As run_ordered, for jobs read from a source whose length is not known in advance (a
// data set streamed subject by subject): read(worker, i) prepares job i for the worker
// that will then produce it (in per-worker state) and returns false when there is no job
// i. Calls to read come one at a time, for i = 0, 1, 2, ..., so the source is read in
// order; a worker reads its next job only when it is within the window, so at most
// `threads` jobs have been read and not yet produced. An exception from read counts as
// job i's.
void run_ordered_reading(const ParallelOptions& options,
                         const std::function<bool(std::size_t, std::size_t)>& read,
                         const std::function<void(std::size_t, std::size_t, std::string&)>& produce,
                         const std::function<void(std::size_t, std::string&)>& consume);

// Number of hardware threads (at least 1).
int hardware_threads();

// The number of workers run_ordered will use for these options.
inline int worker_count(const ParallelOptions& o) { return o.threads < 1 ? 1 : o.threads; }

}  // namespace ldnsim::population
