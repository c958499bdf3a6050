// `xinzhi learn detect`: placeholder until the streaming detector lands (see issue 12).
#include "cli/learn_commands.hpp"

namespace xinzhi::cli {

void add_learn_detect_command(CLI::App&) {}

}  // namespace xinzhi::cli
