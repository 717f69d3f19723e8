// The ordered parallel runner: results consumed strictly in order, bounded look-ahead,
// the lowest failing job's error, and identical output for any thread count.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

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

}  // namespace
}  // namespace ldnsim::population
