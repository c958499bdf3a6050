#include "twin/output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/error.hpp"

namespace xinzhi::twin {

OutputFile::OutputFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError(path, std::string("cannot write: ") + std::strerror(errno));
  buf_.reserve(kFlushAt + 4096);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void OutputFile::flush() {
  std::size_t off = 0;
  while (off < buf_.size()) {
    const ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(path_, std::string("write failed: ") + std::strerror(errno));
    }
    off += static_cast<std::size_t>(n);
  }
  written_ += buf_.size();
  buf_.clear();
}

void OutputFile::truncate(std::uint64_t size) {
  flush();
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
    throw InputError(path_, std::string("cannot truncate: ") + std::strerror(errno));
  written_ = size;
  ::lseek(fd_, static_cast<off_t>(size), SEEK_SET);
}

void OutputFile::close() {
  if (fd_ < 0) return;
  flush();
  if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
    fd_ = -1;
    throw InputError(path_, std::string("write failed: ") + std::strerror(errno));
  }
  fd_ = -1;
}

void append_fixed(std::string& out, double value, int decimals) {
  static constexpr double kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  if (!std::isfinite(value)) {
    out += "0";
    return;
  }
  long long scaled = std::llround(value * kPow10[decimals]);
  if (scaled < 0) {
    out += '-';
    scaled = -scaled;
  }
  char tmp[32];
  int n = 0;
  for (int i = 0; i < decimals; ++i) tmp[n++] = static_cast<char>('0' + scaled % 10), scaled /= 10;
  if (decimals > 0) tmp[n++] = '.';
  do tmp[n++] = static_cast<char>('0' + scaled % 10), scaled /= 10;
  while (scaled > 0);
  while (n > 0) out += tmp[--n];
}

void append_csv_field(std::string& out, const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace xinzhi::twin
