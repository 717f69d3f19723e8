// A bad value of a named input of a library request (PowerOptions::n, Regimen::days,
// ServeOptions::port, ...). Library layers name their own inputs, never a front end's
// options: `field` is the request's name for the input and what() reads field + detail
// ("replicates 5: expected at least 10"). Each front end maps the field to its own
// spelling (the CLI in cli/main.cpp: "--replicates 5: expected at least 10").
#pragma once

#include <string>
#include <utility>

#include "ldnsim/core/error.hpp"

namespace ldnsim {

class ArgumentError : public UsageError {
 public:
  ArgumentError(std::string field, std::string detail)
      : UsageError(field + detail), field_(std::move(field)), detail_(std::move(detail)) {}
  const std::string& field() const { return field_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string field_, detail_;
};

}  // namespace ldnsim
