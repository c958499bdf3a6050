// File helpers for writes that must survive a crash: write to a temporary name in the same
// folder, fsync it, rename it over the target, fsync the folder.
#pragma once

#include <string>
#include <string_view>

namespace xinzhi {

void write_file_atomic(const std::string& path, std::string_view content);
// Reads a whole file; a missing or unreadable file is an InputError naming it.
std::string read_file(const std::string& path);
// fsync a folder so that a rename inside it is durable.
void fsync_dir(const std::string& dir);

}  // namespace xinzhi
