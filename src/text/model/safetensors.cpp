#include "text/model/safetensors.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace xinzhi::text {

int64_t NamedTensor::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

namespace {

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) mant <<= 1, --exp;
      bits = sign | (exp << 23) | ((mant & 0x3FF) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

std::vector<NamedTensor> read_safetensors(const std::string& path) {
  const std::string bytes = read_file(path);
  auto bad = [&](const std::string& msg) { return InputError(path, "not a valid safetensors file: " + msg); };
  if (bytes.size() < 8) throw bad(fmt::format("{} bytes, shorter than the 8-byte header length", bytes.size()));
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
  if (header_len > bytes.size() - 8)
    throw bad(fmt::format("the header claims {} bytes but the file has only {} after the length", header_len, bytes.size() - 8));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.substr(8, header_len));
  } catch (const nlohmann::json::exception& e) {
    throw bad(fmt::format("the header is not JSON ({})", e.what()));
  }
  if (!header.is_object()) throw bad("the header is not a JSON object");
  const uint64_t data_size = bytes.size() - 8 - header_len;
  const char* data = bytes.data() + 8 + header_len;

  struct Range {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  std::vector<NamedTensor> out;
  for (auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = "tensor '" + name + "'";
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
      throw bad(where + " lacks dtype, shape or data_offsets");
    if (!info["dtype"].is_string()) throw bad(where + ": dtype is not a string");
    const std::string dtype = info["dtype"];
    size_t esize = 0;
    if (dtype == "F32") esize = 4;
    else if (dtype == "F16" || dtype == "BF16") esize = 2;
    else throw bad(fmt::format("{} has dtype {}; xinzhi reads F32, F16 and BF16", where, dtype));
    NamedTensor t;
    t.name = name;
    if (!info["shape"].is_array()) throw bad(where + ": shape is not a list");
    for (auto& d : info["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) throw bad(where + ": shape has a negative or non-integer size");
      t.shape.push_back(d.get<int64_t>());
    }
    const auto& off = info["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw bad(where + ": data_offsets must be [begin, end]");
    const uint64_t b = off[0], e = off[1];
    if (b > e || e > data_size)
      throw bad(fmt::format("{}: data_offsets [{}, {}] fall outside the {} data bytes", where, b, e, data_size));
    const uint64_t n = static_cast<uint64_t>(t.numel());
    if (e - b != n * esize)
      throw bad(fmt::format("{}: {} bytes for shape of {} {} values", where, e - b, n, dtype));
    ranges.push_back({b, e, name});
    t.data.resize(n);
    const char* p = data + b;
    if (esize == 4) {
      std::memcpy(t.data.data(), p, n * 4);  // little-endian host
    } else {
      for (uint64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        if (dtype == "BF16") {
          uint32_t bits = static_cast<uint32_t>(h) << 16;
          std::memcpy(&t.data[i], &bits, 4);
        } else {
          t.data[i] = half_to_float(h);
        }
      }
    }
    out.push_back(std::move(t));
  }
  std::sort(ranges.begin(), ranges.end(), [](auto& a, auto& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].begin < ranges[i - 1].end)
      throw bad(fmt::format("tensors '{}' and '{}' overlap", ranges[i - 1].name, ranges[i].name));
  return out;
}

void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors) {
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    if (static_cast<size_t>(t.numel()) != t.data.size())
      throw InternalError(fmt::format("tensor {}: {} values for its shape", t.name, t.data.size()));
    const uint64_t n = t.data.size() * 4;
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h += ' ';  // the format pads the header to 8-byte alignment
  std::string out(8, '\0');
  uint64_t len = h.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xFF);
  out += h;
  out.reserve(out.size() + offset);
  for (const auto& t : tensors) out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * 4);
  write_file_atomic(path, out);
}

}  // namespace xinzhi::text
