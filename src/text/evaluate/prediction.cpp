#include "text/evaluate/prediction.hpp"

#include <algorithm>
#include <numeric>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/utf8.hpp"
#include "text/evaluate/metrics.hpp"

namespace xinzhi::text {

namespace {

// Examples are cut to this many tokens ([CLS] and [SEP] included); longer sentences are read
// in overlapping windows.
constexpr size_t kPredictLength = 128;

// The characters [begin, end) (code points) of a UTF-8 text.
std::string code_point_range(const std::string& text, uint32_t begin, uint32_t end) {
  std::string out;
  uint32_t ci = 0;
  for (size_t k = 0; k < text.size();) {
    auto c = static_cast<unsigned char>(text[k]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (ci >= begin && ci < end) out += text.substr(k, len);
    k += len, ++ci;
  }
  return out;
}

}  // namespace

std::vector<ExamplePrediction> predict_examples(const Model& model, const std::vector<Example>& ex, size_t batch) {
  const ModelConfig& cfg = model.config();
  std::vector<size_t> order(ex.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ex[a].ids.size() < ex[b].ids.size(); });
  std::vector<ExamplePrediction> out(ex.size());
  std::vector<Example> tmp;
  for (size_t i = 0; i < order.size(); i += batch) {
    tmp.clear();
    const size_t end = std::min(order.size(), i + batch);
    for (size_t k = i; k < end; ++k) tmp.push_back(ex[order[k]]);
    Batch b = make_batch(tmp, 0, tmp.size(), cfg.task, cfg.num_labels(), cfg.pad_token_id);
    Prediction p = model.predict(b);
    for (size_t r = 0; r < tmp.size(); ++r) {
      ExamplePrediction& e = out[order[i + r]];
      if (cfg.task == Task::token_classification) {
        for (size_t w = 0; w < tmp[r].word_pos.size(); ++w) {
          e.labels.push_back(p.labels[r * static_cast<size_t>(b.words) + w]);
          e.scores.push_back(p.scores[r * static_cast<size_t>(b.words) + w]);
        }
      } else {
        const size_t L = cfg.task == Task::regression ? 1 : static_cast<size_t>(cfg.num_labels());
        e.probs.assign(p.probs.begin() + static_cast<long>(r * L), p.probs.begin() + static_cast<long>((r + 1) * L));
        if (!p.labels.empty()) e.labels = {p.labels[r]}, e.scores = {p.scores[r]};
      }
    }
  }
  return out;
}

std::vector<std::vector<std::string>> sentence_tags(const std::vector<Example>& ex,
                                                    const std::vector<ExamplePrediction>& pred,
                                                    const std::vector<size_t>& lengths, const Labels& labels,
                                                    std::vector<std::vector<float>>* scores) {
  std::vector<std::vector<std::string>> out(lengths.size());
  if (scores) scores->assign(lengths.size(), {});
  for (size_t s = 0; s < lengths.size(); ++s) {
    out[s].assign(lengths[s], "O");
    if (scores) (*scores)[s].assign(lengths[s], 0.f);
  }
  for (size_t i = 0; i < ex.size(); ++i)
    for (size_t w = 0; w < ex[i].word_index.size(); ++w) {
      if (!ex[i].scored[w] || pred[i].labels[w] < 0) continue;
      out[static_cast<size_t>(ex[i].source)][static_cast<size_t>(ex[i].word_index[w])] =
          labels.names[static_cast<size_t>(pred[i].labels[w])];
      if (scores) (*scores)[static_cast<size_t>(ex[i].source)][static_cast<size_t>(ex[i].word_index[w])] = pred[i].scores[w];
    }
  return out;
}

std::vector<PredictInput> read_predict_inputs(const std::string& content, const std::string& name,
                                              const BertTokenizer& tok, const ModelConfig& config) {
  std::vector<PredictInput> inputs;
  for_each_line(content, [&](long line, std::string_view text) {
    std::string s(text);
    size_t bad = 0;
    if (!valid_utf8(s, &bad)) throw InputError(place(name, line, static_cast<long>(bad + 1)), "the text is not valid UTF-8");
    PredictInput in;
    if (!s.empty() && s[0] == '{') {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(s);
      } catch (const nlohmann::json::exception&) {
        throw InputError(place(name, line), "not a JSON object");
      }
      if (j.contains("words") && j["words"].is_array()) {
        uint32_t at = 0;
        for (auto& x : j["words"]) {
          if (!x.is_string()) throw InputError(place(name, line) + ": words", "must be strings");
          std::string ws = x;
          uint32_t n = 0;
          for (unsigned char ch : ws) n += (ch & 0xC0) != 0x80;
          in.words.push_back(ws), in.offsets.emplace_back(at, at + n);
          at += n + 1;
        }
        std::string joined;
        for (auto& x : in.words) joined += (joined.empty() ? "" : " ") + x;
        s = joined;
      } else if (j.contains("text") && j["text"].is_string()) {
        s = j["text"];
      } else {
        throw InputError(place(name, line), "needs \"text\" or \"words\"");
      }
    }
    if (in.words.empty() && config.task == Task::token_classification)
      for (auto& b : tok.basic_tokenize(s)) in.words.push_back(b.text), in.offsets.emplace_back(b.begin, b.end);
    in.text = std::move(s);
    in.place = place(name, line);
    inputs.push_back(std::move(in));
  });
  return inputs;
}

std::vector<nlohmann::ordered_json> predict(const Model& model, const BertTokenizer& tok,
                                            const std::vector<PredictInput>& inputs, size_t batch, size_t stride,
                                            size_t top_k) {
  const ModelConfig& cfg = model.config();
  const Labels labels = labels_of(cfg);
  const Labels none;  // inputs carry no gold labels
  std::vector<nlohmann::ordered_json> out;
  if (cfg.task == Task::token_classification) {
    std::vector<TaggedSentence> sents(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) sents[i].words = inputs[i].words, sents[i].tags.assign(inputs[i].words.size(), "O");
    auto ex = encode_tagged(tok, sents, none, kPredictLength, true, stride, false, cfg.word_shape);
    auto pred = predict_examples(model, ex, batch);
    std::vector<size_t> lengths;
    for (auto& in : inputs) lengths.push_back(in.words.size());
    std::vector<std::vector<float>> scores;
    auto tags = sentence_tags(ex, pred, lengths, labels, &scores);
    for (size_t i = 0; i < inputs.size(); ++i) {
      nlohmann::ordered_json j;
      j["text"] = inputs[i].text;
      j["words"] = inputs[i].words;
      j["labels"] = tags[i];
      j["scores"] = scores[i];
      j["entities"] = nlohmann::json::array();
      for (auto& e : extract_entities(tags[i], false)) {
        float sc = 1;
        for (size_t k = e.begin; k < e.end; ++k) sc = std::min(sc, scores[i][k]);
        const uint32_t b = inputs[i].offsets[e.begin].first, en = inputs[i].offsets[e.end - 1].second;
        j["entities"].push_back({{"type", e.type}, {"start", b}, {"end", en},
                                 {"text", code_point_range(inputs[i].text, b, en)}, {"score", sc}});
      }
      out.push_back(std::move(j));
    }
    return out;
  }
  std::vector<TextRecord> recs(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) recs[i].text = inputs[i].text, recs[i].place = inputs[i].place;
  auto ex = encode_records(tok, recs, Task::masked_lm, none, kPredictLength);
  auto pred = predict_examples(model, ex, batch);
  for (size_t i = 0; i < inputs.size(); ++i) {
    nlohmann::ordered_json j;
    j["text"] = inputs[i].text;
    if (cfg.task == Task::regression) {
      j["value"] = pred[i].probs[0];
    } else if (cfg.task == Task::multi_label) {
      std::vector<std::string> on;
      nlohmann::ordered_json sc;
      for (size_t k = 0; k < labels.names.size(); ++k) {
        sc[labels.names[k]] = pred[i].probs[k];
        if (pred[i].probs[k] >= 0.5f) on.push_back(labels.names[k]);
      }
      j["labels"] = on;
      j["scores"] = sc;
    } else {
      j["label"] = labels.names[static_cast<size_t>(pred[i].labels[0])];
      j["score"] = pred[i].scores[0];
      const auto& p = pred[i].probs;
      if (p.size() == labels.names.size()) {
        std::vector<size_t> order(p.size());
        for (size_t k = 0; k < order.size(); ++k) order[k] = k;
        const size_t n = std::min(top_k, order.size());
        std::partial_sort(order.begin(), order.begin() + static_cast<long>(n), order.end(),
                          [&](size_t a, size_t b) { return p[a] > p[b]; });
        nlohmann::ordered_json top = nlohmann::ordered_json::array();
        for (size_t k = 0; k < n; ++k) top.push_back({{"label", labels.names[order[k]]}, {"score", p[order[k]]}});
        j["top"] = top;
      }
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace xinzhi::text
