// The label vocabulary of a model: label names in id order (the model's id2label) and the
// reverse map, and the label set a training set gives (labels come from the training set
// only, so that a dev or test label training never saw is reported, not silently learnt).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "text/data/data_set.hpp"
#include "text/model/model_config.hpp"

namespace xinzhi::text {

struct Labels {
  std::vector<std::string> names;
  std::map<std::string, int32_t> ids;
  int32_t add(const std::string& n);
  int32_t at(const std::string& n, const std::string& place) const;  // InputError when unseen
};

// The labels of a model's config.json, in id order.
Labels labels_of(const ModelConfig& config);

// The labels a training set gives a model for `task`: ner tags ordered B-X, I-X by entity type,
// then O and other tags (the order of the reports); none for masked LM on tagged words; the
// sorted names of the records' labels for text records. An InputError names the record that a
// classifier cannot use (not exactly one label) or a regression record without a number.
Labels training_labels(const TextData& train, Task task);

}  // namespace xinzhi::text
