// Process-wide logging setup: human-readable lines or one JSON object per line, to stderr
// and optionally to a run folder's log file.
#pragma once

#include <string>

namespace xinzhi {

enum class LogFormat { text, json };

void setup_logging(LogFormat format, bool quiet);
// Adds a file sink (a run folder's run.log); returns when the file is open.
void add_log_file(const std::string& path);
void remove_log_files();

}  // namespace xinzhi
