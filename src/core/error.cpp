#include "ldnsim/core/error.hpp"

#include "ldnsim/core/text.hpp"

namespace ldnsim {

std::string SourceLocation::str() const {
  std::string s = file.empty() ? std::string("<input>") : printable(file, 240);
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

ModelError::ModelError(SourceLocation where, const std::string& message)
    : Error(where.str() + ": error: " + message), where_(std::move(where)) {}

}  // namespace ldnsim
