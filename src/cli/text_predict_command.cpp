// `xinzhi text predict MODEL [INPUT] [-o OUT]`: texts (lines, or JSON Lines with "text" or
// "words") labelled by a model folder, one JSON object a line with labels, scores and (ner)
// entities with character offsets.
#include <iostream>
#include <iterator>

#include "cli/text_commands.hpp"
#include "core/fs.hpp"
#include "text/evaluate/prediction.hpp"
#include "text/model/model.hpp"
#include "text/model/model_folder.hpp"

namespace xinzhi::cli {

namespace {

struct PredictOptions {
  std::string model, input = "-", output = "-";
  size_t batch = 64, stride = 32;
};

void run_predict(const PredictOptions& o) {
  text::Model model = text::Model::load(o.model);
  auto tok = text::load_tokenizer(o.model, model.config());
  const bool from_stdin = o.input == "-";
  const std::string content = from_stdin ? std::string(std::istreambuf_iterator<char>(std::cin), {}) : read_file(o.input);
  const auto inputs = text::read_predict_inputs(content, from_stdin ? "stdin" : o.input, tok, model.config());
  std::string out;
  for (const auto& j : text::predict(model, tok, inputs, o.batch, o.stride)) out += j.dump() + "\n";
  if (o.output.empty() || o.output == "-") std::cout << out;
  else write_file_atomic(o.output, out);
}

}  // namespace

void add_text_predict_command(CLI::App& text) {
  auto po = std::make_shared<PredictOptions>();
  CLI::App* predict = text.add_subcommand("predict", "Label texts (lines or JSON Lines with \"text\" or \"words\"): "
                                                     "JSON Lines with labels, scores and entities with character offsets");
  predict->add_option("model", po->model, "Model folder")->required()->check(CLI::ExistingDirectory);
  predict->add_option("input", po->input, "Input file ('-' or absent: stdin)");
  predict->add_option("-o,--out", po->output, "Output file ('-': stdout)");
  predict->add_option("--batch-size", po->batch, "Examples per batch")->capture_default_str();
  predict->add_option("--stride", po->stride, "Overlap in tokens of the sliding windows over long texts")->capture_default_str();
  predict->callback([po] { run_predict(*po); });
}

}  // namespace xinzhi::cli
