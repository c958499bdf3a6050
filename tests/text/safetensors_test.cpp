// The safetensors reader and writer, and each malformed file giving one clear InputError.
#include <algorithm>
#include <cstring>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "support/test_support.hpp"
#include "text/model/safetensors.hpp"

using namespace xinzhi::text;
using xinzhi::testing::TempDir;

namespace {
std::string file_with(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}
std::string expect_input_error(const std::string& path) {
  try {
    read_safetensors(path);
  } catch (const xinzhi::Error& e) {
    EXPECT_EQ(e.kind(), xinzhi::ErrorKind::input);
    return e.what();
  }
  ADD_FAILURE() << "no error for " << path;
  return "";
}
}  // namespace

TEST(Safetensors, RoundTripF32) {
  TempDir dir;
  std::vector<NamedTensor> t = {{"a.weight", {2, 3}, {1, 2, 3, 4, 5, -6.5f}}, {"b", {1}, {0.25f}}};
  write_safetensors(dir / "m.safetensors", t);
  auto back = read_safetensors(dir / "m.safetensors");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].name, "a.weight");
  EXPECT_EQ(back[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(back[0].data, t[0].data);
  EXPECT_EQ(back[1].data, t[1].data);
  auto raw = xinzhi::testing::read_text(dir / "m.safetensors");
  EXPECT_NE(raw.find("\"__metadata__\":{\"format\":\"pt\"}"), std::string::npos);
  EXPECT_EQ((raw.size() - 28) % 8, 0u);  // header padded so the data is 8-byte aligned
}

TEST(Safetensors, ReadsF16AndBF16) {
  TempDir dir;
  // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800; BF16: 1.0 = 0x3F80, -3.0 = 0xC040
  std::string f16("\x00\x3C\x00\xC0\x00\x38", 6), bf16("\x80\x3F\x40\xC0", 4);
  xinzhi::testing::write_text(dir / "h.safetensors",
      file_with(R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]}})", f16 + bf16));
  auto t = read_safetensors(dir / "h.safetensors");
  ASSERT_EQ(t.size(), 2u);
  std::sort(t.begin(), t.end(), [](auto& a, auto& b) { return a.name > b.name; });
  EXPECT_EQ(t[0].name, "h");
  EXPECT_EQ(t[0].data, (std::vector<float>{1.0f, -2.0f, 0.5f}));
  EXPECT_EQ(t[1].data, (std::vector<float>{1.0f, -3.0f}));
}

TEST(Safetensors, MalformedFilesAreClearErrors) {
  TempDir dir;
  const std::string good = file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", std::string(8, '\0'));
  xinzhi::testing::write_text(dir / "trunc.safetensors", good.substr(0, good.size() - 3));
  EXPECT_NE(expect_input_error(dir / "trunc.safetensors").find("outside"), std::string::npos);
  xinzhi::testing::write_text(dir / "short.safetensors", "abc");
  EXPECT_NE(expect_input_error(dir / "short.safetensors").find("shorter"), std::string::npos);
  std::string longhdr = good;
  uint64_t huge = 1 << 20;
  std::memcpy(longhdr.data(), &huge, 8);
  xinzhi::testing::write_text(dir / "long.safetensors", longhdr);
  EXPECT_NE(expect_input_error(dir / "long.safetensors").find("header claims"), std::string::npos);
  xinzhi::testing::write_text(dir / "overlap.safetensors",
      file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", std::string(12, '\0')));
  EXPECT_NE(expect_input_error(dir / "overlap.safetensors").find("overlap"), std::string::npos);
  xinzhi::testing::write_text(dir / "dtype.safetensors",
      file_with(R"({"a":{"dtype":"I8","shape":[2],"data_offsets":[0,2]}})", std::string(2, '\0')));
  EXPECT_NE(expect_input_error(dir / "dtype.safetensors").find("I8"), std::string::npos);
  xinzhi::testing::write_text(dir / "size.safetensors",
      file_with(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')));
  EXPECT_NE(expect_input_error(dir / "size.safetensors").find("shape"), std::string::npos);
}
