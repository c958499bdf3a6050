// A file written through one large buffer with hand-made number and time formatting: the twin
// writes tens of millions of rows, so nothing here goes through iostreams.
#pragma once

#include <cstdint>
#include <string>

#include "core/time.hpp"

namespace xinzhi::twin {

class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Append to buf(), then call maybe_flush() now and then.
  std::string& buf() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) flush();
  }
  void flush();
  // Cuts the file to `size` bytes (everything appended so far counts).
  void truncate(std::uint64_t size);
  // Flushes, fsyncs and closes; errors become InputError naming the file.
  void close();
  std::uint64_t size() const { return written_ + buf_.size(); }
  const std::string& path() const { return path_; }

 private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::string path_;
  std::string buf_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
};

// "-12.50" for (-12.5, 2); no "-0.00".
void append_fixed(std::string& out, double value, int decimals);
// The 24 characters of format_iso8601.
inline void append_ts(std::string& out, TimestampMs ms) {
  char b[24];
  format_iso8601(ms, b);
  out.append(b, 24);
}
// A CSV field, quoted when it holds a comma, quote or line break.
void append_csv_field(std::string& out, const std::string& field);

}  // namespace xinzhi::twin
