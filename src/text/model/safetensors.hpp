// The safetensors file format (Hugging Face's model.safetensors): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
// data. Reads F32, F16 and BF16 (as float); writes F32 with {"__metadata__":{"format":"pt"}}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xinzhi::text {

struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major, converted to float
  int64_t numel() const;
};

// Every malformed file (truncated, header longer than the file, overlapping or out-of-range
// offsets, unknown dtype, sizes that disagree with shapes) is an InputError naming the file.
std::vector<NamedTensor> read_safetensors(const std::string& path);
// Atomic write (temporary name, fsync, rename), tensors in the given order.
void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors);

}  // namespace xinzhi::text
