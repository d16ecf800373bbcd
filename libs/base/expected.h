#pragma once
// A value or an error: the small stand-in for std::expected, which GCC 12 does
// not ship in C++20. Runtime failures travel as values through this type.

#include <optional>
#include <string>
#include <utility>

namespace base {

template <typename E>
struct Unexpected {
  E error;
};
template <typename E>
Unexpected<std::decay_t<E>> unexpected(E&& error) {
  return {std::forward<E>(error)};
}

template <typename T, typename E = std::string>
class Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}
  template <typename G>
  Expected(Unexpected<G> error) : error_(std::move(error.error)) {}
  Expected(E error) requires(!std::is_convertible_v<E, T>) : error_(std::move(error)) {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }
  const E& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<E> error_;
};

}  // namespace base
