// The one exception family of xinzhi: every failure carries a kind (which decides the exit
// code) and, for bad input, the place it was found (file:line:column, a YAML key path, a topic).
#pragma once

#include <stdexcept>
#include <string>

namespace xinzhi {

enum class ErrorKind {
  usage,     // the command line is wrong            -> exit 1
  input,     // a file, config or payload is wrong   -> exit 2
  internal,  // a bug or an environment failure      -> exit 3
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string place, const std::string& message)
      : std::runtime_error(place.empty() ? message : place + ": " + message),
        kind_(kind),
        place_(std::move(place)),
        message_(message) {}

  ErrorKind kind() const noexcept { return kind_; }
  const std::string& place() const noexcept { return place_; }
  const std::string& message() const noexcept { return message_; }

 private:
  ErrorKind kind_;
  std::string place_;
  std::string message_;
};

// Shorthands: InputError("plant.yaml:12:3", "unknown key 'speeed'").
inline Error InputError(std::string place, const std::string& message) {
  return Error(ErrorKind::input, std::move(place), message);
}
inline Error UsageError(const std::string& message) { return Error(ErrorKind::usage, "", message); }
inline Error InternalError(const std::string& message) {
  return Error(ErrorKind::internal, "", message);
}

// "file:line" or "file:line:column" for messages.
std::string place(const std::string& file, long line, long column = 0);

// The process exit code for an error kind.
int exit_code(ErrorKind kind);

}  // namespace xinzhi
