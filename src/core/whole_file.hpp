// The one whole-file reader: a file's bytes in memory, read with read() into huge-page memory
// (in a virtual machine 2-3x faster than faulting in a memory map: 0.07 s against 0.14-0.20 s
// for 47 MB), or memory-mapped when the file is larger than the read limit, so that a file of
// many gigabytes does not need as much memory. A missing, unreadable or non-regular file is an
// InputError naming it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/huge_pages.hpp"

namespace xinzhi {

class WholeFile {
 public:
  static constexpr std::size_t kReadLimit = std::size_t{1} << 30;  // larger files are mapped
  explicit WholeFile(const std::string& path);
  ~WholeFile();
  WholeFile(const WholeFile&) = delete;
  WholeFile& operator=(const WholeFile&) = delete;

  std::string_view view() const { return {data_, size_}; }
  std::size_t size() const { return size_; }

 private:
  BigVector<char> bytes_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
};

}  // namespace xinzhi
