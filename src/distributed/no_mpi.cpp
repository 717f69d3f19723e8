// A build without MPI (cmake -DLDNSIM_MPI=OFF, or no MPI found): one process, as always.
#include "ldnsim/distributed/session.hpp"

namespace ldnsim::distributed {

bool built_with_mpi() { return false; }
int rank() { return 0; }
int size() { return 1; }

Session::Session(int&, char**&) {}
Session::~Session() = default;
int Session::finish(int status) { return status; }

}  // namespace ldnsim::distributed
