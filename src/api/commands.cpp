#include "ldnsim/api/commands.hpp"

#include "ldnsim/api/frontend.hpp"
#include "ldnsim/cli/commands.hpp"
#include "ldnsim/population/parallel.hpp"
#include "ldnsim/output/json_output.hpp"

namespace ldnsim::api {

std::string command_json(const std::vector<std::string>& args, const std::function<void()>& poll) {
  initialise();
  population::PollScope scope(poll);
  return json_output::dump(cli::run_json(args));
}

}  // namespace ldnsim::api
