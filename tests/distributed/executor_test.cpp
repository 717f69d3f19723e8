// The MPI executor behind population::run_ordered, run under mpirun -np 1, 2 and 3 (and
// alone): every rank consumes every job's buffer in job order; jobs of uneven cost are
// balanced by the chunks handed out on demand; a source of unknown length ends where it
// ends; the lowest failing job's error wins, named with its rank and index, after the
// jobs before it; a nested run stays on its rank. Prints "N passed, M failed" on rank 0.
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/distributed/session.hpp"
#include "ldnsim/population/parallel.hpp"

namespace {

using ldnsim::population::ParallelOptions;
using ldnsim::population::run_ordered;
using ldnsim::population::run_ordered_reading;

int failures = 0, passes = 0;

void check(bool ok, const std::string& what) {
  if (ok) {
    ++passes;
    return;
  }
  ++failures;
  std::fprintf(stderr, "rank %d: FAILED: %s\n", ldnsim::distributed::rank(), what.c_str());
}

// Every rank sees every job's bytes in order, for any thread count.
void ordered_everywhere() {
  for (int threads : {1, 2}) {
    ParallelOptions o;
    o.threads = threads;
    std::string seen;
    run_ordered(
        200, o,
        [](std::size_t, std::size_t i, std::string& buf) {
          if (i % 13 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
          buf = std::to_string(i * i) + ";";
        },
        [&](std::size_t i, std::string& buf) { seen += std::to_string(i) + ":" + buf; });
    std::string expected;
    for (std::size_t i = 0; i < 200; ++i) expected += std::to_string(i) + ":" + std::to_string(i * i) + ";";
    check(seen == expected, "ordered results on every rank, " + std::to_string(threads) + " threads");
  }
}

// Uneven jobs: those that rank 1 draws are 20 times slower. With chunks handed out on
// demand the fast ranks take most of the jobs (a fixed split would give each rank its
// share); the count of jobs run per rank comes back through the buffers.
void balances_uneven_jobs() {
  const int size = ldnsim::distributed::size();
  if (size < 2) return;
  ParallelOptions o;
  o.threads = 1;
  std::vector<int> ran_by(static_cast<std::size_t>(size), 0);
  run_ordered(
      240, o,
      [](std::size_t, std::size_t, std::string& buf) {
        const int r = ldnsim::distributed::rank();
        std::this_thread::sleep_for(std::chrono::microseconds(r == 1 ? 4000 : 200));
        buf = std::to_string(r);
      },
      [&](std::size_t, std::string& buf) { ++ran_by[static_cast<std::size_t>(std::stoi(buf))]; });
  const double fair = 240.0 / size;
  check(ran_by[1] < 0.5 * fair, "the slow rank ran " + std::to_string(ran_by[1]) + " of 240 jobs (a fixed split: " +
                                    std::to_string(static_cast<int>(fair)) + ")");
  if (ldnsim::distributed::rank() == 0) {
    std::printf("load balance, 240 jobs, rank 1 twenty times slower:");
    for (int r = 0; r < size; ++r) std::printf(" rank %d ran %d", r, ran_by[static_cast<std::size_t>(r)]);
    std::printf("\n");
  }
}

// A source of unknown length (a data set read subject by subject) ends where it ends.
void unknown_length() {
  ParallelOptions o;
  o.threads = 2;
  std::vector<int> read_by_worker(2, -1);
  std::size_t consumed = 0;
  bool in_order = true;
  run_ordered_reading(
      o,
      [&](std::size_t worker, std::size_t i) {
        if (i >= 37) return false;
        read_by_worker[worker] = static_cast<int>(i);
        return true;
      },
      [&](std::size_t worker, std::size_t i, std::string& buf) {
        if (read_by_worker[worker] != static_cast<int>(i)) throw std::runtime_error("read and produce disagree");
        buf = std::to_string(i);
      },
      [&](std::size_t i, std::string& buf) {
        in_order = in_order && i == consumed && buf == std::to_string(i);
        ++consumed;
      });
  check(consumed == 37 && in_order, "a source of 37 jobs: consumed " + std::to_string(consumed));
}

// The lowest failing job's error, after the jobs before it, named with rank and index; the
// next run works again.
void lowest_error_wins() {
  ParallelOptions o;
  o.threads = 2;
  o.what = "replicates";
  std::size_t consumed = 0;
  std::string message;
  bool solver = false;
  try {
    run_ordered(
        100, o,
        [](std::size_t, std::size_t i, std::string& buf) {
          if (i == 71 || i == 90) throw ldnsim::SolverError("job " + std::to_string(i) + " failed");
          buf = "x";
        },
        [&](std::size_t, std::string&) { ++consumed; });
  } catch (const ldnsim::SolverError& e) {
    solver = true;
    message = e.what();
  } catch (const ldnsim::Error&) {
    // Ranks other than 0 are stopped by rank 0, which reports the failure.
  }
  if (ldnsim::distributed::rank() == 0) {
    const bool named = ldnsim::distributed::size() == 1
                           ? message == "job 71 failed"
                           : message.find(", replicate index 71: job 71 failed") != std::string::npos &&
                                 message.rfind("rank ", 0) == 0;
    check(solver && named && consumed == 71, "the first error: '" + message + "' after " + std::to_string(consumed));
  }
}

// A run inside a job stays on the rank that runs the job.
void nested_runs_stay_local() {
  ParallelOptions o;
  o.threads = 2;
  std::string seen;
  run_ordered(
      9, o,
      [](std::size_t, std::size_t i, std::string& buf) {
        ParallelOptions inner;
        inner.threads = 1;
        std::string s;
        run_ordered(
            3, inner, [i](std::size_t, std::size_t k, std::string& b) { b = std::to_string(i * 10 + k); },
            [&](std::size_t, std::string& b) { s += b + ","; });
        buf = s;
      },
      [&](std::size_t, std::string& buf) { seen += buf; });
  std::string expected;
  for (int i = 0; i < 9; ++i)
    for (int k = 0; k < 3; ++k) expected += std::to_string(i * 10 + k) + ",";
  check(seen == expected, "nested runs");
}

}  // namespace

int main(int argc, char** argv) {
  ldnsim::distributed::Session session(argc, argv);
  ordered_everywhere();
  balances_uneven_jobs();
  unknown_length();
  lowest_error_wins();
  ordered_everywhere();  // after a failed run, runs work again
  nested_runs_stay_local();
  int total_failures = failures, total_passes = passes;
  if (session.size() > 1) {
    // Ranks other than 0 have their stderr set aside: sum the counts on rank 0.
    MPI_Allreduce(&failures, &total_failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&passes, &total_passes, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  }
  if (session.rank() == 0) std::printf("%d passed, %d failed\n", total_passes, total_failures);
  return session.finish(total_failures == 0 ? 0 : 1);
}
