#include "core/error.hpp"

namespace xinzhi {

std::string place(const std::string& file, long line, long column) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (column > 0) out += ":" + std::to_string(column);
  return out;
}

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage: return 1;
    case ErrorKind::input: return 2;
    case ErrorKind::internal: return 3;
  }
  return 3;
}

}  // namespace xinzhi
