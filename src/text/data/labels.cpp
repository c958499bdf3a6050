#include "text/data/labels.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::text {

int32_t Labels::add(const std::string& n) {
  auto it = ids.find(n);
  if (it != ids.end()) return it->second;
  auto id = static_cast<int32_t>(names.size());
  names.push_back(n);
  ids.emplace(n, id);
  return id;
}

int32_t Labels::at(const std::string& n, const std::string& place) const {
  auto it = ids.find(n);
  if (it == ids.end())
    throw InputError(place, fmt::format("label '{}' was never seen in training (the model knows {} labels)", n, names.size()));
  return it->second;
}

Labels labels_of(const ModelConfig& config) {
  Labels l;
  for (const auto& n : config.labels) l.add(n);
  return l;
}

Labels training_labels(const TextData& train, Task task) {
  Labels labels;
  if (train.tagged) {
    if (task != Task::token_classification) return labels;  // masked LM on a tagged file: its words, tags unused
    std::set<std::string> names;
    for (const auto& s : train.sentences) names.insert(s.tags.begin(), s.tags.end());
    std::vector<std::string> v(names.begin(), names.end());
    auto key = [](const std::string& l) {
      return l.size() > 2 && l[1] == '-' ? std::make_tuple(0, l.substr(2), l[0] == 'B' ? 0 : 1) : std::make_tuple(1, l, 0);
    };
    std::sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
    for (const auto& n : v) labels.add(n);
    return labels;
  }
  std::set<std::string> names;
  for (const auto& r : train.records) {
    if (task == Task::regression && std::isnan(r.value)) throw InputError(r.place, "a regression example needs a number");
    if (task == Task::sequence_classification && r.labels.size() != 1) throw InputError(r.place, "needs exactly one label");
    names.insert(r.labels.begin(), r.labels.end());
  }
  for (const auto& n : names) labels.add(n);
  return labels;
}

}  // namespace xinzhi::text
