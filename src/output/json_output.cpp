#include "ldnsim/output/json_output.hpp"

#ifndef LDNSIM_VERSION
#define LDNSIM_VERSION "unknown"
#endif

namespace ldnsim::json_output {

std::string_view version() { return LDNSIM_VERSION; }

nlohmann::ordered_json envelope(std::string_view command) {
  nlohmann::ordered_json j;
  j["command"] = std::string(command);
  j["ldnsim_version"] = std::string(version());
  j["inputs"] = nlohmann::ordered_json::object();
  j["results"] = nlohmann::ordered_json::object();
  j["warnings"] = nlohmann::ordered_json::array();
  j["evidence"] = nlohmann::ordered_json::array();
  return j;
}

std::string dump(const nlohmann::ordered_json& document) {
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace ldnsim::json_output
