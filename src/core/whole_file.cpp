#include "core/whole_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace xinzhi {

WholeFile::WholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path, errno == ENOENT ? "no such file" : std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(path, S_ISDIR(st.st_mode) ? "is a folder, expected a file" : "not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > kReadLimit) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) throw InputError(path, std::string("cannot be mapped: ") + std::strerror(errno));
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(p);
    mapped_ = true;
    return;
  }
  if (size_ == 0) {
    // procfs and sysfs files say 0 bytes and still have content: read to the end.
    char chunk[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        throw InputError(path, "cannot read: " + why);
      }
      if (n == 0) break;
      bytes_.insert(bytes_.end(), chunk, chunk + n);
    }
    ::close(fd);
    size_ = bytes_.size();
    data_ = bytes_.data();
    return;
  }
  bytes_.resize(size_);  // not zero-filled (see HugePageAllocator::construct)
  std::size_t off = 0;
  while (off < size_) {
    const ssize_t n = ::read(fd, bytes_.data() + off, std::min<std::size_t>(size_ - off, std::size_t{1} << 24));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "the file shrank while being read";
      ::close(fd);
      throw InputError(path, "cannot read: " + why);
    }
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
  data_ = bytes_.data();
}

WholeFile::~WholeFile() {
  if (mapped_ && data_) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace xinzhi
