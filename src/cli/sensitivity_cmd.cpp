#include "common.hpp"
namespace ldnsim::cli {
void add_sensitivity_command(CLI::App&) {}
}
