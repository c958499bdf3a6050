// What a model says about texts: its predictions over encoded examples (batched by similar
// length), the word tags of sentences from those predictions, and `xinzhi text predict`'s
// inputs (text lines, or JSON Lines with "text" or "words") labelled as JSON objects with
// labels, scores and (ner) entities with character offsets.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/data/examples.hpp"
#include "text/data/labels.hpp"
#include "text/model/model.hpp"
#include "text/tokenize/tokenizer.hpp"

namespace xinzhi::text {

// One example's prediction: token classification, its words' labels and scores; the other
// tasks, the label and score (classification) and the probabilities (or the regression value).
struct ExamplePrediction {
  std::vector<int32_t> labels;
  std::vector<float> scores, probs;
};
std::vector<ExamplePrediction> predict_examples(const Model& model, const std::vector<Example>& examples, size_t batch);

// Word-level tags of each sentence (lengths: its words) from window predictions ("O" where no
// window decided), and with `scores` the score of each tag.
std::vector<std::vector<std::string>> sentence_tags(const std::vector<Example>& examples,
                                                    const std::vector<ExamplePrediction>& predictions,
                                                    const std::vector<size_t>& lengths, const Labels& labels,
                                                    std::vector<std::vector<float>>* scores = nullptr);

// A text to label, and for a tagger its words with their character offsets in the text.
struct PredictInput {
  std::string text;
  std::string place;  // name:line, for messages
  std::vector<std::string> words;
  std::vector<std::pair<uint32_t, uint32_t>> offsets;  // code points, [begin, end) per word
};
// `content` (named `name` in messages): one input a line, plain text or a JSON object with
// "text" or "words" (pre-split). A tagger's plain texts are split into words by the
// tokenizer's basic tokenizer. Invalid UTF-8 or JSON is an InputError at name:line.
std::vector<PredictInput> read_predict_inputs(const std::string& content, const std::string& name,
                                              const BertTokenizer& tok, const ModelConfig& config);
// One JSON object per input: "text" and, by task, "words"/"labels"/"scores"/"entities" (ner),
// "label"/"score" and "top" (the top_k labels with their probabilities, most likely first)
// (classification), "labels"/"scores" (multi-label) or "value" (regression).
std::vector<nlohmann::ordered_json> predict(const Model& model, const BertTokenizer& tok,
                                            const std::vector<PredictInput>& inputs, size_t batch, size_t stride,
                                            size_t top_k = 3);

}  // namespace xinzhi::text
