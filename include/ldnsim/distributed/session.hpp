// Running ldnsim under mpirun (or srun): every rank runs the same command; the independent
// jobs of population::run_ordered (subjects, replicates, draws) are spread over the ranks
// in chunks handed out on demand, each rank running its chunks on its own thread pool, and
// every rank consumes the results in job order, so the state built from them is the same
// everywhere and rank 0, the only rank that writes, writes exactly what one process would.
// Science code does not see MPI: it calls run_ordered as always (docs/scale.md).
#pragma once

#include <string>

namespace ldnsim::distributed {

// True when ldnsim was built with MPI.
bool built_with_mpi();

// One per process, created first thing in main(). Started by mpirun/srun (the launcher's
// environment says so), it initialises MPI and, on ranks other than 0, discards output
// files, standard output and standard error; started any other way it does nothing, and
// ldnsim behaves as a single process.
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Called with main's exit status; returns the process's exit status. Under MPI it waits
  // for every rank, and rank 0 returns the first failure of any rank (named, on stderr),
  // the others 0; then MPI is finalised.
  int finish(int status);

  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0;
  int size_ = 1;
  bool active_ = false;
  bool finished_ = false;
};

// The process's rank and the number of ranks (0 and 1 without MPI).
int rank();
int size();

}  // namespace ldnsim::distributed
