// YAML configuration with strict checking: every key read is recorded, and finish() rejects
// the keys nobody read. Errors name the file, line, column and key path
// ("plant.yaml:12:5: machines[2].rate: expected a number, got 'fast'").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace xinzhi {

class ConfigNode {
 public:
  // Reads and parses a YAML file; a missing file or bad YAML is an InputError with the place.
  static ConfigNode load_file(const std::string& path);
  static ConfigNode load_string(const std::string& text, const std::string& name);

  ConfigNode(YAML::Node node, std::string file, std::string key_path);

  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_null() const { return !node_ || node_.IsNull(); }
  bool has(const std::string& key) const;

  // Scalars of this map. T is one of: std::string, std::int64_t, int, double, bool,
  // std::vector<std::string>, std::vector<double>.
  template <typename T>
  T get(const std::string& key, const T& fallback) const;
  template <typename T>
  T require(const std::string& key) const;
  // This node itself as a scalar.
  template <typename T>
  T as() const;

  ConfigNode child(const std::string& key) const;                   // required
  std::optional<ConfigNode> optional_child(const std::string& key) const;
  std::vector<ConfigNode> sequence(const std::string& key) const;   // required list
  std::vector<ConfigNode> elements() const;                         // this node as a list
  std::vector<std::string> keys() const;                            // this node's map keys, in order

  // Rejects keys of this map that were never read (unknown or misspelt keys).
  void finish() const;

  const std::string& key_path() const { return path_; }
  const std::string& file() const { return file_; }
  std::string place() const;  // file:line:column of this node
  std::string place_of(const std::string& key) const;
  [[noreturn]] void fail(const std::string& message) const;          // InputError at this node
  [[noreturn]] void fail_at(const std::string& key, const std::string& message) const;

 private:
  std::string child_path(const std::string& key) const;
  YAML::Node lookup(const std::string& key) const;

  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::shared_ptr<std::set<std::string>> used_;
};

}  // namespace xinzhi
