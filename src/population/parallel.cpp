#include "ldnsim/population/parallel.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace ldnsim::population {
namespace {

class Progress {
 public:
  Progress(bool enabled, std::size_t total, std::string what)
      : enabled_(enabled && ::isatty(2)), total_(total), what_(std::move(what)),
        start_(std::chrono::steady_clock::now()), last_(start_) {}

  void update(std::size_t done) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%s: %zu/%zu (%3.0f%%) %.1f s", what_.c_str(), done, total_,
                 100.0 * static_cast<double>(done) / static_cast<double>(total_ ? total_ : 1), secs);
    std::fflush(stderr);
  }

  ~Progress() {
    if (shown_) {
      std::fprintf(stderr, "\r%s: %zu/%zu done in %.1f s\n", what_.c_str(), total_, total_,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
  }

 private:
  bool enabled_;
  std::size_t total_;
  std::string what_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

}  // namespace

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void run_ordered(std::size_t count, const ParallelOptions& options,
                 const std::function<void(std::size_t, std::size_t, std::string&)>& produce,
                 const std::function<void(std::size_t, std::string&)>& consume) {
  Progress progress(options.progress, count, options.what);
  const int threads = std::max(1, options.threads);
  if (threads == 1) {
    std::string buffer;
    for (std::size_t i = 0; i < count; ++i) {
      buffer.clear();
      produce(0, i, buffer);
      consume(i, buffer);
      progress.update(i + 1);
    }
    return;
  }
  const std::size_t window = options.window ? options.window : 4 * static_cast<std::size_t>(threads);
  struct Slot {
    bool ready = false;
    std::string buffer;
    std::exception_ptr error;
  };
  std::vector<Slot> slots(window);
  std::vector<std::string> spare;  // recycled buffers keep their capacity
  std::mutex mutex;
  std::condition_variable cv_ready, cv_space;
  std::size_t consumed = 0;
  std::size_t next = 0;
  bool stop = false;

  auto worker = [&](std::size_t id) {
    std::string buffer;
    while (true) {
      std::size_t i;
      {
        std::unique_lock lock(mutex);
        cv_space.wait(lock, [&] { return stop || next >= count || next < consumed + window; });
        if (stop || next >= count) return;
        i = next++;
        if (!spare.empty()) {
          buffer = std::move(spare.back());
          spare.pop_back();
        }
      }
      buffer.clear();
      std::exception_ptr error;
      try {
        produce(id, i, buffer);
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        Slot& s = slots[i % window];
        s.buffer.swap(buffer);
        s.error = error;
        s.ready = true;
      }
      cv_ready.notify_all();
    }
  };

  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  try {
    for (int k = 0; k < threads; ++k) pool.emplace_back(worker, static_cast<std::size_t>(k));
  } catch (const std::system_error&) {
    // The system refused a thread: carry on with those already running, or fail cleanly.
    if (pool.empty()) throw;
  }
  std::exception_ptr failure;
  for (std::size_t i = 0; i < count; ++i) {
    std::string buffer;
    std::exception_ptr error;
    {
      std::unique_lock lock(mutex);
      Slot& s = slots[i % window];
      cv_ready.wait(lock, [&] { return s.ready; });
      buffer.swap(s.buffer);
      error = s.error;
      s.ready = false;
      s.error = nullptr;
    }
    if (!error) {
      try {
        consume(i, buffer);
      } catch (...) {
        error = std::current_exception();
      }
    }
    {
      std::lock_guard lock(mutex);
      ++consumed;
      if (error) stop = true;
      buffer.clear();
      spare.push_back(std::move(buffer));
    }
    cv_space.notify_all();
    if (error) {
      failure = error;
      break;
    }
    progress.update(i + 1);
  }
  {
    std::lock_guard lock(mutex);
    stop = true;
  }
  cv_space.notify_all();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace ldnsim::population
