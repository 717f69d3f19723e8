#include "ldnsim/population/parallel.hpp"

#include <pthread.h>
#include <signal.h>
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
  // total 0: not known in advance (jobs read from a stream).
  Progress(bool enabled, std::size_t total, std::string what)
      : enabled_(enabled && ::isatty(2)), total_(total), what_(std::move(what)),
        start_(std::chrono::steady_clock::now()), last_(start_) {}

  void update(std::size_t done) {
    done_ = done;
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    double secs = std::chrono::duration<double>(now - start_).count();
    if (total_ == 0)
      std::fprintf(stderr, "\r%s: %zu %.1f s", what_.c_str(), done, secs);
    else
      std::fprintf(stderr, "\r%s: %zu/%zu (%3.0f%%) %.1f s", what_.c_str(), done, total_,
                   100.0 * static_cast<double>(done) / static_cast<double>(total_), secs);
    std::fflush(stderr);
  }

  ~Progress() {
    if (shown_) {
      std::fprintf(stderr, "\r%s: %zu done in %.1f s\n", what_.c_str(), done_,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
  }

 private:
  bool enabled_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::string what_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

void run(std::size_t total, const ParallelOptions& options,
         const std::function<bool(std::size_t, std::size_t)>& read,
         const std::function<void(std::size_t, std::size_t, std::string&)>& produce,
         const std::function<void(std::size_t, std::string&)>& consume) {
  Progress progress(options.progress, total, options.what);
  const int threads = std::max(1, options.threads);
  if (threads == 1 && !options.poll) {
    std::string buffer;
    for (std::size_t i = 0; read(0, i); ++i) {
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
  std::mutex mutex;        // slots, counters, spare
  std::mutex read_mutex;   // one reader at a time, in job order
  std::condition_variable cv_ready, cv_space;
  std::size_t consumed = 0;
  std::size_t next = 0;
  std::size_t count = static_cast<std::size_t>(-1);  // known once read returns false
  bool stop = false;

  auto publish = [&](std::size_t i, std::string& buffer, std::exception_ptr error) {
    {
      std::lock_guard lock(mutex);
      Slot& s = slots[i % window];
      s.buffer.swap(buffer);
      s.error = error;
      s.ready = true;
    }
    cv_ready.notify_all();
  };

  std::vector<std::thread> pool(static_cast<std::size_t>(threads));
  std::size_t started = 0;   // workers in pool[0, started)
  bool refused = false;      // the system refused a thread: carry on with those running
  std::function<void(std::size_t)> worker;
  // Called with `mutex` held.
  auto start_worker = [&] {
    if (refused || started >= pool.size()) return;
    // Workers take no asynchronous signals (Ctrl-C, termination): the process's handlers
    // (the CLI's clean-up, R's and Python's interrupt flags) run on the calling thread,
    // which polls for them (ParallelOptions::poll). A thread inherits the mask it starts with.
    sigset_t blocked, previous;
    sigemptyset(&blocked);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&blocked, sig);
    pthread_sigmask(SIG_BLOCK, &blocked, &previous);
    try {
      pool[started] = std::thread(worker, started);
      ++started;
    } catch (const std::system_error&) {
      refused = true;
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  };

  worker = [&](std::size_t id) {
    std::string buffer;
    while (true) {
      std::size_t i;
      std::unique_lock reading(read_mutex);
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
      bool more = false;
      std::exception_ptr error;
      try {
        more = read(id, i);
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        if (more && id + 1 == started && !stop) start_worker();
        // The end of the jobs, set before the next reader may look; after a read error the
        // source is not read again.
        if (!more) count = error ? i + 1 : i;
      }
      reading.unlock();
      if (!more) {
        cv_ready.notify_all();
        cv_space.notify_all();
        if (!error) return;
      }
      buffer.clear();
      if (!error) {
        try {
          produce(id, i, buffer);
        } catch (...) {
          error = std::current_exception();
        }
      }
      publish(i, buffer, error);
    }
  };

  // Workers start as jobs appear (one more each time the newest worker has read a job),
  // so a short stream does not start threads it has no work for.
  {
    std::lock_guard lock(mutex);
    start_worker();
  }
  if (started == 0) throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                                            "cannot start a worker thread");
  std::exception_ptr failure;
  auto last_poll = std::chrono::steady_clock::now();
  for (std::size_t i = 0;; ++i) {
    std::string buffer;
    std::exception_ptr error;
    {
      std::unique_lock lock(mutex);
      Slot& s = slots[i % window];
      auto arrived = [&] { return s.ready || i >= count; };
      if (!options.poll) {
        cv_ready.wait(lock, arrived);
      } else {
        // Every 50 ms, whether jobs arrive faster or a job takes longer.
        while (true) {
          if (const auto now = std::chrono::steady_clock::now(); now - last_poll >= std::chrono::milliseconds(50)) {
            last_poll = now;
            lock.unlock();
            try {
              options.poll();
            } catch (...) {
              error = std::current_exception();
            }
            lock.lock();
            if (error) break;
          }
          if (cv_ready.wait_for(lock, std::chrono::milliseconds(50), arrived)) break;
        }
      }
      if (error) {
        stop = true;
        failure = error;
        break;
      }
      if (!s.ready) break;  // i >= count: every job consumed
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
  std::size_t running;
  {
    std::lock_guard lock(mutex);
    stop = true;
    running = started;
  }
  cv_space.notify_all();
  for (std::size_t k = 0; k < running; ++k) pool[k].join();
  if (failure) std::rethrow_exception(failure);
}

Distributor g_distributor = nullptr;

}  // namespace

void set_distributor(Distributor distributor) { g_distributor = distributor; }

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void run_ordered(std::size_t count, const ParallelOptions& options,
                 const std::function<void(std::size_t, std::size_t, std::string&)>& produce,
                 const std::function<void(std::size_t, std::string&)>& consume) {
  const std::function<bool(std::size_t, std::size_t)> read = [count](std::size_t, std::size_t i) { return i < count; };
  if (g_distributor && !options.local_only && g_distributor(options, {count, true, read, produce, consume})) return;
  run(count, options, read, produce, consume);
}

void run_ordered_reading(const ParallelOptions& options,
                         const std::function<bool(std::size_t, std::size_t)>& read,
                         const std::function<void(std::size_t, std::size_t, std::string&)>& produce,
                         const std::function<void(std::size_t, std::string&)>& consume) {
  if (g_distributor && !options.local_only && g_distributor(options, {0, false, read, produce, consume})) return;
  run(0, options, read, produce, consume);
}

}  // namespace ldnsim::population
