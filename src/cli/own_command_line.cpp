#include "cli/own_command_line.hpp"

#include "core/fs.hpp"

namespace xinzhi::cli {

std::vector<std::string> own_command_line_without(const std::vector<std::string>& options) {
  const std::string raw = read_file("/proc/self/cmdline");
  std::vector<std::string> args;
  for (size_t pos = 0; pos < raw.size();) {
    size_t end = raw.find('\0', pos);
    if (end == std::string::npos) end = raw.size();
    args.push_back(raw.substr(pos, end - pos));
    pos = end + 1;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    bool drop = false;
    for (const auto& o : options) {
      if (i > 0 && args[i] == o) {
        drop = true;
        ++i;  // and its value
        break;
      }
      if (i > 0 && args[i].rfind(o + "=", 0) == 0) {
        drop = true;
        break;
      }
    }
    if (!drop) out.push_back(args[i]);
  }
  return out;
}

}  // namespace xinzhi::cli
