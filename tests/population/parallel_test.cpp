// The ordered parallel runner: results consumed strictly in order, bounded look-ahead,
// the lowest failing job's error, and identical output for any thread count.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ldnsim/population/parallel.hpp"

namespace ldnsim::population {
namespace {

TEST(RunOrdered, ConsumesInOrderWhateverTheFinishingOrder) {
  for (int threads : {1, 2, 4}) {
    ParallelOptions o;
    o.threads = threads;
    std::string seen;
    run_ordered(
        50, o,
        [](std::size_t, std::size_t i, std::string& buf) {
          // later jobs finish first
          std::this_thread::sleep_for(std::chrono::microseconds(50 * (50 - i % 7)));
          buf = std::to_string(i) + ",";
        },
        [&](std::size_t, std::string& buf) { seen += buf; });
    std::string expected;
    for (int i = 0; i < 50; ++i) expected += std::to_string(i) + ",";
    EXPECT_EQ(seen, expected) << threads << " threads";
  }
}

TEST(RunOrdered, WorkersStayWithinTheWindowOfTheConsumer) {
  ParallelOptions o;
  o.threads = 3;
  o.window = 4;
  std::atomic<long> consumed{0};
  std::atomic<long> worst{0};
  run_ordered(
      200, o,
      [&](std::size_t, std::size_t i, std::string&) {
        long ahead = static_cast<long>(i) - consumed.load();
        long w = worst.load();
        while (ahead > w && !worst.compare_exchange_weak(w, ahead)) {
        }
      },
      [&](std::size_t, std::string&) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ++consumed;
      });
  EXPECT_LE(worst.load(), 4);  // bounded memory: never more than `window` jobs ahead
}

TEST(RunOrdered, TheLowestFailingJobsErrorWinsAfterEarlierJobsWereConsumed) {
  for (int threads : {1, 3}) {
    ParallelOptions o;
    o.threads = threads;
    std::vector<std::size_t> consumed;
    try {
      run_ordered(
          40, o,
          [](std::size_t, std::size_t i, std::string&) {
            if (i == 17) {
              std::this_thread::sleep_for(std::chrono::milliseconds(20));  // fails late
              throw std::runtime_error("job 17");
            }
            if (i == 23) throw std::runtime_error("job 23");  // fails early
          },
          [&](std::size_t i, std::string&) { consumed.push_back(i); });
      FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "job 17") << threads << " threads";
    }
    ASSERT_EQ(consumed.size(), 17u);
    for (std::size_t i = 0; i < consumed.size(); ++i) EXPECT_EQ(consumed[i], i);
  }
}

TEST(RunOrdered, WorkerIndicesAreWithinTheThreadCount) {
  ParallelOptions o;
  o.threads = 3;
  std::atomic<bool> bad{false};
  run_ordered(
      100, o, [&](std::size_t w, std::size_t, std::string&) { bad = bad || w >= 3; },
      [](std::size_t, std::string&) {});
  EXPECT_FALSE(bad);
}

// A front end's interrupt check (ParallelOptions::poll): called on the calling thread while
// workers run, even for one thread; when it throws, the workers stop after the job they are
// on, are joined, and the exception reaches the caller, with no job after it consumed.
TEST(RunOrdered, APollThatThrowsCancelsTheWorkersCleanly) {
  for (int threads : {1, 2}) {
    const auto caller = std::this_thread::get_id();
    std::atomic<int> produced{0}, polls{0};
    std::size_t consumed = 0;
    bool poll_on_caller = true;
    ParallelOptions o;
    o.threads = threads;
    o.poll = [&] {
      poll_on_caller = poll_on_caller && std::this_thread::get_id() == caller;
      if (++polls >= 3) throw std::runtime_error("interrupted");
    };
    EXPECT_THROW(run_ordered(
                     1000000, o,
                     [&](std::size_t, std::size_t, std::string& b) {
                       ++produced;
                       std::this_thread::sleep_for(std::chrono::milliseconds(20));
                       b = "x";
                     },
                     [&](std::size_t, std::string&) { ++consumed; }),
                 std::runtime_error);
    EXPECT_TRUE(poll_on_caller);
    EXPECT_EQ(polls.load(), 3);
    // About 150 ms of 20 ms jobs: far fewer than a million, and none consumed after.
    EXPECT_LT(produced.load(), 1000);
    EXPECT_LE(consumed, static_cast<std::size_t>(produced.load()));
  }
}

TEST(RunOrderedReading, ReadsInOrderOneAtATimeAndStopsAtTheEndOfTheSource) {
  for (int threads : {1, 2, 4}) {
    ParallelOptions o;
    o.threads = threads;
    std::atomic<int> reading{0};
    std::atomic<bool> overlapped{false};
    std::vector<std::size_t> read_order;
    std::vector<std::string> input(static_cast<std::size_t>(threads));  // per worker
    std::string seen;
    run_ordered_reading(
        o,
        [&](std::size_t w, std::size_t i) {
          if (++reading > 1) overlapped = true;
          read_order.push_back(i);
          std::this_thread::sleep_for(std::chrono::microseconds(20));
          --reading;
          if (i == 37) return false;  // the source has 37 jobs
          input[w] = std::to_string(i);
          return true;
        },
        [&](std::size_t w, std::size_t i, std::string& buf) {
          std::this_thread::sleep_for(std::chrono::microseconds(30 * (7 - i % 7)));
          buf = input[w] + ",";
        },
        [&](std::size_t, std::string& buf) { seen += buf; });
    std::string expected;
    for (int i = 0; i < 37; ++i) expected += std::to_string(i) + ",";
    EXPECT_EQ(seen, expected) << threads << " threads";
    EXPECT_FALSE(overlapped);
    ASSERT_EQ(read_order.size(), 38u);
    for (std::size_t i = 0; i < read_order.size(); ++i) EXPECT_EQ(read_order[i], i);
  }
}

TEST(RunOrderedReading, AReadErrorIsThatJobsErrorAndTheSourceIsNotReadAgain) {
  for (int threads : {1, 3}) {
    ParallelOptions o;
    o.threads = threads;
    std::vector<std::size_t> consumed;
    std::atomic<std::size_t> last_read{0};
    try {
      run_ordered_reading(
          o,
          [&](std::size_t, std::size_t i) {
            last_read = i;
            if (i == 11) throw std::runtime_error("bad record in job 11");
            return true;
          },
          [](std::size_t, std::size_t, std::string&) {},
          [&](std::size_t i, std::string&) { consumed.push_back(i); });
      FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "bad record in job 11");
    }
    EXPECT_EQ(last_read.load(), 11u);
    ASSERT_EQ(consumed.size(), 11u);
  }
}

TEST(RunOrderedReading, WorkersStartOnlyForJobsThatExist) {
  ParallelOptions o;
  o.threads = 16;
  std::mutex m;
  std::set<std::size_t> workers;
  run_ordered_reading(
      o, [](std::size_t, std::size_t i) { return i < 2; },
      [&](std::size_t w, std::size_t, std::string&) {
        std::lock_guard lock(m);
        workers.insert(w);
      },
      [](std::size_t, std::string&) {});
  EXPECT_LE(workers.size(), 2u);
  EXPECT_LE(*workers.rbegin(), 1u);
}

}  // namespace
}  // namespace ldnsim::population
