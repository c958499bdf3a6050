#include "core/config.hpp"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi {

namespace {

std::string mark_place(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return file;
  return place(file, mark.line + 1, mark.column + 1);
}

std::string describe(const YAML::Node& node) {
  if (!node || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

template <typename T>
T convert_scalar(const YAML::Node& node, const ConfigNode& at, const std::string& key);

template <>
std::string convert_scalar<std::string>(const YAML::Node& node, const ConfigNode& at, const std::string& key) {
  if (!node.IsScalar()) at.fail_at(key, "expected text, got " + describe(node));
  return node.Scalar();
}

template <>
double convert_scalar<double>(const YAML::Node& node, const ConfigNode& at, const std::string& key) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0 && std::isfinite(v)) return v;
  }
  at.fail_at(key, "expected a number, got " + describe(node));
}

template <>
std::int64_t convert_scalar<std::int64_t>(const YAML::Node& node, const ConfigNode& at, const std::string& key) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0) return v;
  }
  at.fail_at(key, "expected a whole number, got " + describe(node));
}

template <>
int convert_scalar<int>(const YAML::Node& node, const ConfigNode& at, const std::string& key) {
  const std::int64_t v = convert_scalar<std::int64_t>(node, at, key);
  if (v < INT32_MIN || v > INT32_MAX) at.fail_at(key, fmt::format("{} is out of range", v));
  return static_cast<int>(v);
}

template <>
bool convert_scalar<bool>(const YAML::Node& node, const ConfigNode& at, const std::string& key) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  at.fail_at(key, "expected true or false, got " + describe(node));
}

template <>
std::vector<std::string> convert_scalar<std::vector<std::string>>(const YAML::Node& node, const ConfigNode& at,
                                                                  const std::string& key) {
  if (!node.IsSequence()) at.fail_at(key, "expected a list, got " + describe(node));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(convert_scalar<std::string>(node[i], at, fmt::format("{}[{}]", key, i)));
  return out;
}

template <>
std::vector<double> convert_scalar<std::vector<double>>(const YAML::Node& node, const ConfigNode& at,
                                                        const std::string& key) {
  if (!node.IsSequence()) at.fail_at(key, "expected a list of numbers, got " + describe(node));
  std::vector<double> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(convert_scalar<double>(node[i], at, fmt::format("{}[{}]", key, i)));
  return out;
}

}  // namespace

ConfigNode ConfigNode::load_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path, "no such file");
  if (std::filesystem::is_directory(path, ec)) throw InputError(path, "is a folder, expected a YAML file");
  try {
    return ConfigNode(YAML::LoadFile(path), path, "");
  } catch (const YAML::BadFile&) {
    throw InputError(path, "cannot be read");
  } catch (const YAML::Exception& e) {
    throw InputError(mark_place(path, e.mark), "not valid YAML: " + e.msg);
  }
}

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& name) {
  try {
    return ConfigNode(YAML::Load(text), name, "");
  } catch (const YAML::Exception& e) {
    throw InputError(mark_place(name, e.mark), "not valid YAML: " + e.msg);
  }
}

ConfigNode::ConfigNode(YAML::Node node, std::string file, std::string key_path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(key_path)),
      used_(std::make_shared<std::set<std::string>>()) {}

std::string ConfigNode::child_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::string ConfigNode::place() const { return mark_place(file_, node_ ? node_.Mark() : YAML::Mark::null_mark()); }

std::string ConfigNode::place_of(const std::string& key) const {
  YAML::Node n = node_.IsMap() ? node_[key] : YAML::Node();
  if (n && !n.Mark().is_null()) return mark_place(file_, n.Mark());
  return place();
}

void ConfigNode::fail(const std::string& message) const {
  throw InputError(place(), (path_.empty() ? std::string() : path_ + ": ") + message);
}

void ConfigNode::fail_at(const std::string& key, const std::string& message) const {
  throw InputError(place_of(key.substr(0, key.find('['))), child_path(key) + ": " + message);
}

bool ConfigNode::has(const std::string& key) const {
  return node_.IsMap() && node_[key] && !node_[key].IsNull();
}

YAML::Node ConfigNode::lookup(const std::string& key) const {
  if (!node_.IsMap()) {
    if (is_null()) fail("expected a map with '" + key + "', got nothing");
    fail("expected a map, got " + describe(node_));
  }
  used_->insert(key);
  return node_[key];
}

template <typename T>
T ConfigNode::get(const std::string& key, const T& fallback) const {
  if (is_null()) return fallback;
  YAML::Node n = lookup(key);
  if (!n || n.IsNull()) return fallback;
  return convert_scalar<T>(n, *this, key);
}

template <typename T>
T ConfigNode::require(const std::string& key) const {
  YAML::Node n = lookup(key);
  if (!n || n.IsNull()) fail("missing required key '" + key + "'");
  return convert_scalar<T>(n, *this, key);
}

template <typename T>
T ConfigNode::as() const {
  if (!node_.IsScalar() && !std::is_same_v<T, std::vector<std::string>> && !std::is_same_v<T, std::vector<double>>)
    fail("expected a value, got " + describe(node_));
  return convert_scalar<T>(node_, *this, "");
}

#define XINZHI_CONFIG_TYPES(X) \
  X(std::string) X(std::int64_t) X(int) X(double) X(bool) X(std::vector<std::string>) X(std::vector<double>)
#define XINZHI_INSTANTIATE(T)                                                 \
  template T ConfigNode::get<T>(const std::string&, const T&) const;          \
  template T ConfigNode::require<T>(const std::string&) const;                \
  template T ConfigNode::as<T>() const;
XINZHI_CONFIG_TYPES(XINZHI_INSTANTIATE)
#undef XINZHI_INSTANTIATE
#undef XINZHI_CONFIG_TYPES

ConfigNode ConfigNode::child(const std::string& key) const {
  YAML::Node n = lookup(key);
  if (!n || n.IsNull()) fail("missing required key '" + key + "'");
  if (!n.IsMap()) fail_at(key, "expected a map, got " + describe(n));
  return ConfigNode(n, file_, child_path(key));
}

std::optional<ConfigNode> ConfigNode::optional_child(const std::string& key) const {
  if (is_null()) return std::nullopt;
  YAML::Node n = lookup(key);
  if (!n || n.IsNull()) return std::nullopt;
  if (!n.IsMap()) fail_at(key, "expected a map, got " + describe(n));
  return ConfigNode(n, file_, child_path(key));
}

std::vector<ConfigNode> ConfigNode::sequence(const std::string& key) const {
  YAML::Node n = lookup(key);
  if (!n || n.IsNull()) fail("missing required key '" + key + "'");
  if (!n.IsSequence()) fail_at(key, "expected a list, got " + describe(n));
  std::vector<ConfigNode> out;
  for (std::size_t i = 0; i < n.size(); ++i)
    out.emplace_back(n[i], file_, fmt::format("{}[{}]", child_path(key), i));
  return out;
}

std::vector<ConfigNode> ConfigNode::elements() const {
  if (!node_.IsSequence()) fail("expected a list, got " + describe(node_));
  std::vector<ConfigNode> out;
  for (std::size_t i = 0; i < node_.size(); ++i) out.emplace_back(node_[i], file_, fmt::format("{}[{}]", path_, i));
  return out;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  if (!node_.IsMap()) return out;
  for (const auto& kv : node_) out.push_back(kv.first.Scalar());
  return out;
}

void ConfigNode::finish() const {
  if (!node_.IsMap()) return;
  std::vector<std::string> known(used_->begin(), used_->end());
  for (const auto& kv : node_) {
    const std::string key = kv.first.Scalar();
    if (used_->count(key)) continue;
    std::string hint;
    if (!known.empty()) hint = " (known keys here: " + fmt::format("{}", fmt::join(known, ", ")) + ")";
    throw InputError(mark_place(file_, kv.first.Mark()), "unknown key '" + child_path(key) + "'" + hint);
  }
}

}  // namespace xinzhi
