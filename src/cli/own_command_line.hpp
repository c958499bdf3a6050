// This process's own command line, as the commands that record it (metrics.json's "command")
// or start copies of themselves (the data-parallel workers of `text train --nproc`) need it.
#pragma once

#include <string>
#include <vector>

namespace xinzhi::cli {

// /proc/self/cmdline without the named options and their values (both "--opt value" and
// "--opt=value"); element 0 is the program as it was invoked.
std::vector<std::string> own_command_line_without(const std::vector<std::string>& options);

}  // namespace xinzhi::cli
