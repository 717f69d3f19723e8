// Error types shared by every layer. Each carries enough context for a user to find the
// problem without a debugger: a file position for model and data errors, a subject, time
// and state for solver failures.
#pragma once

#include <stdexcept>
#include <string>

namespace ldnsim {

// Base of all errors ldnsim reports to users; what() is the complete, printable message.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A position in a text file, 1-based; column 0 means "whole line".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const;  // "file:line:column" (omitting parts that are unknown)
};

// An error in a model (.ldn) file: syntax, unknown names, cycles, ...
class ModelError : public Error {
 public:
  ModelError(SourceLocation where, const std::string& message);
  const SourceLocation& where() const { return where_; }

 private:
  SourceLocation where_;
};

// An error in an input data set or specification file, naming the record and field.
class InputError : public Error {
 public:
  using Error::Error;
};

// A numerical failure while simulating one subject.
class SolverError : public Error {
 public:
  using Error::Error;
};

// A bad command-line value or option combination.
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace ldnsim
