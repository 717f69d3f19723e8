// A job's result packed into run_ordered's buffer and unpacked in consume, so it can
// travel between processes (src/distributed) bit for bit: numbers are copied as their
// bytes, never formatted.
#pragma once

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace ldnsim::population {

class BytesWriter {
 public:
  explicit BytesWriter(std::string& out) : out_(out) {}
  template <class T>
    requires std::is_arithmetic_v<T>
  void put(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put(const std::string& s) {
    put<std::size_t>(s.size());
    out_ += s;
  }
  template <class T>
  void put(const std::vector<T>& v) {
    put<std::size_t>(v.size());
    if constexpr (std::is_arithmetic_v<T>) {
      out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    } else {
      for (const T& x : v) put(x);
    }
  }

 private:
  std::string& out_;
};

class BytesReader {
 public:
  explicit BytesReader(const std::string& in) : in_(in) {}
  template <class T>
    requires std::is_arithmetic_v<T>
  void get(T& v) {
    need(sizeof v);
    std::memcpy(&v, in_.data() + at_, sizeof v);
    at_ += sizeof v;
  }
  void get(std::string& s) {
    std::size_t n = 0;
    get(n);
    need(n);
    s.assign(in_, at_, n);
    at_ += n;
  }
  template <class T>
  void get(std::vector<T>& v) {
    std::size_t n = 0;
    get(n);
    if constexpr (std::is_arithmetic_v<T>) {
      need(n * sizeof(T));
      v.resize(n);
      if (n) std::memcpy(v.data(), in_.data() + at_, n * sizeof(T));
      at_ += n * sizeof(T);
    } else {
      if (n > in_.size() - at_) throw std::runtime_error("result buffer too short");
      v.resize(n);
      for (T& x : v) get(x);
    }
  }

 private:
  void need(std::size_t n) const {
    if (n > in_.size() - at_) throw std::runtime_error("result buffer too short");
  }
  const std::string& in_;
  std::size_t at_ = 0;
};

}  // namespace ldnsim::population
